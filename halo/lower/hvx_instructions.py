"""HVX instruction selection for widened arithmetic: a vector of 8-bit lanes narrowed from 16-bit
lane-wise arithmetic whose vector leaves are widened 8-bit vectors, cast(u8, (cast(u16, a) +
cast(u16, b) + ...) / 9) say, is computed in the lane order HVX's widening instructions produce
(even lanes in the low vector, odd in the high: vaddubh / vzxt need no shuffle) and brought back
to lane order once, by the narrowing (vshuffeb). Lane-wise operations and broadcasts do not care
about the order, so only the leaves and the narrowing change:

    cast(u16, a) + cast(u16, b) -> widen_add_deinterleaved(a, b)
    cast(u16, a)                -> widen_deinterleaved(a)
    cast(u8, v)                 -> narrow_interleaved(v')
    store of a 16-bit v         -> store of interleaved(v') (a stored widened sum: one vshuff
                                   where widening in lane order takes a vunpack per leaf)

A division by a constant whose dividend provably stays below 2^15 (poly.intervals) becomes one
widening multiply and one narrowing shift per vector (div_by_multiply), where the C compiler's
full-range division takes a multiply, a shuffle and a shift.

Only for targets with 128-byte HVX and vectors of one HVX register of 8-bit lanes; the code
generator prints the intrinsics as HVX instructions under __HVX__ and as shuffles elsewhere.
Runs after vectorize_loops (it rewrites vector IR)."""
import numpy as np

from ..ir import nodes as n
from ..ir.intrinsics import (DIV_BY_MULTIPLY, INTERLEAVED, NARROW_INTERLEAVED, WIDEN_ADD_DEINTERLEAVED,
                             WIDEN_DEINTERLEAVED)
from ..ir.types import UInt
from ..ir.visitor import Mutator
from ..poly.intervals import Bounds

# lane-wise operations: the result's lane i depends on the operands' lanes i only
_LANEWISE = (n.Add, n.Sub, n.Mul, n.Div, n.Mod, n.Min, n.Max, n.BitAnd, n.BitOr, n.BitXor, n.Shl, n.Shr)


def _call(t, name, *args):
    return n.Call(t, name, args, n.INTRINSIC)


def _widened(e, lanes):
    """The 8-bit vector e = cast(16 bits, x) widens, or None."""
    if type(e) is n.Cast and e.type.bits == 16 and e.type.is_integer():
        x = e.value.type
        if x.is_uint() and x.bits == 8 and x.lanes == lanes:
            return e.value
    return None


def _multiplier(d, most):
    """(m, k) with (v * m) >> k == v // d for every v in [0, most], k < 16 (HVX's narrowing shift
    takes 4 bits) and v * m < 2^31 (the shift reads signed words); or None."""
    v = np.arange(most + 1, dtype=np.int64)
    for k in range(1, 16):
        m = -(-(1 << k) // d)
        if most * m < 1 << 31 and np.array_equal((v * m) >> k, v // d):
            return m, k
    return None


class _Deinterleave:
    """`e` (16-bit lanes) computed from deinterleaved leaves, or None where some leaf is not a
    widened vector or a broadcast."""

    def __init__(self, lanes):
        self.lanes = lanes
        self.widened = 0

    def __call__(self, e):
        t = type(e)
        if t is n.Broadcast:
            return e
        x = _widened(e, self.lanes)
        if x is not None:
            self.widened += 1
            return _call(e.type, WIDEN_DEINTERLEAVED, x)
        if t not in _LANEWISE:
            return None
        if t is n.Div and e.type.is_uint() and type(e.b) is n.Broadcast and type(e.b.value) is n.IntImm:
            a = self(e.a)
            d = e.b.value.value
            hi = Bounds({})(e.a).hi
            found = (_multiplier(d, hi.value) if a is not None and d > 1 and d & (d - 1)
                     and type(hi) is n.IntImm and hi.value < 1 << 15 else None)
            if found is not None:
                m, k = found
                return _call(e.type, DIV_BY_MULTIPLY, a, n.IntImm(UInt(32), m), n.IntImm(UInt(32), k))
        if t is n.Add:
            xa, xb = _widened(e.a, self.lanes), _widened(e.b, self.lanes)
            if xa is not None and xb is not None:
                self.widened += 2
                return _call(e.type, WIDEN_ADD_DEINTERLEAVED, xa, xb)
            # (s + cast(a)) + cast(b) -> s + widen_add(a, b): wrapping sums reassociate, and a
            # sum of many widened terms pairs them all
            if xb is not None and type(e.a) is n.Add:
                xa = _widened(e.a.b, self.lanes)
                s = self(e.a.a) if xa is not None else None
                if s is not None:
                    self.widened += 2
                    return e.with_(a=s, b=_call(e.type, WIDEN_ADD_DEINTERLEAVED, xa, xb))
        a = self(e.a)
        b = self(e.b) if a is not None else None
        return None if b is None else e.with_(a=a, b=b)


class _Select(Mutator):
    def __init__(self, lanes):
        self.lanes = lanes

    def visit_Cast(self, e):
        v = e.value.type
        if (e.type.lanes == self.lanes and e.type.is_integer() and e.type.bits == 8
                and v.is_integer() and v.bits == 16):
            deinterleave = _Deinterleave(self.lanes)
            value = deinterleave(e.value)
            # one widened leaf at least: a narrowing of broadcasts alone gains nothing
            if value is not None and deinterleave.widened:
                # the leaves' operands may hold narrowings of their own
                return _call(e.type, NARROW_INTERLEAVED, self.mutate(value))
        return self.generic_visit(e)

    def visit_Store(self, s):
        t = s.value.type
        if t.lanes == self.lanes and t.is_integer() and t.bits == 16:
            lets, value = [], s.value
            while type(value) is n.Let:
                lets.append(value)
                value = value.body
            deinterleave = _Deinterleave(self.lanes)
            order = deinterleave(value)
            if order is not None and deinterleave.widened:
                value = _call(t, INTERLEAVED, self.mutate(order))
                for let in reversed(lets):
                    value = let.with_(value=self.mutate(let.value), body=value)
                return s.with_(index=self.mutate(s.index), value=value)
        return self.generic_visit(s)


def select_hvx_instructions(stmt, ctx):
    target = ctx.target
    if target.arch != "hexagon" or target.hvx_bytes != 128:
        return stmt
    return _Select(target.hvx_bytes).mutate(stmt)
