"""Value-range narrowing inside vectorized loops: 32-bit integer arithmetic whose every
intermediate value provably fits 8 or 16 bits is computed in that narrower type (Halide's
narrowing of widened sums). The apps sum nine uint8 pixels in uint32: four HVX vectors per 128
lanes where two uint16 vectors hold the same values. Results are bit-identical: each rewritten
node's interval (poly.intervals) lies inside the narrow type, so nothing wraps in either type.

Runs before vectorize_loops on the scalar bodies of vectorized loops only; scalar code (the
unscheduled reference) keeps the types the user wrote."""
from ..ir import nodes as n
from ..ir.types import Type
from ..ir.visitor import Mutator
from ..poly.intervals import Bounds

_NARROW_BITS = (8, 16)
_ARITH = (n.Add, n.Sub, n.Mul, n.Min, n.Max)
_BY_CONSTANT = (n.Div, n.Mod, n.Shr)


class _Failed(Exception):
    """The expression has a part that does not fit the narrow type."""


class _Narrow:
    def __init__(self, bounds):
        self.bounds = bounds

    def fits(self, e, t):
        r = self.bounds(e)
        return (type(r.lo) is n.IntImm and type(r.hi) is n.IntImm and r.lo.value <= r.hi.value
                and t.can_represent(r.lo.value) and t.can_represent(r.hi.value))

    def __call__(self, e, t):
        """`e` computed in type `t` (same value), or _Failed."""
        k = type(e)
        if k is n.IntImm:
            if not t.can_represent(e.value):
                raise _Failed
            return n.IntImm(t, e.value)
        if k is n.Cast and e.value.type.is_integer():
            src = e.value.type
            if src == t:
                return e.value
            if t.can_represent(src):
                return n.Cast(t, e.value)
            raise _Failed
        if not self.fits(e, t):
            raise _Failed
        if k in _ARITH:
            return e.with_(type=t, a=self(e.a, t), b=self(e.b, t))
        if k in _BY_CONSTANT and type(e.b) is n.IntImm and e.b.value > 0:
            return e.with_(type=t, a=self(e.a, t), b=n.IntImm(t, e.b.value))
        if k is n.Select:
            return e.with_(type=t, true_value=self(e.true_value, t), false_value=self(e.false_value, t))
        raise _Failed


def _worth_it(e):
    return type(e) in _ARITH + _BY_CONSTANT + (n.Select,)


class _Body(Mutator):
    def __init__(self):
        self.narrow = _Narrow(Bounds({}))

    def _narrowed(self, e):
        """(narrow type, e computed in it), or None."""
        if not (e.type.is_integer() and e.type.bits == 32 and _worth_it(e)):
            return None
        for bits in _NARROW_BITS:
            t = Type(e.type.code, bits)
            try:
                return t, self.narrow(e, t)
            except _Failed:
                continue
        return None

    def visit_Expr(self, e):
        got = self._narrowed(e)
        if got is None:
            return self.generic_visit(e)
        return n.Cast(e.type, got[1])

    def visit_Cast(self, e):
        got = self._narrowed(e.value)
        if got is None:
            return self.generic_visit(e)
        # the wide type held the value exactly, so converting from the narrow one is the same
        t, value = got
        return value if t == e.type else n.Cast(e.type, value)


class _Loops(Mutator):
    def visit_For(self, s):
        if s.kind == n.VECTORIZED:
            return s.with_(body=_Body().mutate(s.body))
        return self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def narrow_arithmetic(stmt, ctx):
    return _Loops().mutate(stmt)
