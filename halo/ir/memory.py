"""Where a buffer lives (hl.MemoryType), and what each kind of memory means to lowering and to
the runtime: one small set of facts per memory, defined here once."""
from enum import Enum

# Bytes: an Auto allocation of constant size up to this lives on the stack.
STACK_LIMIT = 32 * 1024
# Local memory is accounted (and allocated) in granules of this many bytes.
LOCAL_ALIGN = 128


class MemoryType(str, Enum):
    Auto = "Auto"
    Heap = "Heap"
    Stack = "Stack"
    Register = "Register"
    LockedCache = "LockedCache"
    VTCM = "VTCM"

    @property
    def is_local(self):
        """Hexagon local memory: sized at compile time and checked against the device."""
        return self in (MemoryType.LockedCache, MemoryType.VTCM)

    @property
    def runtime_kind(self):
        """The runtime's halo_localmem_kind_t of a local memory (None for the others)."""
        return {MemoryType.LockedCache: "halo_localmem_locked_cache",
                MemoryType.VTCM: "halo_localmem_vtcm"}.get(self)

    def on_stack(self, constant_bytes):
        """Whether an allocation of `constant_bytes` (None: known only at run time) goes on the
        stack."""
        if self in (MemoryType.Stack, MemoryType.Register):
            return True
        return self is MemoryType.Auto and constant_bytes is not None and constant_bytes <= STACK_LIMIT


LOCAL_MEMORIES = tuple(m for m in MemoryType if m.is_local)


def align_local(nbytes):
    return (nbytes + LOCAL_ALIGN - 1) // LOCAL_ALIGN * LOCAL_ALIGN
