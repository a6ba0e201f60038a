"""Schedules as plain data. Directives on Funcs and Stages record these; lowering applies them."""
from dataclasses import dataclass, field
from enum import Enum

from ..ir.memory import MemoryType  # noqa: F401  (hl.MemoryType)


class TailStrategy(Enum):
    """What a split does when the factor does not divide the extent (Halide's meanings)."""
    Auto = "Auto"
    RoundUp = "RoundUp"            # compute past the end (fine for intermediates)
    GuardWithIf = "GuardWithIf"    # skip the points past the end with an if
    ShiftInwards = "ShiftInwards"  # shift the last tile back so it ends at the end


@dataclass(frozen=True)
class Split:
    """old -> (outer, inner) with inner extent `factor`; or a fuse (inner, outer) -> old."""
    old: str
    outer: str
    inner: str
    factor: object  # Expr for splits; None for fuses
    tail: TailStrategy = TailStrategy.Auto
    is_fuse: bool = False
    is_rename: bool = False
    directive: str = ""  # the call that made it, as the user wrote it (for messages)


@dataclass(frozen=True)
class Dim:
    var: str
    kind: str = "serial"  # serial / parallel / vectorized / unrolled
    is_rvar: bool = False
    is_pure: bool = True


@dataclass
class StageSchedule:
    dims: list          # innermost first
    splits: list = field(default_factory=list)
    touched: bool = False      # a loop directive was given (Halide warns of untouched updates)
    unscheduled: bool = False  # Stage.unscheduled(): left unscheduled on purpose


class LoopLevel:
    """Where a Func is computed or stored: LoopLevel.inlined(), LoopLevel.root(), or Halide's
    LoopLevel(func, var), a loop of a consumer (func a Func or Stage, var a Var or its name)."""

    def __init__(self, func, var=None, stage=None, kind="at"):
        if kind == "at" and stage is None:
            from .func import _level_of  # func.py builds on this module
            func, var, stage = _level_of(func, var, "LoopLevel")
        self.kind = kind  # "inlined", "root", "at"
        self.func = func  # Func object for "at"
        self.var = var    # loop variable name for "at"
        self.stage = stage  # stage index or None (the only stage that uses it)

    @staticmethod
    def root():
        return LoopLevel(None, kind="root")

    @staticmethod
    def inlined():
        return LoopLevel(None, kind="inlined")

    def is_root(self):
        return self.kind == "root"

    def is_inlined(self):
        return self.kind == "inlined"

    def __repr__(self):
        if self.kind != "at":
            return self.kind
        stage = "" if self.stage is None else f".update({self.stage - 1})" if self.stage else ""
        return f"{self.func.name()}{stage}.{self.var}"


@dataclass(frozen=True)
class StorageDim:
    var: str
    fold_factor: object = None
    fold_forward: bool = True
    alignment: int = None


@dataclass(frozen=True)
class DmaSpec:
    backend: str
    direction: object  # "read", "write" or None (inferred from the definition)
    options: tuple


@dataclass
class FuncSchedule:
    compute_level: LoopLevel = None
    store_level: LoopLevel = None
    memory_type: MemoryType = MemoryType.Auto
    storage_dims: list = None       # StorageDim, innermost first
    bounds: dict = field(default_factory=dict)  # var -> (min Expr, extent Expr)
    is_async: bool = False
    explicit_inline: bool = False
