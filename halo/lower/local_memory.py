"""Local memory accounting: every LockedCache / VTCM allocation has a constant size, and the
sum of align(bytes, 128) times the copies that can be live at once (one per thread of an
enclosing parallel loop) must fit the target device's capacity. A schedule that does not fit
is refused at compile time with the size of every buffer."""
from dataclasses import dataclass

from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.memory import LOCAL_MEMORIES, align_local
from ..ir.simplify import simplify
from ..lang.target import DEVICES, HEXAGON_THREADS


@dataclass
class LocalBuffer:
    name: str
    memory: object    # MemoryType
    bytes: object     # one copy, aligned to 128 (None when only known at run time)
    copies: int       # copies live at once
    size: object = None  # the element count Expr when it is not a constant

    @property
    def total(self):
        return None if self.bytes is None else self.bytes * self.copies


def local_buffers(stmt, threads=HEXAGON_THREADS):
    out = []

    def walk(s, copies):
        t = type(s)
        if t is n.For and s.kind == n.PARALLEL:
            ext = simplify(s.extent)
            k = min(ext.value, threads) if type(ext) is n.IntImm else threads
            walk(s.body, copies * max(k, 1))
            return
        if t is n.Allocate and s.memory.is_local:
            size = simplify(n.allocation_size(s.extents))
            if type(size) is n.IntImm:
                out.append(LocalBuffer(s.name, s.memory, align_local(size.value * s.type.bytes()), copies))
            else:
                out.append(LocalBuffer(s.name, s.memory, None, copies, size))
        for x in s.children():
            if isinstance(x, n.Stmt):
                walk(x, copies)
    walk(stmt, 1)
    return out


def check_local_memory(stmt, ctx):
    bufs = local_buffers(stmt)
    target = ctx.target
    cap = target.localmem_capacity()
    for memory in LOCAL_MEMORIES:
        mine = [b for b in bufs if b.memory is memory and b.bytes is not None]
        total = sum(b.total for b in mine)
        if total > cap:
            detail = "; ".join(f"{b.name}: {b.bytes} bytes x {b.copies}" for b in mine)
            larger = " / ".join(d for d, c in DEVICES.items() if c > cap)
            raise ScheduleError(
                f"the schedule needs {total} bytes of {memory.value} but {target.device.upper()} has {cap} "
                f"({detail}). Use smaller tiles, fewer folds or fewer parallel strips, or a device with more "
                f"local memory ({larger or 'none is larger'}: {max(DEVICES.values())})")
    return stmt
