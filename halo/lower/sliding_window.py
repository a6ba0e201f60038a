"""Sliding window: a Func stored outside the serial loop it is computed in keeps what earlier
iterations produced, so each iteration produces only the part of its region that no earlier
iteration did (the line buffering of the UBWCDMA examples).

Along the first dimension whose region moves with the loop, the region's min becomes
max(min, previous max + 1) after the first iteration. This is only done when isl proves the
region's min and max never decrease from one iteration to the next; otherwise the Func is
recomputed in full each iteration (still correct).
"""
from ..ir import nodes as n
from ..ir.names import RegionBound
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, substitute
from ..poly.windows import nondecreasing, placement, windows

_I32 = Int(32)
_BOOL = Bool()


def _slid_min(w):
    v = n.Variable(_I32, w.loop)
    prev_max = substitute({w.loop: n.Sub(_I32, v, n.IntImm(_I32, 1))}, w.max)
    first = n.LE(_BOOL, v, w.loop_min)
    return simplify(n.Select(_I32, first, w.min, n.Max(_I32, w.min, n.Add(_I32, prev_max, n.IntImm(_I32, 1)))))


class _ReplaceLets(Mutator):
    def __init__(self, values):
        self.values = values

    def visit_LetStmt(self, s):
        body = self.mutate(s.body)
        if s.name in self.values:
            return n.LetStmt(s.name, self.values[s.name], body)
        return s if body is s.body else s.with_(body=body)

    def visit_Expr(self, e):
        return e


def sliding_window(stmt, ctx):
    env = ctx.env
    replace = {}
    for name in env.order:
        f = env.function(name)
        if env.compute[name].is_root() or f.has_updates():
            continue
        p = placement(stmt, name)
        if p is None or not p.stored_outside or p.loop.kind != n.SERIAL:
            continue
        for d, w in windows(stmt, name, f.args).items():
            if w.moves and nondecreasing(ctx.isl, w.min, w.loop, w.loop_min, w.loop_extent) and \
                    nondecreasing(ctx.isl, w.max, w.loop, w.loop_min, w.loop_extent):
                replace[RegionBound(name, 0, d, "min")] = _slid_min(w)
                break
    return _ReplaceLets(replace).mutate(stmt) if replace else stmt
