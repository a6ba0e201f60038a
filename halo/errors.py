"""The errors halo raises. Every message names the Func and the directive or definition involved,
the rule that was broken and, where there are any, the legal alternatives."""


class HaloError(Exception):
    """Base class of every error halo raises on purpose."""


class DefinitionError(HaloError):
    """A Func, Var, RDom or expression is defined in a way halo cannot accept."""


class TypeMismatchError(DefinitionError):
    """Operand or definition types do not agree and halo will not convert them silently."""


class ScheduleError(HaloError):
    """A scheduling directive is illegal for this pipeline."""


class BoundsError(HaloError):
    """The region a Func needs cannot be bounded."""


class CompileError(HaloError):
    """The C compiler failed on generated code (a bug in halo: please report it)."""


class HaloRuntimeError(HaloError):
    """A compiled pipeline or the runtime returned an error code."""

    def __init__(self, code, message):
        super().__init__(f"{message} (error {code})")
        self.code = code
        self.message = message


class HaloWarning(UserWarning):
    """Something halo did that the user may not expect (for example interval bounds)."""
