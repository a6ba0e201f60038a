"""Bounds inference: define each Func's region symbols (RegionBound) at its compute site, from
the region its consumers there read, by interval arithmetic over the loops inside the site
(Halide's way; exact for the affine accesses of image pipelines).

Stage 0 covers what consumers need plus what the Func's own updates touch (writes at non-pure
coordinates and reads of itself); update stages cover what consumers need. The lets wrap the
Func's produce / consume pair, so they are inside its Realize when it is stored where it is
computed.
"""
from ..errors import InternalError
from ..ir import nodes as n
from ..ir.find import is_pair
from ..ir.names import RegionBound
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import Mutator, substitute
from ..poly.boxes import box_touched

_I32 = Int(32)


class _AtPair(Mutator):
    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def visit_Block(self, s):
        if is_pair(s, self.name):
            return self.fn(s, *s.stmts)
        return self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def region_lets(ctx, name, produce, consume):
    """[(RegionBound, Expr)] for every stage of Func `name`, from the uses in `consume`."""
    env = ctx.env
    f = env.function(name)
    box = box_touched(consume.body, name, calls=True, isl=ctx.isl)
    if box is None:
        raise InternalError(f"Func {name} is not used where it is computed")
    ctx.warn_all(box.lookup_warnings(name))
    required = list(box.dims)
    for i, v in enumerate(f.args):
        given = f.bound_of(v)
        if given is not None:
            mn, ext = given
            required[i] = (mn, simplify(n.Sub(_I32, n.Add(_I32, mn, ext), n.IntImm(_I32, 1))))
    nstages = len(env.definitions[name])
    lets = []
    for k in range(1, nstages):
        for i, v in enumerate(f.args):
            lets.append((RegionBound(name, k, v, "min"), required[i][0]))
            lets.append((RegionBound(name, k, v, "max"), required[i][1]))
    full = required
    if nstages > 1:
        updates = n.block(*produce.body.stmts[1:]) if type(produce.body) is n.Block else None
        if updates is not None:
            updates = substitute(dict(lets), updates)
            touched = box_touched(updates, name, calls=True, provides=True, isl=ctx.isl, where=name)
            if touched is not None:
                ctx.warn_all(touched.lookup_warnings(name))
                full = [required[i] if f.bound_of(v) is not None else
                        (simplify(n.Min(_I32, required[i][0], touched.dims[i][0])),
                         simplify(n.Max(_I32, required[i][1], touched.dims[i][1])))
                        for i, v in enumerate(f.args)]
    stage0 = []
    for i, v in enumerate(f.args):
        stage0.append((RegionBound(name, 0, v, "min"), full[i][0]))
        stage0.append((RegionBound(name, 0, v, "max"), full[i][1]))
    return stage0 + lets


def bounds_inference(stmt, ctx):
    env = ctx.env
    for name in reversed(env.order):  # consumers first: their regions are defined by now
        if env.is_output(name):
            continue

        def wrap(s, produce, consume, name=name):
            out = s
            for sym, val in reversed(region_lets(ctx, name, produce, consume)):
                out = n.LetStmt(sym, val, out)
            return out
        stmt = _AtPair(name, wrap).mutate(stmt)
    return stmt
