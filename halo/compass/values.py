"""Interval values of a kernel's integer and float expressions, for the path walk of
hazards.py: a value is (lo, hi), or None when it is not known (buffer data, a scalar not given).
A loop whose body neither copies nor touches events is walked once with its variable bound to
the loop's whole range, so intervals, not single values, are the common case."""
import math

from ..ir import nodes as n

TRUE, FALSE, MAYBE = (1, 1), (0, 0), (0, 1)


def point(v):
    return (v, v)


def is_point(v):
    return v is not None and v[0] == v[1]


def hull(a, b):
    if a is None or b is None:
        return None
    return (min(a[0], b[0]), max(a[1], b[1]))


def _fits(t, v):
    """v when every value of it is one of type t's (integer types wrap: then unknown)."""
    if v is None or t.is_float():
        return v
    if t.is_bool():
        return v if 0 <= v[0] and v[1] <= 1 else MAYBE
    return v if t.min_value() <= v[0] and v[1] <= t.max_value() else None


def _corners(f, a, b):
    xs = [f(x, y) for x in a for y in b]
    return (min(xs), max(xs))


def _div(a, b, floating):
    if floating:
        return None if b[0] <= 0 <= b[1] else _corners(lambda x, y: x / y, a, b)
    if b[0] > 0 or b[1] < 0:
        return _corners(lambda x, y: x // y, a, b)
    return None


def _mod(a, b, floating):
    if floating or not is_point(b) or b[0] == 0:
        return None
    d = b[0]
    if is_point(a):
        return point(a[0] % d)
    if d > 0 and a[1] - a[0] < d and a[0] % d <= a[1] % d:
        return (a[0] % d, a[1] % d)
    return (0, d - 1) if d > 0 else (d + 1, 0)


def _compare(t, a, b):
    lo_a, hi_a = a
    lo_b, hi_b = b
    if t is n.LT:
        return TRUE if hi_a < lo_b else FALSE if lo_a >= hi_b else MAYBE
    if t is n.LE:
        return TRUE if hi_a <= lo_b else FALSE if lo_a > hi_b else MAYBE
    if t is n.GT:
        return _compare(n.LT, b, a)
    if t is n.GE:
        return _compare(n.LE, b, a)
    if t is n.EQ:
        return TRUE if is_point(a) and a == b else FALSE if hi_a < lo_b or hi_b < lo_a else MAYBE
    r = _compare(n.EQ, a, b)
    return MAYBE if r == MAYBE else (1 - r[0], 1 - r[0])


def _trunc(v):
    return v if isinstance(v, int) else math.trunc(v) if math.isfinite(v) else None


def evaluate(e, lookup):
    """The interval of `e`; lookup(Variable or Load) gives a leaf's interval (or None)."""
    t = type(e)
    if t in (n.IntImm, n.FloatImm):
        return point(e.value)
    if t in (n.Variable, n.Load):
        return lookup(e)
    if t is n.Cast:
        v = evaluate(e.value, lookup)
        if v is None:
            return None
        if e.type.is_float():
            return (float(v[0]), float(v[1]))
        if e.value.type.is_float():
            lo, hi = _trunc(v[0]), _trunc(v[1])
            if lo is None or hi is None:
                return None
            v = (lo, hi)
        return _fits(e.type, v)
    if t is n.Not:
        v = evaluate(e.a, lookup)
        return None if v is None else (1 - v[1], 1 - v[0])
    if t is n.Select:
        c = evaluate(e.cond, lookup)
        a, b = evaluate(e.true_value, lookup), evaluate(e.false_value, lookup)
        if c == TRUE:
            return a
        return b if c == FALSE else hull(a, b)
    if not isinstance(e, n.BinOp):
        return None
    a, b = evaluate(e.a, lookup), evaluate(e.b, lookup)
    if t is n.And and (a == FALSE or b == FALSE):
        return FALSE
    if t is n.Or and (a == TRUE or b == TRUE):
        return TRUE
    if a is None or b is None:
        return None
    floating = e.a.type.is_float()
    if t is n.Add:
        r = (a[0] + b[0], a[1] + b[1])
    elif t is n.Sub:
        r = (a[0] - b[1], a[1] - b[0])
    elif t is n.Mul:
        r = _corners(lambda x, y: x * y, a, b)
    elif t is n.Div:
        r = _div(a, b, floating)
    elif t is n.Mod:
        r = _mod(a, b, floating)
    elif t is n.Min:
        r = (min(a[0], b[0]), min(a[1], b[1]))
    elif t is n.Max:
        r = (max(a[0], b[0]), max(a[1], b[1]))
    elif t in n.COMPARISONS:
        return _compare(t, a, b)
    elif t is n.And:
        return (min(a[0], b[0]), min(a[1], b[1]))
    elif t is n.Or:
        return (max(a[0], b[0]), max(a[1], b[1]))
    elif is_point(a) and is_point(b) and t in _BITS:
        r = point(_BITS[t](a[0], b[0]))
    else:
        return None
    return None if r is None else _fits(e.type, r)


_BITS = {n.BitAnd: lambda x, y: x & y, n.BitOr: lambda x, y: x | y, n.BitXor: lambda x, y: x ^ y,
         n.Shl: lambda x, y: x << y if 0 <= y < 64 else 0, n.Shr: lambda x, y: x >> y if 0 <= y < 64 else 0}
