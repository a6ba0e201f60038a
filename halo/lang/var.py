"""Var, RVar and RDom: the pure and reduction variables of definitions."""
from ..errors import DefinitionError
from ..ir import nodes as n
from ..ir.operators import as_expr
from ..ir.types import Int
from .names import user_name


class Var(n.Variable):
    """A pure variable. Two Vars with the same name are the same variable (as in Halide)."""

    __slots__ = ()

    def __init__(self, name=None):
        object.__setattr__(self, "type", Int(32))
        object.__setattr__(self, "name", user_name(name, "Var", "_v"))


class Range:
    """min and extent of one dimension of an RDom (as hl.Range)."""

    def __init__(self, min, extent):
        self.min = as_expr(min)
        self.extent = as_expr(extent)
        for what, e in (("min", self.min), ("extent", self.extent)):
            if not e.type.is_integer():
                raise DefinitionError(f"RDom range {what} must be an integer expression, got {e.type} ({e})")


_DIM_NAMES = ("x", "y", "z", "w")


class RVar(n.Variable):
    """One dimension of an RDom; used in update definitions."""

    __slots__ = ("rdom", "index")

    def __init__(self, rdom, index):
        object.__setattr__(self, "type", Int(32))
        suffix = _DIM_NAMES[index] if index < len(_DIM_NAMES) else str(index)
        object.__setattr__(self, "name", f"{rdom.name}.{suffix}")
        object.__setattr__(self, "rdom", rdom)
        object.__setattr__(self, "index", index)

    @property
    def min(self):
        return self.rdom.ranges[self.index].min

    @property
    def extent(self):
        return self.rdom.ranges[self.index].extent


class RDom:
    """A reduction domain: RDom([Range(0, 10), Range(0, 5)], "r"), RDom([(0, 10)]) or RDom(buffer)."""

    def __init__(self, ranges, name=None):
        if hasattr(ranges, "dimensions") and hasattr(ranges, "dim"):
            buf = ranges
            ranges = [Range(buf.dim(i).min(), buf.dim(i).extent()) for i in range(buf.dimensions())]
        elif isinstance(ranges, Range):
            ranges = [ranges]
        rs = []
        for r in ranges:
            if isinstance(r, Range):
                rs.append(r)
            elif isinstance(r, (tuple, list)) and len(r) == 2:
                rs.append(Range(*r))
            else:
                raise DefinitionError(f"RDom ranges must be hl.Range(min, extent) or (min, extent) pairs, got {r!r}")
        if not rs:
            raise DefinitionError("an RDom needs at least one range")
        self.name = user_name(name, "RDom", "r")
        self.ranges = tuple(rs)
        self.vars = tuple(RVar(self, i) for i in range(len(rs)))
        self.predicates = []

    def dimensions(self):
        return len(self.ranges)

    def __getitem__(self, i):
        return self.vars[i]

    def __len__(self):
        return len(self.vars)

    def __getattr__(self, name):
        if name in _DIM_NAMES:
            i = _DIM_NAMES.index(name)
            if i < len(self.vars):
                return self.vars[i]
            raise DefinitionError(f"RDom {self.name} has {len(self.vars)} dimension(s); it has no .{name}")
        raise AttributeError(name)

    def where(self, predicate):
        """Restrict the domain to the points where `predicate` holds (as RDom::where)."""
        pred = as_expr(predicate)
        if not pred.type.is_bool():
            raise DefinitionError(f"RDom {self.name}.where needs a boolean condition, got {pred.type}")
        self.predicates.append(pred)
        return self

    def __halo_expr__(self):
        if len(self.vars) != 1:
            raise DefinitionError(
                f"RDom {self.name} has {len(self.vars)} dimensions; use {self.name}.x, {self.name}.y, ... "
                f"instead of the RDom itself")
        return self.vars[0]

    def _e(self):
        return self.__halo_expr__()

    def __add__(self, o): return self._e() + o
    def __radd__(self, o): return o + self._e()
    def __sub__(self, o): return self._e() - o
    def __rsub__(self, o): return o - self._e()
    def __mul__(self, o): return self._e() * o
    def __rmul__(self, o): return o * self._e()
    def __lt__(self, o): return self._e() < o
    def __le__(self, o): return self._e() <= o
    def __gt__(self, o): return self._e() > o
    def __ge__(self, o): return self._e() >= o
