"""Storage folding: fold_storage(dim, factor) stores a Func's dimension modulo `factor`. The fold
is proved safe with isl or refused, never dropped: over the one loop between the store and the
compute levels, the Func's window along `dim` must never move backwards and must never be wider
than `factor`; with no loop between them, the whole region must fit. A proved fold is written
into the Realize's storage, with the widest window two consecutive iterations need (what a
producer running one iteration ahead needs)."""
from dataclasses import replace

from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.find import collect_stmts
from ..ir.names import LoopVar
from ..ir.printer import expr_to_str
from ..ir.visitor import Mutator
from ..poly.windows import nondecreasing, pair_width, placement, widest, windows


def _describe(loop):
    return loop.describe() if isinstance(loop, LoopVar) else str(loop)


def _check(ctx, stmt, name, sd):
    """The proved Fold of storage dimension `sd` of Func `name`, or a ScheduleError."""
    f = ctx.env.function(name)
    d, F = sd.var, sd.fold_factor
    i = f.args.index(d)
    what = f"Func {name}: fold_storage({d}, {F})"
    if not sd.fold_forward:
        raise ScheduleError(f"{what}, fold_forward=False: halo folds forward only; legal: fold_forward=True")
    compute, store = ctx.env.compute[name], ctx.env.store[name]
    p = placement(stmt, name)
    if p is None or not p.stored_outside:
        realize = _realize(stmt, name)
        bound = realize.storage.extent_bounds[i] if realize is not None and realize.storage.extent_bounds else None
        if bound is None or bound > F:
            found = "has no constant bound" if bound is None else f"is {bound}"
            raise ScheduleError(
                f"{what}: {name} is stored where it is computed, so the fold must hold its whole region, "
                f"whose extent along {d} {found}; the smallest legal fold factor is "
                f"{'unknown' if bound is None else bound}. To fold a moving window, store it outside the "
                f"loop it is computed in (store_root() or store_at(...)).")
        return n.Fold(i, F, None)
    if len(p.between) != 1:
        raise ScheduleError(
            f"{what}: halo folds over one loop, but between the store level ({store}) and the compute "
            f"level ({compute}) there are the loops {', '.join(_describe(l) for l in p.between)}; store it "
            f"at the loop just outside {compute}")
    w = windows(stmt, name, f.args).get(d)
    loop = _describe(p.loop.name)
    if w is None:
        raise ScheduleError(f"{what}: {name} has no window along {d} over {loop}")
    isl = ctx.isl
    if w.moves and not (nondecreasing(isl, w.min, w.loop, w.loop_min, w.loop_extent) and
                        nondecreasing(isl, w.max, w.loop, w.loop_min, w.loop_extent)):
        raise ScheduleError(
            f"{what}: the region of {name} along {d} does not move monotonically forward over loop "
            f"{loop} (from {expr_to_str(w.min)} to {expr_to_str(w.max)}), so a fold could "
            f"overwrite values still needed; remove the fold or change the loop order")
    wide = widest(isl, w)
    if wide is None or wide > F:
        found = "has no constant bound" if wide is None else f"is {wide}"
        raise ScheduleError(
            f"{what} is too small: one iteration of {loop} needs {name} from "
            f"{expr_to_str(w.min)} to {expr_to_str(w.max)} along {d}, a footprint that {found}; the "
            f"smallest legal fold factor is {'unknown' if wide is None else wide}")
    return n.Fold(i, F, pair_width(isl, w))


def _realize(stmt, name):
    found = collect_stmts(stmt, lambda s: type(s) is n.Realize and s.name == name)
    return found[0] if found else None


class _SetFolds(Mutator):
    def __init__(self, folds):
        self.folds = folds

    def visit_Realize(self, s):
        s = self.generic_visit(s)
        folds = self.folds.get(s.name)
        return s.with_(storage=replace(s.storage, folds=folds)) if folds else s

    def visit_Expr(self, e):
        return e


def storage_folding(stmt, ctx):
    folds = {}
    for name in ctx.env.order:
        for sd in ctx.env.function(name).storage_dims or ():
            if sd.fold_factor:
                folds.setdefault(name, []).append(_check(ctx, stmt, name, sd))
    if not folds:
        return stmt
    return _SetFolds({k: tuple(v) for k, v in folds.items()}).mutate(stmt)
