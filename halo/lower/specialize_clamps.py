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
from ..ir.printer import expr_to_str
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
        self.mods = {}   # fold factor -> [(Mod node, interval of its argument)]
        self.clamps = {}  # (lo, hi) -> [lo, hi, min of clamped args, max of clamped args]
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
        key = (expr_to_str(lo), expr_to_str(hi))
        group = self.clamps.setdefault(key, [lo, hi, None, None])
        group[2] = b[0] if group[2] is None else n.Min(b[0].type, group[2], b[0])
        group[3] = b[1] if group[3] is None else n.Max(b[1].type, group[3], b[1])
        self.found.append((e, a, None))
        return True

    def visit_Mod(self, e):
        """A folded index a % F: linear in a when a stays within one fold over the inner loops."""
        if type(e.b) is not n.IntImm or e.b.value <= 0 or not e.type.is_int():
            self.generic_visit(e)
            return
        self.visit(e.a)
        # In the fast copy the clamps are identities, so the unclamped index bounds the fold
        # window (and simplifies: x - 2, x - 1, ... share one min).
        b = intervals.bounds(_strip_clamps(e.a), self.scope)
        if b is None or free_variables(b[0]).keys() & self.defined_inside or \
                free_variables(b[1]).keys() & self.defined_inside:
            return
        self.mods.setdefault(e.b.value, []).append((e, b))

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


    def conditions(self):
        """One condition per clamp range and per fold factor (not one per access)."""
        out = [n.And(_BOOL, n.LE(_BOOL, lo, amin), n.LE(_BOOL, amax, hi))
               for lo, hi, amin, amax in self.clamps.values()]
        out += [c for _, _, c in self.found if c is not None]
        return out

    def fold_groups(self):
        """One k per fold factor: all the folded indices of an iteration share
        k = floor(min / F) when their union stays inside one fold, so the loads differ by
        constants only (which the C compiler vectorizes like unfolded loads)."""
        for F, mods in self.mods.items():
            t = mods[0][0].type
            lo = mods[0][1][0]
            hi = mods[0][1][1]
            for _, (l, h) in mods[1:]:
                lo, hi = n.Min(t, lo, l), n.Max(t, hi, h)
            k_name = f"{self.prefix}.fold{len(self.lets)}"
            self.lets.append((k_name, simplify(n.Div(t, lo, n.IntImm(t, F)))))
            k = n.Variable(t, k_name)
            self.found.append((None, None, n.EQ(_BOOL, k, simplify(n.Div(t, hi, n.IntImm(t, F))))))
            for e, _ in mods:
                self.found.append((e, n.Sub(t, e.a, n.Mul(t, k, e.b)), None))


class _StripClamps(Mutator):
    def visit_Max(self, e):
        parts = _clamp_parts(e)
        return self.mutate(parts[0]) if parts else self.generic_visit(e)

    visit_Min = visit_Max


def _strip_clamps(e):
    return _StripClamps().mutate(e)


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
        finder.fold_groups()
        if not finder.found:
            return s if body is s.body else s.with_(body=body)
        cond = None
        for c in finder.conditions():
            cond = c if cond is None else n.And(_BOOL, cond, c)
        fast = _Unclamp({id(node): r for node, r, _ in finder.found if node is not None}).mutate(body)
        # The interior is the common case; saying so keeps the C compiler from treating the
        # fast copy as cold code (and then not vectorizing it).
        likely = n.Call(_BOOL, "likely", (simplify(cond),), "intrinsic")
        versioned = n.IfThenElse(likely, fast, body)
        for name, value in reversed(finder.lets):
            versioned = n.LetStmt(name, value, versioned)
        return s.with_(body=versioned)


def specialize_clamps(stmt):
    return _Specialize().mutate(stmt)
