"""Allocation bounds: each Realize covers every point of its Func that is read or written
inside it, computed with isl over the loops between the store and compute levels."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.visitor import Mutator, substitute
from ..poly import regions


class _Alloc(Mutator):
    def __init__(self, namer, warn):
        self.namer, self.warn = namer, warn
        self.extent_bounds = {}
        self.lets = {}
        self.loops = []  # enclosing loops: the largest extent is taken over their valid iterations

    def visit_LetStmt(self, s):
        saved = self.lets
        self.lets = dict(saved)
        self.lets[s.name] = substitute(saved, s.value)
        body = self.mutate(s.body)
        self.lets = saved
        return s if body is s.body else s.with_(body=body)

    def visit_For(self, s):
        saved = self.lets
        self.loops.append((s.name, substitute(saved, s.min), substitute(saved, s.extent)))
        self.lets = {k: v for k, v in saved.items() if k != s.name}
        body = self.mutate(s.body)
        self.lets = saved
        self.loops.pop()
        return s if body is s.body else s.with_(body=body)

    def visit_Realize(self, s):
        body = self.mutate(s.body)
        # Seeing through the lets around the Realize (the region symbols among them) lets isl
        # relate mins to maxes and find constant extents.
        accs = regions.accesses(body, s.name, calls=True, provides=True, outer_lets=self.lets)
        b = regions.box(self.namer, accs, s.name, self.warn, context_loops=self.loops)
        if b is None:
            raise ScheduleError(f"Func {s.name} has storage but is never read or written; this is a bug in halo")
        bounds = [bound for _, _, _, bound in b]
        if None in bounds:
            # Clamps (boundary conditions) make extents piecewise in the image sizes, and isl
            # may find no constant maximum; a clamped range is never wider than the unclamped
            # one, whose extent often is constant.
            loose = [_unclamp_access(a) for a in accs]
            lb = regions.box(self.namer, loose, s.name, None, context_loops=self.loops)
            bounds = [b0 if b0 is not None else b1[3] for b0, b1 in zip(bounds, lb)]
        self.extent_bounds[s.name] = bounds
        return s.with_(bounds=tuple((mn, ext) for mn, _, ext, _ in b), body=body)


class _Unclamp(Mutator):
    """An access with max(min(a, hi), lo) / min(max(a, lo), hi) replaced by a, in its indices."""

    def visit_Max(self, e):
        if type(e.a) is n.Min:
            return self.mutate(e.a.a)
        return self.generic_visit(e)

    def visit_Min(self, e):
        if type(e.a) is n.Max:
            return self.mutate(e.a.a)
        return self.generic_visit(e)


def _unclamp_access(acc):
    u = _Unclamp()
    return regions.Access(tuple(u.mutate(a) for a in acc.args), acc.loops, acc.conds, acc.where)


def allocation_bounds(stmt, namer, warn):
    """Returns the statement and {func: [largest extent per dimension or None]}."""
    m = _Alloc(namer, warn)
    out = m.mutate(stmt)
    return out, m.extent_bounds
