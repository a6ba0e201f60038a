"""Shared helpers of the UBWCDMA and frame tests: test images and descriptor construction."""
from __future__ import annotations

import numpy as np

from halo.runtime import frames

FORMATS = ("nv12", "nv12_4r", "p010", "tp10")


def max_value(fmt: str) -> int:
    return 1024 if fmt in frames.TEN_BIT else 256


def random_planes(fmt: str, width: int, height: int, seed: int = 0):
    """Random Y and UV planes (incompressible: every UBWC tile is stored raw)."""
    rng = np.random.default_rng(seed)
    dt = np.uint16 if fmt in frames.TEN_BIT else np.uint8
    hi = max_value(fmt)
    y = rng.integers(0, hi, (height, width)).astype(dt)
    uv = rng.integers(0, hi, ((height + 1) // 2, (width + 1) // 2, 2)).astype(dt)
    return y, uv


def natural_planes(fmt: str, width: int, height: int, seed: int = 0):
    """A smooth image with a little noise, like a camera frame: UBWC compresses it."""
    rng = np.random.default_rng(seed)
    hi = max_value(fmt)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    base = 0.5 + 0.3 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + 0.1 * np.sin((xx + yy) / 91.0)
    noise = rng.normal(0, 0.004, base.shape)
    y = np.clip((base + noise) * (hi - 1), 0, hi - 1)
    cy, cx = np.mgrid[0:(height + 1) // 2, 0:(width + 1) // 2].astype(np.float64)
    u = 0.5 + 0.2 * np.sin(cx / 29.0)
    v = 0.5 + 0.2 * np.cos(cy / 17.0)
    uv = np.stack([u, v], axis=-1) * (hi - 1)
    dt = np.uint16 if fmt in frames.TEN_BIT else np.uint8
    return y.astype(dt), uv.astype(dt)


def plane_format(fmt: str, plane: str) -> int:
    base = frames.FORMATS[fmt]
    return 0 if base == 0 else base + (1 if plane == "y" else 2)


def make_desc(ffi, **fields):
    """A halo_ubwcdma_desc_t* with the given fields (pointers as cdata or ints)."""
    d = ffi.new("halo_ubwcdma_desc_t *")
    for k, v in fields.items():
        if k in ("plane", "local") and isinstance(v, int):
            v = ffi.cast("uint8_t *", v)
        setattr(d, k, v)
    return d
