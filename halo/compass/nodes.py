"""The IR of a Compass kernel: halo's expression and statement nodes (For, IfThenElse, Store,
Load, ...) plus the DSL's own statements (copies and events), the buffer table and the kernel.

Every Python statement of the kernel becomes an `At` carrying its source line, so checks and
messages can point at it. Buffers are declared once per kernel (Python scoping is per
function), in `Kernel.buffers`; a scalar local is a one-element "private" buffer, the DSL's
TEC-stack scope, so assigning it again is a Store."""
from dataclasses import dataclass

import numpy as np

from ..ir import nodes as n
from ..ir.types import Type

# The element types of the DSL, as the Compass DSL writes them (runtime_c/halo_compass_dma.h
# lists the same eight).
DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "float16", "float32")


# The scopes of local memory: a copy never has one of them on both sides.
SRAM_SCOPES = ("lsram", "shared")


def where(kernel, filename, line):
    """How messages name a place: the kernel and its source line."""
    return f"prim_func {kernel} ({filename}:{line})"


def dtype_type(name):
    """The halo Type of a DSL dtype name (float16 has no halo constructor: built directly)."""
    dt = np.dtype(name)
    return Type({"i": "int", "u": "uint", "f": "float"}[dt.kind], dt.itemsize * 8)


def dtype_name(t):
    """The DSL's name of a halo Type."""
    return str(np.dtype(t.numpy_dtype()))


def _stmt(cls):
    return dataclass(frozen=True, eq=False, slots=True, repr=False)(cls)


@dataclass(frozen=True)
class Ref:
    """A pointer: element `offset` of buffer `buffer`."""
    buffer: str
    offset: n.Expr


@_stmt
class At(n.Stmt):
    """`body` comes from source line `line`; `text` is that line, for messages."""
    line: int
    text: str
    body: n.Stmt


@_stmt
class DmaCopy(n.Stmt):
    """dma_copy (event None) or async_dma_copy on `event`: `times` rows of `width` elements
    from src (every src_stride) to dst (every dst_stride)."""
    dst: Ref
    src: Ref
    width: n.Expr
    src_stride: n.Expr
    times: n.Expr
    dst_stride: n.Expr
    event: object  # an event name, or None for a synchronous copy


@_stmt
class AllocEvents(n.Stmt):
    events: tuple


@_stmt
class WaitEvents(n.Stmt):
    events: tuple


@_stmt
class FreeEvents(n.Stmt):
    events: tuple


# The statements that copy or touch events (a loop without them is only computation).
SYNC_STMTS = (DmaCopy, AllocEvents, WaitEvents, FreeEvents)


@dataclass(frozen=True)
class Buffer:
    """A buffer of the kernel. kind: "param" (a pointer argument: its size is the array's,
    known when called), "view" (S.match_buffer over `base`), "alloc" (S.alloc_buffer) or
    "var" (a scalar local). `shape` is a tuple of Exprs (None for a param)."""
    name: str
    type: Type
    scope: str
    kind: str
    shape: tuple = None
    base: str = None
    line: int = 0

    def size(self):
        """The element count as an Expr (None for a param: the caller's array decides)."""
        return None if self.shape is None else n.allocation_size(self.shape)


@dataclass(frozen=True)
class Param:
    """An argument: a pointer (its Buffer has the same name) or a scalar of `type`."""
    name: str
    type: Type
    is_pointer: bool
    scope: str = None


@dataclass(frozen=True)
class Kernel:
    name: str
    filename: str
    line: int
    params: tuple
    buffers: tuple
    events: tuple
    body: n.Stmt

    def buffer(self, name):
        return next(b for b in self.buffers if b.name == name)

    def root(self, name):
        """The param or alloc whose memory buffer `name` is (a view's base)."""
        b = self.buffer(name)
        return b if b.base is None else self.root(b.base)

    def where(self, line):
        return where(self.name, self.filename, line)
