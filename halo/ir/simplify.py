"""The IR simplifier: constant folding with halo's exact semantics, affine normal form for
Int(32) / Int(64) index arithmetic (Halide's rule: those types do not overflow, so they may be
reassociated), and the structural rules lowering relies on (loops of one iteration become lets,
constant conditions disappear, trivial lets are substituted)."""
import math

from . import nodes as n
from .operators import _wrap
from .printer import expr_to_str
from .types import Bool
from .visitor import Mutator, substitute


def floor_div(a, b):
    if b == 0:
        return 0
    return a // b


def floor_mod(a, b):
    if b == 0:
        return 0
    return a % b


def _is_const(e):
    return type(e) in (n.IntImm, n.FloatImm)


def _const_value(e):
    return e.value


def _reassociable(t):
    return t.code == "int" and t.bits >= 32 and t.lanes == 1


def _linear(e):
    """(terms, constant) with terms {key: [atom, coeff]} for an Int(32/64) expression."""
    t = type(e)
    if t is n.IntImm:
        return {}, e.value
    if t is n.Add or t is n.Sub:
        ta, ca = _linear(e.a)
        tb, cb = _linear(e.b)
        sign = 1 if t is n.Add else -1
        terms = {k: [v[0], v[1]] for k, v in ta.items()}
        for k, (atom, coeff) in tb.items():
            if k in terms:
                terms[k][1] += sign * coeff
            else:
                terms[k] = [atom, sign * coeff]
        return terms, ca + sign * cb
    if t is n.Mul:
        for x, y in ((e.a, e.b), (e.b, e.a)):
            if type(y) is n.IntImm:
                tx, cx = _linear(x)
                return {k: [a, c * y.value] for k, (a, c) in tx.items()}, cx * y.value
    return {expr_to_str(e): [e, 1]}, 0


def _from_linear(terms, constant, type_):
    out = None
    positives = []
    negatives = []
    for key in sorted(terms):
        atom, coeff = terms[key]
        if coeff == 0:
            continue
        (positives if coeff > 0 else negatives).append((atom, abs(coeff)))
    for atom, coeff in positives:
        term = atom if coeff == 1 else n.Mul(type_, atom, n.IntImm(type_, coeff))
        out = term if out is None else n.Add(type_, out, term)
    for atom, coeff in negatives:
        term = atom if coeff == 1 else n.Mul(type_, atom, n.IntImm(type_, coeff))
        out = n.Sub(type_, n.IntImm(type_, 0) if out is None else out, term)
    if out is None:
        return n.IntImm(type_, constant)
    if constant > 0:
        out = n.Add(type_, out, n.IntImm(type_, constant))
    elif constant < 0:
        out = n.Sub(type_, out, n.IntImm(type_, -constant))
    return out


def _const_difference(a, b):
    """a - b as an int when it is a constant (for reassociable types), else None."""
    if not _reassociable(a.type):
        if n.equal(a, b):
            return 0
        return None
    ta, ca = _linear(a)
    tb, cb = _linear(b)
    keys = set(ta) | set(tb)
    for k in keys:
        if (ta[k][1] if k in ta else 0) != (tb[k][1] if k in tb else 0):
            return None
    return ca - cb


def _fold_binary(t, type_, a, b):
    if type_.is_float() or isinstance(a, float) or isinstance(b, float):
        x, y = float(a), float(b)
    else:
        x, y = int(a), int(b)
    if t is n.Add:
        r = x + y
    elif t is n.Sub:
        r = x - y
    elif t is n.Mul:
        r = x * y
    elif t is n.Div:
        r = (x / y if y != 0 else 0.0) if type_.is_float() else floor_div(x, y)
    elif t is n.Mod:
        r = (x - y * math.floor(x / y) if y != 0 else 0.0) if type_.is_float() else floor_mod(x, y)
    elif t is n.Min:
        r = min(x, y)
    elif t is n.Max:
        r = max(x, y)
    elif t is n.BitAnd:
        r = x & y
    elif t is n.BitOr:
        r = x | y
    elif t is n.BitXor:
        r = x ^ y
    elif t is n.Shl:
        r = x << y if 0 <= y < type_.bits else None
    elif t is n.Shr:
        r = x >> y if 0 <= y < type_.bits else None
    elif t is n.EQ:
        r = x == y
    elif t is n.NE:
        r = x != y
    elif t is n.LT:
        r = x < y
    elif t is n.LE:
        r = x <= y
    elif t is n.GT:
        r = x > y
    elif t is n.GE:
        r = x >= y
    elif t is n.And:
        r = bool(x) and bool(y)
    elif t is n.Or:
        r = bool(x) or bool(y)
    else:
        return None
    if r is None:
        return None
    if t in n.COMPARISONS or t in (n.And, n.Or):
        return n.IntImm(Bool(), int(bool(r)))
    if type_.is_float():
        return n.FloatImm(type_, float(r))
    return n.IntImm(type_, _wrap(int(r), type_))


_TRUE = n.IntImm(Bool(), 1)
_FALSE = n.IntImm(Bool(), 0)


class Simplifier(Mutator):
    # ---- expressions ----
    def visit_Cast(self, e):
        v = self.mutate(e.value)
        if v.type == e.type:
            return v
        if type(v) is n.IntImm:
            if e.type.is_float():
                return n.FloatImm(e.type, float(v.value))
            return n.IntImm(e.type, _wrap(v.value, e.type))
        if type(v) is n.FloatImm and e.type.is_integer():
            return n.IntImm(e.type, _wrap(int(math.trunc(v.value)), e.type))
        return e if v is e.value else e.with_(value=v)

    def generic_binary(self, e):
        a = self.mutate(e.a)
        b = self.mutate(e.b)
        t = type(e)
        if _is_const(a) and _is_const(b):
            folded = _fold_binary(t, e.type, _const_value(a), _const_value(b))
            if folded is not None:
                return folded
        rebuilt = e if (a is e.a and b is e.b) else t(e.type, a, b)
        return self._rules(rebuilt)

    visit_Add = visit_Sub = visit_Mul = visit_Div = visit_Mod = generic_binary
    visit_Min = visit_Max = visit_BitAnd = visit_BitOr = visit_BitXor = generic_binary
    visit_Shl = visit_Shr = generic_binary
    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = generic_binary
    visit_And = visit_Or = generic_binary

    def _rules(self, e):
        t = type(e)
        a, b = e.a, e.b
        if t in (n.Add, n.Sub, n.Mul) and _reassociable(e.type):
            terms, c = _linear(e)
            return _from_linear(terms, c, e.type)
        if t is n.Add:
            if _is_zero(b):
                return a
            if _is_zero(a):
                return b
        elif t is n.Sub:
            if _is_zero(b):
                return a
        elif t is n.Mul:
            if _is_one(b):
                return a
            if _is_one(a):
                return b
            if e.type.is_integer() and (_is_zero(a) or _is_zero(b)):
                return n.IntImm(e.type, 0)
        elif t is n.Div:
            if _is_one(b):
                return a
            if _reassociable(e.type) and type(b) is n.IntImm and b.value > 0:
                return self._div_linear(a, b.value, e)
        elif t is n.Mod:
            if e.type.is_integer() and _is_one(b):
                return n.IntImm(e.type, 0)
            if _reassociable(e.type) and type(b) is n.IntImm and b.value > 0:
                return self._mod_linear(a, b.value, e)
        elif t in (n.Min, n.Max):
            d = _const_difference(a, b)
            if d is not None:
                pick_a = (d <= 0) if t is n.Min else (d >= 0)
                return a if pick_a else b
            # min(min(x, c1), c2) -> min(x, min(c1, c2))
            if type(a) is t and _is_const(a.b) and _is_const(b):
                inner = _fold_binary(t, e.type, a.b.value, b.value)
                return t(e.type, a.a, inner)
        elif t in n.COMPARISONS:
            d = _const_difference(a, b)
            if d is not None:
                return _fold_binary(t, e.type, d, 0)
        elif t is n.And:
            if _is_const(a):
                return b if a.value else _FALSE
            if _is_const(b):
                return a if b.value else _FALSE
        elif t is n.Or:
            if _is_const(a):
                return _TRUE if a.value else b
            if _is_const(b):
                return _TRUE if b.value else a
        return e

    def _div_linear(self, a, d, e):
        # (d*q + c) / d == q + floor(c / d) exactly when every coefficient of q is a multiple of d
        terms, c = _linear(a)
        if all(coeff % d == 0 for _, coeff in terms.values()):
            quotient = {k: [atom, coeff // d] for k, (atom, coeff) in terms.items()}
            return _from_linear(quotient, floor_div(c, d), e.type)
        return e

    def _mod_linear(self, a, d, e):
        terms, c = _linear(a)
        kept = {k: [atom, floor_mod(coeff, d)] for k, (atom, coeff) in terms.items() if coeff % d}
        if not kept:
            return n.IntImm(e.type, floor_mod(c, d))
        if len(kept) != len(terms) or floor_mod(c, d) != c:
            return n.Mod(e.type, _from_linear(kept, floor_mod(c, d), e.type), e.b)
        return e

    def visit_Not(self, e):
        a = self.mutate(e.a)
        if _is_const(a):
            return _FALSE if a.value else _TRUE
        if type(a) is n.Not:
            return a.a
        return e if a is e.a else e.with_(a=a)

    def visit_Select(self, e):
        c = self.mutate(e.cond)
        tv = self.mutate(e.true_value)
        fv = self.mutate(e.false_value)
        if _is_const(c):
            return tv if c.value else fv
        if n.equal(tv, fv):
            return tv
        if c is e.cond and tv is e.true_value and fv is e.false_value:
            return e
        return n.Select(e.type, c, tv, fv)

    def visit_Let(self, e):
        v = self.mutate(e.value)
        if type(v) in (n.IntImm, n.FloatImm, n.Variable):
            return self.mutate(substitute({e.name: v}, e.body))
        body = self.mutate(e.body)
        if e.name not in _names_used(body):
            return body
        return n.Let(e.type, e.name, v, body)

    # ---- statements ----
    def visit_LetStmt(self, s):
        v = self.mutate(s.value)
        if type(v) in (n.IntImm, n.FloatImm, n.Variable):
            return self.mutate(substitute({s.name: v}, s.body))
        body = self.mutate(s.body)
        if s.name not in _names_used(body):
            return body
        return n.LetStmt(s.name, v, body)

    def visit_For(self, s):
        mn = self.mutate(s.min)
        ext = self.mutate(s.extent)
        if type(ext) is n.IntImm and ext.value <= 0:
            return n.Evaluate(n.IntImm(n._INT32, 0))
        if type(ext) is n.IntImm and ext.value == 1 and s.kind != n.PARALLEL:
            return self.mutate(n.LetStmt(s.name, mn, s.body))
        body = self.mutate(s.body)
        if n.is_no_op(body):
            return body
        return n.For(s.name, mn, ext, s.kind, body)

    def visit_IfThenElse(self, s):
        c = self.mutate(s.cond)
        if _is_const(c):
            if c.value:
                return self.mutate(s.then_case)
            return self.mutate(s.else_case) if s.else_case is not None else n.Evaluate(n.IntImm(n._INT32, 0))
        then_case = self.mutate(s.then_case)
        else_case = self.mutate(s.else_case) if s.else_case is not None else None
        if else_case is not None and n.is_no_op(else_case):
            else_case = None
        if n.is_no_op(then_case) and else_case is None:
            return then_case
        return n.IfThenElse(c, then_case, else_case)

    def visit_Block(self, s):
        stmts = [self.mutate(x) for x in s.stmts]
        return n.block(*[x for x in stmts if not n.is_no_op(x)])

    def visit_AssertStmt(self, s):
        c = self.mutate(s.cond)
        if _is_const(c) and c.value:
            return n.Evaluate(n.IntImm(n._INT32, 0))
        args = tuple(self.mutate(a) for a in s.args)
        return s.with_(cond=c, args=args)


def _is_zero(e):
    return type(e) in (n.IntImm, n.FloatImm) and e.value == 0


def _is_one(e):
    return type(e) in (n.IntImm, n.FloatImm) and e.value == 1


def _names_used(node):
    from .visitor import free_variables
    return free_variables(node)


def simplify(node):
    return Simplifier().mutate(node)
