"""Loops of at most a few iterations become conditions (Halide's rule for loops of extent one,
for extents known only to be at most one): `for (v, m, e) body` is `if (e > 0) let v = m in body`.
A tile one vector wide has such loops in every row (the vector loop over x and, after
partitioning, its prologue, steady state and epilogue); on Hexagon their loop set-up cost more
packets than a copy kernel's one load and store, because clang cannot prove the trip count
from the tile's clamped bounds. A vector loop of at most 2 to MAX_UNROLLED iterations (a tile a
few vectors wide) runs them unrolled when the tile is whole (`e` equals the bound) and stays a
loop otherwise.

The conditions are then tested once per tile instead of once per row: a row loop whose body is
one such condition moves inside it, and a row loop whose body is several (a partitioned loop's
prologue, steady state and epilogue) becomes one row loop per condition when its iterations are
independent (it only stores, to buffers it does not load: a pure definition's loops).

The bound is a constant upper bound of the extent with the lets around it inlined: min and max
(and selects) are split into their operands inside the affine normal form, so `min(a + 127, b) - a`
is at most 127 without knowing b, and floor division by a positive constant bounds the quotient by the
bound of its numerator. Parallel loops stay loops (their bodies become tasks). Runs after
hoist_loop_invariants, which takes the partition's bounds out of the row loops."""
from ..ir import nodes as n
from ..ir.find import collect, collect_stmts, contains
from ..ir.simplify import floor_div, linear, reassociable, simplify
from ..ir.types import Bool
from ..ir.visitor import Mutator, free_variables, substitute

_BUDGET = 256  # affine forms examined per extent: min / max splits double them
MAX_UNROLLED = 4  # iterations of a vector loop unrolled when a tile holds that many vectors


class _Unbounded(Exception):
    """The extent has no constant upper bound this analysis finds."""


def _add(terms, constant, expr, coeff):
    """terms + coeff * expr, as a new affine form."""
    te, ce = linear(expr)
    out = dict(terms)
    for k, (atom, c) in te.items():
        old = out.get(k)
        out[k] = (atom, coeff * c + (old[1] if old else 0))
    return out, constant + coeff * ce


class _Upper:
    def __init__(self):
        self.budget = _BUDGET

    def of(self, e, sign=1):
        """A constant upper bound of sign * e (an int), or _Unbounded."""
        return self.form(*_add({}, 0, e, sign))

    def form(self, terms, constant):
        self.budget -= 1
        if self.budget < 0:
            raise _Unbounded
        live = [(k, atom, c) for k, (atom, c) in terms.items() if c]
        for k, atom, c in live:
            t = type(atom)
            if t in (n.Min, n.Max):
                rest = {j: v for j, v in terms.items() if j != k}
                # c * min(p, q) is the smaller of c * p and c * q for c > 0, the larger for c < 0
                smaller = (t is n.Min) == (c > 0)
                bounds = []
                for operand in (atom.a, atom.b):
                    try:
                        bounds.append(self.form(*_add(rest, constant, operand, c)))
                    except _Unbounded:
                        if not smaller:
                            raise
                if not bounds:
                    raise _Unbounded
                return min(bounds) if smaller else max(bounds)
            if t is n.Select and atom.type == atom.true_value.type:
                # either value may be taken (a sliding window's first iteration or the others)
                rest = {j: v for j, v in terms.items() if j != k}
                return max(self.form(*_add(rest, constant, value, c)) for value in (atom.true_value, atom.false_value))
        total = constant
        for _, atom, c in live:
            if not (type(atom) is n.Div and type(atom.b) is n.IntImm and atom.b.value > 0):
                raise _Unbounded
            # floor division is monotone: c * (u / d) <= c * (max u / d), or c * (min u / d) for c < 0
            d = atom.b.value
            total += c * (floor_div(self.of(atom.a), d) if c > 0 else floor_div(-self.of(atom.a, -1), d))
        return total


def upper_bound(e):
    """A constant upper bound of the Int(32) expression `e`, or None."""
    if not reassociable(e.type):
        return None
    try:
        return _Upper().of(e)
    except _Unbounded:
        return None


class _Inline(Mutator):
    """An expression with its let-bound names (statement lets around it and its own lets)
    replaced by their values."""

    def __init__(self, lets):
        self.lets = lets

    def visit_Variable(self, e):
        return self.lets.get(e.name, e)

    def visit_Let(self, e):
        return self.mutate(substitute({e.name: e.value}, e.body))


def _pure(e):
    return not contains(e, lambda x: type(x) is n.Load or (type(x) is n.Call and x.call_type != n.INTRINSIC))


_PLAIN = (n.Block, n.IfThenElse, n.LetStmt, n.For, n.Store)


def _independent(s):
    """Whether the iterations of a loop around `s` may run in any order: it only stores (no
    calls, checks, allocations or transfers), to buffers it never loads, values that depend only
    on the loop variables (a pure definition's loop nest)."""
    stores, loads = set(), set()
    for x in collect_stmts(s, lambda x: isinstance(x, n.Stmt)):
        if type(x) not in _PLAIN:
            return False
        if type(x) is n.Store:
            stores.add(x.buffer)
    for x in collect(s, lambda x: type(x) in (n.Load, n.Call)):
        if type(x) is n.Call and x.call_type != n.INTRINSIC:
            return False
        if type(x) is n.Load:
            loads.add(x.buffer)
    return not stores & loads


def _vector_kernel(s):
    """Whether `s` is a vector loop's body alone: vector loops, lets, conditions and stores (not a
    tile's transfers and allocations, which unrolling would repeat)."""
    stmts = collect_stmts(s, lambda x: isinstance(x, n.Stmt))
    return all(type(x) in _PLAIN and (type(x) is not n.For or x.kind == n.VECTORIZED) for x in stmts) and \
        any(type(x) is n.For for x in stmts)


class _Loops(Mutator):
    def __init__(self):
        self.lets = {}
        self.made = {}  # the conditions made here, by id

    def visit_Expr(self, e):
        return e

    def visit_LetStmt(self, s):
        outer = self.lets.get(s.name)
        self.lets[s.name] = _Inline(self.lets).mutate(s.value)
        body = self.mutate(s.body)
        if outer is None:
            del self.lets[s.name]
        else:
            self.lets[s.name] = outer
        return s if body is s.body else s.with_(body=body)

    def visit_For(self, s):
        hidden = self.lets.pop(s.name, None)  # the loop variable shadows a let of its name
        body = self.mutate(s.body)
        if hidden is not None:
            self.lets[s.name] = hidden
        if s.kind == n.PARALLEL:
            return s if body is s.body else s.with_(body=body)
        if self.made.get(id(body)) is body and s.name not in free_variables(body.cond):
            # a row loop around a condition made here: tested once, outside, and the loop runs
            # the kernel alone (or the general loop) in each case
            out = body.with_(then_case=s.with_(body=body.then_case),
                             else_case=None if body.else_case is None else s.with_(body=body.else_case))
            self.made[id(out)] = out
            return out
        if type(body) is n.Block and all(self.made.get(id(x)) is x and x.else_case is None and
                                         s.name not in free_variables(x.cond) for x in body.stmts) \
                and _independent(body):
            # the prologue, steady state and epilogue of a partitioned vector loop: each condition
            # tested once, each part a row loop of its own (loop fission: the rows are independent)
            parts = [x.with_(then_case=s.with_(body=x.then_case)) for x in body.stmts]
            for x in parts:
                self.made[id(x)] = x
            return n.Block(tuple(parts))
        bound = upper_bound(_Inline(self.lets).mutate(s.extent)) if _pure(s.extent) else None
        if bound is None or bound > MAX_UNROLLED or (bound > 1 and not _vector_kernel(body)):
            return s if body is s.body else s.with_(body=body)
        if bound <= 1:
            out = n.IfThenElse(n.GT(Bool(), s.extent, n.IntImm(s.extent.type, 0)), n.LetStmt(s.name, s.min, body), None)
        else:
            # at most `bound` iterations: exactly that many (a whole tile) unrolled, else the loop
            copies = n.block(*[n.LetStmt(s.name, n.Add(s.min.type, s.min, n.IntImm(s.min.type, i)), body)
                               for i in range(bound)])
            out = n.IfThenElse(n.GE(Bool(), s.extent, n.IntImm(s.extent.type, bound)), copies,
                               s if body is s.body else s.with_(body=body))
        out = simplify(out)
        if type(out) is n.IfThenElse:
            self.made[id(out)] = out
        return out


def single_iteration_loops(stmt, ctx):
    return _Loops().mutate(stmt)
