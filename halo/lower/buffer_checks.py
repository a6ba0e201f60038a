"""Buffer checks: every input and output buffer has the layout its constraints require (at the
top), every input buffer covers the region each produce block reads from it, and every output
buffer holds the region its loops write (a RoundUp or ShiftInwards split may write past a small
output). A failed check returns halo_error_buffer_too_small with Halide's message, before the
block touches memory. The schedule's requirements and the declared constraints (requirements.py)
are checked first of all: everything after them is lowered assuming them."""
from ..ir import nodes as n
from ..ir.dma import READ
from ..ir.intrinsics import HOST_ALIGNED
from ..ir.names import BufferField
from ..ir.simplify import simplify
from ..ir.types import Bool, Int, Type
from ..ir.visitor import Mutator
from ..poly.boxes import box_touched
from .requirements import bound_covers

_I32 = Int(32)
_BOOL = Bool()


def V(name):
    return n.Variable(_I32, name)


def _asserts_for(name, kind, ranges, by="", empty=None):
    """Halide's access checks of buffer `name` over `ranges` [(min, max)] per dimension; `by`
    names the accessor in the message, `empty(d)` a condition under which dimension d has
    nothing to check (an empty transfer)."""
    out = []
    for d, (mn, mx) in enumerate(ranges):
        bmin = V(BufferField(name, "min", d))
        bmax = simplify(n.Sub(_I32, n.Add(_I32, bmin, V(BufferField(name, "extent", d))), n.IntImm(_I32, 1)))
        for cond, side, bound, at in ((n.GE(_BOOL, mn, bmin), "before the min", bmin, mn),
                                      (n.LE(_BOOL, mx, bmax), "beyond the max", bmax, mx)):
            if empty is not None:
                cond = n.Or(_BOOL, empty(d), cond)
            out.append(n.AssertStmt(
                simplify(cond), "halo_error_buffer_too_small",
                f"{kind} buffer {name} is accessed at %d{by}, which is {side} (%d) in dimension {d}", (at, bound)))
    return out


def _output_asserts(ctx, func, ranges):
    """The access checks of every element buffer of output `func` (one, or one per Tuple element)."""
    return [a for b, _ in ctx.env.function(func).buffers() for a in _asserts_for(b, "Output", ranges)]


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
                checks.extend(_asserts_for(nm, "Input", b.dims))
        for o in self.ctx.pipeline.outputs:
            # an output another output reads (Pipeline([f, g]) with g calling f) is read from
            # f's buffer, which must then hold what g needs, as in Halide
            b = None if o == s.name else box_touched(body, o, calls=True, skip_nested_producers=True, where=s.name)
            if b is not None:
                checks.extend(_output_asserts(self.ctx, o, b.dims))
        if self.ctx.env.is_output(s.name):
            b = box_touched(body, s.name, calls=False, provides=True, skip_nested_producers=True)
            if b is not None:  # an output written by DMA has no stores; its engine checks the region
                checks.extend(_output_asserts(self.ctx, s.name, b.dims))
        return s.with_(body=n.block(*checks, body))

    def visit_DmaStart(self, s):
        """A transfer reads or writes its DDR buffer like a computed access does: every backend's
        region is checked against that buffer first (an engine never sees a region outside it)."""
        kind = "Input" if s.copy.direction == READ else "Output"
        ranges = [(mn, simplify(n.Sub(_I32, n.Add(_I32, mn, ext), n.IntImm(_I32, 1))))
                  for mn, ext in zip(s.mins, s.extents)]
        checks = _asserts_for(s.copy.ddr, kind, ranges, by=f" by the DMA of {s.copy.func}",
                              empty=lambda d: n.LE(_BOOL, s.extents[d], n.IntImm(_I32, 0)))
        return n.block(*checks, s)


def _bound_cover_checks(ctx):
    return [n.AssertStmt(b.condition, "halo_error_bad_buffer",
                         f"Bounds given for {b.func} in {b.var} (from %d to %d) do not cover required region "
                         f"(from %d to %d)", (b.min, b.max, b.lo, b.hi))
            for b in bound_covers(ctx.env)]


def _pipeline_requirement_checks(ctx):
    """Pipeline.add_requirement's conditions, with Halide's message and the error args."""
    checks = []
    for r in ctx.pipeline.requirements:
        text = " ".join("%lld" if isinstance(a, n.Expr) else a.replace("%", "%%") for a in r.error_args)
        checks.append(n.AssertStmt(r.condition, "halo_error_bad_param",
                                   f"Requirement Failed: (false){' ' + text if text else ''}",
                                   tuple(a for a in r.error_args if isinstance(a, n.Expr))))
    return checks


def _host_alignment_checks(ctx):
    """set_host_alignment of inputs and outputs, with Halide's message."""
    aligned = [(nm, img.host_alignment) for nm, img in ctx.pipeline.images.items()]
    aligned += [(b, ctx.env.function(o).host_alignment) for o in ctx.pipeline.outputs
                for b, _ in ctx.env.function(o).buffers()]
    return [n.AssertStmt(n.Call(_BOOL, HOST_ALIGNED, (n.StringImm(Type("handle", 64), b), n.IntImm(_I32, a)), n.INTRINSIC),
                         "halo_error_unaligned_host_ptr",
                         f"The host pointer of {b} is not aligned to a {a} bytes boundary.", ())
            for b, a in aligned if a > 1]


def _constraint_checks(ctx):
    checks = _bound_cover_checks(ctx) + _host_alignment_checks(ctx)
    for c in ctx.constraints:
        hint = " (pass a C-contiguous array, or declare the layout with dim(0).set_stride(...))" \
            if c.field == "stride" and c.dim == 0 else ""
        checks.append(n.AssertStmt(
            c.condition, "halo_error_bad_buffer",
            f"buffer {c.buffer} has {c.field} %d in dimension {c.dim}, but {c.directive or 'the pipeline'} "
            f"requires %d{hint}",
            (V(c.symbol), c.value)))
    return checks


_I64 = Int(64)
_MAX_BYTES = 2 ** 31 - 1  # generated code indexes buffers with 32-bit arithmetic


def _range_checks(ctx):
    """Every input and output buffer is one halo can index: non-negative extents, coordinates
    whose end (min + extent, where loops stop) fits in 32 bits, and at most 2^31 - 1 bytes between its first and last element (the
    index arithmetic is 32-bit, as Halide's without large_buffers). Checked in 64 bits, first
    of all, so that no later check or index can overflow."""
    buffers = [(nm, img.type, img.dimensions) for nm, img in ctx.pipeline.images.items()]
    buffers += [(b, t, len(ctx.env.function(o).args)) for o in ctx.pipeline.outputs
                for b, t in ctx.env.function(o).buffers()]
    wide = lambda e: n.Cast(_I64, e)
    checks = []
    for nm, t, dims in buffers:
        span = n.IntImm(_I64, 1)
        for d in range(dims):
            mn, ext = V(BufferField(nm, "min", d)), V(BufferField(nm, "extent", d))
            stride = V(BufferField(nm, "stride", d))
            checks.append(n.AssertStmt(
                n.GE(_BOOL, ext, n.IntImm(_I32, 0)), "halo_error_bad_buffer",
                f"buffer {nm} has extent %d in dimension {d}; an extent cannot be negative", (ext,)))
            checks.append(n.AssertStmt(
                n.LE(_BOOL, n.Add(_I64, wide(mn), wide(ext)), n.IntImm(_I64, 2 ** 31 - 1)), "halo_error_bad_buffer",
                f"buffer {nm} has min %d and extent %d in dimension {d}: its end (min + extent) does not fit in "
                f"32 bits", (mn, ext)))
            reach = n.Mul(_I64, wide(n.Max(_I32, stride, n.Sub(_I32, n.IntImm(_I32, 0), stride))),
                          wide(n.Max(_I32, n.Sub(_I32, ext, n.IntImm(_I32, 1)), n.IntImm(_I32, 0))))
            span = n.Add(_I64, span, reach)
        nbytes = simplify(n.Mul(_I64, span, n.IntImm(_I64, max(t.bytes(), 1))))
        checks.append(n.AssertStmt(
            n.LE(_BOOL, nbytes, n.IntImm(_I64, _MAX_BYTES)), "halo_error_bad_buffer",
            f"buffer {nm} spans %lld bytes; halo indexes buffers in 32 bits (at most {_MAX_BYTES} bytes)",
            (nbytes,)))
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


def _tuple_output_fields(ctx, body):
    """A Tuple output's region (the fields named by the Func, as schedules and its
    output_buffer() name them) is its first element's buffer, as in Halide; every element's
    buffer is checked against it like that one."""
    for o in ctx.pipeline.outputs:
        f = ctx.env.function(o)
        if len(f.types) == 1:
            continue
        first = f.buffers()[0][0]
        for d in reversed(range(len(f.args))):
            for field in ("stride", "extent", "min"):
                body = n.LetStmt(BufferField(o, field, d), V(BufferField(first, field, d)), body)
    return body


def buffer_checks(stmt, ctx):
    return _tuple_output_fields(ctx, n.block(*_range_checks(ctx), *_pipeline_requirement_checks(ctx),
                                             *_requirement_checks(ctx), *_constraint_checks(ctx),
                                             _LocalChecks(ctx).mutate(stmt)))
