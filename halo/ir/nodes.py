"""Immutable IR nodes. Expressions carry a Type; statements do not.

Python operators on an Expr build new Exprs with Halide's type rules (see operators.py), so
`x + 1 < y` is an Expr, not a bool. Structural comparison of nodes is `equal(a, b)`.
"""
from dataclasses import dataclass, fields, replace

from .types import Type


class Node:
    __slots__ = ()

    def with_(self, **changes):
        return replace(self, **changes)

    @classmethod
    def child_fields(cls):
        cached = cls.__dict__.get("_child_fields")
        if cached is None:
            cached = tuple(f.name for f in fields(cls))
            setattr(cls, "_child_fields", cached)
        return cached


class Expr(Node):
    """Base of every expression node."""

    __slots__ = ()

    def __bool__(self):
        raise TypeError(
            "a halo Expr has no truth value: use hl.select(cond, a, b) instead of `if`, and & | ~ "
            "instead of and / or / not")

    __hash__ = object.__hash__

    def __str__(self):
        from .printer import expr_to_str
        return expr_to_str(self)

    __repr__ = __str__

    # Arithmetic and comparison operators live in operators.py; they are attached below.


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class IntImm(Expr):
    type: Type
    value: int


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class FloatImm(Expr):
    type: Type
    value: float


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class StringImm(Expr):
    type: Type
    value: str


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Variable(Expr):
    type: Type
    name: str


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Cast(Expr):
    type: Type
    value: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class BinOp(Expr):
    type: Type
    a: Expr
    b: Expr


class Add(BinOp):
    __slots__ = ()


class Sub(BinOp):
    __slots__ = ()


class Mul(BinOp):
    __slots__ = ()


class Div(BinOp):
    """Integer division rounds towards negative infinity; x / 0 is 0 (as in Halide)."""
    __slots__ = ()


class Mod(BinOp):
    """Integer modulo has the sign of the divisor (floor modulo); x % 0 is 0."""
    __slots__ = ()


class Min(BinOp):
    __slots__ = ()


class Max(BinOp):
    __slots__ = ()


class BitAnd(BinOp):
    __slots__ = ()


class BitOr(BinOp):
    __slots__ = ()


class BitXor(BinOp):
    __slots__ = ()


class Shl(BinOp):
    __slots__ = ()


class Shr(BinOp):
    __slots__ = ()


class EQ(BinOp):
    __slots__ = ()


class NE(BinOp):
    __slots__ = ()


class LT(BinOp):
    __slots__ = ()


class LE(BinOp):
    __slots__ = ()


class GT(BinOp):
    __slots__ = ()


class GE(BinOp):
    __slots__ = ()


class And(BinOp):
    __slots__ = ()


class Or(BinOp):
    __slots__ = ()


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Not(Expr):
    type: Type
    a: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class BitNot(Expr):
    type: Type
    a: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Select(Expr):
    type: Type
    cond: Expr
    true_value: Expr
    false_value: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Call(Expr):
    """A call to a Func ("func"), an input image or buffer ("image") or a pure intrinsic
    ("intrinsic": abs, absd, floor, ceil, round, sqrt, ...)."""
    type: Type
    name: str
    args: tuple
    call_type: str
    target: object = None  # the Func, ImageParam or Buffer called (None for intrinsics)


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Load(Expr):
    """A load from a flattened buffer (after storage flattening)."""
    type: Type
    buffer: str
    index: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Ramp(Expr):
    """The vector base, base + stride, ..., base + (lanes - 1) * stride (made by vectorize)."""
    type: Type
    base: Expr
    stride: Expr
    lanes: int


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Broadcast(Expr):
    """A scalar repeated in every lane (made by vectorize)."""
    type: Type
    value: Expr
    lanes: int


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Let(Expr):
    type: Type
    name: str
    value: Expr
    body: Expr


COMPARISONS = (EQ, NE, LT, LE, GT, GE)


# ---- statements ------------------------------------------------------------------------------

class Stmt(Node):
    __slots__ = ()

    def __str__(self):
        from .printer import stmt_to_str
        return stmt_to_str(self)

    __repr__ = __str__


# Loop kinds
SERIAL, PARALLEL, VECTORIZED, UNROLLED = "serial", "parallel", "vectorized", "unrolled"


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class For(Stmt):
    name: str
    min: Expr
    extent: Expr
    kind: str
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class LetStmt(Stmt):
    name: str
    value: Expr
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Block(Stmt):
    stmts: tuple


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class IfThenElse(Stmt):
    cond: Expr
    then_case: Stmt
    else_case: object  # Stmt or None


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Provide(Stmt):
    """Store `value` into Func `name` at the multi-dimensional `args` (before flattening)."""
    name: str
    args: tuple
    value: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Store(Stmt):
    buffer: str
    index: Expr
    value: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Realize(Stmt):
    """Storage for Func `name` over `bounds` ((min, extent) per dimension) in `memory`."""
    name: str
    type: Type
    bounds: tuple
    memory: str
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Allocate(Stmt):
    name: str
    type: Type
    size: Expr  # elements
    memory: str
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class ProducerConsumer(Stmt):
    name: str
    is_producer: bool
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Evaluate(Stmt):
    value: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class AssertStmt(Stmt):
    """If `cond` is false the pipeline returns `code` with `message` (printf format, `args`)."""
    cond: Expr
    code: str
    message: str
    args: tuple


def block(*stmts):
    """A Block of the non-None statements, flattened; a single statement stands alone."""
    flat = []
    for s in stmts:
        if s is None:
            continue
        if isinstance(s, Block):
            flat.extend(s.stmts)
        else:
            flat.append(s)
    if not flat:
        return Evaluate(IntImm(_INT32, 0))
    return flat[0] if len(flat) == 1 else Block(tuple(flat))


_INT32 = Type("int", 32)


def is_no_op(s):
    return isinstance(s, Evaluate) and isinstance(s.value, IntImm)


def equal(a, b):
    """Structural equality of two IR nodes (or tuples / leaves)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Node):
        return all(equal(getattr(a, f), getattr(b, f)) for f in a.child_fields())
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return a == b


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Semaphore(Stmt):
    """A counting semaphore `name`, initially `count`, for the statements in `body`."""
    name: str
    count: Expr
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Acquire(Stmt):
    name: str
    count: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Release(Stmt):
    name: str
    count: Expr


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class Fork(Stmt):
    """Run `first` on a new thread and `rest` on this one; both finish before what follows."""
    first: Stmt
    rest: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class DmaHandles(Stmt):
    """`count` transfer handles (with pending flags) of DMA'd Func `name` for `body`."""
    name: str
    backend: str
    count: int
    body: Stmt


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class DmaStart(Stmt):
    """Start moving the region [mins, mins + extents) of Func `name` between the DDR buffer
    `ddr` and the local buffer `local`, with handle `slot`. Storage flattening fills in where the
    region starts in the local buffer (`local_offset`, elements) and its `local_strides`."""
    name: str
    backend: str
    direction: str
    ddr: str
    local: str
    slot: Expr
    mins: tuple
    extents: tuple
    local_type: object
    options: tuple = ()
    memory: str = "Auto"       # MemoryType of the local buffer
    local_offset: object = None
    local_strides: tuple = None
    local_size: object = None  # elements of the local allocation
    fold_dim: object = None    # a folded dimension the region may wrap around (split in two)
    fold_factor: object = None


@dataclass(frozen=True, eq=False, slots=True, repr=False)
class DmaWait(Stmt):
    """Wait for the transfer in handle `slot` of Func `name` (only if one is pending)."""
    name: str
    backend: str
    slot: Expr
