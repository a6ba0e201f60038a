"""Frame formats from numpy: layouts, pack and unpack of Raw, NV12, NV12-4R, P010 and TP10 frames,
linear or UBWC. Every layout and the UBWC codec come from the C runtime
(runtime_c/ubwcdma/layout.c, codec.c), so Python and DMA agree byte for byte.

Planes are numpy arrays: Y of shape (H, W), UV of shape (ceil(H/2), ceil(W/2), 2) with U at
[..., 0] and V at [..., 1]. 8-bit formats use uint8 samples; P010 and TP10 use uint16 holding the
10-bit value (0..1023). In local memory (DMA tiles) 10-bit samples are MSB-aligned (value << 6):
`to_local` / `from_local` convert.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import check

FORMATS = {"raw": 0, "nv12": 1, "p010": 4, "tp10": 7, "nv12_4r": 10}
TEN_BIT = ("p010", "tp10")

_LAYOUT_FIELDS = (
    "y_stride", "y_scanlines", "uv_stride", "uv_scanlines", "y_meta_stride", "y_meta_scanlines",
    "uv_meta_stride", "uv_meta_scanlines", "y_meta_offset", "y_offset", "uv_meta_offset",
    "uv_offset", "size", "y_tile_width", "y_tile_height", "uv_tile_width", "uv_tile_height",
)


def _rt():
    from . import ffi, lib
    return ffi, lib


def format_code(fmt: str) -> int:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ValueError(f"frame format must be one of {sorted(FORMATS)}, not {fmt!r}") from None


@dataclass(frozen=True)
class FrameLayout:
    """Where everything of a frame lives (bytes, rows; tiles in samples / pairs for UV).
    y_plane_offset / uv_plane_offset are the addresses (relative to the frame) that DMA wraps."""
    format: str
    ubwc: bool
    width: int
    height: int
    y_stride: int
    y_scanlines: int
    uv_stride: int
    uv_scanlines: int
    y_meta_stride: int
    y_meta_scanlines: int
    uv_meta_stride: int
    uv_meta_scanlines: int
    y_meta_offset: int
    y_offset: int
    uv_meta_offset: int
    uv_offset: int
    size: int
    y_tile_width: int
    y_tile_height: int
    uv_tile_width: int
    uv_tile_height: int

    @property
    def y_plane_offset(self) -> int:
        return self.y_meta_offset

    @property
    def uv_plane_offset(self) -> int:
        return self.uv_meta_offset

    @property
    def has_uv(self) -> bool:
        return self.format != "raw"

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint16 if self.format in TEN_BIT else np.uint8)

    @property
    def uv_shape(self) -> tuple[int, int, int]:
        return ((self.height + 1) // 2, (self.width + 1) // 2, 2)

    def cdata(self):
        """The layout as a halo_frame_layout_t* for the C runtime."""
        ffi, _ = _rt()
        c = ffi.new("halo_frame_layout_t *")
        c.fmt = FORMATS[self.format]
        c.is_ubwc = int(self.ubwc)
        c.width = self.width
        c.height = self.height
        for name in _LAYOUT_FIELDS:
            setattr(c, name, getattr(self, name))
        return c


def layout(fmt: str, width: int, height: int, ubwc: bool = False, stride: int = 0,
           scanlines: int = 0) -> FrameLayout:
    """The layout of a frame. Linear frames take an optional stride (bytes) and scanlines (rows
    of the Y plane before UV starts); 0 means tightest. UBWC layouts follow from the format.
    For raw frames width counts bytes per row."""
    ffi, lib = _rt()
    c = ffi.new("halo_frame_layout_t *")
    check(lib.halo_frame_layout(format_code(fmt), bool(ubwc), int(width), int(height),
                                int(stride), int(scanlines), c))
    return FrameLayout(fmt, bool(ubwc), int(width), int(height),
                       *(int(getattr(c, name)) for name in _LAYOUT_FIELDS))


def aligned_empty(nbytes: int, alignment: int = 4096) -> np.ndarray:
    """A uint8 array of nbytes whose data starts on an `alignment`-byte boundary (UBWC planes
    must be 4096-aligned, UBWC local tiles 256-aligned)."""
    raw = np.empty(nbytes + alignment, dtype=np.uint8)
    start = -raw.ctypes.data % alignment
    return raw[start:start + nbytes]


def aligned_zeros(shape, dtype, alignment: int = 256) -> np.ndarray:
    dtype = np.dtype(dtype)
    n = int(np.prod(shape)) * dtype.itemsize
    out = aligned_empty(n, alignment).view(dtype).reshape(shape)
    out[...] = 0
    return out


def to_local(samples: np.ndarray, fmt: str) -> np.ndarray:
    """Plane samples as DMA puts them in local memory (10-bit: value << 6)."""
    return (samples.astype(np.uint16) << 6) if fmt in TEN_BIT else samples


def from_local(samples: np.ndarray, fmt: str) -> np.ndarray:
    return (samples >> 6) if fmt in TEN_BIT else samples


@dataclass
class Frame:
    """A packed frame: `data` (uint8, 4096-aligned) laid out as `layout` says."""
    data: np.ndarray
    layout: FrameLayout

    @property
    def address(self) -> int:
        return int(self.data.ctypes.data)

    def plane_address(self, plane: str) -> int:
        return self.address + self._plane_offset(plane)

    def plane_bytes(self, plane: str) -> int:
        """Bytes of `data` from the plane's start to its end: all a DMA engine may touch."""
        return self.data.nbytes - self._plane_offset(plane)

    def _plane_offset(self, plane: str) -> int:
        if plane not in ("y", "uv") or (plane == "uv" and not self.layout.has_uv):
            raise ValueError(f"a {self.layout.format} frame has no plane {plane!r}")
        offset = self.layout.y_plane_offset if plane == "y" else self.layout.uv_plane_offset
        if offset >= self.data.nbytes:
            raise ValueError(f"the frame's data holds {self.data.nbytes} bytes, but its {plane} plane "
                             f"starts at byte {offset}")
        return offset

    def ddr_bytes(self) -> int:
        """Bytes a full read moves from DDR (UBWC: compressed payloads + meta bytes)."""
        ffi, lib = _rt()
        out = ffi.new("uint64_t *")
        check(lib.halo_frame_ddr_bytes(self.layout.cdata(), _ptr(self.data), out))
        return int(out[0])

    def unpack(self):
        return unpack(self)


def _ptr(a: np.ndarray):
    ffi, _ = _rt()
    return ffi.cast("uint8_t *", a.ctypes.data)


def _plane_in(arr, shape, dtype, fmt, name):
    arr = np.asarray(arr)
    if arr.shape != shape:
        raise ValueError(f"{fmt} {name} plane must have shape {shape}, not {arr.shape}")
    if fmt in TEN_BIT:
        if arr.dtype.kind not in "ui" or (arr.size and (arr.min() < 0 or arr.max() > 1023)):
            raise ValueError(f"{fmt} {name} samples must be integers in 0..1023")
    elif arr.dtype != np.uint8:
        raise ValueError(f"{fmt} {name} plane must be uint8, not {arr.dtype}")
    return np.ascontiguousarray(to_local(arr.astype(dtype, copy=False), fmt), dtype=dtype)


def pack(fmt: str, y: np.ndarray, uv: np.ndarray | None = None, *, ubwc: bool = False,
         stride: int = 0, scanlines: int = 0) -> Frame:
    """Packs planes into a new frame. raw: `y` is any array of rows (H, ...) stored as bytes."""
    y = np.asarray(y)
    if fmt == "raw":
        if uv is not None:
            raise ValueError("a raw frame has one plane")
        rows = np.ascontiguousarray(y).view(np.uint8).reshape(y.shape[0], -1)
        lay = layout("raw", rows.shape[1], rows.shape[0], False, stride, scanlines)
        yp, uvp = rows, None
    else:
        if y.ndim != 2 or uv is None:
            raise ValueError(f"{fmt} needs a 2-D Y plane and a UV plane")
        lay = layout(fmt, y.shape[1], y.shape[0], ubwc, stride, scanlines)
        yp = _plane_in(y, (lay.height, lay.width), lay.dtype, fmt, "Y")
        uvp = _plane_in(uv, lay.uv_shape, lay.dtype, fmt, "UV")
    ffi, lib = _rt()
    data = aligned_empty(lay.size)
    uv_ptr = ffi.NULL if uvp is None else _ptr(uvp)
    uv_pitch = 0 if uvp is None else uvp.shape[1] * 2
    check(lib.halo_frame_pack(lay.cdata(), _ptr(yp), yp.shape[1], uv_ptr, uv_pitch, _ptr(data)))
    return Frame(data, lay)


def unpack(frame: Frame):
    """The planes of a frame: (Y, UV) for image formats, the (H, W) byte rows for raw."""
    lay = frame.layout
    if frame.data.dtype != np.uint8 or frame.data.size < lay.size:
        raise ValueError(f"frame data must be uint8 with at least {lay.size} bytes")
    ffi, lib = _rt()
    y = np.empty((lay.height, lay.width), dtype=lay.dtype)
    if not lay.has_uv:
        check(lib.halo_frame_unpack(lay.cdata(), _ptr(frame.data), _ptr(y), lay.width, ffi.NULL, 0))
        return y
    uv = np.empty(lay.uv_shape, dtype=lay.dtype)
    check(lib.halo_frame_unpack(lay.cdata(), _ptr(frame.data), _ptr(y), lay.width, _ptr(uv),
                                uv.shape[1] * 2))
    return from_local(y, lay.format), from_local(uv, lay.format)


def frame_from_bytes(fmt: str, data: bytes | np.ndarray, width: int, height: int, *,
                     ubwc: bool = False, stride: int = 0, scanlines: int = 0) -> Frame:
    """A Frame over existing bytes (e.g. a file written by ffmpeg), copied to aligned memory."""
    lay = layout(fmt, width, height, ubwc, stride, scanlines)
    src = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray)) else \
        np.asarray(data, dtype=np.uint8).reshape(-1)
    if src.size < lay.size:
        raise ValueError(f"{fmt} {width}x{height} needs {lay.size} bytes, got {src.size}")
    out = aligned_empty(lay.size)
    out[:] = src[:lay.size]
    return Frame(out, lay)


def pack_nv12(y, uv, ubwc: bool = False, **kw) -> Frame:
    return pack("nv12", y, uv, ubwc=ubwc, **kw)


def pack_nv12_4r(y, uv, ubwc: bool = False, **kw) -> Frame:
    return pack("nv12_4r", y, uv, ubwc=ubwc, **kw)


def pack_p010(y, uv, ubwc: bool = False, **kw) -> Frame:
    return pack("p010", y, uv, ubwc=ubwc, **kw)


def pack_tp10(y, uv, ubwc: bool = False, **kw) -> Frame:
    return pack("tp10", y, uv, ubwc=ubwc, **kw)


def interleave_uv(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """U and V planes of equal shape -> the (h, w, 2) interleaved UV plane."""
    if u.shape != v.shape:
        raise ValueError(f"U {u.shape} and V {v.shape} differ in shape")
    return np.stack([u, v], axis=-1)


def deinterleave_uv(uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return uv[..., 0], uv[..., 1]
