"""Storage folding: fold_storage(dim, factor) stores a Func's dimension modulo `factor`. The fold
is proved safe with isl or refused, never dropped: over the one loop between the store and the
compute levels, the Func's window along `dim` must never move backwards and must never be wider
than `factor`; with no loop between them, the whole region must fit."""

from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.printer import expr_to_str
from ..ir.types import Int
from ..ir.visitor import substitute
from ..poly.isl_bridge import is_affine
from ..poly.regions import _Space
from .schedule_functions import V, _describe, loop_name

_I32 = Int(32)


def _loops_to(stmt, target):
    """Names of the loops from the top of `stmt` down to loop `target` (inclusive)."""
    def walk(s, path):
        if type(s) is n.For:
            path = path + [s.name]
            if s.name == target:
                return path
        for f in s.child_fields():
            v = getattr(s, f)
            kids = v if isinstance(v, tuple) else (v,)
            for k in kids:
                if isinstance(k, n.Stmt):
                    r = walk(k, path)
                    if r is not None:
                        return r
        return None
    return walk(stmt, []) or []


def _widest(namer, w):
    """The largest max - min + 1 of a window over its loop, or None when isl finds no bound."""
    if not all(is_affine(e) for e in (w.min, w.max, w.loop_min, w.loop_extent)):
        return None
    sp = _Space(namer, [w.loop], [w.min, w.max, w.loop_min, w.loop_extent])
    v = sp.var(w.loop)
    lo = sp.pwaff(w.loop_min)
    dom = sp.universe() & v.ge_set(lo) & v.lt_set(lo + sp.pwaff(w.loop_extent))
    width = (sp.pwaff(w.max) - sp.pwaff(w.min) + sp.const(1)).intersect_domain(dom)
    m = width.max_val()
    return m.to_python() if m.is_int() else None


def pair_width(namer, w):
    """The largest extent of [min(v), max(v + 1)]: the window of one iteration and the next."""
    nxt = substitute({w.loop: n.Add(_I32, V(w.loop), const(1))}, w.max)
    if not all(is_affine(e) for e in (w.min, nxt, w.loop_min, w.loop_extent)):
        return None
    sp = _Space(namer, [w.loop], [w.min, nxt, w.loop_min, w.loop_extent])
    v = sp.var(w.loop)
    lo = sp.pwaff(w.loop_min)
    dom = sp.universe() & v.ge_set(lo) & v.lt_set(lo + sp.pwaff(w.loop_extent) - sp.const(1))
    if dom.is_empty():
        return 0
    width = (sp.pwaff(nxt) - sp.pwaff(w.min) + sp.const(1)).intersect_domain(dom)
    m = width.max_val()
    return m.to_python() if m.is_int() else None


def storage_folding(stmt, env, namer, windows, extent_bounds):
    """{func: {dimension index: factor}} for every fold, after checking each one."""
    folds = {}
    for name, func in env.funcs.items():
        sdims = func._schedule.storage_dims or []
        for sd in sdims:
            if not sd.fold_factor:
                continue
            d = sd.var
            i = func._pure_names.index(d)
            F = sd.fold_factor
            what = f"Func {name}: fold_storage({d}, {F})"
            if not sd.fold_forward:
                raise ScheduleError(f"{what}, fold_forward=False: halo folds forward only; legal: fold_forward=True")
            compute, store = env.compute[name], env.store[name]
            cloop = None if compute.is_root() else loop_name(compute, env, name)
            sloop = None if store.is_root() else loop_name(store, env, name)
            if cloop == sloop:
                bound = (extent_bounds.get(name) or [None] * len(func._pure_names))[i]
                if bound is None or bound > F:
                    found = "has no constant bound" if bound is None else f"is {bound}"
                    raise ScheduleError(
                        f"{what}: {name} is stored where it is computed, so the fold must hold its whole region, "
                        f"whose extent along {d} {found}; the smallest legal fold factor is "
                        f"{'unknown' if bound is None else bound}. To fold a moving window, store it outside the "
                        f"loop it is computed in (store_root() or store_at(...)).")
            else:
                path = _loops_to(stmt, cloop)
                start = path.index(sloop) + 1 if sloop in path else 0
                between = path[start:]
                if len(between) != 1:
                    raise ScheduleError(
                        f"{what}: halo folds over one loop, but between the store level ({store}) and the compute "
                        f"level ({compute}) there are the loops {', '.join(_describe(l) for l in between)}; store it "
                        f"at the loop just outside {compute}")
                w = windows.get(name, {}).get(d)
                if w is None:
                    raise ScheduleError(f"{what}: {name} has no window along {d} over {_describe(cloop)}")
                if w.moves and not w.nondecreasing:
                    raise ScheduleError(
                        f"{what}: the region of {name} along {d} does not move monotonically forward over loop "
                        f"{_describe(cloop)} (from {expr_to_str(w.min)} to {expr_to_str(w.max)}), so a fold could "
                        f"overwrite values still needed; remove the fold or change the loop order")
                widest = _widest(namer, w)
                if widest is None or widest > F:
                    found = "has no constant bound" if widest is None else f"is {widest}"
                    raise ScheduleError(
                        f"{what} is too small: one iteration of {_describe(cloop)} needs {name} from "
                        f"{expr_to_str(w.min)} to {expr_to_str(w.max)} along {d}, a footprint that {found}; the "
                        f"smallest legal fold factor is {'unknown' if widest is None else widest}")
            folds.setdefault(name, {})[i] = F
    return folds
