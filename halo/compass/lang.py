"""What a kernel's author touches: S.ptr and the scalar types (evaluated by Python, as
parameter annotations), and the DSL's calls. The calls only have a meaning inside an
@S.prim_func, which is parsed, never run: called from Python they raise."""
from dataclasses import dataclass

from ..errors import KernelError
from .nodes import DTYPES


def _dtype(dtype, what):
    if dtype not in DTYPES:
        raise KernelError(f"{what}: dtype {dtype!r} is not one of the DSL's {', '.join(DTYPES)}")
    return dtype


def scopes():
    """The pointer scopes the Compass runtime knows."""
    from ..runtime import compass
    return tuple(compass.SCOPES)


def check_scope(scope, what, allowed=None):
    allowed = scopes() if allowed is None else allowed
    if scope not in allowed:
        raise KernelError(f"{what}: scope {scope!r} is not one of {', '.join(allowed)}")
    return scope


@dataclass(frozen=True)
class PtrType:
    """S.ptr(dtype, scope): a pointer to dtype elements in memory of `scope`."""
    dtype: str
    scope: str


def ptr(dtype, scope="global"):
    return PtrType(_dtype(dtype, "S.ptr"), check_scope(scope, "S.ptr"))


@dataclass(frozen=True)
class ScalarType:
    """A scalar parameter's annotation (S.i32); inside a kernel, S.i32(x) is a cast."""
    dtype: str

    def __call__(self, value):
        raise _outside(self.dtype)


i8, u8, i16, u16 = ScalarType("int8"), ScalarType("uint8"), ScalarType("int16"), ScalarType("uint16")
i32, u32 = ScalarType("int32"), ScalarType("uint32")
fp16, fp32 = ScalarType("float16"), ScalarType("float32")


def _outside(name):
    return KernelError(f"S.{name} has a meaning only inside an @S.prim_func kernel (which halo "
                       f"parses and compiles); it cannot be called from Python")


def _builtin(name):
    def call(*args, **kwargs):
        raise _outside(name)
    call.__name__ = call.__qualname__ = name
    return call


BUILTINS = ("match_buffer", "alloc_buffer", "dma_copy", "async_dma_copy", "alloc_events",
            "wait_events", "free_events", "cast", "min", "max", "vectorized", "unroll")
_calls = {name: _builtin(name) for name in BUILTINS}
match_buffer, alloc_buffer = _calls["match_buffer"], _calls["alloc_buffer"]
dma_copy, async_dma_copy = _calls["dma_copy"], _calls["async_dma_copy"]
alloc_events, wait_events, free_events = (_calls["alloc_events"], _calls["wait_events"],
                                          _calls["free_events"])
cast, vectorized, unroll = _calls["cast"], _calls["vectorized"], _calls["unroll"]
min, max = _calls["min"], _calls["max"]  # noqa: A001 (the DSL's names)
# The seed's own spelling in one example ("S.wati_events(ev0)") is read as wait_events.
wati_events = wait_events


def builtin_name(obj):
    """The DSL call `obj` is (by identity), or None."""
    for name, f in _calls.items():
        if obj is f:
            return name
    return None
