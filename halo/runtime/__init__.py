"""halo.runtime: the C runtime's host API for Python.

`ffi` and `lib` (cffi, ABI mode) are created on first access: the runtime is built (or found in
the cache) by halo.runtime.build.host_library() and dlopen'ed once per process, so generated
pipelines linked against the same file share this instance.
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence

import numpy as np

from . import build
from ..errors import HaloRuntimeError

__all__ = [
    "ffi", "lib", "HaloRuntimeError", "check", "buffer_from_array", "set_num_threads",
    "set_device", "device", "DEVICES", "LOCALMEM_KINDS", "localmem_capacity",
    "set_localmem_capacity", "localmem_in_use", "localmem_high_water",
    "localmem_reset_high_water", "trace_enable", "trace_enabled", "trace_clear", "trace_count",
    "trace_write_json", "trace_json",
]

_load_lock = threading.Lock()


def _load():
    """Creates ffi and lib once and publishes them as module globals."""
    with _load_lock:
        if "lib" not in globals():
            import cffi

            new_ffi = cffi.FFI()
            new_ffi.cdef(build.cdef_text())
            globals()["lib"] = new_ffi.dlopen(str(build.host_library()))
            globals()["ffi"] = new_ffi
    return globals()["ffi"], globals()["lib"]


def __getattr__(name: str):
    if name == "ffi":
        return _load()[0]
    if name == "lib":
        return _load()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check(rc: int) -> int:
    """Returns rc when it is 0; otherwise raises HaloRuntimeError with the calling thread's last
    runtime message (cleared afterwards, so a later failure never shows a stale message)."""
    rc = int(rc)
    if rc == 0:
        return rc
    ffi, lib = _load()
    name = ffi.string(lib.halo_error_name(rc)).decode()
    # A task may fail without recording a message; then only the code's name is known.
    if lib.halo_last_error_code() == rc:
        message = ffi.string(lib.halo_last_error_message()).decode(errors="replace")
    else:
        message = name
    lib.halo_clear_error()
    raise HaloRuntimeError(rc, message, name)


# ---- buffers ----------------------------------------------------------------------------

_TYPE_CODES = {"i": 0, "u": 1, "f": 2}  # halo_type_int, halo_type_uint, halo_type_float


def _halo_type(dtype: np.dtype) -> tuple[int, int]:
    if dtype.kind == "b":
        return 1, 1  # bool is uint1 stored in a byte, as in Halide
    if dtype.kind not in _TYPE_CODES or dtype.byteorder == ">" and dtype.itemsize > 1:
        raise TypeError(f"no halo type for numpy dtype {dtype}")
    return _TYPE_CODES[dtype.kind], dtype.itemsize * 8


def _dense_strides(shape, itemsize):
    """C-order byte strides of `shape`, counting an empty axis as one element wide."""
    out, step = [], itemsize
    for extent in reversed(shape):
        out.append(step)
        step *= max(extent, 1)
    return tuple(reversed(out))


def buffer_from_array(arr: np.ndarray, mins: Sequence[int] | None = None):
    """A halo_buffer_t* viewing `arr` without copying, in Halide's axis order: numpy shape
    (..., H, W) becomes dim[0] = x (extent W), dim[1] = y (extent H), ...; strides are in
    elements. `mins` gives each dimension's min in that same order (x first), default 0.

    The returned cdata keeps the array and the dimension storage alive while it is referenced.
    """
    ffi, _ = _load()
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"buffer_from_array needs a numpy array, not {type(arr).__name__}")
    code, bits = _halo_type(arr.dtype)
    n = arr.ndim
    mins = [0] * n if mins is None else [int(m) for m in mins]
    if len(mins) != n:
        raise ValueError(f"{len(mins)} mins given for a {n}-dimensional array")
    buf = ffi.new("halo_buffer_t *")
    dims = ffi.new("halo_dimension_t[]", max(n, 1))
    # an empty array has no memory to describe: numpy may give it any strides (0 included), so
    # it gets dense ones, which satisfy the layout a pipeline declares for its inputs
    strides = arr.strides if arr.size else _dense_strides(arr.shape, arr.itemsize)
    for i in range(n):
        axis = n - 1 - i
        stride, rem = divmod(strides[axis], arr.itemsize)
        if rem:
            raise ValueError(f"axis {axis} stride of {arr.strides[axis]} bytes is not a multiple "
                             f"of the {arr.itemsize}-byte element")
        dims[i].min = mins[i]
        dims[i].extent = arr.shape[axis]
        dims[i].stride = stride
        dims[i].flags = 0
    buf.host = ffi.cast("uint8_t *", arr.ctypes.data)
    buf.type.code = code
    buf.type.bits = bits
    buf.type.lanes = 1
    buf.dimensions = n
    buf.dim = dims
    keep_alive = (buf, dims, arr)
    # ffi.gc's destructor holds keep_alive, so the returned pointer owns everything it uses.
    return ffi.gc(buf, lambda _ptr, _keep=keep_alive: None)


def set_num_threads(n: int) -> int:
    """Sets the thread pool size (0 = number of cores); returns the previous setting."""
    return int(_load()[1].halo_set_num_threads(n))


# ---- local memory -----------------------------------------------------------------------

DEVICES = {"SM8150": 0, "SM8250": 1, "SM8350": 2}
LOCALMEM_KINDS = {"locked_cache": 0, "vtcm": 1}


def _kind(kind: str) -> int:
    try:
        return LOCALMEM_KINDS[kind]
    except KeyError:
        raise ValueError(f"local memory kind must be one of {sorted(LOCALMEM_KINDS)}, "
                         f"not {kind!r}") from None


def set_device(name: str) -> None:
    """Selects the device whose local memory capacity the allocators use."""
    if name not in DEVICES:
        raise ValueError(f"device must be one of {sorted(DEVICES)}, not {name!r}")
    check(_load()[1].halo_localmem_set_device(DEVICES[name]))


def device() -> str:
    value = int(_load()[1].halo_localmem_get_device())
    return next(name for name, v in DEVICES.items() if v == value)


def localmem_capacity(kind: str) -> int:
    return int(_load()[1].halo_localmem_capacity(_kind(kind)))


def set_localmem_capacity(kind: str, nbytes: int) -> None:
    check(_load()[1].halo_localmem_set_capacity(_kind(kind), nbytes))


def localmem_in_use(kind: str) -> int:
    return int(_load()[1].halo_localmem_in_use(_kind(kind)))


def localmem_high_water(kind: str) -> int:
    return int(_load()[1].halo_localmem_high_water(_kind(kind)))


def localmem_reset_high_water(kind: str) -> None:
    _load()[1].halo_localmem_reset_high_water(_kind(kind))


# ---- trace ------------------------------------------------------------------------------

def trace_enable(on: bool = True) -> None:
    _load()[1].halo_trace_enable(bool(on))


def trace_enabled() -> bool:
    return bool(_load()[1].halo_trace_enabled())


def trace_clear() -> None:
    _load()[1].halo_trace_clear()


def trace_count() -> int:
    return int(_load()[1].halo_trace_count())


def trace_write_json(path: str | os.PathLike) -> None:
    check(_load()[1].halo_trace_write_json(os.fsencode(path)))


def trace_json() -> dict:
    """The current trace, parsed from the runtime's Chrome trace JSON."""
    ffi, lib = _load()
    # Events may be appended between the sizing call and the copy; retry until it fits.
    size = int(lib.halo_trace_format_json(ffi.NULL, 0)) + 1
    while True:
        buf = ffi.new("char[]", size)
        needed = int(lib.halo_trace_format_json(buf, size)) + 1
        if needed <= size:
            return json.loads(ffi.string(buf).decode())
        size = needed
