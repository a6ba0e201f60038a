"""Buffer checks: every input and output buffer has the layout its constraints require (at the
top), every input buffer covers the region each produce block reads from it, and every output
buffer holds the region its loops write (a RoundUp or ShiftInwards split may write past a small
output). A failed check returns halo_error_buffer_too_small with Halide's message, before the
block touches memory. The schedule's requirements and the declared constraints (requirements.py)
are checked first of all: everything after them is lowered assuming them."""
from ..ir import nodes as n
from ..ir.names import BufferField
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator
from ..poly.boxes import box_touched

_I32 = Int(32)
_BOOL = Bool()


def V(name):
    return n.Variable(_I32, name)


def _asserts_for(name, kind, box):
    out = []
    for d, (mn, mx) in enumerate(box.dims):
        bmin = V(BufferField(name, "min", d))
        bmax = simplify(n.Sub(_I32, n.Add(_I32, bmin, V(BufferField(name, "extent", d))), n.IntImm(_I32, 1)))
        out.append(n.AssertStmt(
            simplify(n.GE(_BOOL, mn, bmin)), "halo_error_buffer_too_small",
            f"{kind} buffer {name} is accessed at %d, which is before the min (%d) in dimension {d}", (mn, bmin)))
        out.append(n.AssertStmt(
            simplify(n.LE(_BOOL, mx, bmax)), "halo_error_buffer_too_small",
            f"{kind} buffer {name} is accessed at %d, which is beyond the max (%d) in dimension {d}", (mx, bmax)))
    return out


class _LocalChecks(Mutator):
    """Each produce block checks the images it reads (and an output, what it writes) itself, in
    terms of its own loop bounds: the checks Halide makes once at the top, made where the region
    is known."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.images = sorted(ctx.pipeline.images)

    def visit_Expr(self, e):
        return e

    def visit_ProducerConsumer(self, s):
        body = self.mutate(s.body)
        if not s.is_producer:
            return s if body is s.body else s.with_(body=body)
        checks = []
        for nm in self.images:
            # a check needs no exact box: a clamped access (a boundary condition) is inside the
            # clamp's bounds, so its interval hull passes the check as surely
            b = box_touched(body, nm, calls=True, skip_nested_producers=True, where=s.name)
            if b is not None:
                self.ctx.warn_all(b.lookup_warnings(nm))
                checks.extend(_asserts_for(nm, "Input", b))
        if self.ctx.env.is_output(s.name):
            b = box_touched(body, s.name, calls=False, provides=True, skip_nested_producers=True)
            if b is not None:  # an output written by DMA has no stores; its engine checks the region
                checks.extend(_asserts_for(s.name, "Output", b))
        return s.with_(body=n.block(*checks, body))


def _constraint_checks(ctx):
    checks = []
    for c in ctx.constraints:
        hint = " (pass a C-contiguous array, or declare the layout with dim(0).set_stride(...))" \
            if c.field == "stride" and c.dim == 0 else ""
        checks.append(n.AssertStmt(
            c.condition, "halo_error_bad_buffer",
            f"buffer {c.buffer} has {c.field} %d in dimension {c.dim}, but {c.directive or 'the pipeline'} "
            f"requires %d{hint}",
            (V(c.symbol), c.value)))
    return checks


def _requirement_checks(ctx):
    checks = []
    for r in ctx.requirements:
        bmin, ext = V(BufferField(r.func, "min", r.dim)), V(r.extent)
        checks.append(n.AssertStmt(
            r.condition, "halo_error_buffer_too_small",
            f"Output buffer {r.func} is accessed at %d, which is before the min (%d) in dimension {r.dim}: "
            f"{r.directive} needs an extent of at least {r.minimum} there, and it is %d",
            (simplify(n.Add(_I32, bmin, r.offset)), bmin, ext)))
    return checks


def buffer_checks(stmt, ctx):
    return n.block(*_requirement_checks(ctx), *_constraint_checks(ctx), _LocalChecks(ctx).mutate(stmt))
