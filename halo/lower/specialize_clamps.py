"""Clamp and fold specialization (loop versioning): boundary conditions clamp every coordinate
and folded storage indexes modulo the fold, both of which turn contiguous loads into gathers the
C compiler cannot vectorize. At each innermost non-vector loop, if every clamp in one
iteration's body provably leaves its argument unchanged (its argument's range over the inner
loops lies within the clamp bounds), and every folded index stays within one fold (so x % F is
x - k * F for one k), that iteration runs a copy of the body without them; iterations at the
image edges or across a fold boundary run the original body.

Halide reaches the same end with partition_loops; versioning per iteration needs no split
points and costs a few comparisons per vector of work.
"""
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..ir.types import Bool
from ..ir.visitor import Mutator, Visitor, free_variables
from ..poly import intervals

_BOOL = Bool()


def _clamp_parts(e):
    """(a, lo, hi) when e is max(min(a, hi), lo) or min(max(a, lo), hi), else None."""
    if type(e) is n.Max and type(e.a) is n.Min:
        return e.a.a, e.b, e.a.b
    if type(e) is n.Min and type(e.a) is n.Max:
        return e.a.a, e.a.b, e.b
    return None


class _FindClamps(Visitor):
    """Clamps in a loop body, with the interval of each clamped argument over the inner loops."""

    def __init__(self, defined_inside, prefix):
        self.prefix = prefix
        self.lets = []   # (name, value) evaluated before the version check
        self.scope = {}
        self.found = []  # (node, replacement, condition under which they are equal)
        self.defined_inside = defined_inside

    def visit_For(self, s):
        self.visit(s.min)
        self.visit(s.extent)
        lo = intervals.bounds(s.min, self.scope)
        hi = intervals.bounds(simplify(s.min + s.extent - 1), self.scope)
        if lo is not None and hi is not None:
            self.scope[s.name] = (lo[0], hi[1])
        self.visit(s.body)

    def visit_LetStmt(self, s):
        self.visit(s.value)
        b = intervals.bounds(s.value, self.scope)
        if b is not None:
            self.scope[s.name] = b
        self.visit(s.body)

    def _clamp(self, e):
        parts = _clamp_parts(e)
        if parts is None:
            return False
        a, lo, hi = parts
        if free_variables(lo).keys() & self.defined_inside or free_variables(hi).keys() & self.defined_inside:
            return False
        b = intervals.bounds(a, self.scope)
        if b is None or free_variables(b[0]).keys() & self.defined_inside or \
                free_variables(b[1]).keys() & self.defined_inside:
            return False
        self.found.append((e, a, n.And(_BOOL, n.LE(_BOOL, lo, b[0]), n.LE(_BOOL, b[1], hi))))
        return True

    def visit_Mod(self, e):
        """A folded index a % F: linear in a when a stays within one fold over the inner loops."""
        if type(e.b) is not n.IntImm or e.b.value <= 0 or not e.type.is_int():
            self.generic_visit(e)
            return
        self.visit(e.a)
        b = intervals.bounds(e.a, self.scope)
        if b is None or free_variables(b[0]).keys() & self.defined_inside or \
                free_variables(b[1]).keys() & self.defined_inside:
            return
        F = e.b
        # k = floor(lo / F) is computed once per version check, not once per point
        k_name = f"{self.prefix}.fold{len(self.lets)}"
        self.lets.append((k_name, simplify(n.Div(e.type, b[0], F))))
        k = n.Variable(e.type, k_name)
        same = n.EQ(_BOOL, k, simplify(n.Div(e.type, b[1], F)))
        self.found.append((e, n.Sub(e.type, e.a, n.Mul(e.type, k, F)), same))

    def visit_Max(self, e):
        if not self._clamp(e):
            self.generic_visit(e)
        else:
            self.visit(_clamp_parts(e)[0])

    def visit_Min(self, e):
        if not self._clamp(e):
            self.generic_visit(e)
        else:
            self.visit(_clamp_parts(e)[0])


class _Defined(Visitor):
    def __init__(self):
        self.names = set()

    def visit_For(self, s):
        self.names.add(s.name)
        self.generic_visit(s)

    def visit_LetStmt(self, s):
        self.names.add(s.name)
        self.generic_visit(s)

    def visit_Let(self, e):
        self.names.add(e.name)
        self.generic_visit(e)


class _Unclamp(Mutator):
    def __init__(self, nodes):
        self.nodes = nodes  # id -> replacement

    def visit_Max(self, e):
        if id(e) in self.nodes:
            return self.mutate(self.nodes[id(e)])
        return self.generic_visit(e)

    visit_Min = visit_Mod = visit_Max


class _Loops(Visitor):
    """How deep serial loops nest in a body, and whether it holds a vectorized loop."""

    def __init__(self):
        self.depth = 0
        self.vector = False
        self._d = 0

    def visit_For(self, s):
        if s.kind == n.VECTORIZED:
            self.vector = True
            self.visit(s.body)
            return
        self._d += 1
        self.depth = max(self.depth, self._d)
        self.visit(s.body)
        self._d -= 1


class _Specialize(Mutator):
    def visit_For(self, s):
        body = self.mutate(s.body)
        if s.kind == n.VECTORIZED:
            return s if body is s.body else s.with_(body=body)
        loops = _Loops()
        loops.visit(body)
        # Version where one check covers a vector of work: around vectorized loops, or around
        # an innermost scalar loop (one check per row), never per scalar point.
        here = (loops.depth == 0 and loops.vector) or (loops.depth == 1 and not loops.vector)
        if not here:
            return s if body is s.body else s.with_(body=body)
        defined = _Defined()
        defined.visit(body)
        finder = _FindClamps(defined.names, s.name)
        finder.visit(body)
        if not finder.found:
            return s if body is s.body else s.with_(body=body)
        cond = None
        for _, _, c in finder.found:
            cond = c if cond is None else n.And(_BOOL, cond, c)
        fast = _Unclamp({id(node): r for node, r, _ in finder.found}).mutate(body)
        versioned = n.IfThenElse(simplify(cond), fast, body)
        for name, value in reversed(finder.lets):
            versioned = n.LetStmt(name, value, versioned)
        return s.with_(body=versioned)


def specialize_clamps(stmt):
    return _Specialize().mutate(stmt)
