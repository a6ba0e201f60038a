"""The Compass DSL's kernel language, imported as the seed does: `import halo.compass as S`.

    @S.prim_func
    def func(a: S.ptr("int8", "global"), n: S.i32):
        buffer_src = S.match_buffer(a, (100,))
        buffer_dst = S.alloc_buffer((100,), "int8", scope="lsram")
        S.dma_copy(buffer_dst, buffer_src, 100)
        ...

The decorated function is parsed (parse.py), its rules checked (check.py) and its paths walked
for event misuse and data hazards (hazards.py) when it is decorated; a walk that needs the
scalars of a call is done again at each call with new ones. Calling it with numpy arrays (for
pointers) and numbers (for scalars) compiles it to C once (codegen.py, cached like every halo
pipeline) and runs it on the arrays; `interpret(...)` runs the Python reference (interp.py)."""
import threading

import numpy as np

from ..errors import KernelError
from ..jit import compiler
from . import check, codegen, hazards, interp
from .lang import (PtrType, ScalarType, alloc_buffer, alloc_events, async_dma_copy, cast,
                   dma_copy, fp16, fp32, free_events, i8, i16, i32, match_buffer, max, min, ptr,
                   u8, u16, u32, unroll, vectorized, wait_events, wati_events)
from .parse import parse

__all__ = ["prim_func", "PrimFunc", "ptr", "PtrType", "ScalarType", "i8", "u8", "i16", "u16", "i32",
           "u32", "fp16", "fp32", "match_buffer", "alloc_buffer", "dma_copy", "async_dma_copy",
           "alloc_events", "wait_events", "wati_events", "free_events", "cast", "min", "max",
           "vectorized", "unroll"]


def _event_limit():
    from ..runtime import compass
    return compass.event_limit()


class PrimFunc:
    """A parsed and checked kernel; call it to run the compiled C."""

    def __init__(self, fn):
        self.__wrapped__ = fn
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__
        self.kernel = parse(fn)
        check.check(self.kernel)
        self._walked = set()
        self._lock = threading.Lock()
        self._compiled = None
        try:
            hazards.walk(self.kernel, event_limit=_event_limit())
            self._needs_values = False
        except hazards.NeedsValues:
            self._needs_values = True

    @property
    def c_source(self):
        return codegen.generate(self.kernel)[0]

    def _bind(self, args):
        k = self.kernel
        if len(args) != len(k.params):
            raise KernelError(f"{k.where(k.line)}: takes {len(k.params)} arguments "
                              f"({', '.join(p.name for p in k.params)}), got {len(args)}")
        arrays, scalars = {}, {}
        for p, a in zip(k.params, args):
            want = p.type.numpy_dtype()
            if p.is_pointer:
                if not isinstance(a, np.ndarray) or a.dtype != want or not a.flags.c_contiguous \
                        or not a.flags.writeable:
                    got = f"{a.dtype} array" if isinstance(a, np.ndarray) else type(a).__name__
                    raise KernelError(f"{k.where(k.line)}: argument {p.name} must be a writeable C-contiguous "
                                      f"numpy array of {want} (S.ptr({str(want)!r}, {p.scope!r})), not {got}")
                arrays[p.name] = a
            else:
                if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, float, np.number)) or \
                        p.type.is_integer() and (float(a) != int(a) or not p.type.can_represent(int(a))):
                    raise KernelError(f"{k.where(k.line)}: argument {p.name} must be a {want} number, not {a!r}")
                scalars[p.name] = int(a) if p.type.is_integer() else float(np.float32(a))
        if self._needs_values:
            key = (tuple(sorted(scalars.items())), tuple(sorted((n, a.size) for n, a in arrays.items())))
            if key not in self._walked:
                hazards.walk(k, scalars, {n: a.size for n, a in arrays.items()}, _event_limit())
                self._walked.add(key)
        return arrays, scalars

    def _library(self):
        with self._lock:
            if self._compiled is None:
                source, sig = codegen.generate(self.kernel)
                self._compiled = compiler.load(source, codegen.fn_name(self.kernel), sig)[0]
            return self._compiled

    def __call__(self, *args):
        from ..runtime import check as check_rc
        arrays, scalars = self._bind(args)
        ffi, lib = self._library()
        c_args = [ffi.NULL]
        for p in self.kernel.params:
            if p.is_pointer:
                a = arrays[p.name]
                c_args += [ffi.cast("void *", a.ctypes.data), a.size]
            else:
                c_args.append(scalars[p.name])
        check_rc(getattr(lib, codegen.fn_name(self.kernel))(*c_args))

    def interpret(self, *args):
        """Runs the pure-Python interpretation on the arrays (the tests' reference)."""
        arrays, scalars = self._bind(args)
        interp.interpret(self.kernel, arrays, scalars)


def prim_func(fn):
    return PrimFunc(fn)
