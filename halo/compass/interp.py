"""A pure-Python interpretation of a Kernel over numpy arrays: the reference the compiled kernels
are tested against. Arithmetic is halo's constant folding (ir/simplify.fold_binary: wrapping
integers, floor division, x / 0 == 0), with float32 results rounded to float32. Copies run when
they are issued: for a kernel free of data hazards (hazards.py proves it) that is the same as
running beside the computation."""
import numpy as np

from ..errors import HaloRuntimeError, KernelError
from ..ir import nodes as n
from ..ir.names import Derived
from ..ir.operators import wrap_int
from ..ir.simplify import fold_binary
from . import check
from .nodes import AllocEvents, At, DmaCopy


def _round(t, v):
    if t.is_float():
        return float(np.float32(v)) if t.bits == 32 else float(np.float16(v))
    return v


class Interpreter:
    def __init__(self, kernel, arrays, scalars):
        self.k = kernel
        self.mem = {}
        self.env = dict(scalars)
        for b in kernel.buffers:
            if b.kind == "param":
                self.mem[b.name] = arrays[b.name].reshape(-1)
                self.env[Derived(b.name, "size")] = arrays[b.name].size
            elif b.kind == "view":
                self.mem[b.name] = self.mem[b.base]
            else:
                size = int(self.eval(b.size()))
                self.mem[b.name] = np.zeros(size, dtype=b.type.numpy_dtype())
        self.line = kernel.line

    def run(self):
        self.stmt(self.k.body)

    # ---- expressions ----
    def eval(self, e):
        t = type(e)
        if t in (n.IntImm, n.FloatImm):
            return e.value
        if t is n.Variable:
            return self.env[e.name]
        if t is n.Load:
            return self.load(e.buffer, self.eval(e.index))
        if t is n.Cast:
            v = self.eval(e.value)
            if e.type.is_float():
                return _round(e.type, float(v))
            if e.type.is_bool():
                return int(v != 0)
            return wrap_int(int(v), e.type)
        if t is n.Not:
            return 1 - self.eval(e.a)
        if t is n.Select:
            return self.eval(e.true_value) if self.eval(e.cond) else self.eval(e.false_value)
        if t is n.And:
            return int(bool(self.eval(e.a)) and bool(self.eval(e.b)))
        if t is n.Or:
            return int(bool(self.eval(e.a)) or bool(self.eval(e.b)))
        if isinstance(e, n.BinOp):
            r = fold_binary(t, e.a.type, self.eval(e.a), self.eval(e.b))
            if r is None:
                raise KernelError(f"{self.k.where(self.line)}: {e} has no value (a shift by more than "
                                  f"the type's bits)")
            return _round(e.type, r.value) if type(r) is n.FloatImm else r.value
        raise KernelError(f"{self.k.where(self.line)}: the interpreter cannot evaluate {e}")

    def load(self, buffer, i):
        arr = self.mem[buffer]
        if not 0 <= i < self._size(buffer):
            raise KernelError(f"{self.k.where(self.line)}: {buffer}[{i}] is outside {buffer}, which has "
                              f"{self._size(buffer)} elements")
        v = arr[i]
        return float(v) if arr.dtype.kind == "f" else int(v)

    def _size(self, buffer):
        b = self.k.buffer(buffer)
        return self.mem[buffer].size if b.shape is None else int(self.eval(b.size()))

    # ---- statements ----
    def stmt(self, s):
        t = type(s)
        if t is At:
            self.line = s.line
            self.stmt(s.body)
        elif t is n.Block:
            for c in s.stmts:
                self.stmt(c)
        elif t is n.Store:
            i = self.eval(s.index)
            if not 0 <= i < self._size(s.buffer):
                raise KernelError(f"{self.k.where(self.line)}: {s.buffer}[{i}] is outside {s.buffer}, "
                                  f"which has {self._size(s.buffer)} elements")
            self.mem[s.buffer][i] = self.eval(s.value)
        elif t is n.For:
            lo = self.eval(s.min)
            for i in range(lo, lo + self.eval(s.extent)):
                self.env[s.name] = i
                self.stmt(s.body)
        elif t is n.IfThenElse:
            if self.eval(s.cond):
                self.stmt(s.then_case)
            elif s.else_case is not None:
                self.stmt(s.else_case)
        elif t is DmaCopy:
            self.copy(s)
        elif t is AllocEvents:
            return  # events order copies; copies here complete when issued
        # Evaluate (no-op), WaitEvents, FreeEvents: nothing to do once copies are complete

    def copy(self, s):
        where = self.k.where(self.line)
        for rule in check.copy_rules(self.k, s):
            if not self.eval(rule.cond):
                raise HaloRuntimeError(-1, rule.message(where, [self.eval(a) for a in rule.args]))
        width, times = self.eval(s.width), self.eval(s.times)
        ss, ds = self.eval(s.src_stride), self.eval(s.dst_stride)
        src, dst = self.mem[s.src.buffer], self.mem[s.dst.buffer]
        so, do = self.eval(s.src.offset), self.eval(s.dst.offset)
        for r in range(times if width > 0 else 0):
            dst[do + r * ds:do + r * ds + width] = src[so + r * ss:so + r * ss + width]


def interpret(kernel, arrays, scalars):
    """Runs `kernel` on numpy arrays (name -> array, written in place) and scalars (name -> value)."""
    Interpreter(kernel, arrays, scalars).run()
