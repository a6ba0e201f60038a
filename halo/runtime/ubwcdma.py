"""The UBWCDMA host API from Python: engines (context managers), power votes, statistics, and
DMA frames: a packed frames.Frame wrapped and prepared for reads or writes, with tile reads and
writes into local-memory numpy arrays.

    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as f:
        f.prepare(eng, "read")
        tile = f.read("y", x=0, y=0, width=128, height=32)
        uv = f.read("uv", x=0, y=0, width=64, height=16)      # chroma coordinates (pairs, rows)

Local tiles use the local-memory convention (10-bit samples MSB-aligned, see frames.to_local).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..errors import HaloError
from . import buffer_from_array, check
from .frames import Frame, aligned_zeros

POWER_MODES = {"low": 0, "nominal": 1, "turbo": 2, "default": 3, "low_plus": 4, "low_2": 5,
               "nominal_plus": 6}
CORNERS = {"MIN_SVS": 0, "SVS2": 1, "SVS": 2, "SVS_L1": 3, "NORMAL": 4, "NORMAL_L1": 5, "TURBO": 6}
DIRECTIONS = {"read": 0, "write": 1}
MAX_ENGINES = 8


def _rt():
    from . import ffi, lib
    return ffi, lib


@dataclass(frozen=True)
class Stats:
    transfers: int
    ddr_bytes: int
    uncompressed_bytes: int
    busy_ns: int

    @property
    def bytes_saved(self) -> int:
        return self.uncompressed_bytes - self.ddr_bytes


def stats(engine: "Engine | None" = None) -> Stats:
    """Statistics of one engine, or of every transfer (engine None)."""
    ffi, lib = _rt()
    out = ffi.new("halo_dma_stats_t *")
    check(lib.halo_hexagon_dma_get_stats(ffi.NULL if engine is None else engine.handle, out))
    return Stats(int(out.transfers), int(out.ddr_bytes), int(out.uncompressed_bytes),
                 int(out.busy_ns))


def reset_stats() -> None:
    _rt()[1].halo_hexagon_dma_reset_stats()


def engines_in_use() -> int:
    return int(_rt()[1].halo_hexagon_dma_engines_in_use())


class Engine:
    """An allocated UBWCDMA engine; deallocated by close() or at the end of a with block."""

    def __init__(self):
        ffi, lib = _rt()
        out = ffi.new("void **")
        check(lib.halo_hexagon_dma_allocate_engine(ffi.NULL, out))
        self.handle = out[0]

    @property
    def name(self) -> str:
        ffi, lib = _rt()
        return ffi.string(lib.halo_hexagon_dma_engine_name(self.handle)).decode()

    def stats(self) -> Stats:
        return stats(self)

    def wait(self) -> None:
        """Blocks until every transfer queued on this engine has completed."""
        ffi, lib = _rt()
        check(lib.halo_ubwcdma_wait_engine(ffi.NULL, self.handle))

    def close(self) -> None:
        if self.handle is not None:
            ffi, lib = _rt()
            handle, self.handle = self.handle, None
            check(lib.halo_hexagon_dma_deallocate_engine(ffi.NULL, handle))

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def power_mode_voting(mode: str) -> None:
    """Votes a power mode (a key of POWER_MODES); needs an allocated engine."""
    if mode not in POWER_MODES:
        raise ValueError(f"power mode must be one of {sorted(POWER_MODES)}, not {mode!r}")
    ffi, lib = _rt()
    check(lib.halo_hexagon_dma_power_mode_voting(ffi.NULL, POWER_MODES[mode]))


def power_mode() -> str:
    value = int(_rt()[1].halo_hexagon_dma_power_mode())
    return next(k for k, v in POWER_MODES.items() if v == value)


def power_corner() -> str:
    value = int(_rt()[1].halo_hexagon_dma_power_corner())
    return next(k for k, v in CORNERS.items() if v == value)


def set_supported_corners(corners) -> None:
    mask = 0
    for c in corners:
        mask |= 1 << CORNERS[c]
    check(_rt()[1].halo_hexagon_dma_set_supported_corners(mask))


def supported_corners() -> list[str]:
    mask = int(_rt()[1].halo_hexagon_dma_supported_corners())
    return [k for k, v in CORNERS.items() if mask >> v & 1]


def make_buffer(dims, bits: int, host=None):
    """A halo_buffer_t* with the given (min, extent, stride) dims and uint<bits> elements, no
    host memory unless given: how a DDR frame plane is described to the DMA device."""
    ffi, _ = _rt()
    buf = ffi.new("halo_buffer_t *")
    d = ffi.new("halo_dimension_t[]", len(dims))
    for i, (mn, ext, stride) in enumerate(dims):
        d[i].min, d[i].extent, d[i].stride, d[i].flags = mn, ext, stride, 0
    buf.type.code, buf.type.bits, buf.type.lanes = 1, bits, 1
    buf.dimensions = len(dims)
    buf.dim = d
    buf.host = ffi.NULL if host is None else host
    keep = (buf, d)
    return ffi.gc(buf, lambda _p, _k=keep: None)


def plane_buffer(frame: Frame, plane: str):
    """The halo_buffer_t Halide would use for a plane: Y 2-D (x, y); UV 3-D (x pairs, y, c) with
    dim[0].stride 2 and dim[2] = {0, 2, 1}; raw 2-D bytes. Row strides count samples."""
    lay = frame.layout
    bits = lay.dtype.itemsize * 8
    stride_bytes = lay.y_stride if plane == "y" else lay.uv_stride
    if lay.ubwc:
        row = 2 * ((lay.width + 1) // 2)
    elif lay.format == "tp10":
        row = stride_bytes // 4 * 3
    else:
        row = stride_bytes // lay.dtype.itemsize
    if plane == "y":
        return make_buffer([(0, lay.width, 1), (0, lay.height, row)], bits)
    if plane == "uv" and lay.has_uv:
        h, w, _ = lay.uv_shape
        return make_buffer([(0, w, 2), (0, h, row), (0, 2, 1)], bits)
    raise ValueError(f"a {lay.format} frame has no plane {plane!r}")


def _plane_format(frame: Frame, plane: str) -> int:
    from .frames import FORMATS
    base = FORMATS[frame.layout.format]
    return 0 if base == 0 else base + (1 if plane == "y" else 2)


class Transfer:
    """A started tile transfer; wait() returns the local tile (or None for a write)."""

    def __init__(self, keep, tile: np.ndarray | None):
        ffi, _ = _rt()
        self._t = ffi.new("halo_dma_transfer_t *")
        self._keep = keep
        self._tile = tile
        self._finish = None

    def _queued(self) -> None:
        """The runtime queued it: a Transfer dropped before wait() now waits when collected (the
        engine writes the transfer record and the tile until it is done; freeing them before was
        a use after free)."""
        self._finish = weakref.finalize(self, _finish_transfer, self._t, self._keep)

    def wait(self):
        ffi, lib = _rt()
        if self._finish is not None:
            self._finish.detach()
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, self._t))
        self._keep = None
        return self._tile


def _finish_transfer(t, keep) -> None:
    ffi, lib = _rt()
    lib.halo_hexagon_dma_copy_wait(ffi.NULL, t)


def _release_planes(planes, frame) -> None:
    """Detach (which unprepares) the planes of a DmaFrame nobody detached. Only wrapped planes
    are detached, so no error is recorded over one the program is about to read (a plane with a
    transfer in flight, which cannot be detached, is the one exception). `frame` stays alive
    until then."""
    ffi, lib = _rt()
    for buf in planes:
        if buf.device:
            lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf)


class DmaFrame:
    """A frame wrapped for UBWCDMA: one halo buffer per plane (Y and UV, or raw), each wrapped
    with device_wrap_native at its plane address. prepare() binds the planes to an engine and a
    direction; read() / write() move one tile each."""

    def __init__(self, frame: Frame):
        ffi, lib = _rt()
        self.frame = frame
        self.planes = {"y": plane_buffer(frame, "y")}
        if frame.layout.has_uv:
            self.planes["uv"] = plane_buffer(frame, "uv")
        self.direction: str | None = None
        spans = {name: (frame.plane_address(name), frame.plane_bytes(name)) for name in self.planes}
        # a frame dropped without detach() (or one whose second plane failed to wrap) gives its
        # runtime handles back when it is collected
        self._release = weakref.finalize(self, _release_planes, list(self.planes.values()), frame)
        for name, buf in self.planes.items():
            check(lib.halo_hexagon_dma_device_wrap_native_sized(ffi.NULL, buf, *spans[name]))

    def prepare(self, engine: Engine, direction: str = "read") -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'read' or 'write', not {direction!r}")
        ffi, lib = _rt()
        call = (lib.halo_hexagon_dma_prepare_for_copy_to_host if direction == "read"
                else lib.halo_hexagon_dma_prepare_for_copy_to_device)
        for name, buf in self.planes.items():
            check(call(ffi.NULL, buf, engine.handle, self.frame.layout.ubwc,
                       _plane_format(self.frame, name)))
        self.direction = direction

    def unprepare(self) -> None:
        ffi, lib = _rt()
        for buf in self.planes.values():
            check(lib.halo_hexagon_dma_unprepare(ffi.NULL, buf))
        self.direction = None

    def detach(self) -> None:
        ffi, lib = _rt()
        for buf in self.planes.values():
            check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))
        self._release.detach()

    def __enter__(self) -> "DmaFrame":
        return self

    def __exit__(self, *exc) -> None:
        self.detach()

    def local_tile(self, plane: str, width: int, height: int, deinterleave: bool = False):
        """A zeroed, 256-byte aligned local tile: (height, width) for Y / raw; (height, width, 2)
        interleaved or (2, height, width) de-interleaved for UV."""
        dtype = self.frame.layout.dtype
        if plane == "uv":
            return aligned_zeros((2, height, width) if deinterleave else (height, width, 2), dtype)
        return aligned_zeros((height, width), dtype)

    @staticmethod
    def _local_buffer(plane: str, tile: np.ndarray, x: int, y: int, deinterleave: bool):
        if plane != "uv":
            return buffer_from_array(tile, mins=[x, y])
        if tile.ndim != 3 or tile.shape[0 if deinterleave else 2] != 2:
            raise ValueError("a UV tile is (h, w, 2) interleaved or (2, h, w) de-interleaved")
        # halo dims are (x, y, c): view the tile with the channel as the outermost numpy axis
        view = tile if deinterleave else tile.transpose(2, 0, 1)
        return buffer_from_array(view, mins=[x, y, 0])

    def start(self, plane: str, tile: np.ndarray, x: int, y: int,
              deinterleave: bool = False) -> Transfer:
        """Starts moving `tile` (a local-memory array, see local_tile) to or from the plane at
        (x, y) (chroma coordinates for UV), in the prepared direction."""
        ffi, lib = _rt()
        if self.direction is None:
            raise HaloError("DmaFrame.start: the frame is not prepared; call prepare(engine, 'read' or 'write') first")
        if self.direction == "read" and not tile.flags.writeable:
            raise HaloError("DmaFrame.start: a read fills `tile`, which is read-only; pass a writable array")
        frame_buf = self.planes[plane]
        local = self._local_buffer(plane, tile, x, y, deinterleave)
        t = Transfer((local, tile, self), tile if self.direction == "read" else None)
        check(lib.halo_hexagon_dma_copy_start(ffi.NULL, frame_buf, local, t._t))
        t._queued()
        return t

    def _need(self, direction: str, what: str) -> None:
        if self.direction != direction:
            raise HaloError(f"DmaFrame.{what}: the frame is prepared for {self.direction or 'nothing'}, not "
                            f"{direction}; prepare(engine, {direction!r}) first")

    def read(self, plane: str, x: int, y: int, width: int, height: int,
             deinterleave: bool = False) -> np.ndarray:
        self._need("read", "read")
        tile = self.local_tile(plane, width, height, deinterleave)
        return self.start(plane, tile, x, y, deinterleave).wait()

    def write(self, plane: str, tile: np.ndarray, x: int, y: int,
              deinterleave: bool = False) -> None:
        self._need("write", "write")
        self.start(plane, tile, x, y, deinterleave).wait()
