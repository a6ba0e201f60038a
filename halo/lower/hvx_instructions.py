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
full-range division takes a multiply, a shuffle and a shift. A load of a buffer this pipeline
allocates counts with the hull of the values stored into it (every element read was stored
first), so a vertical pass over a stored horizontal sum of uint8 divides this way too.

Only for targets with 128-byte HVX and vectors of one HVX register of 8-bit lanes; the code
generator prints the intrinsics as HVX instructions under __HVX__ and as shuffles elsewhere.
Runs after vectorize_loops (it rewrites vector IR)."""
import numpy as np

from ..ir import nodes as n
from ..ir.intrinsics import (DIV_BY_MULTIPLY, INTERLEAVED, NARROW_INTERLEAVED, WIDEN_ADD_DEINTERLEAVED,
                             WIDEN_DEINTERLEAVED)
from ..ir.types import Int, UInt
from ..ir.find import collect_stmts
from ..ir.visitor import Mutator
from ..poly.intervals import Bounds, Interval

_I32 = Int(32)

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


class _StoredValues:
    """The hull of the values stored into each buffer the pipeline allocates (and no DMA
    fills), as constants, or None; a buffer whose stores read it (an update) is unbounded."""

    def __init__(self, stmt):
        allocated = {a.name for a in collect_stmts(stmt, lambda x: type(x) is n.Allocate)}
        filled = {d.copy.local for d in collect_stmts(stmt, lambda x: type(x) is n.DmaStart)}
        self.stores = {}
        for st in collect_stmts(stmt, lambda x: type(x) is n.Store):
            if st.buffer in allocated and st.buffer not in filled:
                self.stores.setdefault(st.buffer, []).append(st.value)
        self.known = {}

    def __call__(self, buffer):
        if buffer not in self.known:
            self.known[buffer] = None  # while its own stores are bounded: a cycle is unbounded
            values = self.stores.get(buffer)
            if values:
                found = [self.bounds(v) for v in values]
                if all(f is not None for f in found):
                    self.known[buffer] = (min(lo for lo, _ in found), max(hi for _, hi in found))
        return self.known[buffer]

    def bounds(self, e):
        """Constant (lo, hi) of e with these buffers' loads bounded, or None."""
        scope = {}

        def named(x):
            if type(x) is n.Load:
                known = self(x.buffer)
                if known is not None:
                    name = f"halo.stored.{x.buffer}.{known[0]}.{known[1]}"
                    scope[name] = Interval(n.IntImm(_I32, known[0]), n.IntImm(_I32, known[1]))
                    return n.Variable(x.type, name)
            return None
        r = Bounds(scope)(_Loads(named).mutate(e))
        if type(r.lo) is n.IntImm and type(r.hi) is n.IntImm:
            return r.lo.value, r.hi.value
        return None


class _Loads(Mutator):
    def __init__(self, replace):
        self.replace = replace

    def visit_Load(self, e):
        got = self.replace(e)
        return e if got is None else got


def _division(e, a, stored):
    """div_by_multiply(a, ...) for e = (original dividend) / broadcast(d) of unsigned 16-bit
    lanes, or None."""
    if not (type(e.b) is n.Broadcast and type(e.b.value) is n.IntImm and e.type.is_uint() and e.type.bits == 16):
        return None
    d = e.b.value.value
    r = stored.bounds(e.a)
    if a is None or r is None or d < 2 or not d & (d - 1) or r[0] < 0 or r[1] >= 1 << 15:
        return None
    found = _multiplier(d, r[1])
    if found is None:
        return None
    m, k = found
    return _call(e.type, DIV_BY_MULTIPLY, a, n.IntImm(UInt(32), m), n.IntImm(UInt(32), k))


class _Deinterleave:
    """`e` (16-bit lanes) computed from deinterleaved leaves, or None where some leaf is not a
    widened vector or a broadcast."""

    def __init__(self, lanes, stored):
        self.lanes = lanes
        self.stored = stored
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
        if t is n.Div:
            found = _division(e, self(e.a), self.stored)
            if found is not None:
                return found
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
    def __init__(self, lanes, stored):
        self.lanes = lanes
        self.stored = stored

    def visit_Div(self, e):
        if e.type.lanes == self.lanes:
            found = _division(e, self.mutate(e.a), self.stored)
            if found is not None:
                return found
        return self.generic_visit(e)

    def visit_Cast(self, e):
        v = e.value.type
        if (e.type.lanes == self.lanes and e.type.is_integer() and e.type.bits == 8
                and v.is_integer() and v.bits == 16):
            deinterleave = _Deinterleave(self.lanes, self.stored)
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
            deinterleave = _Deinterleave(self.lanes, self.stored)
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
    return _Select(target.hvx_bytes, _StoredValues(stmt)).mutate(stmt)
