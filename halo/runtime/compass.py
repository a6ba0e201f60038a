"""The Compass DSL's DMA from Python, over numpy arrays: dma_copy, async_dma_copy and the
events, with the DSL's names and defaults (strides default to width, times to 1). A thin
layer over runtime_c/halo_compass_dma.h; every rule is checked by the runtime."""
from __future__ import annotations

import threading

import numpy as np

from . import check, ffi, lib

__all__ = [
    "SCOPES", "dma_copy", "async_dma_copy", "alloc_events", "wait_events", "free_events",
    "set_event_limit", "event_limit", "events_in_use", "set_bandwidth_model", "bandwidth_model",
    "reset",
]

SCOPES = {"global": 0, "global.1": 1, "global.2": 2, "global.3": 3, "lsram": 4, "shared": 5,
          "private": 6, "constant": 7}
_TYPE_CODES = {"i": 0, "u": 1, "f": 2}

# Arrays an async copy reads or writes stay referenced until its event is waited for (only
# copies that started: a refused one holds nothing).
_in_flight: dict[int, list[np.ndarray]] = {}
_in_flight_lock = threading.Lock()


def _dtype_code(a: np.ndarray) -> int:
    """(halo_type_code << 8) | bits; kinds the runtime does not know are passed as -1."""
    code = _TYPE_CODES.get(a.dtype.kind)
    return -1 if code is None else (code << 8) | (a.dtype.itemsize * 8)


def _scope(name: str) -> int:
    try:
        return SCOPES[name]
    except KeyError:
        raise ValueError(f"scope must be one of {sorted(SCOPES)}, not {name!r}") from None


def _args(dst, src, width, src_stride, times, dst_stride, dst_scope, src_scope):
    for name, a in (("dst", dst), ("src", src)):
        if not isinstance(a, np.ndarray) or not a.flags.c_contiguous:
            raise TypeError(f"{name} must be a C-contiguous numpy array")
    if not dst.flags.writeable:
        raise ValueError("dst is read-only (a read-only array or a view of bytes); the copy would write into it")
    src_stride = width if src_stride is None else src_stride
    dst_stride = width if dst_stride is None else dst_stride
    # The runtime checks the DSL's rules; this only keeps the copy inside the arrays.
    if width > 0 and times > 0:
        for name, a, stride in (("dst", dst, dst_stride), ("src", src, src_stride)):
            last = (times - 1) * max(stride, 0) + width
            if last > a.size:
                raise ValueError(f"the copy reaches element {last} of {name}, which has "
                                 f"{a.size}")
    return (ffi.cast("void *", dst.ctypes.data), _scope(dst_scope), _dtype_code(dst),
            ffi.cast("void *", src.ctypes.data), _scope(src_scope), _dtype_code(src),
            int(width), int(src_stride), int(times), int(dst_stride))


def dma_copy(dst: np.ndarray, src: np.ndarray, width: int, src_stride: int | None = None,
             times: int = 1, dst_stride: int | None = None, *, dst_scope: str = "global",
             src_scope: str = "global") -> None:
    """Copies `times` rows of `width` elements; complete on return."""
    check(lib.halo_compass_dma_copy(
        *_args(dst, src, width, src_stride, times, dst_stride, dst_scope, src_scope)))


def async_dma_copy(dst: np.ndarray, src: np.ndarray, width: int,
                   src_stride: int | None = None, times: int = 1,
                   dst_stride: int | None = None, *, event: int, dst_scope: str = "global",
                   src_scope: str = "global") -> None:
    """Starts the copy on `event` (after that event's earlier copies) and returns."""
    args = _args(dst, src, width, src_stride, times, dst_stride, dst_scope, src_scope)
    # the caller holds both arrays during the call; once it returns, the copy may still run
    check(lib.halo_compass_async_dma_copy(*args, int(event)))
    with _in_flight_lock:
        _in_flight.setdefault(int(event), []).extend((dst, src))


def alloc_events(n: int):
    """One event when n == 1, else a tuple of n (as S.alloc_events)."""
    out = ffi.new("int[]", max(int(n), 1))
    check(lib.halo_compass_alloc_events(int(n), out))
    events = tuple(int(e) for e in out[0:n])
    return events[0] if n == 1 else events


def _settle(events, call) -> None:
    arr = ffi.new("int[]", [int(e) for e in events]) if events else ffi.NULL
    check(call(arr, len(events)))
    with _in_flight_lock:
        for e in events:
            _in_flight.pop(int(e), None)


def wait_events(*events: int) -> None:
    _settle(events, lib.halo_compass_wait_events)


def free_events(*events: int) -> None:
    _settle(events, lib.halo_compass_free_events)


def set_event_limit(n: int) -> None:
    check(lib.halo_compass_set_event_limit(int(n)))


def event_limit() -> int:
    return int(lib.halo_compass_event_limit())


def events_in_use() -> int:
    return int(lib.halo_compass_events_in_use())


def set_bandwidth_model(mb_per_s: int) -> None:
    """Every copy takes at least its bytes / mb_per_s (0: memory speed, the default)."""
    check(lib.halo_compass_set_bandwidth_model(int(mb_per_s)))


def bandwidth_model() -> int:
    return int(lib.halo_compass_bandwidth_model())


def reset() -> None:
    """Waits for every copy, releases every event and restores the default limit and bandwidth
    model."""
    check(lib.halo_compass_reset())
    with _in_flight_lock:
        _in_flight.clear()
