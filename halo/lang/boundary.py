"""BoundaryConditions: Funcs that extend an image or a bounded Func over the whole plane, with
Halide's values everywhere (and its keyword arguments: f, exterior, bounds): repeat_image and the mirrors are periodic. Outside the bounds a
coordinate is reduced modulo the period; the final clamp changes no value (the reduced
coordinate is already inside) but gives bounds inference the image's box directly."""
from ..errors import DefinitionError
from ..ir.operators import as_expr, clamp, select
from .expr import is_undefined
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
        elif isinstance(b, (tuple, list)) and len(b) == 2 and all(map(is_undefined, b)):
            out.append(None)  # Halide's (hl.Expr(), hl.Expr()): unbounded in this dimension
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
    # As Halide: a Func's wrapper keeps its pure Vars (so the user can schedule it by them);
    # an image's gets Halide's implicit names _0, _1, ...
    if isinstance(source, Func) and source.defined():
        args = source.args()
    else:
        args = [Var(f"_{i}") for i in range(len(bounds))]
    f = Func(_name(source, what))
    coords = [a if b is None else coord(a, as_expr(b[0]), as_expr(b[0]) + as_expr(b[1]) - 1)
              for a, b in zip(args, bounds)]
    return f, args, coords, bounds


def repeat_edge(f, bounds=None):
    source = f
    f, args, coords, _ = _wrap(source, bounds, "repeat_edge", lambda x, lo, hi: clamp(x, lo, hi))
    f[tuple(args)] = source[tuple(coords)]
    return f


def constant_exterior(f, exterior, bounds=None):
    source, value = f, exterior
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


def _outside(x, lo, hi):
    return (x < lo) | (x > hi)


def _repeat(x, lo, hi):
    return clamp(select(_outside(x, lo, hi), (x - lo) % (hi - lo + 1) + lo, x), lo, hi)


def _mirror(x, lo, hi):
    period = 2 * (hi - lo + 1)
    c = (x - lo) % period
    return clamp(select(_outside(x, lo, hi), select(c > hi - lo, period - 1 - c, c) + lo, x), lo, hi)


def _mirror_interior(x, lo, hi):
    # period 2 * (extent - 1); an extent of 1 gives x % 0 == 0, the one pixel, as in Halide
    limit = hi - lo
    d = (x - lo) % (2 * limit) - limit
    return clamp(select(_outside(x, lo, hi), limit - select(d < 0, -d, d) + lo, x), lo, hi)


def repeat_image(f, bounds=None):
    source = f
    f, args, coords, _ = _wrap(source, bounds, "repeat_image", _repeat)
    f[tuple(args)] = source[tuple(coords)]
    return f


def mirror_image(f, bounds=None):
    source = f
    f, args, coords, _ = _wrap(source, bounds, "mirror_image", _mirror)
    f[tuple(args)] = source[tuple(coords)]
    return f


def mirror_interior(f, bounds=None):
    source = f
    f, args, coords, _ = _wrap(source, bounds, "mirror_interior", _mirror_interior)
    f[tuple(args)] = source[tuple(coords)]
    return f
