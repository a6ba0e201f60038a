"""Allocation bounds: each Realize covers every point of its Func read or written inside it
(one interval box of its body), and records the largest extent along each dimension that
isl proves over the iterations of the loops around it (local memory is sized by those)."""
from dataclasses import replace

from ..errors import InternalError
from ..ir import nodes as n
from ..ir.visitor import Mutator
from ..poly.boxes import box_touched
from ..poly.windows import placement


class _Alloc(Mutator):
    def __init__(self, ctx):
        self.ctx = ctx
        self.loops = []  # (name, min, extent) of the loops around the current node

    def visit_For(self, s):
        self.loops.append((s.name, s.min, s.extent))
        out = self.generic_visit(s)
        self.loops.pop()
        return out

    def visit_Expr(self, e):
        return e

    def visit_Realize(self, s):
        body = self.mutate(s.body)
        box = box_touched(body, s.name, calls=True, provides=True, isl=self.ctx.isl)
        if box is None:
            raise InternalError(f"Func {s.name} has storage but is never read or written")
        self.ctx.warn_all(box.lookup_warnings(s.name))
        extents = box.extents()
        isl = self.ctx.isl
        # A dimension folded over a loop inside the Realize is sized by its fold (which storage
        # folding proves from the window of one iteration), not by its whole range. isl bounds
        # the extents that matter at compile time: of local memory, and of folds.
        f = self.ctx.env.function(s.name)
        folded = {f.args.index(sd.var) for sd in f.storage_dims or () if sd.fold_factor}
        over_loop = bool(folded) and placement(s, s.name).between
        context = None
        largest = []
        for i, e in enumerate(extents):
            if type(e) is n.IntImm:
                largest.append(e.value)
            elif (i in folded and over_loop) or not (s.memory.is_local or i in folded):
                largest.append(None)
            else:
                if context is None:
                    context = isl.context(self.loops)
                largest.append(isl.max_value(e, context))
        largest = tuple(largest)
        storage = replace(s.storage, extent_bounds=largest)
        return s.with_(bounds=tuple((mn, ext) for (mn, _), ext in zip(box.dims, extents)), storage=storage,
                       body=body)


def allocation_bounds(stmt, ctx):
    return _Alloc(ctx).mutate(stmt)
