"""Loop partitioning (Halide's PartitionLoops): boundary conditions clamp coordinates, tails
guard or shift the last tile and folded storage indexes modulo its fold; inside the loop that
makes them vary, most iterations need none of that. Each such loop is split into a prologue,
a steady state and an epilogue; the steady state has no clamp, no tail test and no modulo, so
its loads and stores stay dense (and vectorize).

The candidates at a loop v are the expressions in its body that depend on v, but on no serial
loop inside it (a candidate belongs to the innermost loop it varies in; the vector and unrolled
loops inside count as part of the iteration), with an argument e that is linear in v:

    max(min(e, hi), lo) -> e        where lo <= e <= hi for every inner iteration
    min(e, b) -> e, max(e, b) -> e  where e <= b (e >= b)
    e < b (any comparison) -> true  where it holds for every inner iteration
    e % F -> e - k * F              where e stays in the fold k it starts the loop in

Each gives a range of v, solved from e's interval over the inner iterations (c * v + r): the
steady state is where all hold. A guard that wraps the whole loop body (a GuardWithIf tail)
just tightens the loop's bounds instead.
"""
from ..ir import nodes as n
from ..ir.find import collect_stmts, contains, header, rewrap
from ..ir.simplify import linear, simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, Visitor, accessed_names, free_variables, substitute
from ..poly.intervals import Bounds, Interval, Lazy

_I32 = Int(32)
_BOOL = Bool()
_ROUNDS = 3  # a steady state may expose new candidates (a clamp of a resolved select)


def _c(v):
    return n.IntImm(_I32, v)


def V(name):
    return n.Variable(_I32, name)


def _floor_div(a, c):
    return n.Div(_I32, a, _c(c))


def _ceil_div(a, c):
    return n.Div(_I32, n.Add(_I32, a, _c(c - 1)), _c(c))


class _Candidate:
    """One expression of the loop body and the range of v where it can be replaced."""

    def __init__(self, node, replacement, v_lo, v_hi, lets=(), decisive=True, exact=False):
        self.node, self.replacement = node, replacement
        self.v_lo, self.v_hi = v_lo, v_hi
        # the range is where the replacement holds exactly, not a part of it: the expression's
        # interval over the inner iterations is one point (a hull, from a clamp of an outer
        # loop's variable say, gives only a part)
        self.exact = exact
        self.lets = lets  # (name, value) the replacement needs, defined before the loop
        # a lone min / max (a ShiftInwards tail's) costs one scalar operation per iteration and
        # keeps its vectors dense: it is replaced in a loop partitioned anyway, but is no
        # reason to partition one (the copied body would cost more than it saves)
        self.decisive = decisive


class _Finder:
    """Candidates of loop `var` in a body: walks it with the intervals of the vector and
    unrolled loops inside and the values of the lets inside."""

    def __init__(self, var, loop_min, names, written):
        self.var = var
        self.loop_min = loop_min
        self.names = names
        self.written = written  # buffers the loop stores to: their loads are not invariant
        self.found = []
        self.inner = set()   # vector / unrolled loop vars (their intervals are in the scope)
        self.lets = {}       # let name -> value
        self.deps = {}       # let name -> every name its value depends on (through other lets)
        self.serial = set()  # serial loops inside (candidates depending on them are theirs)
        self.walked = {}     # id -> expression already walked
        # the intervals of the inner loops and of the lets (lazily), for every candidate
        self.bounds = Bounds({})

    def uses(self, e):
        out = set()
        for v in free_variables(e):
            out.add(v)
            out |= self.deps.get(v, _NONE)
        return out

    def define(self, name, value):
        self.lets[name] = value
        self.deps[name] = self.uses(value)
        self.bounds.scope[name] = Lazy(value, self.bounds)

    def outer(self, e):
        """`e`, invariant in the loop, in terms of what is defined before the loop."""
        return substitute(self.lets, e) if self.lets and free_variables(e).keys() & self.lets.keys() else e

    def linear_in_v(self, e):
        """(c, r_lo, r_hi): e's interval over the inner iterations is [c * v + r_lo, c * v + r_hi],
        or None."""
        used = self.uses(e)
        if self.var not in used or used & self.serial:
            return None
        iv = self.bounds(e)
        if not iv.bounded():
            return None
        key = n.Key(V(self.var))
        out = []
        for end in (iv.lo, iv.hi):
            terms, const = linear(end)
            terms = dict(terms)
            coeff = terms.pop(key, (None, 0))[1]
            rest = simplify(n.Add(_I32, _from_terms(terms), _c(const)))
            if free_variables(rest).keys() & ({self.var} | self.inner | self.lets.keys()):
                return None
            out.append((coeff, rest))
        (c0, r_lo), (c1, r_hi) = out
        if c0 != c1 or c0 == 0:
            return None
        return c0, r_lo, r_hi

    def invariant(self, e):
        used = self.uses(e)
        if self.var in used or used & (self.inner | self.serial):
            return False
        return not (self.written and contains(e, lambda x: type(x) is n.Load and x.buffer in self.written))

    # ---- the range of v where lo <= e(v) and / or e(v) <= hi for every inner iteration ----
    def _range(self, lin, lo=None, hi=None):
        c, r_lo, r_hi = lin
        v_lo = v_hi = None
        if c > 0:
            if lo is not None:
                v_lo = _ceil_div(n.Sub(_I32, lo, r_lo), c)
            if hi is not None:
                v_hi = _floor_div(n.Sub(_I32, hi, r_hi), c)
        else:
            if lo is not None:
                v_hi = _floor_div(n.Sub(_I32, r_lo, lo), -c)
            if hi is not None:
                v_lo = _ceil_div(n.Sub(_I32, r_hi, hi), -c)
        return v_lo, v_hi

    def add(self, node, replacement, e, lo=None, hi=None, decisive=True):
        lin = self.linear_in_v(e)
        if lin is None:
            return False
        v_lo, v_hi = self._range(lin, None if lo is None else self.outer(lo), None if hi is None else self.outer(hi))
        self.found.append(_Candidate(node, replacement, v_lo, v_hi, decisive=decisive, exact=n.equal(lin[1], lin[2])))
        return True

    # ---- the walk ----
    def stmt(self, s):
        t = type(s)
        if t is n.For:
            self.expr(s.min)
            self.expr(s.extent)
            if s.kind in (n.VECTORIZED, n.UNROLLED) and self.invariant(s.min) and self.invariant(s.extent):
                lo = self.outer(s.min)
                self.inner.add(s.name)
                self.bounds.scope[s.name] = Interval(lo, n.Sub(_I32, n.Add(_I32, lo, self.outer(s.extent)), _c(1)))
            else:
                self.serial.add(s.name)
            self.stmt(s.body)
            return
        if t is n.LetStmt:
            self.expr(s.value)
            self.define(s.name, s.value)
            self.stmt(s.body)
            return
        if t is n.IfThenElse:
            self.condition(s.cond)
        for f in s.child_fields():
            v = getattr(s, f)
            for x in (v if isinstance(v, tuple) else (v,)):
                if isinstance(x, n.Stmt):
                    self.stmt(x)
                elif isinstance(x, n.Expr) and not (t is n.IfThenElse and f == "cond"):
                    self.expr(x)

    def condition(self, c):
        t = type(c)
        if t in (n.And, n.Or):
            self.condition(c.a)
            self.condition(c.b)
            return
        if t is n.Not:
            self.condition(c.a)
            return
        if t in (n.LT, n.LE, n.GT, n.GE) and c.a.type.is_integer() and c.a.type.lanes == 1:
            # a < b  <=>  a - b <= -1 ; a <= b <=> a - b <= 0 ; a > b <=> a - b >= 1 ; ...
            if self.invariant(c.b):
                e, b = c.a, c.b
            elif self.invariant(c.a):
                e, b = c.b, c.a
                t = {n.LT: n.GT, n.LE: n.GE, n.GT: n.LT, n.GE: n.LE}[t]
            else:
                self.expr(c)
                return
            one = _c(1)
            if t is n.LT:
                ok = self.add(c, _TRUE, e, hi=n.Sub(_I32, b, one))
            elif t is n.LE:
                ok = self.add(c, _TRUE, e, hi=b)
            elif t is n.GT:
                ok = self.add(c, _TRUE, e, lo=n.Add(_I32, b, one))
            else:
                ok = self.add(c, _TRUE, e, lo=b)
            if not ok:
                self.expr(e)
            return
        self.expr(c)

    def expr(self, e):
        t = type(e)
        if t in (n.IntImm, n.FloatImm, n.Variable, n.StringImm):
            return
        if id(e) in self.walked:  # a shared subtree: its candidates are known
            return
        self.walked[id(e)] = e
        if t is n.Let:  # let names are unique: its definition can stay in the scope
            self.expr(e.value)
            self.define(e.name, e.value)
            self.expr(e.body)
            return
        if t is n.Select:
            self.condition(e.cond)
            self.expr(e.true_value)
            self.expr(e.false_value)
            return
        if t in (n.Min, n.Max) and e.type.is_integer() and e.type.lanes == 1:
            if self.clamp(e):
                return
        if t is n.Mod and type(e.b) is n.IntImm and e.b.value > 0 and e.type.is_int() and e.type.lanes == 1:
            if self.fold(e):
                return
        for x in e.children():
            self.expr(x)

    def clamp(self, e):
        t = type(e)
        inner = e.a
        if type(inner) in (n.Min, n.Max) and type(inner) is not t and self.invariant(e.b) and self.invariant(inner.b):
            lo, hi = (e.b, inner.b) if t is n.Max else (inner.b, e.b)
            if self.add(e, inner.a, inner.a, lo=lo, hi=hi):
                self.expr(inner.a)
                return True
        for arg, bound in ((e.a, e.b), (e.b, e.a)):
            if self.invariant(bound):
                kw = {"hi": bound} if t is n.Min else {"lo": bound}
                if self.add(e, arg, arg, decisive=False, **kw):
                    self.expr(arg)
                    return True
        return False

    def fold(self, e):
        F = e.b.value
        lin = self.linear_in_v(e.a)
        if lin is None:
            return False
        c, r_lo, r_hi = lin
        k = self.names.fresh(self.var, "fold")
        first = simplify(n.Add(_I32, n.Mul(_I32, self.loop_min, _c(c)), r_lo if c > 0 else r_hi))
        kv = V(k)
        v_lo, v_hi = self._range(lin, lo=n.Mul(_I32, kv, _c(F)), hi=n.Sub(_I32, n.Mul(_I32, n.Add(_I32, kv, _c(1)), _c(F)),
                                                                              _c(1)))
        self.found.append(_Candidate(e, n.Sub(_I32, e.a, n.Mul(_I32, kv, _c(F))), v_lo, v_hi,
                                     ((k, _floor_div(first, F)),)))
        self.expr(e.a)
        return True


_TRUE = n.IntImm(_BOOL, 1)
_NONE = frozenset()


def _written(body):
    """The buffers a loop body stores to."""
    return {st.buffer for st in collect_stmts(body, lambda x: type(x) is n.Store)}


class _SerialLoop(Visitor):
    def visit_For(self, s):
        if s.kind in (n.SERIAL, n.PARALLEL):
            raise _FoundLoop
        if s.kind != n.VECTORIZED:
            self.visit(s.body)

    def visit_Expr(self, e):
        pass


class _FoundLoop(Exception):
    pass


def _has_serial_loop(body):
    try:
        _SerialLoop().visit(body)
    except _FoundLoop:
        return True
    return False


def _from_terms(terms):
    out = None
    for atom, coeff in terms.values():
        if coeff:
            term = atom if coeff == 1 else n.Mul(_I32, atom, _c(coeff))
            out = term if out is None else n.Add(_I32, out, term)
    return out if out is not None else _c(0)


class _Replace(Mutator):
    def __init__(self, replacements):
        self.replacements = replacements  # id(node) -> replacement

    def mutate(self, node):
        r = self.replacements.get(id(node))
        if r is not None:
            return self.mutate(r) if r is not node else r
        return super().mutate(node)


class _Scalar(Mutator):
    def visit_For(self, s):
        s = self.generic_visit(s)
        return s.with_(kind=n.SERIAL) if s.kind == n.VECTORIZED else s

    def visit_Expr(self, e):
        return e


def _combine(op, first, bounds):
    """op(first, *bounds), simplified as it grows (the many taps of a stencil give one bound)."""
    out, seen = simplify(first), set()
    for b in bounds:
        k = n.Key(b)
        if k not in seen:
            seen.add(k)
            out = simplify(op(_I32, out, b))
    return out


class _Partition(Mutator):
    def __init__(self, ctx):
        self.names = ctx.names
        # On HVX a vector loop's steady state at multiples of the vector width is what lets
        # aligned_accesses prove its accesses aligned, and without the min of a shifted last
        # vector it packs better: a loop over an input's or output's rows (a frame's width of
        # vectors) is worth a copy for its last vector. A tile staged in local memory is a few
        # vectors wide and runs them unrolled instead (single_iteration_loops).
        hvx = ctx.target.arch == "hexagon" and ctx.target.hvx_bytes
        self.frame_buffers = frozenset(
            [*ctx.pipeline.images, *(b for o in ctx.pipeline.outputs for b, _ in ctx.env.function(o).buffers())]
            if hvx else ())

    def visit_Expr(self, e):
        return e

    def visit_For(self, s):
        body = self.mutate(s.body)
        s = s if body is s.body else s.with_(body=body)
        if s.kind in (n.VECTORIZED, n.UNROLLED):
            return s
        s = self._tighten(s)
        # Only innermost loops are split in three: around a loop of loops the candidates cost
        # a few scalar operations per iteration, and copies of the whole nest would cost more.
        # Serial loops inside a vector loop (an update's RDom) do not count: the split is what
        # lets that vector loop be vector code.
        if _has_serial_loop(s.body):
            return s
        return self._partition(s)

    def _tighten(self, s):
        """A guard that wraps the whole body (after its lets) narrows the loop instead."""
        path, inner = header(s.body)
        guards = [x for x in path if type(x) is n.IfThenElse]
        if not guards:
            return s
        finder = _Finder(s.name, s.min, self.names, _written(s.body))
        for x in path:
            if type(x) is n.LetStmt:
                finder.define(x.name, x.value)
        lo, hi = s.min, simplify(n.Sub(_I32, n.Add(_I32, s.min, s.extent), _c(1)))
        kept = []
        for g in guards:
            finder.found = []
            finder.condition(g.cond)
            cands = finder.found
            resolved = simplify(_Replace({id(c.node): c.replacement for c in cands}).mutate(g.cond))
            # the loop keeps only the iterations the range names: each range must be all of them
            if not cands or not all(c.exact for c in cands) or not (type(resolved) is n.IntImm and resolved.value):
                kept.append(g)
                continue
            for c in cands:
                if c.v_lo is not None:
                    lo = n.Max(_I32, lo, c.v_lo)
                if c.v_hi is not None:
                    hi = n.Min(_I32, hi, c.v_hi)
        if len(kept) == len(guards):
            return s
        new_path = [x for x in path if type(x) is n.LetStmt or x in kept]
        lo, hi = simplify(lo), simplify(hi)
        extent = simplify(n.Max(_I32, n.Add(_I32, n.Sub(_I32, hi, lo), _c(1)), _c(0)))
        return s.with_(min=lo, extent=extent, body=rewrap(new_path, inner))

    def _partition(self, s):
        steady = s.body
        v_lo, v_hi, lets = [], [], []
        decisive, clamps_only = False, True
        written = _written(s.body)
        for _ in range(_ROUNDS):
            finder = _Finder(s.name, s.min, self.names, written)
            finder.stmt(steady)
            if not finder.found:
                break
            decisive = decisive or any(c.decisive for c in finder.found) or (
                accessed_names(steady) & self.frame_buffers
                and contains(steady, lambda x: type(x) is n.For and x.kind == n.VECTORIZED))
            clamps_only = clamps_only and all(type(c.node) in (n.Min, n.Max) for c in finder.found)
            for c in finder.found:
                if c.v_lo is not None:
                    v_lo.append(c.v_lo)
                if c.v_hi is not None:
                    v_hi.append(c.v_hi)
                lets.extend(c.lets)
            steady = simplify(_Replace({id(c.node): c.replacement for c in finder.found}).mutate(steady))
        if steady is s.body or not decisive:
            return s
        loop_end = n.Add(_I32, s.min, s.extent)
        start = simplify(n.Min(_I32, _combine(n.Max, s.min, v_lo), loop_end))
        end = _combine(n.Min, loop_end, [n.Add(_I32, b, _c(1)) for b in v_hi])
        s_start, s_end = self.names.fresh(s.name, "steady_min"), self.names.fresh(s.name, "steady_end")
        # Edges with only clamps keep their vector loops: dense_clamped_loads makes a clamped
        # ramp's load a dense load and two selects. With folds or conditions the edges run the
        # body scalar: they are a few iterations, and vector lanes there would be gathers.
        edge = s.body if clamps_only else _Scalar().mutate(s.body)
        parts = []
        if v_lo:
            parts.append(s.with_(extent=simplify(n.Sub(_I32, V(s_start), s.min)), body=edge))
        parts.append(s.with_(min=V(s_start), extent=simplify(n.Sub(_I32, V(s_end), V(s_start))), body=steady))
        if v_hi:
            parts.append(s.with_(min=V(s_end), extent=simplify(n.Sub(_I32, loop_end, V(s_end))), body=edge))
        out = n.block(*parts)
        out = n.LetStmt(s_end, simplify(n.Max(_I32, n.Min(_I32, end, loop_end), V(s_start))), out)
        out = n.LetStmt(s_start, start, out)
        for name, value in reversed(lets):
            out = n.LetStmt(name, simplify(value), out)
        return out


def partition_loops(stmt, ctx):
    return _Partition(ctx).mutate(stmt)

