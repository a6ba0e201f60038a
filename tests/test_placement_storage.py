"""Placement and storage (issue 4): local memory, folds, sliding windows, async producers."""
import re

import numpy as np
import pytest

import halo as hl
from halo import runtime
from halo.lower import lower
from halo.lower.local_memory import local_buffers


def _img(seed, shape):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


def _tiled_copy(tile_w, tile_h, memory=hl.MemoryType.LockedCache, parallel=False):
    """out = in_copy + 1 where in_copy is a per-tile copy of the input in local memory."""
    x, y = hl.Var("x"), hl.Var("y")
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    copy, out = hl.Func("in_copy"), hl.Func("out")
    copy[x, y] = inp[x, y]
    out[x, y] = copy[x, y] + 1
    out.tile(x, y, xo, yo, xi, yi, tile_w, tile_h)
    if parallel:
        out.parallel(yo)
    copy.compute_at(out, xo).store_in(memory)
    return inp, out


def test_locked_cache_tile_matches_numpy_and_accounting_is_exact():
    a = _img(0, (64, 256))
    inp, out = _tiled_copy(128, 32)
    inp.set(hl.Buffer(a))
    runtime.localmem_reset_high_water("locked_cache")
    res = np.asarray(out.realize([256, 64]))
    assert np.array_equal(res, a + 1)
    # one 128x32 uint8 tile: align(4096, 128) = 4096 bytes, live one at a time
    assert runtime.localmem_high_water("locked_cache") == 4096
    assert runtime.localmem_in_use("locked_cache") == 0
    bufs = local_buffers(lower([out]).stmt)
    assert [(b.name, b.memory, b.bytes, b.copies) for b in bufs] == [("in_copy", "LockedCache", 4096, 1)]


def test_local_buffer_size_is_aligned_to_128():
    inp, out = _tiled_copy(10, 3)  # 30 bytes -> 128
    bufs = local_buffers(lower([out]).stmt)
    assert [(b.bytes, b.copies) for b in bufs] == [(128, 1)]


def test_parallel_strips_each_get_a_copy():
    inp, out = _tiled_copy(64, 16, parallel=True)
    bufs = local_buffers(lower([out]).stmt)
    # 64x16 = 1024 bytes per tile, one per Hexagon thread (4) of the parallel strip loop
    assert [(b.bytes, b.copies, b.total) for b in bufs] == [(1024, 4, 4096)]


def test_vtcm_runs_and_is_accounted_separately():
    a = _img(1, (40, 50))
    inp, out = _tiled_copy(16, 8, memory=hl.MemoryType.VTCM)
    inp.set(hl.Buffer(a))
    runtime.localmem_reset_high_water("vtcm")
    assert np.array_equal(np.asarray(out.realize([50, 40])), a + 1)
    assert runtime.localmem_high_water("vtcm") == 128
    assert runtime.localmem_in_use("vtcm") == 0


def test_local_memory_over_capacity_is_refused_with_sizes():
    inp, out = _tiled_copy(1024, 512)  # 512 KB > 384 KB on SM8150
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "the schedule needs 524288 bytes of LockedCache but SM8150 has 393216 (in_copy: 524288 bytes x 1)")):
        lower([out], target="host-sm8150")
    assert local_buffers(lower([out], target="host-sm8250").stmt)[0].total == 524288


def test_local_memory_needs_a_constant_size():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    copy, out = hl.Func("in_copy"), hl.Func("out")
    copy[x, y] = inp[x, y]
    out[x, y] = copy[x, y] + 1
    copy.compute_root().store_in(hl.MemoryType.LockedCache)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func in_copy: store_in(MemoryType.LockedCache) needs a constant-size buffer")):
        lower([out])
