"""A DMA region of a folded local buffer may run past the end of the fold: that part wraps to
the start of the fold, so it is a second transfer, on the slot's second handle (part 1).

    fs = min_d % F;  f1 = min(extent_d, F - fs)
    start part 0: extent_d = f1
    if (extent_d > f1) start part 1: min_d + f1, extent_d - f1, at offset - fs * stride_d
"""
from dataclasses import replace

from ..ir import nodes as n
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator

_I32 = Int(32)


class _Split(Mutator):
    def __init__(self, ctx):
        self.names = ctx.names

    def visit_Expr(self, e):
        return e

    def visit_DmaStart(self, s):
        if s.copy.fold is None or s.part:
            return s
        d, factor = s.copy.fold
        F = n.IntImm(_I32, factor)
        base = s.copy.func
        fs, fe, f1 = (self.names.fresh(base, w) for w in ("fold_start", "fold_extent", "fold_first"))
        V = lambda name: n.Variable(_I32, name)
        first = list(s.extents)
        first[d] = V(f1)
        second_mins = list(s.mins)
        second_mins[d] = n.Add(_I32, s.mins[d], V(f1))
        second_extents = list(s.extents)
        second_extents[d] = n.Sub(_I32, V(fe), V(f1))
        part0 = replace(s, extents=tuple(first))
        part1 = replace(s, part=1, mins=tuple(second_mins), extents=tuple(second_extents),
                        local_offset=n.Sub(_I32, s.local_offset, n.Mul(_I32, V(fs), s.local_strides[d])))
        body = n.block(part0, n.IfThenElse(n.GT(Bool(), V(fe), V(f1)), part1, None))
        body = n.LetStmt(f1, n.Min(_I32, V(fe), n.Sub(_I32, F, V(fs))), body)
        body = n.LetStmt(fe, s.extents[d], body)
        return n.LetStmt(fs, n.Mod(_I32, s.mins[d], F), body)


def split_fold_transfers(stmt, ctx):
    return _Split(ctx).mutate(stmt)
