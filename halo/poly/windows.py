"""Windows: what one iteration of a Func's compute loop needs of it, for a Func stored outside
the loop it is computed in (line buffers, folded tiles), read from the loop nest after bounds
inference; and the isl proofs storage folding, sliding window and async make about them."""
from dataclasses import dataclass

from ..ir import nodes as n
from ..ir.find import is_pair, path_to
from ..ir.names import RegionBound
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import free_variables, substitute
from .isl_bridge import is_affine

_I32 = Int(32)


@dataclass(frozen=True)
class Placement:
    """Where Func `func` is: its compute loop (None at the root), the loops between its storage
    and its produce block (outermost first; `loop` is the last) and whether it is stored
    outside its compute loop."""
    func: str
    loop: object         # the For it is computed in, or None
    between: tuple       # names of the loops between its Realize and its produce block
    stored_outside: bool
    lets: dict           # name -> value of the lets from the compute loop down to the pair,
                         # each in terms of the loop variable (its region symbols among them)


def placement(stmt, func):
    path = path_to(stmt, lambda s: is_pair(s, func))
    if path is None:
        return None
    loop, realize_at, between, lets = None, None, [], {}
    for s in path:
        if type(s) is n.Realize and s.name == func:
            realize_at = len(between)
        elif type(s) is n.For:
            loop = s
            between.append(s.name)
            lets = {}
        elif type(s) is n.LetStmt:
            lets[s.name] = simplify(substitute(lets, s.value))
    start = realize_at if realize_at is not None else 0
    stored_outside = loop is not None and (realize_at is None or realize_at < len(between))
    return Placement(func, loop, tuple(between[start:]), stored_outside, lets)


@dataclass(frozen=True)
class Window:
    """What one iteration of `loop` needs of a Func along one dimension: [min, max] (before
    sliding), in terms of the loop variable."""
    loop: object        # loop variable name
    loop_min: object
    loop_extent: object
    min: object
    max: object

    @property
    def moves(self):
        return self.loop in free_variables(self.min) or self.loop in free_variables(self.max)


def windows(stmt, func, dims):
    """{dimension name: Window} of Func `func` (pure dimensions `dims`) over its compute loop,
    when it is stored outside that loop; else {}."""
    p = placement(stmt, func)
    if p is None or not p.stored_outside:
        return {}
    out = {}
    for d in dims:
        mn, mx = p.lets.get(RegionBound(func, 0, d, "min")), p.lets.get(RegionBound(func, 0, d, "max"))
        if mn is not None and mx is not None:
            out[d] = Window(p.loop.name, p.loop.min, p.loop.extent, mn, mx)
    return out


def _next(e, var, step=1):
    return substitute({var: n.Add(_I32, n.Variable(_I32, var), n.IntImm(_I32, step))}, e)


def nondecreasing(isl, expr, var, lo, ext):
    """Whether expr(var + 1) >= expr(var) for every var in [lo, lo + ext - 2] (an isl proof,
    remembered for the compilation: storage folding and sliding window ask the same)."""
    key = ("nondecreasing", n.Key(expr), var, n.Key(lo), n.Key(ext))
    if key not in isl.proofs:
        ok = all(is_affine(e) for e in (expr, lo, ext))
        if ok:
            drop = n.Sub(_I32, expr, _next(expr, var))  # how far one step moves it back
            largest = isl.max_over_loop(drop, var, lo, ext, drop_last=True)
            ok = largest is not None and largest <= 0
        isl.proofs[key] = ok
    return isl.proofs[key]


def widest(isl, w):
    """The largest max - min + 1 of a window over its loop, or None when isl finds no bound."""
    return _max_over_loop(isl, n.Add(_I32, n.Sub(_I32, w.max, w.min), n.IntImm(_I32, 1)), w, False)


def pair_width(isl, w):
    """The largest extent of [min(v), max(v + 1)]: the window of one iteration and the next
    (0 for a loop of one iteration)."""
    width = n.Add(_I32, n.Sub(_I32, _next(w.max, w.loop), w.min), n.IntImm(_I32, 1))
    return _max_over_loop(isl, width, w, True)


def _max_over_loop(isl, e, w, drop_last):
    if not all(is_affine(x) for x in (e, w.loop_min, w.loop_extent)):
        return None
    return isl.max_over_loop(e, w.loop, w.loop_min, w.loop_extent, drop_last)
