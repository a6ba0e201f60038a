"""The errors halo raises. Every message names the Func and the directive or definition involved,
the rule that was broken and, where there are any, the legal alternatives."""


class HaloError(Exception):
    """Base class of every error halo raises on purpose."""


# Halide's name for it, so `except hl.HalideError` ports unchanged.
HalideError = HaloError


class DefinitionError(HaloError):
    """A Func, Var, RDom or expression is defined in a way halo cannot accept."""


class TypeMismatchError(DefinitionError):
    """Operand or definition types do not agree and halo will not convert them silently."""


class KernelError(DefinitionError):
    """A Compass DSL kernel (@S.prim_func) breaks a rule of the DSL: the message names the
    kernel, the source line, the buffers or events involved and the rule."""


class DataHazardError(KernelError):
    """A Compass kernel touches memory an asynchronous copy may still be moving: it reads the
    copy's destination, or writes its source or destination, before the copy's event is waited
    on, on some path of the kernel."""


class ScheduleError(HaloError):
    """A scheduling directive is illegal for this pipeline."""


class BoundsError(HaloError):
    """The region a Func needs cannot be bounded."""


class CompileError(HaloError):
    """The C compiler failed on generated code (a bug in halo: please report it)."""


class BuildError(HaloError):
    """Building C (the runtime, a test program, a Hexagon executable) failed, or, for
    warning-clean checks, the compiler said anything."""


class ToolMissingError(BuildError):
    """A compiler or emulator the build needs is not installed."""


class InternalError(HaloError):
    """halo broke one of its own invariants: a bug in halo (please report it)."""


class HaloRuntimeError(HaloError):
    """A compiled pipeline or a runtime call returned an error code: `code` is the
    halo_error_code_t value, `message` the runtime's message, `name` the code's name when the
    runtime gave one."""

    def __init__(self, code, message, name=None):
        super().__init__(f"{name} ({code}): {message}" if name else f"{message} (error {code})")
        self.code = code
        self.message = message
        self.name = name or f"halo error {code}"


class HaloWarning(UserWarning):
    """Something halo did that the user may not expect (for example interval bounds)."""
