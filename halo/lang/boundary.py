"""BoundaryConditions: Funcs that extend an image or a bounded Func over the whole plane.

mirror_image and mirror_interior reflect once and then clamp, so they match Halide for
coordinates up to one extent outside the image (every stencil); Halide keeps reflecting
periodically further out. Reflecting once keeps the index piecewise affine, which lets islpy
bound the accessed region exactly.
"""
from ..errors import DefinitionError
from ..ir.operators import as_expr, clamp, select
from .func import Func
from .names import unique_name
from .var import Range, Var


def _bounds(source, bounds, what):
    if bounds is None:
        if isinstance(source, Func):
            raise DefinitionError(
                f"BoundaryConditions.{what} of Func {source.name()} needs explicit bounds: "
                f"[(min, extent), ...] for each of its {source.dimensions()} dimensions")
        bounds = [(source.dim(i).min(), source.dim(i).extent()) for i in range(source.dimensions())]
    out = []
    for b in bounds:
        if isinstance(b, Range):
            out.append((b.min, b.extent))
        elif isinstance(b, (tuple, list)) and len(b) == 2:
            out.append((as_expr(b[0]), as_expr(b[1])))
        elif b is None:
            out.append(None)
        else:
            raise DefinitionError(f"BoundaryConditions.{what}: bounds must be (min, extent) pairs, got {b!r}")
    dims = source.dimensions()
    if len(out) != dims:
        raise DefinitionError(f"BoundaryConditions.{what}: {len(out)} bounds given for {dims} dimensions")
    return out


def _name(source, what):
    return unique_name(f"{source.name()}_{what}_")


def _wrap(source, bounds, what, coord):
    bounds = _bounds(source, bounds, what)
    args = [Var(f"_{what}_{i}") for i in range(len(bounds))]
    f = Func(_name(source, what))
    coords = [a if b is None else coord(a, as_expr(b[0]), as_expr(b[0]) + as_expr(b[1]) - 1)
              for a, b in zip(args, bounds)]
    return f, args, coords, bounds


def repeat_edge(source, bounds=None):
    f, args, coords, _ = _wrap(source, bounds, "repeat_edge", lambda x, lo, hi: clamp(x, lo, hi))
    f[tuple(args)] = source[tuple(coords)]
    return f


def constant_exterior(source, value, bounds=None):
    f, args, coords, bs = _wrap(source, bounds, "constant_exterior", lambda x, lo, hi: clamp(x, lo, hi))
    inside = None
    for a, b in zip(args, bs):
        if b is None:
            continue
        lo = as_expr(b[0])
        cond = (a >= lo) & (a <= lo + as_expr(b[1]) - 1)
        inside = cond if inside is None else inside & cond
    inner = source[tuple(coords)]
    f[tuple(args)] = inner if inside is None else select(inside, inner, as_expr(value, like=inner))
    return f


def _mirror(x, lo, hi):
    return clamp(select(x < lo, 2 * lo - 1 - x, x > hi, 2 * hi + 1 - x, x), lo, hi)


def _mirror_interior(x, lo, hi):
    return clamp(select(x < lo, 2 * lo - x, x > hi, 2 * hi - x, x), lo, hi)


def mirror_image(source, bounds=None):
    f, args, coords, _ = _wrap(source, bounds, "mirror_image", _mirror)
    f[tuple(args)] = source[tuple(coords)]
    return f


def mirror_interior(source, bounds=None):
    f, args, coords, _ = _wrap(source, bounds, "mirror_interior", _mirror_interior)
    f[tuple(args)] = source[tuple(coords)]
    return f
