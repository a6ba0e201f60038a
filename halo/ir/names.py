"""Names lowering makes: symbol objects, not dotted strings, so no pass ever parses a name.

A Variable's name is a user's string (a Var, a Param) or one of these. Each prints the way
Halide prints its names (`f.s0.x`, `f.s0.x.min`, `input.extent.0`); the C printer turns any
name into a unique identifier, so two symbols that print alike never collide.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class LoopVar:
    """The variable of a loop of stage `stage` of Func `func`. `var` is unique within the stage
    (a split that reuses a name makes a new variable, x.0); `user` is the name the schedule
    calls it by (x)."""
    func: str
    stage: int
    var: str
    user: str = None

    def __str__(self):
        return f"{self.func}.s{self.stage}.{self.var}"

    def describe(self):
        """How the schedule names this loop: f.x, f.update(0).r."""
        stage = "" if self.stage == 0 else f".update({self.stage - 1})"
        return f"{self.func}{stage}.{self.user or self.var}"


@dataclass(frozen=True)
class RegionBound:
    """The min or max of the region stage `stage` of `func` computes along pure dimension `var`
    (defined by bounds inference at the compute site)."""
    func: str
    stage: int
    var: str
    side: str  # "min" or "max"

    def __str__(self):
        return f"{self.func}.s{self.stage}.{self.var}.{self.side}"


@dataclass(frozen=True)
class BufferField:
    """min / extent / stride of dimension `dim` of a buffer (an input, an output or a realized
    Func after storage flattening)."""
    buffer: str
    field: str
    dim: int

    def __str__(self):
        return f"{self.buffer}.{self.field}.{self.dim}"


@dataclass(frozen=True)
class Derived:
    """A name made from another one for a pass's own use (a loop's base, a fold's slot, a task's
    index, an inlined argument): `base` is a name, `what` says which derived quantity it is and
    `index` makes it unique."""
    base: object
    what: str
    index: int = 0

    def __str__(self):
        return f"{self.base}.{self.what}" + (f"{self.index}" if self.index else "")


class NameSupply:
    """Fresh Derived names for one compilation."""

    def __init__(self):
        self._used = {}

    def fresh(self, base, what):
        key = (base, what)
        k = self._used.get(key, 0)
        self._used[key] = k + 1
        return Derived(base, what, k)


def element_buffer(func, index, count):
    """The buffer that holds element `index` of a Func of `count` values: the Func's own name
    for one value, Halide's f.0, f.1, ... for a Tuple."""
    return func if count == 1 else f"{func}.{index}"
