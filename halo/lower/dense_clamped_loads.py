"""Dense loads of clamped ramps: the vector edges loop partitioning leaves (a boundary
condition's clamp of x at an image edge) load buffer[P + clamp(ramp(b, 1, L), lo, hi)], a
gather of L scalar loads. Lanes below lo all read the element at lo, lanes above hi the one at
hi, and the lanes between read buffer[P + b + i], so the load is

    select(ramp < lo, broadcast(buffer[P + f(lo)]),
           select(ramp > hi, broadcast(buffer[P + f(hi)]), dense load at P + b))

with f the clamp (monotone: every lane below lo reads f(lo) and every lane above hi f(hi), so
the loads of one row at several offsets share their two edge pixels). The dense load also
reads the elements of the clamped lanes, which may lie outside the buffer: the store holding
such loads runs that form where every dense load lies inside its allocation (loads whose starts
differ by a constant, a stencil's taps, checked at the lowest and highest); elsewhere (the
first and last rows of a local buffer) each dense load starts inside the allocation and is
rotated into place (rotate_lanes: valign on HVX), and the gather is left for allocations
narrower than a vector. An input's allocation is the span of its elements when its strides are
not negative (the first and last rows of an image then take the rotated form); outputs keep
their gathers. Runs after vectorize_loops."""
from ..ir import nodes as n
from ..ir.intrinsics import ROTATE_LANES
from ..ir.names import BufferField
from ..ir.simplify import linear, simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator

_I32 = Int(32)


def _broadcast(e, lanes):
    return e if e.type.lanes > 1 else n.Broadcast(e.type.with_lanes(lanes), e, lanes)


def _scalar(e):
    return e.value if type(e) is n.Broadcast else None


def _clamp(e):
    """(ramp, lo or None, hi or None, f) of a clamp of a unit-stride ramp by scalars, with f
    the clamp of a scalar; or None."""
    t = type(e)
    if t not in (n.Min, n.Max):
        return None
    bound, inner = (_scalar(e.b), e.a) if _scalar(e.b) is not None else (_scalar(e.a), e.b)
    if bound is None:
        return None
    if type(inner) is n.Ramp:
        ramp, lo, hi, f = inner, None, None, lambda v: v
    else:
        found = _clamp(inner)
        # a second bound on the same side (min(max(min(r, a), lo), b)) is not a clamp to [lo, b]
        if found is None or found[1 if t is n.Max else 2] is not None:
            return None
        ramp, lo, hi, f = found
    if not (type(ramp.stride) is n.IntImm and ramp.stride.value == 1):
        return None
    if t is n.Min:
        return ramp, lo, bound, lambda v, f=f: n.Min(_I32, f(v), bound)
    return ramp, bound, hi, lambda v, f=f: n.Max(_I32, f(v), bound)


def _offset_clamp(index):
    """(scalar offset P, clamp) of index = broadcast(P) + clamp, or None."""
    t = type(index)
    if t in (n.Add, n.Sub):
        sb = _scalar(index.b)
        if sb is not None:
            found = _offset_clamp(index.a)
            if found is not None:
                return (n.Add if t is n.Add else n.Sub)(_I32, found[0], sb), found[1]
        sa = _scalar(index.a)
        if t is n.Add and sa is not None:
            found = _offset_clamp(index.b)
            if found is not None:
                return n.Add(_I32, sa, found[0]), found[1]
        return None
    found = _clamp(index)
    return None if found is None else (n.IntImm(_I32, 0), found)


class _Loads(Mutator):
    """Rewrites the clamped loads of one statement; collects the conditions the rewrite needs.
    With `rotate`, each dense load starts inside its allocation and is rotated into place."""

    def __init__(self, sizes, rotate):
        self.sizes = sizes
        self.rotate = rotate
        self.guards = []

    def visit_Load(self, e):
        e = self.generic_visit(e)
        size = self.sizes.get(e.buffer)
        found = _offset_clamp(e.index) if size is not None and e.type.lanes > 1 else None
        if found is None:
            return e
        p, (ramp, lo, hi, f) = found
        lanes, b = ramp.lanes, ramp.base
        scalar = e.type.with_lanes(1)
        start = simplify(n.Add(_I32, p, b))
        last_lane = n.IntImm(_I32, lanes - 1)
        if self.rotate:
            # The lanes a dense load at `start` would read outside the allocation are clamped
            # lanes (the others read what the gather reads): a load at the nearest start inside
            # it, rotated by the difference, has every other lane in place.
            self.guards.append((None, lanes, size))
            inside = simplify(n.Max(_I32, n.Min(_I32, start, n.Sub(_I32, size, n.IntImm(_I32, lanes))),
                                    n.IntImm(_I32, 0)))
            out = n.Call(e.type, ROTATE_LANES,
                         (n.Load(e.type, e.buffer, n.Ramp(ramp.type, inside, n.IntImm(_I32, 1), lanes)),
                          simplify(n.Sub(_I32, start, inside))), n.INTRINSIC)
        else:
            self.guards.append((start, lanes, size))
            out = n.Load(e.type, e.buffer, n.Ramp(ramp.type, start, n.IntImm(_I32, 1), lanes))
        # lane numbers compared in the element's width (the select's mask then needs no
        # narrowing), against the first lane above lo - b and the last at most hi - b
        lane_t = Int(e.type.bits if lanes <= 1 << (e.type.bits - 1) else 32)
        lane = n.Ramp(lane_t.with_lanes(lanes), n.IntImm(lane_t, 0), n.IntImm(lane_t, 1), lanes)

        def bound(k):
            k = simplify(n.Max(_I32, n.Min(_I32, k, last_lane), n.IntImm(_I32, -1)))
            return n.Broadcast(lane_t.with_lanes(lanes), n.Cast(lane_t, k), lanes)
        if hi is not None:
            last = n.Load(scalar, e.buffer, simplify(n.Add(_I32, p, f(hi))))
            out = n.Select(e.type, n.GT(Bool(lanes), lane, bound(n.Sub(_I32, hi, b))), _broadcast(last, lanes), out)
        if lo is not None:
            first = n.Load(scalar, e.buffer, simplify(n.Add(_I32, p, f(lo))))
            out = n.Select(e.type, n.LE(Bool(lanes), lane, bound(n.Sub(_I32, n.Sub(_I32, lo, b), n.IntImm(_I32, 1)))),
                           _broadcast(first, lanes), out)
        return out


class _Stores(Mutator):
    def __init__(self, sizes):
        self.sizes = dict(sizes)  # allocated buffer -> its size in elements

    def visit_Expr(self, e):
        return e

    def visit_Allocate(self, s):
        size = n.IntImm(_I32, 1)
        for extent in s.extents:
            size = n.Mul(_I32, size, extent)
        saved = self.sizes.get(s.name)
        self.sizes[s.name] = simplify(size)
        out = self.generic_visit(s)
        if saved is None:
            del self.sizes[s.name]
        else:
            self.sizes[s.name] = saved
        return out

    def visit_Store(self, s):
        if s.value.type.lanes == 1:
            return s
        dense = _Loads(self.sizes, rotate=False)
        value = dense.mutate(s.value)
        if not dense.guards:
            return s
        rotated = _Loads(self.sizes, rotate=True)
        rotated_value = rotated.mutate(s.value)
        return n.IfThenElse(_all(dense.guards), s.with_(value=value),
                            n.IfThenElse(_all(rotated.guards), s.with_(value=rotated_value), s))


def _all(guards):
    """The condition that every (start, lanes, size) load lies inside [0, size) (with no start:
    that the allocation holds `lanes`): starts that differ by a constant (the taps of a stencil
    row) are checked at the lowest and the highest only."""
    spans = {}  # (variable part of the start, size) -> [start, lowest constant, highest + lanes]
    fits = {}
    for start, lanes, size in guards:
        if start is None:
            fits[n.Key(size)] = n.LE(Bool(), n.IntImm(_I32, lanes), size)
            continue
        terms, constant = linear(start)
        key = (frozenset((k, c) for k, (_, c) in terms.items() if c), n.Key(size))
        got = spans.setdefault(key, [start, constant, constant + lanes, size])
        if constant < got[1]:
            got[0], got[1] = start, constant
        got[2] = max(got[2], constant + lanes)
    conditions = list(fits.values())
    for lowest, low, high, size in spans.values():
        conditions.append(n.LE(Bool(), n.IntImm(_I32, 0), lowest))
        conditions.append(n.LE(Bool(), n.Add(_I32, lowest, n.IntImm(_I32, high - low)), size))
    return _conjunction(conditions)


def _conjunction(conditions):
    out = conditions[0]
    for c in conditions[1:]:
        out = n.And(Bool(), out, c)
    return simplify(out)


def _input_span(image):
    """The elements an input's flat indices cover, [0, span), or 0 where that is not known to
    hold (a negative stride, an empty dimension). Its buffer checks keep the span in 32 bits."""
    span = n.IntImm(_I32, 1)
    conditions = []
    for d, c in enumerate(image.constraints):
        stride = c["stride"] if c["stride"] is not None else n.Variable(_I32, BufferField(image.name, "stride", d))
        extent = n.Variable(_I32, BufferField(image.name, "extent", d))
        conditions += [n.LE(Bool(), n.IntImm(_I32, 0), stride), n.LE(Bool(), n.IntImm(_I32, 1), extent)]
        span = n.Add(_I32, span, n.Mul(_I32, n.Sub(_I32, extent, n.IntImm(_I32, 1)), stride))
    if not conditions:
        return span
    return simplify(n.Select(_I32, _conjunction(conditions), span, n.IntImm(_I32, 0)))


def dense_clamped_loads(stmt, ctx):
    return _Stores({nm: _input_span(img) for nm, img in ctx.pipeline.images.items()}).mutate(stmt)
