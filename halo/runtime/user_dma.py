"""Hexagon V68+ user DMA from Python: descriptor words, the software MMU, the engine commands
and a 2-D copy between numpy arrays. A thin layer over runtime_c/halo_user_dma.h."""
from __future__ import annotations

import numpy as np

from . import check, ffi, lib

__all__ = [
    "FIELDS", "STATUS", "SYNDROMES", "pack", "unpack", "Mapping", "Descriptors", "Engine",
    "reset", "copy_2d",
]

# The members of halo_udma_fields_t, in declaration order.
FIELDS = (
    "next", "length", "desctype", "dstcomp", "srccomp", "dstbypass", "srcbypass", "order",
    "done", "src", "dst", "subtype", "src_upper", "dst_upper", "wr_alloc", "rd_alloc",
    "transform", "roiwidth", "roiheight", "srcstride", "dststride", "srcwidthoffset",
    "dstwidthoffset",
)
STATUS = {0: "idle", 1: "run", 2: "error"}
SYNDROMES = {
    0: "DM command error", 1: "descriptor invalid alignment", 2: "descriptor invalid type",
    3: "unsupported address", 4: "unsupported bypass mode", 5: "unsupported comp format",
    6: "descriptor ROI error", 7: "bus error descriptor r/w", 8: "bus error L2 read",
    9: "bus error L2 write",
}


def _nwords(desctype: int) -> int:
    return lib.halo_udma_type1_words if desctype == 1 else lib.halo_udma_type0_words


def pack(nwords: int | None = None, **fields: int) -> list[int]:
    """The descriptor words for `fields` (unnamed fields are 0); nwords defaults to the size
    of the type named by desctype."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown descriptor fields {sorted(unknown)}; known: {FIELDS}")
    f = ffi.new("halo_udma_fields_t *")
    for name, value in fields.items():
        setattr(f, name, int(value))
    n = nwords or _nwords(fields.get("desctype", 0))
    words = ffi.new("uint32_t[]", n)
    check(lib.halo_udma_pack(f, words, n))
    return list(words)


def unpack(words) -> dict[str, int]:
    """Every field of a 4- or 8-word descriptor."""
    words = [int(w) for w in words]
    f = ffi.new("halo_udma_fields_t *")
    check(lib.halo_udma_unpack(ffi.new("uint32_t[]", words), len(words), f))
    return {name: int(getattr(f, name)) for name in FIELDS}


def _address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def _span(array: np.ndarray) -> int:
    """Bytes from the array's first element to the end of its last (positive strides)."""
    if array.size == 0:
        return 0
    if any(s < 0 for s in array.strides):
        raise ValueError("arrays with negative strides cannot be mapped")
    return sum((n - 1) * s for n, s in zip(array.shape, array.strides)) + array.itemsize


class Mapping:
    """Gives a numpy array a 32-bit VA range (halo_udma_map) for as long as it is open."""

    def __init__(self, array: np.ndarray):
        self.array = array
        self._host = ffi.cast("void *", _address(array))
        va = ffi.new("uint32_t *")
        check(lib.halo_udma_map(self._host, _span(array), va))
        self.va = int(va[0])
        self._open = True

    def va_of(self, byte_offset: int = 0) -> int:
        return self.va + byte_offset

    def close(self) -> None:
        if self._open:
            self._open = False
            check(lib.halo_udma_unmap(self._host))

    def __enter__(self) -> Mapping:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Descriptors:
    """`count` descriptors of one type in mapped, aligned memory (32 B for type 1, 16 B for
    type 0), laid out back to back. `words[i]` is descriptor i's words as a numpy view."""

    def __init__(self, count: int, desctype: int = 1):
        nwords = _nwords(desctype)
        raw = np.zeros(count * nwords + 8, dtype=np.uint32)
        skip = (-_address(raw) % 32) // 4
        self.words = raw[skip:skip + count * nwords].reshape(count, nwords)
        self._raw = raw
        self.mapping = Mapping(self.words)

    def __len__(self) -> int:
        return self.words.shape[0]

    def va(self, i: int) -> int:
        return self.mapping.va_of(i * self.words.shape[1] * 4)

    def set(self, i: int, **fields: int) -> None:
        self.words[i] = pack(self.words.shape[1], **fields)

    def fields(self, i: int) -> dict[str, int]:
        return unpack(self.words[i])

    def close(self) -> None:
        self.mapping.close()

    def __enter__(self) -> Descriptors:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Engine:
    """The user DMA engine of one simulated hardware thread. Commands raise HaloRuntimeError
    with the runtime's message (and the syndrome) when they fail."""

    def __init__(self, index: int = 0):
        self.index = index

    def start(self, desc_va: int) -> None:
        check(lib.halo_udma_dmstart(self.index, desc_va))

    def link(self, tail_va: int, desc_va: int) -> None:
        check(lib.halo_udma_dmlink(self.index, tail_va, desc_va))

    def _dm0(self, command) -> int:
        dm0 = ffi.new("uint32_t *")
        check(command(self.index, dm0))
        return int(dm0[0])

    def poll(self) -> int:
        """DM0: descriptor in progress | status."""
        return self._dm0(lib.halo_udma_dmpoll)

    def wait(self) -> int:
        return self._dm0(lib.halo_udma_dmwait)

    def pause(self) -> int:
        return self._dm0(lib.halo_udma_dmpause)

    def resume(self, dm0: int) -> None:
        check(lib.halo_udma_dmresume(self.index, dm0))

    def syndrome(self) -> tuple[int, int]:
        """(DM4, DM5)."""
        dm4, dm5 = ffi.new("uint32_t *"), ffi.new("uint32_t *")
        check(lib.halo_udma_syndrome(self.index, dm4, dm5))
        return int(dm4[0]), int(dm5[0])


def reset() -> None:
    """Waits for every engine, then clears the engines and every mapping."""
    check(lib.halo_udma_reset())


def copy_2d(dst: np.ndarray, src: np.ndarray, engine: int = 0) -> None:
    """Copies the 2-D array src into dst (same shape and dtype, rows contiguous) with one chain
    of type-1 descriptors, as generated code does; src and dst must not be mapped already."""
    if src.ndim != 2 or dst.shape != src.shape or dst.dtype != src.dtype:
        raise ValueError(f"copy_2d needs 2-D arrays of one shape and dtype, got {src.shape} "
                         f"{src.dtype} -> {dst.shape} {dst.dtype}")
    for a in (src, dst):
        if a.strides[1] != a.itemsize:
            raise ValueError("copy_2d needs rows of contiguous elements")
    height, width = src.shape[0], src.shape[1] * src.itemsize
    n = lib.halo_udma_copy_2d_descriptors(width, height, src.strides[0], dst.strides[0])
    if n < 0:
        check(n)
    if n == 0:
        return
    with Mapping(src), Mapping(dst), Descriptors(n) as descs:
        first = ffi.cast("halo_udma_desc1_t *", _address(descs.words))
        check(lib.halo_udma_copy_2d_start(engine, first, n, ffi.cast("void *", _address(dst)),
                                          ffi.cast("void *", _address(src)), width, height,
                                          src.strides[0], dst.strides[0]))
        check(lib.halo_udma_copy_wait(engine))
