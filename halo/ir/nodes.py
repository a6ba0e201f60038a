"""Immutable IR nodes. Expressions carry a Type; statements do not.

Python operators on an Expr build new Exprs with Halide's type rules (see operators.py), so
`x + 1 < y` is an Expr, not a bool, and `==` cannot be structural equality. Structural
equality is `equal(a, b)`, its hash `shash(node)` (cached on the node), and `Key(node)` makes a
node usable as a dictionary key by structure.
"""
from dataclasses import dataclass, fields, replace

from .types import Bool, Int, Type

FUNC, IMAGE, INTRINSIC = "func", "image", "intrinsic"  # Call.call_type


class TruthValueError(TypeError, ValueError):
    """bool() of an Expr: a ValueError as in Halide's bindings, and a TypeError as Python's
    own for objects without a truth value."""


class Node:
    # caches: the structural hash, the affine form (simplify.linear), the free variables, the
    # names accessed (visitor.accessed_names)
    __slots__ = ("_shash", "_linear", "_free", "_accessed")

    def with_(self, **changes):
        return replace(self, **changes)

    @classmethod
    def child_fields(cls):
        cached = cls.__dict__.get("_child_fields")
        if cached is None:
            cached = tuple(f.name for f in fields(cls) if f.name not in _NOT_STRUCTURAL)
            setattr(cls, "_child_fields", cached)
        return cached

    def children(self):
        """The Exprs and Stmts directly inside this node, in field order (tuples flattened)."""
        stack = [getattr(self, f) for f in reversed(self.child_fields())]
        while stack:
            v = stack.pop()
            if isinstance(v, Node):
                yield v
            elif isinstance(v, tuple):
                stack.extend(reversed(v))


# Fields that do not take part in structure: a Call's `target` is the live object the front end
# called (lowering looks callees up by name).
_NOT_STRUCTURAL = frozenset({"target"})


class Expr(Node):
    """Base of every expression node."""

    __slots__ = ()

    def __bool__(self):
        raise TruthValueError(
            f"{self} cannot be converted to a bool: a halo Expr has no truth value; use hl.select(cond, a, b) "
            f"instead of `if`, and & | ~ instead of and / or / not")

    __hash__ = object.__hash__

    def __str__(self):
        from .printer import expr_to_str
        return expr_to_str(self)

    __repr__ = __str__

    # Arithmetic and comparison operators live in operators.py; they are attached there.


def _node(cls):
    return dataclass(frozen=True, eq=False, slots=True, repr=False)(cls)


@_node
class IntImm(Expr):
    type: Type
    value: int


@_node
class FloatImm(Expr):
    type: Type
    value: float


@_node
class StringImm(Expr):
    type: Type
    value: str


@_node
class Variable(Expr):
    """A name: a user's string (Var, Param) or a symbol of names.py."""
    type: Type
    name: object


@_node
class Cast(Expr):
    type: Type
    value: Expr


@_node
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


COMPARISONS = (EQ, NE, LT, LE, GT, GE)


@_node
class Not(Expr):
    type: Type
    a: Expr


@_node
class BitNot(Expr):
    type: Type
    a: Expr


@_node
class Select(Expr):
    type: Type
    cond: Expr
    true_value: Expr
    false_value: Expr


@_node
class Call(Expr):
    """A call of a Func (FUNC), an input image or buffer (IMAGE) or a pure intrinsic (INTRINSIC:
    abs, absd, floor, ceil, round, sqrt, exp, log, likely). `value_index` is the element of a
    Tuple-valued Func read (0 for a Func of one value)."""
    type: Type
    name: str
    args: tuple
    call_type: str
    target: object = None  # the front end's Func, ImageParam or Buffer (not structural)
    value_index: int = 0


@_node
class Load(Expr):
    """A load from a flattened buffer (after storage flattening)."""
    type: Type
    buffer: str
    index: Expr


@_node
class Ramp(Expr):
    """The vector base, base + stride, ..., base + (lanes - 1) * stride (made by vectorize)."""
    type: Type
    base: Expr
    stride: Expr
    lanes: int


@_node
class Broadcast(Expr):
    """A scalar repeated in every lane (made by vectorize)."""
    type: Type
    value: Expr
    lanes: int


@_node
class Let(Expr):
    type: Type
    name: object
    value: Expr
    body: Expr


# ---- statements ------------------------------------------------------------------------------

class Stmt(Node):
    __slots__ = ()

    def __str__(self):
        from .printer import stmt_to_str
        return stmt_to_str(self)

    __repr__ = __str__


# Loop kinds
SERIAL, PARALLEL, VECTORIZED, UNROLLED = "serial", "parallel", "vectorized", "unrolled"


@_node
class For(Stmt):
    name: object
    min: Expr
    extent: Expr
    kind: str
    body: Stmt


@_node
class LetStmt(Stmt):
    name: object
    value: Expr
    body: Stmt


@_node
class Block(Stmt):
    stmts: tuple


@_node
class IfThenElse(Stmt):
    cond: Expr
    then_case: Stmt
    else_case: object  # Stmt or None


@_node
class Provide(Stmt):
    """Store `values` (one per element of the Func, all evaluated before any is stored) into
    Func `name` at the multi-dimensional `args` (before flattening)."""
    name: str
    args: tuple
    values: tuple


@_node
class Store(Stmt):
    buffer: str
    index: Expr
    value: Expr
    # bytes the address of the first lane is proved a multiple of (lower/aligned_accesses.py); 0: unknown
    alignment: int = 0


@dataclass(frozen=True)
class Fold:
    """Dimension `dim` stored modulo `factor`, proved safe by storage folding. `pair` is the
    widest window two consecutive iterations of the fold's loop need at once (None when it has
    no constant bound): a producer may run one iteration ahead only if pair <= factor."""
    dim: int
    factor: int
    pair: object = None


@dataclass(frozen=True)
class Storage:
    """How a realized Func is laid out: `order` lists its dimensions innermost first,
    `align[d]` rounds dimension d to a multiple, `folds` are the proved folds and
    `extent_bounds[d]` the largest extent along d that isl proves (None: only known at run
    time). Filled in by allocation bounds and storage folding."""
    order: tuple
    align: tuple
    folds: tuple = ()
    extent_bounds: tuple = ()


@_node
class Realize(Stmt):
    """Storage for Func `name` over `bounds` ((min, extent) per dimension) in `memory`: one
    buffer per element type in `types` (a Tuple-valued Func has several)."""
    name: str
    types: tuple
    memory: object  # MemoryType
    bounds: tuple
    storage: Storage
    body: Stmt


@_node
class Allocate(Stmt):
    """A flat buffer of `extents` (in storage order, innermost first; their product is its
    size in elements)."""
    name: str
    type: Type
    memory: object  # MemoryType
    extents: tuple
    body: Stmt


@_node
class ProducerConsumer(Stmt):
    name: str
    is_producer: bool
    body: Stmt


@_node
class Evaluate(Stmt):
    value: Expr


@_node
class AssertStmt(Stmt):
    """If `cond` is false the pipeline returns `code` with `message` (printf format, `args`)."""
    cond: Expr
    code: str
    message: str
    args: tuple


@_node
class Semaphore(Stmt):
    """A counting semaphore `name`, initially `count`, for the statements in `body`."""
    name: object
    count: Expr
    body: Stmt


@_node
class Acquire(Stmt):
    name: object
    count: Expr


@_node
class Release(Stmt):
    name: object
    count: Expr


@_node
class Fork(Stmt):
    """Run `first` on a new thread and `rest` on this one; both finish before what follows."""
    first: Stmt
    rest: Stmt


@_node
class DmaHandles(Stmt):
    """Transfer handles of `copy` for `body`: `count` slots of two handles each (the second
    carries the part of a region that wraps around a fold)."""
    copy: object  # dma.Copy
    count: int
    body: Stmt


@_node
class DmaStart(Stmt):
    """Start moving the region [mins, mins + extents) between `copy.ddr` and the local buffer,
    on handle `part` (0 or 1) of slot `slot`. The region starts at element `local_offset` of the
    local buffer, whose strides are `local_strides` and whose size is `local_size` elements."""
    copy: object  # dma.Copy
    slot: Expr
    part: int
    mins: tuple
    extents: tuple
    local_offset: Expr
    local_strides: tuple
    local_size: Expr


@_node
class DmaWait(Stmt):
    """Wait for the transfers on both handles of slot `slot` of `copy` (those that are pending)."""
    copy: object
    slot: Expr


_INT32 = Int(32)
_BOOL = Bool()


def block(*stmts):
    """A Block of the non-None statements, flattened; a single statement stands alone."""
    flat = []
    for s in stmts:
        if s is None or is_no_op(s):
            continue
        if isinstance(s, Block):
            flat.extend(s.stmts)
        else:
            flat.append(s)
    if not flat:
        return no_op()
    return flat[0] if len(flat) == 1 else Block(tuple(flat))


def allocation_size(extents):
    """The element count of a buffer of `extents` (a constant when they all are)."""
    if all(type(e) is IntImm for e in extents):
        size = 1
        for e in extents:
            size *= e.value
        return IntImm(_INT32, size)
    size = extents[0]
    for e in extents[1:]:
        size = Mul(_INT32, size, e)
    return size


def no_op():
    return Evaluate(IntImm(_INT32, 0))


def is_no_op(s):
    return type(s) is Evaluate and type(s.value) is IntImm


# ---- structure ---------------------------------------------------------------------------------

def _leaf_hash(v):
    if isinstance(v, Node):
        return shash(v)
    if isinstance(v, (tuple, list)):
        return hash(tuple(_leaf_hash(x) for x in v))
    return hash(v)


def shash(node):
    """The structural hash of a node (cached on it)."""
    try:
        return node._shash
    except AttributeError:
        pass
    h = hash((type(node),) + tuple(_leaf_hash(getattr(node, f)) for f in node.child_fields()))
    object.__setattr__(node, "_shash", h)
    return h


def equal(a, b):
    """Structural equality of two IR nodes (or tuples / leaves)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, Node):
        if shash(a) != shash(b):
            return False
        return all(equal(getattr(a, f), getattr(b, f)) for f in a.child_fields())
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return a == b


class Key:
    """A node as a dictionary key, compared by structure."""
    __slots__ = ("node", "_h")

    def __init__(self, node):
        self.node = node
        self._h = _leaf_hash(node)

    def __hash__(self):
        return self._h

    def __eq__(self, other):
        return isinstance(other, Key) and self._h == other._h and equal(self.node, other.node)
