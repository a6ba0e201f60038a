"""Var, RVar and RDom: the pure and reduction variables of definitions."""
import re

from ..errors import DefinitionError
from ..ir import nodes as n
from ..ir.operators import as_expr
from ..ir.types import Int
from .names import Name, user_name

_IMPLICIT = re.compile(r"_(0|[1-9][0-9]*)\Z")


class Var(n.Variable):
    """A pure variable. Two Vars with the same name are the same variable (as in Halide).
    Halide's implicit Vars are named _0, _1, ...; its placeholder is `_`."""

    __slots__ = ()

    def __init__(self, name=None):
        object.__setattr__(self, "type", Int(32))
        object.__setattr__(self, "name", Name(user_name(name, "Var", "_v")))

    @staticmethod
    def implicit(index):
        return Var(f"_{index}")

    @staticmethod
    def outermost():
        """The Var of the loop outside every loop of a Func (Halide's Var::outermost)."""
        return Var("__outermost")

    def is_implicit(self):
        return self.implicit_index() >= 0

    def implicit_index(self):
        m = _IMPLICIT.match(self.name)
        return int(m.group(1)) if m else -1

    def is_placeholder(self):
        return self.name == "_"

    def same_as(self, other):
        return isinstance(other, n.Variable) and other.name == self.name

    def __str__(self):
        return str(self.name)

    def __repr__(self):
        return f"<halo.Var '{self.name}'>"


def vars(names):
    """Vars named by a space-separated string: x, y = hl.vars("x y")."""
    return tuple(Var(nm) for nm in names.split())


# Halide's implicit Vars and its placeholder
_ = Var("_")
IMPLICIT = tuple(Var.implicit(i) for i in range(10))


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
        object.__setattr__(self, "name", Name(f"{rdom.name}.{suffix}"))
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
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"RDom {self.name} is indexed by an int (0 to {len(self.vars) - 1}), got {i!r}")
        if not 0 <= i < len(self.vars):  # as Halide: no negative indices
            raise KeyError(f"RDom {self.name} has {len(self.vars)} dimension(s); index {i} is out of range")
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
