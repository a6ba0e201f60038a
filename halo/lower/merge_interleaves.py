"""Interleave merging: k consecutive vector stores of one buffer at stride k whose bases are
b, b + 1, ..., b + k - 1 (the unrolled channels of an NV12 / P010 UV plane at k = 2, RGBA at
k = 4) become one dense store of the interleaved values. Interleaving the loads of the same
pattern gives back one dense load (the deinterleave on the load side cancels), and
interleaving equal operations is the operation of the interleaves, so a channel copy becomes
a dense copy. What stays is an interleave_vectors intrinsic the code generator emits as
shuffles. A stride known only at run time (a buffer's stride) is versioned: the merged store
runs when every variable stride of the stores and their loads equals k, the stores as they
were otherwise. Runs after vectorize_loops; merged vectors keep a power-of-two lane count."""
from ..ir import nodes as n
from ..ir.intrinsics import INTERLEAVE
from ..ir.simplify import simplify
from ..ir.find import collect, contains
from ..ir.types import Bool
from ..ir.visitor import Mutator, substitute

_STRIDES = (2, 4)
_ELEMENTWISE = (n.Add, n.Sub, n.Mul, n.Min, n.Max, n.BitAnd, n.BitOr, n.BitXor)


def _offset(a, b):
    """b - a as an int when it is a constant, else None."""
    d = simplify(b - a)
    return d.value if type(d) is n.IntImm else None


def _strided(index, k):
    return type(index) is n.Ramp and type(index.stride) is n.IntImm and index.stride.value == k


def _channels(indices, k):
    """Whether Ramp `indices` are k stride-k ramps at bases b, b + 1, ..., b + k - 1."""
    return (len(indices) == k and all(_strided(i, k) for i in indices)
            and all(_offset(indices[0].base, i.base) == j for j, i in enumerate(indices)))


def _dense(base, lanes):
    return n.Ramp(base.type.with_lanes(lanes), base, n.IntImm(base.type, 1), lanes)


def interleave(values):
    """The interleave of equal-typed vectors, with the rewrites that cancel it."""
    k, first = len(values), values[0]
    lanes = first.type.lanes * k
    t = first.type.with_lanes(lanes)
    kinds = {type(v) for v in values}
    if kinds == {n.Load} and len({v.buffer for v in values}) == 1 and _channels([v.index for v in values], k):
        return n.Load(t, first.buffer, _dense(first.index.base, lanes))
    if kinds == {n.Broadcast} and all(n.equal(v.value, first.value) for v in values):
        return n.Broadcast(t, first.value, lanes)
    if len(kinds) == 1 and type(first) in _ELEMENTWISE:
        return first.with_(type=t, a=interleave([v.a for v in values]), b=interleave([v.b for v in values]))
    if kinds == {n.Cast} and len({v.value.type for v in values}) == 1:
        return n.Cast(t, interleave([v.value for v in values]))
    return n.Call(t, INTERLEAVE, tuple(values), n.INTRINSIC)


def _continues(after, first, k):
    """Whether the statement in `after` (a list of at most one) stores channel k of `first`'s run."""
    return (len(after) == 1 and type(after[0]) is n.Store and after[0].buffer == first.buffer
            and type(after[0].index) is n.Ramp and _offset(first.index.base, after[0].index.base) == k)


def _reads(e, buffer):
    return contains(e, lambda x: type(x) is n.Load and x.buffer == buffer)


class _Merge(Mutator):
    def visit_Block(self, s):
        stmts = [self.mutate(c) for c in s.stmts]
        out, i = [], 0
        while i < len(stmts):
            merged = self._merge_at(stmts, i)
            if merged is None:
                out.append(stmts[i])
                i += 1
            else:
                out.append(merged[0])
                i += merged[1]
        return n.block(*out)

    def _merge_at(self, stmts, i):
        first = stmts[i]
        if type(first) is not n.Store or type(first.index) is not n.Ramp:
            return None
        if type(first.index.stride) is n.IntImm:
            return self._merge(stmts[i:i + first.index.stride.value], first.index.stride.value)
        if type(first.index.stride) is not n.Variable:
            return None
        for k in _STRIDES:
            run = stmts[i:i + k]
            if _continues(stmts[i + k:i + k + 1], first, k) or _continues(stmts[max(i - 1, 0):i], first, -1):
                continue  # more channels than k: the stride cannot be k
            strides = {r.stride.name: r.stride for r in collect(n.block(*run), lambda x: type(x) is n.Ramp
                                                               and type(x.stride) is n.Variable)}
            merged = self._merge([substitute({v: n.IntImm(e.type, k) for v, e in strides.items()}, s)
                                  for s in run], k)
            if merged is not None:
                cond = None
                for e in strides.values():
                    eq = n.EQ(Bool(), e, n.IntImm(e.type, k))
                    cond = eq if cond is None else n.And(Bool(), cond, eq)
                return n.IfThenElse(cond, merged[0], n.block(*run)), k
        return None

    def _merge(self, run, k):
        first = run[0]
        if k not in _STRIDES or len(run) < k or any(type(s) is not n.Store or s.buffer != first.buffer for s in run):
            return None
        if len({s.value.type for s in run}) != 1 or not _channels([s.index for s in run], k):
            return None
        if any(_reads(s.value, first.buffer) for s in run):
            return None  # a later channel's value may read what an earlier store wrote
        lanes = first.index.lanes * k
        return n.Store(first.buffer, _dense(first.index.base, lanes), interleave([s.value for s in run])), k

    def visit_Expr(self, e):
        return e


def merge_interleaves(stmt, ctx):
    return _Merge().mutate(stmt)
