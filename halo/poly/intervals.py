"""Interval arithmetic over the IR, the way Halide infers bounds: the range of an expression as
(lo, hi) Exprs in terms of the names outside the scope, given an interval for each name in
the scope (loop variables, lets). It is exact for the monotone operations image pipelines index
with (+, - and * by constants, floor division by constants, min, max, clamps); a select on an
affine condition (mirrored boundary conditions) is made exact by isl over the variables it
reads. Other indices get a sound over-approximation.

An end is None where the expression has no bound on that side."""
from dataclasses import dataclass

from ..ir import nodes as n
from ..ir.find import contains
from ..ir.names import Derived
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import free_variables, substitute
from .isl_bridge import is_affine

_I32 = Int(32)


@dataclass(frozen=True)
class Interval:
    lo: object
    hi: object

    def bounded(self):
        return self.lo is not None and self.hi is not None


class Lazy:
    """The interval of a let's value, computed when a bound first needs it."""
    __slots__ = ("value", "bounds", "_interval")

    def __init__(self, value, bounds):
        self.value, self.bounds, self._interval = value, bounds, None

    def interval(self):
        if self._interval is None:
            self._interval = self.bounds(self.value)
        return self._interval


_EXACT_LIMIT = 48  # distinct nodes of a select that isl bounds exactly


def _size(e, limit):
    """The number of distinct nodes of `e`, counted up to just past `limit`."""
    seen, stack = set(), [e]
    while stack and len(seen) <= limit:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        for f in x.child_fields():
            v = getattr(x, f)
            if isinstance(v, n.Expr):
                stack.append(v)
    return len(seen)


def point(e):
    return Interval(e, e)


UNBOUNDED = Interval(None, None)


def _c(v):
    return n.IntImm(_I32, int(v))


def _type_range(t):
    if t.is_bool():
        return Interval(_c(0), _c(1))
    if t.is_integer() and t.bits <= 16:
        return Interval(_c(t.min_value()), _c(t.max_value()))
    return UNBOUNDED


def _const(e):
    return e.value if type(e) is n.IntImm else None


def _lift(op, a, b):
    return None if a is None or b is None else op(_I32, a, b)


def _either(op, a, b):
    """op(a, b) where a None end leaves the other (the bounded side of a min's max, ...)."""
    if a is None:
        return b
    if b is None:
        return a
    return op(_I32, a, b)


def hull(a, b):
    """The smallest interval holding both (ends are Exprs, simplified later)."""
    return Interval(_lift(n.Min, a.lo, b.lo), _lift(n.Max, a.hi, b.hi))


class Bounds:
    """Bounds of expressions in one scope ({name: Interval}). `isl` (an IslContext), when given,
    makes selects on affine conditions exact."""

    def __init__(self, scope, isl=None):
        self.scope = scope
        self.isl = isl
        self._memo = {}

    def __call__(self, e):
        r = self._bounds(e)
        s = simplify
        return Interval(None if r.lo is None else s(r.lo), None if r.hi is None else s(r.hi))

    def _with(self, name, interval):
        inner = Bounds(dict(self.scope), self.isl)
        inner.scope[name] = interval
        return inner

    def _bounds(self, e):
        hit = self._memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        r = self._compute(e)
        self._memo[id(e)] = (e, r)
        return r

    def _compute(self, e):
        t = type(e)
        if t is n.IntImm:
            return point(_c(e.value))
        if t is n.Variable:
            got = self.scope.get(e.name)
            if type(got) is Lazy:
                got = got.interval()
            if got is not None:
                return got
            return point(e) if e.type.is_integer() else _type_range(e.type)
        if t is n.FloatImm or e.type.is_float():
            return UNBOUNDED
        if e.type.is_bool():
            return Interval(_c(0), _c(1))
        if t is n.Cast:
            return self._cast(e)
        if t is n.Let:
            return self._with(e.name, self._bounds(e.value))._bounds(e.body)
        if t is n.Select:
            return self._select(e)
        if t is n.Broadcast:  # every lane holds the value
            return self._bounds(e.value)
        if t in (n.Call, n.Load):
            if t is n.Call and e.call_type == n.INTRINSIC and e.name == "likely":
                return self._bounds(e.args[0])
            return _type_range(e.type)
        if isinstance(e, n.BinOp):
            return self._binary(e)
        return _type_range(e.type)

    def _cast(self, e):
        src = e.value.type
        if src.is_bool():
            return Interval(_c(0), _c(1))
        if not src.is_integer():
            return _type_range(e.type)
        inner = self._bounds(e.value)
        widening = e.type.bits > src.bits and (e.type.is_int() or src.is_uint())
        if e.type.bits == src.bits and e.type.code == src.code or widening:
            return inner if inner.bounded() else _type_range(src) if widening else inner
        if e.type.bits >= 32 and src.bits >= 32:
            return inner  # 32 / 64-bit index arithmetic does not overflow (Halide's rule)
        lo, hi = _const(inner.lo), _const(inner.hi)
        if lo is not None and hi is not None and e.type.can_represent(lo) and e.type.can_represent(hi):
            return inner
        return _type_range(e.type)

    def _select(self, e):
        # isl is exact but its cost grows with the pieces: small selects (mirrored boundary
        # conditions) go to isl, large ones (a slid window's first iteration) take the hull
        if self.isl is not None and _size(e, _EXACT_LIMIT) <= _EXACT_LIMIT and is_affine(e):
            exact = self._exact(e)
            if exact is not None:
                return exact
        return hull(self._bounds(e.true_value), self._bounds(e.false_value))

    def _exact(self, e):
        """The exact range of a piecewise-affine `e` over the box of its scoped variables, with
        isl: the variables become set dimensions, their interval ends parameters."""
        dims, ranges, back = [], [], {}
        for name in free_variables(e):
            iv = self.scope.get(name)
            if type(iv) is Lazy:
                iv = iv.interval()
            if iv is None:
                continue
            if not iv.bounded():
                return None
            ends = []
            for k, end in enumerate((iv.lo, iv.hi)):
                if is_affine(end):
                    ends.append(end)
                else:  # an end isl cannot read stands for itself as a parameter
                    sym = Derived(name, "lo" if k == 0 else "hi")
                    back[sym] = end
                    ends.append(n.Variable(_I32, sym))
            dims.append(name)
            ranges.append(tuple(ends))
        if not dims or any(free_variables(end).keys() & set(dims) for r in ranges for end in r):
            return None
        lo, hi = self.isl.range_over_box(e, tuple(dims), ranges)
        return Interval(substitute(back, lo), substitute(back, hi))

    def _binary(self, e):
        t = type(e)
        a = self._bounds(e.a)
        if t in (n.Div, n.Mod, n.Shl, n.Shr, n.BitAnd) and type(e.b) is n.IntImm:
            return self._by_constant(t, a, e.b.value, e)
        b = self._bounds(e.b)
        if t in (n.Add, n.Sub, n.Mul) and e.type.is_integer() and e.type.bits < 32:
            return _in_type(_wide_arith(t, a, b), e.type)
        if t is n.Add:
            return Interval(_lift(n.Add, a.lo, b.lo), _lift(n.Add, a.hi, b.hi))
        if t is n.Sub:
            return Interval(_lift(n.Sub, a.lo, b.hi), _lift(n.Sub, a.hi, b.lo))
        if t is n.Min:
            return Interval(_lift(n.Min, a.lo, b.lo), _either(n.Min, a.hi, b.hi))
        if t is n.Max:
            return Interval(_either(n.Max, a.lo, b.lo), _lift(n.Max, a.hi, b.hi))
        if t is n.Mul:
            return _mul(a, b)
        if t is n.Mod:
            c = _const(b.lo)
            if c is not None and c == _const(b.hi) and c > 0:
                return Interval(_c(0), _c(c - 1))
        return _type_range(e.type)

    def _by_constant(self, t, a, c, e):
        if t is n.Div or t is n.Shr:
            d = c if t is n.Div else (1 << c if 0 <= c < 31 else None)
            if d is None:
                return UNBOUNDED
            if d > 0:
                return Interval(_lift(n.Div, a.lo, _c(d)), _lift(n.Div, a.hi, _c(d)))
            if d < 0:
                return Interval(_lift(n.Div, a.hi, _c(d)), _lift(n.Div, a.lo, _c(d)))
            return point(_c(0))
        if t is n.Shl:
            return _mul(a, point(_c(1 << c))) if 0 <= c < 31 else UNBOUNDED
        if t is n.BitAnd:
            return Interval(_c(0), _c(c)) if c >= 0 else _type_range(e.type)
        if c > 0:  # Mod
            if a.lo is not None and n.equal(a.lo, a.hi):
                return point(n.Mod(_I32, a.lo, _c(c)))
            return Interval(_c(0), _c(c - 1))
        return point(_c(0)) if c == 0 else Interval(_c(c + 1), _c(0))


def _wide_arith(t, a, b):
    if t is n.Add:
        return Interval(_lift(n.Add, a.lo, b.lo), _lift(n.Add, a.hi, b.hi))
    if t is n.Sub:
        return Interval(_lift(n.Sub, a.lo, b.hi), _lift(n.Sub, a.hi, b.lo))
    return _mul(a, b)


def _in_type(iv, t):
    """An interval of arithmetic in a type narrower than 32 bits: itself when its constant ends
    fit the type, else the whole type (the arithmetic may wrap: u8 200 + 100 is 44)."""
    lo, hi = (None if end is None else _const(simplify(end)) for end in (iv.lo, iv.hi))
    if lo is not None and hi is not None and t.can_represent(lo) and t.can_represent(hi):
        return Interval(_c(lo), _c(hi))
    return _type_range(t)


def _mul(a, b):
    for x, y in ((a, b), (b, a)):
        c = _const(y.lo)
        if c is not None and c == _const(y.hi):
            if c >= 0:
                return Interval(_lift(n.Mul, x.lo, y.lo), _lift(n.Mul, x.hi, y.lo))
            return Interval(_lift(n.Mul, x.hi, y.lo), _lift(n.Mul, x.lo, y.lo))
    # a product of two points is a point (yo * factor, a split by an expression)
    if a.lo is not None and b.lo is not None and n.equal(a.lo, a.hi) and n.equal(b.lo, b.hi):
        return point(n.Mul(_I32, a.lo, b.lo))
    vals = [_const(v) for v in (a.lo, a.hi, b.lo, b.hi)]
    if all(v is not None for v in vals):
        prods = [vals[0] * vals[2], vals[0] * vals[3], vals[1] * vals[2], vals[1] * vals[3]]
        return Interval(_c(min(prods)), _c(max(prods)))
    return UNBOUNDED


def reads_memory(e):
    """Whether an index reads memory (a lookup): its bounds then come from the loaded type."""
    return contains(e, lambda x: type(x) is n.Load or (type(x) is n.Call and x.call_type != n.INTRINSIC))
