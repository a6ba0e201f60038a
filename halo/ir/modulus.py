"""Modulus-remainder analysis (Halide's ModulusRemainder): integers m and r with e = m * k + r
for some integer k, for every value an integer expression takes. m = 0 means e is the constant
r; m = 1 says nothing. Alignment of vector loads reads it off their indices."""
from math import gcd

from . import nodes as n

UNKNOWN = (1, 0)


def _norm(m, r):
    return (m, r % m) if m else (0, r)


def _either(a, b):
    """What holds for a value that is one of two (a min, a max, a select)."""
    (ma, ra), (mb, rb) = a, b
    return _norm(gcd(gcd(ma, mb), abs(ra - rb)), ra)


def modulus_remainder(e, scope=None):
    """(m, r) of integer expression `e`; `scope` maps names to the (m, r) of their values."""
    scope = {} if scope is None else scope
    t = type(e)
    if t is n.IntImm:
        return (0, e.value)
    if t is n.Variable:
        return scope.get(e.name, UNKNOWN)
    if t is n.Let:
        inner = dict(scope)
        inner[e.name] = modulus_remainder(e.value, scope)
        return modulus_remainder(e.body, inner)
    if t in (n.Add, n.Sub):
        (ma, ra), (mb, rb) = modulus_remainder(e.a, scope), modulus_remainder(e.b, scope)
        return _norm(gcd(ma, mb), ra + rb if t is n.Add else ra - rb)
    if t is n.Mul:
        (ma, ra), (mb, rb) = modulus_remainder(e.a, scope), modulus_remainder(e.b, scope)
        return _norm(gcd(gcd(ma * mb, ma * rb), mb * ra), ra * rb)
    if t in (n.Min, n.Max):
        return _either(modulus_remainder(e.a, scope), modulus_remainder(e.b, scope))
    if t is n.Select:
        return _either(modulus_remainder(e.true_value, scope), modulus_remainder(e.false_value, scope))
    if t is n.Div and type(e.b) is n.IntImm and e.b.value > 0:
        m, r = modulus_remainder(e.a, scope)
        d = e.b.value
        if m == 0:
            return (0, r // d)
        # (m k + r) / d with d dividing m and r: a whole (m / d) k + r / d (floor division)
        if m % d == 0 and r % d == 0:
            return _norm(m // d, r // d)
        return UNKNOWN
    return UNKNOWN
