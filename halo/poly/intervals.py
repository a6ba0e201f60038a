"""Interval bounds of an expression: the fallback when an index is not affine.

bounds(e, scope) returns (lo, hi) Exprs or None when the expression is unbounded. `scope`
maps variable names to (lo, hi). Loads and calls are bounded by the range of their type when
it is 16 bits or less (a uint8 image value lies in [0, 255]).
"""
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..ir.types import Int

_I32 = Int(32)


def _c(v):
    return n.IntImm(_I32, int(v))


def _type_range(t):
    if t.is_bool():
        return _c(0), _c(1)
    if t.is_integer() and t.bits <= 16:
        return _c(t.min_value()), _c(t.max_value())
    return None


def _const(e):
    return e.value if type(e) is n.IntImm else None


def bounds(e, scope):
    r = _bounds(e, scope)
    if r is None:
        return None
    return simplify(r[0]), simplify(r[1])


def _bounds(e, scope):
    t = type(e)
    if t is n.IntImm:
        return _c(e.value), _c(e.value)
    if t is n.Variable:
        if e.name in scope:
            return scope[e.name]
        return e, e
    if t in (n.Call, n.Load):
        return _type_range(e.type)
    if t is n.Cast:
        inner = _bounds(e.value, scope)
        target = _type_range(e.type)
        if inner is None:
            return target
        lo, hi = inner
        if e.type.is_integer() and e.type.bits >= 32:
            return inner
        clo, chi = _const(lo), _const(hi)
        if clo is not None and chi is not None and e.type.can_represent(clo) and e.type.can_represent(chi):
            return inner
        return target
    if t is n.Let:
        inner = dict(scope)
        vb = _bounds(e.value, scope)
        if vb is None:
            return None
        inner[e.name] = vb
        return _bounds(e.body, inner)
    if t is n.Select:
        a, b = _bounds(e.true_value, scope), _bounds(e.false_value, scope)
        if a is None or b is None:
            return None
        return n.Min(_I32, a[0], b[0]), n.Max(_I32, a[1], b[1])
    if t is n.Call and e.call_type == "intrinsic":
        return None
    if not isinstance(e, n.BinOp):
        return None
    a = _bounds(e.a, scope)
    b = _bounds(e.b, scope)
    if t is n.Mod:
        bc = _const(b[0]) if b is not None and _const(b[0]) == _const(b[1]) else None
        if bc is not None and bc > 0:
            return _c(0), _c(bc - 1)
        if b is not None and _const(b[0]) is not None and _const(b[0]) > 0 and _const(b[1]) is not None:
            return _c(0), _c(_const(b[1]) - 1)
        return None
    if t is n.BitAnd:
        for side in (e.a, e.b):
            m = _const(side) if type(side) is n.IntImm else None
            if m is not None and m >= 0:
                return _c(0), _c(m)
        return None
    if a is None or b is None:
        return None
    if t is n.Add:
        return n.Add(_I32, a[0], b[0]), n.Add(_I32, a[1], b[1])
    if t is n.Sub:
        return n.Sub(_I32, a[0], b[1]), n.Sub(_I32, a[1], b[0])
    if t is n.Min:
        return n.Min(_I32, a[0], b[0]), n.Min(_I32, a[1], b[1])
    if t is n.Max:
        return n.Max(_I32, a[0], b[0]), n.Max(_I32, a[1], b[1])
    if t is n.Mul:
        return _mul(a, b)
    if t in (n.Div, n.Shr):
        c = _const(b[0]) if _const(b[0]) == _const(b[1]) else None
        if c is None:
            return None
        d = c if t is n.Div else (1 << c)
        if d > 0:
            return n.Div(_I32, a[0], _c(d)), n.Div(_I32, a[1], _c(d))
        if d < 0:
            return n.Div(_I32, a[1], _c(d)), n.Div(_I32, a[0], _c(d))
        return _c(0), _c(0)
    if t is n.Shl:
        c = _const(b[0]) if _const(b[0]) == _const(b[1]) else None
        if c is None:
            return None
        return _mul(a, (_c(1 << c), _c(1 << c)))
    return None


def _mul(a, b):
    for x, y in ((a, b), (b, a)):
        c = _const(y[0])
        if c is not None and c == _const(y[1]):
            if c >= 0:
                return n.Mul(_I32, x[0], y[0]), n.Mul(_I32, x[1], y[0])
            return n.Mul(_I32, x[1], y[0]), n.Mul(_I32, x[0], y[0])
    vals = [_const(v) for v in (a[0], a[1], b[0], b[1])]
    if all(v is not None for v in vals):
        prods = [vals[0] * vals[2], vals[0] * vals[3], vals[1] * vals[2], vals[1] * vals[3]]
        return _c(min(prods)), _c(max(prods))
    return None
