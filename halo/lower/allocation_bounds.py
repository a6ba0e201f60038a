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

    def visit_LetStmt(self, s):
        saved = self.lets
        self.lets = dict(saved)
        self.lets[s.name] = substitute(saved, s.value)
        body = self.mutate(s.body)
        self.lets = saved
        return s if body is s.body else s.with_(body=body)

    def visit_For(self, s):
        saved = self.lets
        self.lets = {k: v for k, v in saved.items() if k != s.name}
        body = self.mutate(s.body)
        self.lets = saved
        return s if body is s.body else s.with_(body=body)

    def visit_Realize(self, s):
        body = self.mutate(s.body)
        # Seeing through the lets around the Realize (the region symbols among them) lets isl
        # relate mins to maxes and find constant extents.
        accs = regions.accesses(body, s.name, calls=True, provides=True, outer_lets=self.lets)
        b = regions.box(self.namer, accs, s.name, self.warn)
        if b is None:
            raise ScheduleError(f"Func {s.name} has storage but is never read or written; this is a bug in halo")
        self.extent_bounds[s.name] = [bound for _, _, _, bound in b]
        return s.with_(bounds=tuple((mn, ext) for mn, _, ext, _ in b), body=body)


def allocation_bounds(stmt, namer, warn):
    """Returns the statement and {func: [largest extent per dimension or None]}."""
    m = _Alloc(namer, warn)
    out = m.mutate(stmt)
    return out, m.extent_bounds
