"""The IR simplifier: constant folding with halo's exact semantics, an affine normal form for
Int(32) / Int(64) index arithmetic (Halide's rule: those types do not overflow, so they may be
reassociated), min / max / comparisons decided by structure (`provably_le`), and the
structural rules lowering relies on (loops of one iteration become lets, constant conditions
disappear, trivial lets are substituted).

Expressions are DAGs (inlining and bounds share subtrees); each Simplifier remembers what it
has simplified, so shared subtrees are simplified once."""
import math
import threading

import numpy as np

from . import nodes as n
from .operators import wrap_int
from .types import Bool
from .visitor import Mutator, free_variables, substitute

_FLOAT_DTYPES = {32: np.float32, 64: np.float64}


def floor_div(a, b):
    return 0 if b == 0 else a // b


def floor_mod(a, b):
    return 0 if b == 0 else a % b


def _is_const(e):
    return type(e) in (n.IntImm, n.FloatImm)


def reassociable(t):
    return t.code == "int" and t.bits >= 32 and t.lanes == 1


def linear(e):
    """(terms, constant) of an Int(32/64) expression: terms is {Key(atom): (atom, coefficient)}
    in the order the atoms first appear. Cached on the node; callers must not change it."""
    try:
        return e._linear
    except AttributeError:
        pass
    t = type(e)
    if t is n.IntImm:
        out = ({}, e.value)
    elif t is n.Add or t is n.Sub:
        ta, ca = linear(e.a)
        tb, cb = linear(e.b)
        sign = 1 if t is n.Add else -1
        terms = dict(ta)
        for k, (atom, coeff) in tb.items():
            old = terms.get(k)
            terms[k] = (atom, sign * coeff) if old is None else (atom, old[1] + sign * coeff)
        out = (terms, ca + sign * cb)
    elif t is n.Mul and (type(e.b) is n.IntImm or type(e.a) is n.IntImm):
        x, y = (e.a, e.b) if type(e.b) is n.IntImm else (e.b, e.a)
        tx, cx = linear(x)
        out = ({k: (a, c * y.value) for k, (a, c) in tx.items()}, cx * y.value)
    else:
        out = ({n.Key(e): (e, 1)}, 0)
    object.__setattr__(e, "_linear", out)
    return out


def from_linear(terms, constant, type_):
    positives, negatives = [], []
    for atom, coeff in terms.values():
        if coeff:
            (positives if coeff > 0 else negatives).append((atom, abs(coeff)))
    out = None
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


def const_difference(a, b):
    """a - b as an int when it is a constant, else None."""
    if not reassociable(a.type):
        return 0 if n.equal(a, b) else None
    ta, ca = linear(a)
    tb, cb = linear(b)
    for k in ta.keys() | tb.keys():
        if (ta[k][1] if k in ta else 0) != (tb[k][1] if k in tb else 0):
            return None
    return ca - cb


def _difference_lower_bound(a, b, facts):
    """A lower bound of b - a (an int) from the variables' lower bounds in `facts` and
    c * (u / c) >= u - (c - 1) for floor division, or None."""
    ta, ca = linear(a)
    tb, cb = linear(b)
    if not any(type(atom) is n.Div for atom, _ in tb.values()):
        # without a division to expand, only b's own fact variables can bound the difference
        if not facts or any(k not in tb for k in ta) or \
                any(k not in ta and not (type(atom) is n.Variable and atom.name in facts)
                    for k, (atom, _) in tb.items()):
            return None
    terms = {}
    constant = cb - ca

    def add(ts, sign):
        for k, (atom, coeff) in ts.items():
            old = terms.get(k)
            terms[k] = (atom, sign * coeff + (old[1] if old else 0))

    add(tb, 1)
    add(ta, -1)
    for k, (atom, coeff) in list(terms.items()):
        if type(atom) is n.Div and type(atom.b) is n.IntImm and atom.b.value > 0 and coeff > 0 \
                and coeff % atom.b.value == 0:
            q = coeff // atom.b.value
            del terms[k]
            tu, cu = linear(atom.a)
            add(tu, q)
            constant += q * (cu - (atom.b.value - 1))
    for atom, coeff in terms.values():
        if coeff == 0:
            continue
        if coeff < 0 or type(atom) is not n.Variable or atom.name not in facts:
            return None
        constant += coeff * facts[atom.name]
    return constant


def provably_le(a, b, depth=6, facts=None):
    """Whether a <= b for every value of the variables, decided from the structure of the two
    (monotone operations of equal operands) and from `facts` ({variable name: lower bound});
    False means "not proved"."""
    d = const_difference(b, a)
    if d is not None:
        return d >= 0
    if reassociable(a.type):
        lb = _difference_lower_bound(a, b, facts or {})
        if lb is not None and lb >= 0:
            return True
    if depth == 0:
        return False
    ta, tb = type(a), type(b)
    if ta is tb and ta in (n.Min, n.Max):
        if n.equal(a.b, b.b) and provably_le(a.a, b.a, depth - 1, facts):
            return True
        if n.equal(a.a, b.a) and provably_le(a.b, b.b, depth - 1, facts):
            return True
    if ta is tb and ta is n.Div and type(a.b) is n.IntImm and a.b.value > 0 and n.equal(a.b, b.b):
        return provably_le(a.a, b.a, depth - 1, facts)
    if ta is tb and ta is n.Select and n.equal(a.cond, b.cond):
        return provably_le(a.true_value, b.true_value, depth - 1, facts) and \
            provably_le(a.false_value, b.false_value, depth - 1, facts)
    if ta is n.Min and (provably_le(a.a, b, depth - 1, facts) or provably_le(a.b, b, depth - 1, facts)):
        return True
    if tb is n.Max and (provably_le(a, b.a, depth - 1, facts) or provably_le(a, b.b, depth - 1, facts)):
        return True
    if ta is n.Max and provably_le(a.a, b, depth - 1, facts) and provably_le(a.b, b, depth - 1, facts):
        return True
    if tb is n.Min and provably_le(a, b.a, depth - 1, facts) and provably_le(a, b.b, depth - 1, facts):
        return True
    if ta is n.Select and provably_le(a.true_value, b, depth - 1, facts) and provably_le(a.false_value, b, depth - 1, facts):
        return True
    if tb is n.Select and provably_le(a, b.true_value, depth - 1, facts) and provably_le(a, b.false_value, depth - 1, facts):
        return True
    return False


def fold_binary(t, type_, x, y):
    """The constant t(x, y) in type_, or None when it has no value here."""
    if type_.is_float():
        x, y = float(x), float(y)
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
    elif t in n.COMPARISONS:
        r = {n.EQ: x == y, n.NE: x != y, n.LT: x < y, n.LE: x <= y, n.GT: x > y, n.GE: x >= y}[t]
    elif t is n.And:
        r = bool(x) and bool(y)
    elif t is n.Or:
        r = bool(x) or bool(y)
    else:
        return None
    if r is None:
        return None
    if t in n.COMPARISONS or t in (n.And, n.Or):
        return n.IntImm(_BOOL, int(bool(r)))
    if type_.is_float():
        return n.FloatImm(type_, float(r))
    return n.IntImm(type_, wrap_int(int(r), type_))


_BOOL = Bool()
_TRUE = n.IntImm(_BOOL, 1)
_FALSE = n.IntImm(_BOOL, 0)


def _is_zero(e):
    return _is_const(e) and e.value == 0


def _is_one(e):
    return _is_const(e) and e.value == 1


_FLIPPED = {n.LT: n.GT, n.LE: n.GE, n.GT: n.LT, n.GE: n.LE, n.EQ: n.EQ, n.NE: n.NE}


def _canonical_comparison(t, a, b):
    """a CMP b of index arithmetic with the common terms cancelled and the constant on the right
    (x + m + 3 <= m + e becomes x <= e - 3), or None when it already is so."""
    ta, ca = linear(a)
    tb, cb = linear(b)
    terms = dict(ta)
    for k, (atom, coeff) in tb.items():
        old = terms.get(k)
        terms[k] = (atom, -coeff) if old is None else (atom, old[1] - coeff)
    left = {k: v for k, v in terms.items() if v[1] > 0}
    right = {k: (atom, -coeff) for k, (atom, coeff) in terms.items() if coeff < 0}
    if not left and right:  # the terms on the left: 0 <= e - 64 is e >= 64
        left, right, ca, cb = right, {}, cb, ca
        t = _FLIPPED[t]
    lhs = from_linear(left, 0, a.type)
    rhs = from_linear(right, cb - ca, a.type)
    if n.equal(lhs, a) and n.equal(rhs, b):
        return None
    return t(_BOOL, lhs, rhs)


class Simplifier(Mutator):
    memo_exprs = False  # it memoises and interns itself

    def __init__(self, facts=()):
        self._memo = {}      # id(node) -> (node, result): the node is kept so its id stays unique
        self._interned = {}  # Key -> the one node of that structure this simplifier returns
        # facts: conditions `variable >= constant` and `variable == constant` that hold
        # wherever this simplifier works (asserted before everything it simplifies); their own
        # assertions are kept
        self._lower_bounds = {c.a.name: c.b.value for c in facts if type(c) is n.GE}
        self._values = {c.a.name: c.b for c in facts if type(c) is n.EQ}
        self._facts = {n.Key(c) for c in facts}

    def mutate(self, node):
        hit = self._memo.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        out = super().mutate(node)
        if isinstance(out, n.Expr):
            out = self._interned.setdefault(n.Key(out), out)
        self._memo[id(node)] = (node, out)
        return out

    # ---- expressions ----
    def visit_Variable(self, e):
        return self._values.get(e.name, e) if self._values else e

    def visit_Cast(self, e):
        v = self.mutate(e.value)
        if v.type == e.type:
            return v
        if type(v) is n.IntImm and e.type.lanes == 1:
            if e.type.is_float():
                return n.FloatImm(e.type, float(v.value))
            return n.IntImm(e.type, wrap_int(v.value, e.type))
        if type(v) is n.FloatImm and e.type.is_integer():
            return n.IntImm(e.type, wrap_int(int(math.trunc(v.value)), e.type))
        # a widening of a widening is one widening (integers of one signedness)
        if type(v) is n.Cast and e.type.is_integer() and v.type.is_integer() and v.value.type.is_integer() \
                and v.value.type.code == v.type.code and v.type.bits > v.value.type.bits \
                and e.type.bits >= v.type.bits and e.type.code == v.type.code:
            return n.Cast(e.type, v.value)
        return e if v is e.value else e.with_(value=v)

    def visit_BinOp(self, e):
        a = self.mutate(e.a)
        b = self.mutate(e.b)
        t = type(e)
        if _is_const(a) and _is_const(b) and e.type.lanes == 1:
            folded = fold_binary(t, e.type, a.value, b.value)
            if folded is not None:
                return folded
        rebuilt = e if (a is e.a and b is e.b) else t(e.type, a, b)
        return self._rules(rebuilt)

    def _rules(self, e):
        t = type(e)
        a, b = e.a, e.b
        if t in (n.Add, n.Sub, n.Mul) and reassociable(e.type):
            terms, c = linear(e)
            return from_linear(terms, c, e.type)
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
            if _is_one(b) and not e.type.is_float():
                return a
            if e.type.is_float() and type(b) is n.FloatImm and b.value != 0 and e.type.bits in _FLOAT_DTYPES:
                # as Halide does: a float divided by a constant is a product with the reciprocal
                # rounded to the type (not the exact quotient; strict_float would keep it)
                dtype = _FLOAT_DTYPES[e.type.bits]
                return n.Mul(e.type, a, n.FloatImm(b.type, float(dtype(1) / dtype(b.value))))
            if reassociable(e.type) and type(b) is n.IntImm and b.value > 0:
                return self._div_linear(a, b.value, e)
        elif t is n.Mod:
            if e.type.is_integer() and _is_one(b):
                return n.IntImm(e.type, 0)
            if reassociable(e.type) and type(b) is n.IntImm and b.value > 0:
                return self._mod_linear(a, b.value, e)
        elif t in (n.Min, n.Max):
            return self._min_max(e)
        elif t in n.COMPARISONS:
            return self._compare(e)
        elif t is n.And:
            if _is_const(a):
                return b if a.value else _FALSE
            if _is_const(b):
                return a if b.value else _FALSE
            if n.equal(a, b):
                return a
        elif t is n.Or:
            if _is_const(a):
                return _TRUE if a.value else b
            if _is_const(b):
                return _TRUE if b.value else a
            if n.equal(a, b):
                return a
        return e

    def _min_max(self, e):
        t, a, b = type(e), e.a, e.b
        if e.type.lanes != 1:
            return e
        if provably_le(a, b, facts=self._lower_bounds):
            return a if t is n.Min else b
        if provably_le(b, a, facts=self._lower_bounds):
            return b if t is n.Min else a
        # min(min(x, c1), c2) -> min(x, min(c1, c2))
        if type(a) is t and _is_const(a.b) and _is_const(b):
            return t(e.type, a.a, fold_binary(t, e.type, a.b.value, b.value))
        # min(min(x, y), y) -> min(x, y)
        if type(a) is t and (n.equal(a.b, b) or n.equal(a.a, b)):
            return a
        if type(b) is t and (n.equal(b.b, a) or n.equal(b.a, a)):
            return b
        return e

    def _compare(self, e):
        t, a, b = type(e), e.a, e.b
        if a.type.lanes != 1:
            return e
        if reassociable(a.type):
            canon = _canonical_comparison(t, a, b)
            if canon is not None:
                return self.mutate(canon)
        if t in (n.EQ, n.NE):
            d = const_difference(a, b)
            if d is not None:
                return _TRUE if (d == 0) == (t is n.EQ) else _FALSE
            return e
        lo, hi = (a, b) if t in (n.LT, n.LE) else (b, a)  # the question: lo < hi or lo <= hi
        strict = t in (n.LT, n.GT)
        d = const_difference(hi, lo)
        if d is not None:
            return _TRUE if (d > 0 if strict else d >= 0) else _FALSE
        if not strict and provably_le(lo, hi, facts=self._lower_bounds):
            return _TRUE
        if strict and a.type.is_integer() and provably_le(lo, n.Sub(lo.type, hi, n.IntImm(lo.type, 1)), facts=self._lower_bounds):
            return _TRUE
        if provably_le(hi, lo, facts=self._lower_bounds) and strict:
            return _FALSE
        split = self._split_min_max(t, lo, hi, strict)
        return e if split is None else split

    def _split_min_max(self, t, lo, hi, strict):
        """lo <= hi with a min or max on one side, as a conjunction / disjunction of two
        comparisons, when one of them is decided (max(x, y) <= c is x <= c && y <= c, ...)."""
        op = n.LT if strict else n.LE
        for side, other, conj_type in ((lo, hi, n.Max), (hi, lo, n.Min)):
            if type(side) not in (n.Min, n.Max):
                continue
            parts = [self.mutate(op(_BOOL, x, other) if side is lo else op(_BOOL, other, x)) for x in (side.a, side.b)]
            both = type(side) is conj_type  # all of them must hold
            if n.equal(parts[0], parts[1]):
                return parts[0]
            for k in (0, 1):
                if _is_const(parts[k]):
                    if both:
                        return parts[1 - k] if parts[k].value else _FALSE
                    return _TRUE if parts[k].value else parts[1 - k]
        return None

    def _div_linear(self, a, d, e):
        # (d*q + c) / d == q + floor(c / d) exactly when every coefficient of q is a multiple of d
        terms, c = linear(a)
        if all(coeff % d == 0 for _, coeff in terms.values()):
            quotient = {k: (atom, coeff // d) for k, (atom, coeff) in terms.items()}
            return from_linear(quotient, floor_div(c, d), e.type)
        return e

    def _mod_linear(self, a, d, e):
        terms, c = linear(a)
        kept = {k: (atom, floor_mod(coeff, d)) for k, (atom, coeff) in terms.items() if coeff % d}
        if not kept:
            return n.IntImm(e.type, floor_mod(c, d))
        if len(kept) != len(terms) or floor_mod(c, d) != c:
            return n.Mod(e.type, from_linear(kept, floor_mod(c, d), e.type), e.b)
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

    def visit_Call(self, e):
        args = tuple(self.mutate(a) for a in e.args)
        if e.name == "likely" and e.call_type == n.INTRINSIC and _is_const(args[0]):
            return args[0]
        return e if all(x is y for x, y in zip(args, e.args)) else e.with_(args=args)

    def visit_Let(self, e):
        v = self.mutate(e.value)
        if type(v) in (n.IntImm, n.FloatImm, n.Variable):
            return self.mutate(substitute({e.name: v}, e.body))
        body = self.mutate(e.body)
        if e.name not in free_variables(body):
            return body
        return n.Let(e.type, e.name, v, body)

    # ---- statements ----
    def visit_LetStmt(self, s):
        v = self.mutate(s.value)
        if type(v) in (n.IntImm, n.FloatImm, n.Variable):
            return self.mutate(substitute({s.name: v}, s.body))
        body = self.mutate(s.body)
        if s.name not in free_variables(body):
            return body
        return n.LetStmt(s.name, v, body)

    def visit_For(self, s):
        mn = self.mutate(s.min)
        ext = self.mutate(s.extent)
        if type(ext) is n.IntImm and ext.value <= 0:
            return n.no_op()
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
            return self.mutate(s.else_case) if s.else_case is not None else n.no_op()
        then_case = self.mutate(s.then_case)
        else_case = self.mutate(s.else_case) if s.else_case is not None else None
        if else_case is not None and n.is_no_op(else_case):
            else_case = None
        if n.is_no_op(then_case) and else_case is None:
            return then_case
        return n.IfThenElse(c, then_case, else_case)

    def visit_Block(self, s):
        return n.block(*[self.mutate(x) for x in s.stmts])

    def visit_AssertStmt(self, s):
        if n.Key(s.cond) in self._facts:  # the check that establishes a fact: kept as it is
            return s
        c = self.mutate(s.cond)
        if _is_const(c) and c.value:
            return n.no_op()
        args = tuple(self.mutate(a) for a in s.args)
        return s.with_(cond=c, args=args)


class _Shared(threading.local):
    """The Simplifiers of the compilations in progress on this thread (see shared_simplifier):
    per thread, since each compilation has its own facts."""

    def __init__(self):
        self.stack = []


_shared = _Shared()


def simplify(node):
    stack = _shared.stack
    return (stack[-1] if stack else Simplifier()).mutate(node)


class shared_simplifier:
    """Within `with shared_simplifier():` every simplify() call shares one Simplifier, so what
    one pass simplified is not simplified again by the next (a cache: results are the same)."""

    def __init__(self, facts=()):
        self.facts = facts

    def __enter__(self):
        _shared.stack.append(Simplifier(self.facts))

    def __exit__(self, *exc):
        _shared.stack.pop()
