"""A DMA copy as lowering checks it and the code generator emits it (one object for both)."""
from dataclasses import dataclass

from .memory import MemoryType
from .types import Type

READ, WRITE = "read", "write"


@dataclass(frozen=True)
class Copy:
    """One DMA'd Func: every realization of `local` is filled from (read) or drained to (write)
    the pipeline input / output `ddr` by transfers of backend `backend`."""
    func: str            # the Func that carries the directive
    backend: str
    direction: str       # READ (DDR -> local) or WRITE (local -> DDR)
    ddr: str             # the pipeline input or output buffer
    local: str           # the local buffer (the Func itself for reads, its source for writes)
    memory: MemoryType   # of the local buffer
    dims: int
    type: Type           # element type of the local buffer
    is_async: bool
    options: tuple = ()
    in_flight: int = 1   # transfers of this copy that may be in flight at once (2: ping-pong)
    fold: tuple = None   # (dimension, factor) when the local buffer is folded

    @property
    def type_bits(self):
        return self.type.bits
