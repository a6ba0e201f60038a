"""Boxes: the region of a Func or image that a statement reads (calls) and / or writes
(provides), by interval arithmetic over the loop nest inside the statement (Halide's
boxes_required / boxes_provided). Loops and lets inside the statement are the scope; every
other name stays symbolic, so a box is in terms of what is defined outside the statement.

A guard `if (v < e)` (a split's tail) narrows v inside it. An index that reads memory (a
lookup) is bounded by the range of what it loads; the caller is told so it can warn."""
from dataclasses import dataclass

from ..errors import BoundsError
from ..ir import nodes as n
from ..ir.printer import expr_to_str
from ..ir.simplify import simplify
from ..ir.visitor import accessed_names, free_variables
from ..ir.types import Int
from .intervals import Bounds, Interval, Lazy, hull, reads_memory

_I32 = Int(32)


class _Walk:
    def __init__(self, name, calls, provides, skip_producer, skip_nested_producers, isl, scope, where):
        self.name = name
        self.calls, self.provides = calls, provides
        self.skip_producer = skip_producer
        self.skip_nested = skip_nested_producers
        self.isl = isl
        self.box = None
        self.where = where
        self.lookups = []    # (where, index Expr) of indices that read memory
        self.unbounded = []  # (where, index Expr) with no finite bounds
        self.bounds = Bounds(dict(scope or {}), isl)
        self.seen = {}  # (scope, index) -> (Interval, the scope's Bounds, kept so its id stays unique)
        self.walked = {}  # (expression, scope) ids walked -> both (kept so the ids stay unique)

    def add(self, args):
        b = self.bounds
        ivs = []
        for a in args:
            # the taps of inlined stencils repeat the same index many times over
            a = simplify(a)
            key = (id(b), n.Key(a))
            iv = self.seen.get(key)
            if iv is None:
                iv = self.seen[key] = (b(a), b)
            iv = iv[0]
            if not iv.bounded():
                self.unbounded.append((self.where, a))
                return
            if reads_memory(a):
                self.lookups.append((self.where, a, iv))
            ivs.append(iv)
        if self.box is None:
            self.box = ivs
            return
        if all(n.equal(x.lo, y.lo) and n.equal(x.hi, y.hi) for x, y in zip(self.box, ivs)):
            return
        # simplified as it grows: a stencil's taps collapse to one min and one max
        simp = simplify
        self.box = [Interval(simp(h.lo), simp(h.hi)) for h in (hull(x, y) for x, y in zip(self.box, ivs))]

    def scoped(self, name, interval, fn):
        saved = self.bounds
        self.bounds = Bounds(dict(saved.scope), self.isl)
        self.bounds.scope[name] = interval
        fn()
        self.bounds = saved

    # ---- statements ----
    def stmt(self, s):
        if self.name not in accessed_names(s):
            return
        t = type(s)
        if t is n.LetStmt:
            self.expr(s.value)
            self.scoped(s.name, Lazy(s.value, self.bounds), lambda: self.stmt(s.body))
        elif t is n.For:
            self.expr(s.min)
            self.expr(s.extent)
            lo = self.bounds(s.min).lo
            # simplified first: loops run from a min to (max - min) + 1, and bounding min and
            # extent apart would add the range of min twice
            hi = self.bounds(simplify(n.Sub(_I32, n.Add(_I32, s.min, s.extent), n.IntImm(_I32, 1)))).hi
            self.scoped(s.name, Interval(lo, hi), lambda: self.stmt(s.body))
        elif t is n.Block:
            for c in s.stmts:
                self.stmt(c)
        elif t is n.IfThenElse:
            self.expr(s.cond)
            self.guarded(s.cond, lambda: self.stmt(s.then_case))
            if s.else_case is not None:
                self.stmt(s.else_case)
        elif t is n.ProducerConsumer:
            if s.is_producer and (s.name == self.skip_producer or self.skip_nested):
                return
            saved = self.where
            if s.is_producer:
                self.where = s.name
            self.stmt(s.body)
            self.where = saved
        elif t is n.Provide:
            for a in s.args + s.values:
                self.expr(a)
            if self.provides and s.name == self.name:
                self.add(s.args)
        else:
            for f in s.child_fields():
                v = getattr(s, f)
                for k in (v if isinstance(v, tuple) else (v,)):
                    if isinstance(k, n.Stmt):
                        self.stmt(k)
                    elif isinstance(k, n.Expr):
                        self.expr(k)
                    elif isinstance(k, tuple):
                        for x in k:
                            if isinstance(x, n.Expr):
                                self.expr(x)

    def guarded(self, cond, fn):
        """Run fn with the variable of a guard `v < e` / `v <= e` / `v >= e` / `v > e` narrowed."""
        t = type(cond)
        if t is n.Call and cond.call_type == n.INTRINSIC and cond.name == "likely":
            return self.guarded(cond.args[0], fn)
        if t in (n.LT, n.LE, n.GT, n.GE) and type(cond.a) is n.Variable and cond.a.name in self.bounds.scope:
            iv = self.bounds.scope[cond.a.name]
            if type(iv) is Lazy:
                iv = iv.interval()
            bound = self.bounds(cond.b)
            one = n.IntImm(_I32, 1)
            if t in (n.LT, n.LE) and bound.hi is not None:
                cap = bound.hi if t is n.LE else n.Sub(_I32, bound.hi, one)
                hi = cap if iv.hi is None else n.Min(_I32, iv.hi, cap)
                return self.narrowed(cond.a.name, Interval(iv.lo, hi), fn)
            if t in (n.GT, n.GE) and bound.lo is not None:
                floor = bound.lo if t is n.GE else n.Add(_I32, bound.lo, one)
                lo = floor if iv.lo is None else n.Max(_I32, iv.lo, floor)
                return self.narrowed(cond.a.name, Interval(lo, iv.hi), fn)
        if t is n.And:
            return self.guarded(cond.a, lambda: self.guarded(cond.b, fn))
        fn()

    def narrowed(self, name, interval, fn):
        """Run fn with `name` narrowed to `interval`, and the lets made from it (a split's
        coordinate from its guarded inner variable) narrowed with it."""
        saved = self.bounds
        self.bounds = Bounds(dict(saved.scope), self.isl)
        self.bounds.scope[name] = interval
        changed = {name}
        for other, entry in saved.scope.items():  # in the order they were defined
            if type(entry) is Lazy and other not in changed and free_variables(entry.value).keys() & changed:
                self.bounds.scope[other] = Lazy(entry.value, self.bounds)
                changed.add(other)
        fn()
        self.bounds = saved

    # ---- expressions ----
    def expr(self, e):
        if not self.calls:
            return
        key = (id(e), id(self.bounds))  # a shared subtree, in the same scope, adds nothing new
        if key in self.walked:
            return
        self.walked[key] = (e, self.bounds)
        t = type(e)
        if t is n.Let:
            self.expr(e.value)
            self.scoped(e.name, Lazy(e.value, self.bounds), lambda: self.expr(e.body))
            return
        if t is n.Call:
            for a in e.args:
                self.expr(a)
            if e.name == self.name and e.call_type != n.INTRINSIC:
                self.add(e.args)
            return
        if t in (n.IntImm, n.FloatImm, n.Variable, n.StringImm):
            return
        for f in e.child_fields():
            v = getattr(e, f)
            if isinstance(v, n.Expr):
                self.expr(v)
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, n.Expr):
                        self.expr(x)


@dataclass
class Box:
    """The region touched along each dimension: [(min, max)] Exprs."""
    dims: list
    lookups: list  # (where, index, Interval) of indices bounded by the range of a loaded value

    def lookup_warnings(self, func):
        """What to tell the user about the indices bounded through a loaded value's range."""
        return [f"Func {where}: the index {expr_to_str(index)} of its access to {func} is not affine; halo "
                f"bounds it by interval arithmetic as [{expr_to_str(iv.lo)}, {expr_to_str(iv.hi)}]"
                for where, index, iv in self.lookups]

    def extents(self):
        return [simplify(n.Add(_I32, n.Sub(_I32, hi, lo), n.IntImm(_I32, 1))) for lo, hi in self.dims]


def box_touched(stmt, name, calls=True, provides=False, skip_producer=None, skip_nested_producers=False,
                isl=None, scope=None, where=None):
    """The Box of `name` read (calls) and / or written (provides) in `stmt`, or None if it is not
    touched. skip_producer leaves out the produce block of that Func; skip_nested_producers
    leaves out every produce block inside `stmt`. `where` names the Func whose definition
    `stmt` is (for messages), `scope` gives intervals of names defined around `stmt`."""
    w = _Walk(name, calls, provides, skip_producer, skip_nested_producers, isl, scope, where)
    w.stmt(stmt)
    if w.unbounded:
        where, e = w.unbounded[0]
        raise BoundsError(
            f"cannot bound the region of {name} read by {where or '?'}: the index expression {expr_to_str(e)} "
            f"is not affine and has no finite interval bounds; clamp it (hl.clamp(..., lo, hi)) or give "
            f"{name} explicit bounds")
    if w.box is None:
        return None
    return Box([(iv.lo, iv.hi) for iv in w.box], w.lookups)
