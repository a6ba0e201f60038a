"""Buffer checks: every buffer's innermost stride is 1 (at the top), every input buffer covers
the region each produce block reads from it, and every output buffer holds the region its loops
write (a RoundUp or ShiftInwards split may write past a small output). A failed check returns
halo_error_buffer_too_small with Halide's message, before the block touches memory."""
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator
from ..poly import regions
from .schedule_functions import V

_I32 = Int(32)
_BOOL = Bool()


def _asserts_for(name, kind, box):
    out = []
    for d, (mn, mx, _, _) in enumerate(box):
        bmin = V(f"{name}.min.{d}")
        bmax = simplify(n.Sub(_I32, n.Add(_I32, bmin, V(f"{name}.extent.{d}")), const(1)))
        out.append(n.AssertStmt(
            simplify(n.GE(_BOOL, mn, bmin)), "halo_error_buffer_too_small",
            f"{kind} buffer {name} is accessed at %d, which is before the min (%d) in dimension {d}",
            (mn, bmin)))
        out.append(n.AssertStmt(
            simplify(n.LE(_BOOL, mx, bmax)), "halo_error_buffer_too_small",
            f"{kind} buffer {name} is accessed at %d, which is beyond the max (%d) in dimension {d}",
            (mx, bmax)))
    return out


class _LocalChecks(Mutator):
    """Each produce block checks the images it reads (and an output, what it writes) itself, in
    terms of its own loop bounds: small exact problems, and the same checks Halide makes once at
    the top, made where the region is known."""

    def __init__(self, env, namer, warn):
        self.env, self.namer, self.warn = env, namer, warn
        self.outputs = {o.name() for o in env.outputs}

    def visit_ProducerConsumer(self, s):
        body = self.mutate(s.body)
        if not s.is_producer:
            return s if body is s.body else s.with_(body=body)
        checks = []
        for nm in sorted(self.env.images):
            accs = regions.accesses(body, nm, calls=True, skip_nested_producers=True)
            b = regions.box(self.namer, accs, nm, self.warn)
            if b is not None:
                checks.extend(_asserts_for(nm, "Input", b))
        if s.name in self.outputs:
            accs = regions.accesses(body, s.name, calls=False, provides=True, skip_nested_producers=True)
            b = regions.box(self.namer, accs, s.name, self.warn)
            if b is not None:  # an output written by DMA has no stores; its engine checks the region
                checks.extend(_asserts_for(s.name, "Output", b))
        return s.with_(body=n.block(*checks, body))


def buffer_checks(stmt, env, namer, warn):
    checks = []
    buffers = [(nm, img.constraints()) for nm, img in sorted(env.images.items())]
    buffers += [(o.name(), o.output_constraints()) for o in env.outputs]
    for nm, constraints in buffers:
        for d, c in enumerate(constraints):
            for field in ("stride", "min", "extent"):
                want = c[field]
                if want is None:
                    continue
                hint = " (pass a C-contiguous array, or declare the layout with dim(0).set_stride(...))" \
                    if field == "stride" and d == 0 else ""
                checks.append(n.AssertStmt(
                    n.EQ(_BOOL, V(f"{nm}.{field}.{d}"), want), "halo_error_bad_buffer",
                    f"buffer {nm} has {field} %d in dimension {d}, but the pipeline requires %d{hint}",
                    (V(f"{nm}.{field}.{d}"), want)))
    return n.block(*checks, _LocalChecks(env, namer, warn).mutate(stmt))
