"""Pluggable DMA backends (import package halo.backends).

A backend moves one rectangular region between a DDR buffer (a pipeline input or output) and a
local buffer. It is a small class: its name, the memory types it can move to and from, a
compile-time `check` of each copy (raising ScheduleError with the rule and the numbers), and the
C it emits to start a transfer, wait for it and to set up / tear down per-pipeline state.

Backends register under the entry-point group `halo.dma_backends`
(`name = "package.module:BackendClass"`), or with `register(BackendClass)`; halo's own four are
built in. A third party adds one without touching halo.
"""
import abc
from importlib import metadata

from halo.errors import ScheduleError
from halo.ir.dma import Copy
from halo.ir.memory import MemoryType


class Backend(abc.ABC):
    """Base class of DMA backends. Subclasses set `name` and `local_memories` and implement the
    C emitters; `check` may add rules."""

    name = None
    local_memories = (MemoryType.LockedCache, MemoryType.VTCM)

    def check(self, copy, target):
        legal = [MemoryType(m) for m in self.local_memories]  # a backend may name them as strings
        if copy.memory not in legal:
            where = "destination" if copy.direction == "read" else "source"
            raise ScheduleError(
                f"Func {copy.func}: the {self.name} backend moves data between DDR and local memory, but the "
                f"{where} {copy.local} is in {copy.memory.value}; schedule {copy.local}.store_in(MemoryType."
                f"{legal[0].value}) (legal: {', '.join(m.value for m in legal)})")

    # ---- C emission: each returns a list of C lines ----
    def c_includes(self):
        return []

    def c_handle_type(self):
        """The C type of one in-flight transfer's state."""
        return "halo_dma_transfer_t"

    @abc.abstractmethod
    def c_start(self, copy, ddr_buffer, local_buffer, handle):
        """C statements that start moving the region described by `local_buffer` (a
        halo_buffer_t * whose dims are the region in DDR coordinates and whose host is the local
        tile) between it and `ddr_buffer`, with `handle` (a pointer to this backend's handle
        type) for its state. They set the int `_r` to 0 or an error code."""

    @abc.abstractmethod
    def c_wait(self, copy, handle):
        """C statements that wait for the transfer in `handle` and set `_r`."""


_registry = {}


def register(cls):
    if not cls.name:
        raise ValueError(f"DMA backend class {cls.__name__} has no name")
    _registry[cls.name] = cls
    return cls


def _load_entry_points():
    for ep in metadata.entry_points(group="halo.dma_backends"):
        if ep.name not in _registry:
            register(ep.load())


def get(name):
    if name not in _registry:
        _load_entry_points()
    cls = _registry.get(name)
    if cls is None:
        raise ScheduleError(f"no DMA backend named {name!r}; available: {', '.join(sorted(available()))}")
    return cls()


def available():
    _load_entry_points()
    return sorted(_registry)


from . import compass, host_copy, ubwcdma, user_dma  # noqa: E402  (they register themselves)

__all__ = ["Backend", "Copy", "register", "get", "available", "ubwcdma", "user_dma", "compass", "host_copy"]
