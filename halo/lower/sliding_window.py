"""Sliding window: a Func stored outside the serial loop it is computed in keeps what earlier
iterations produced, so each iteration produces only the part of its region that no earlier
iteration did (the line buffering of the UBWCDMA examples).

For each such Func, along the first dimension whose region moves with the loop, the region's
min becomes max(min, previous max + 1) after the first iteration. This is only done when isl
proves the region's min and max never decrease from one iteration to the next; otherwise the
Func is recomputed in full each iteration (still correct).
"""
from dataclasses import dataclass

from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, free_variables, substitute
from ..poly.isl_bridge import is_affine
from ..poly.regions import _Space
from .schedule_functions import V, loop_name, region_max, region_min

_I32 = Int(32)
_BOOL = Bool()


def _nondecreasing(namer, expr, var, lo, ext):
    """Whether expr(var + 1) >= expr(var) for every var in [lo, lo + ext - 2] (isl proof)."""
    nxt = substitute({var: n.Add(_I32, V(var), const(1))}, expr)
    if not (is_affine(expr) and is_affine(lo) and is_affine(ext)):
        return False
    sp = _Space(namer, [var], [expr, nxt, lo, ext])
    v = sp.var(var)
    dom = sp.universe() & v.ge_set(sp.pwaff(lo)) & v.lt_set(sp.pwaff(lo) + sp.pwaff(ext) - sp.const(1))
    decreasing = sp.pwaff(nxt).lt_set(sp.pwaff(expr)) & dom
    return decreasing.is_empty()


class _Slide(Mutator):
    def __init__(self, env, namer, slides):
        self.env = env
        self.namer = namer
        self.slides = slides  # loop name -> [func names]
        self.slid = {}        # func -> dimension that slides
        self.windows = {}     # func -> {dim: Window}

    def visit_For(self, s):
        body = self.mutate(s.body)
        funcs = self.slides.get(s.name)
        if funcs and s.kind == n.SERIAL:
            body = self._slide(s, body, funcs)
        return s if body is s.body else s.with_(body=body)

    def _slide(self, loop, body, funcs):
        lets = {}  # the loop's header and region lets, each in terms of the loop variable
        node = body
        while type(node) in (n.LetStmt, n.IfThenElse):
            if type(node) is n.LetStmt:
                lets[node.name] = simplify(substitute(lets, node.value))
                node = node.body
            else:
                node = node.then_case
        replace = {}
        for f in funcs:
            func = self.env.funcs[f]
            windows = self.windows.setdefault(f, {})
            for d in func._pure_names:
                mn_name, mx_name = region_min(f, 0, d), region_max(f, 0, d)
                if mn_name not in lets:
                    continue
                mn, mx = lets[mn_name], lets[mx_name]
                up = (_nondecreasing(self.namer, mn, loop.name, loop.min, loop.extent) and
                      _nondecreasing(self.namer, mx, loop.name, loop.min, loop.extent))
                moves = loop.name in free_variables(mn) or loop.name in free_variables(mx)
                windows[d] = Window(loop.name, loop.min, loop.extent, mn, mx, up, moves)
                if f in self.slid or not moves or not up:
                    continue
                prev_max = substitute({loop.name: n.Sub(_I32, V(loop.name), const(1))}, mx)
                first = n.LE(_BOOL, V(loop.name), loop.min)
                replace[mn_name] = simplify(n.Select(_I32, first, mn, n.Max(_I32, mn, n.Add(_I32, prev_max, const(1)))))
                self.slid[f] = d
        if not replace:
            return body
        return _ReplaceLets(replace).mutate(body)


class _ReplaceLets(Mutator):
    def __init__(self, values):
        self.values = values

    def visit_LetStmt(self, s):
        body = self.mutate(s.body)
        if s.name in self.values:
            return n.LetStmt(s.name, self.values[s.name], body)
        return s if body is s.body else s.with_(body=body)


@dataclass
class Window:
    """What one iteration of `loop` needs of a Func along one dimension: [min, max] (before
    sliding), whether both never decrease, and whether they move with the loop at all."""
    loop: str
    loop_min: object
    loop_extent: object
    min: object
    max: object
    nondecreasing: bool
    moves: bool


def sliding_window(stmt, env, namer):
    """Returns the statement, {func: dimension that slides} and {func: {dim: Window}} for every
    Func stored outside the loop it is computed in."""
    slides = {}
    for name, func in env.funcs.items():
        compute, store = env.compute[name], env.store[name]
        if compute.is_root() or func.has_update_definition():
            continue
        loop = loop_name(compute, env, name)
        store_loop = None if store.is_root() else loop_name(store, env, name)
        if loop is not None and store_loop != loop:
            slides.setdefault(loop, []).append(name)
    m = _Slide(env, namer, slides)
    out = m.mutate(stmt)
    return out, m.slid, m.windows
