"""Checks at the top of the pipeline: every buffer's innermost stride is 1, every input buffer
covers the region the pipeline reads from it, and every output buffer holds the region its
loops write (a RoundUp or ShiftInwards split may write past a small output)."""
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
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


def buffer_checks(stmt, env, namer, warn):
    checks = []
    buffers = [(nm, img.dimensions()) for nm, img in sorted(env.images.items())]
    buffers += [(o.name(), o.dimensions()) for o in env.outputs]
    for nm, dims in buffers:
        if dims:
            checks.append(n.AssertStmt(
                n.EQ(_BOOL, V(f"{nm}.stride.0"), const(1)), "halo_error_bad_buffer",
                f"buffer {nm} has stride %d in dimension 0; halo needs the innermost dimension to be "
                f"dense (stride 1): pass a C-contiguous array", (V(f"{nm}.stride.0"),)))
    for nm in sorted(env.images):
        b = regions.box(namer, regions.accesses(stmt, nm, calls=True), nm, warn)
        if b is not None:
            checks.extend(_asserts_for(nm, "Input", b))
    for o in env.outputs:
        b = regions.box(namer, regions.accesses(stmt, o.name(), calls=False, provides=True), o.name(), warn)
        checks.extend(_asserts_for(o.name(), "Output", b))
    return n.block(*checks, stmt)
