"""Local memory accounting: every LockedCache / VTCM allocation has a constant size, and the
sum of align(bytes, 128) times the copies that can be live at once (one per thread of an
enclosing parallel loop) must fit the target device's capacity. A schedule that does not fit
is refused at compile time with the size of every buffer."""
from dataclasses import dataclass

from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..lang.target import HEXAGON_THREADS


def align128(nbytes):
    return (nbytes + 127) // 128 * 128


@dataclass
class LocalBuffer:
    name: str
    memory: str
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
        if t is n.Allocate and s.memory in ("LockedCache", "VTCM"):
            size = simplify(s.size)
            if type(size) is n.IntImm:
                out.append(LocalBuffer(s.name, s.memory, align128(size.value * s.type.bytes()), copies))
            else:
                out.append(LocalBuffer(s.name, s.memory, None, copies, size))
        for f in s.child_fields():
            v = getattr(s, f)
            if isinstance(v, n.Stmt):
                walk(v, copies)
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, n.Stmt):
                        walk(x, copies)
    walk(stmt, 1)
    return out


def check_local_memory(stmt, target):
    bufs = local_buffers(stmt)
    cap = target.localmem_capacity()
    for memory in ("LockedCache", "VTCM"):
        mine = [b for b in bufs if b.memory == memory and b.bytes is not None]
        total = sum(b.total for b in mine)
        if total > cap:
            detail = "; ".join(f"{b.name}: {b.bytes} bytes x {b.copies}" for b in mine)
            raise ScheduleError(
                f"the schedule needs {total} bytes of {memory} but {target.device.upper()} has {cap} "
                f"({detail}). Use smaller tiles, fewer folds or fewer parallel strips, or a device with more "
                f"local memory (sm8250 / sm8350: {768 * 1024})")
    return stmt
