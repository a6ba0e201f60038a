"""Fresh names for anonymous Vars, Funcs and RDoms (Halide style: "_0", "f1", ...), and the
generation counter of the front end's definitions and schedules."""
import itertools
import re

from ..errors import DefinitionError

_counter = itertools.count()
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}\Z")


def user_name(name, what, default_prefix):
    """The name a user gave a Var, Func, RDom, Param, ImageParam or Buffer (or a fresh one).
    Names become C identifiers, C strings and runtime error messages, so they are checked here,
    once: a letter or '_', then letters, digits, '_' or '$', at most 255 characters."""
    if name is None:
        return unique_name(default_prefix)
    if not isinstance(name, str):
        raise DefinitionError(f"{what} name must be a string, got {type(name).__name__} {name!r}")
    if not _NAME.match(name):
        raise DefinitionError(
            f"{what} name {name!r} is not a valid name: use a letter or '_' followed by letters, digits, "
            f"'_' or '$' (at most 255 characters), e.g. {_suggest(name)!r}")
    return name


_C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}\Z")
_C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
_Static_assert _Thread_local main bool true false""".split())
# Generated C links against halo's runtime: its symbols and the JIT's own names use these.
RUNTIME_PREFIXES = ("halo_", "_halo")


def c_function_name(name):
    """`name` checked as the name of a generated C function: a C identifier that is not a
    keyword, not main and not in the runtime's namespace."""
    if not isinstance(name, str) or not _C_IDENTIFIER.match(name) or name in _C_KEYWORDS \
            or name.startswith(RUNTIME_PREFIXES) or name.startswith("__"):
        raise DefinitionError(
            f"fn_name {name!r} cannot name a C function: use a C identifier (letters, digits, '_') that is "
            f"not a C keyword or main and does not start with {' or '.join(RUNTIME_PREFIXES)} (the runtime's) "
            f"or '__': pass fn_name=, e.g. fn_name={'pipeline_' + re.sub(r'[^A-Za-z0-9_]', '_', str(name)).lstrip('_')!r}")
    return name


def _suggest(name):
    s = re.sub(r"[^A-Za-z0-9_$]", "_", name)[:255]
    return s if s and not s[0].isdigit() and s[0] != "$" else f"_{s}"[:255]


class Name(str):
    """The name of a Var or RVar: a str (halo's IR reads v.name), and v.name() as in Halide's
    bindings."""
    __slots__ = ()

    def __call__(self):
        return str(self)


def unique_name(prefix):
    return f"{prefix}{next(_counter)}"


_generations = itertools.count(1)
_generation = 0


def changed():
    """Record that a definition, schedule or buffer constraint changed somewhere (compiled
    pipelines check it before reusing what they compiled)."""
    global _generation
    _generation = next(_generations)


def generation():
    return _generation
