"""Interleave merging (halo/lower/merge_interleaves.py): unrolled channel stores at stride 2 and
4 become one dense store, the matching strided loads one dense load; every result bit for bit
what the unscheduled pipeline computes. Stride 3 keeps its strided stores."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.ir.intrinsics import INTERLEAVE
from halo.lower import lower

from . import test_hexagon_target as th

W, H = 40, 3


def _channels(k, value, data):
    """(f unscheduled, f with c unrolled innermost and x vectorized) of f[c, x, y] = value(...)."""
    out = []
    for vec in (False, True):
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
        p = hl.ImageParam(hl.UInt(8), 3, "in")
        p.set(hl.Buffer(data))
        f = hl.Func("f")
        f[c, x, y] = value(c, x, y, p)
        f.bound(c, 0, k)
        if vec:
            f.unroll(c).vectorize(x, 16)
        out.append((f, np.asarray(f.realize([k, W, H]))))
    return out


def _stores(f):
    return collect(lower([f]).stmt, lambda s: type(s) is n.Store and s.value.type.lanes > 1)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_channel_copy_merges_into_a_dense_copy(k):
    data = np.random.default_rng(k).integers(0, 256, (H, W, k)).astype(np.uint8)
    (_, want), (f, got) = _channels(k, lambda c, x, y, p: p[c, x, y] * 3 + 1, data)
    assert np.array_equal(got, want) and np.array_equal(want, data * 3 + 1)
    # the strides are the buffers' (known at run time): the merged store is one version
    dense = [s for s in _stores(f) if type(s.index) is n.Ramp and type(s.index.stride) is n.IntImm
             and s.index.stride.value == 1]
    assert (len(dense) > 0) == (k != 3)
    if k != 3:
        assert all(type(s.value) is not n.Call for s in dense)


def test_different_channels_interleave_with_shuffles():
    data = np.random.default_rng(1).integers(0, 256, (H, W, 2)).astype(np.uint8)
    value = lambda c, x, y, p: hl.select(c == 0, p[0, x, y] / 3, p[1, x, y] ^ 0x5A)
    (_, want), (f, got) = _channels(2, value, data)
    assert np.array_equal(got, want)
    assert collect(lower([f]).stmt, lambda e: type(e) is n.Call and e.name == INTERLEAVE)


def test_other_strides_at_run_time_take_the_strided_stores():
    data = np.random.default_rng(2).integers(0, 256, (H, W, 4)).astype(np.uint8)
    (f0, _), (f1, _) = _channels(2, lambda c, x, y, p: p[c, x, y] + 7, data)
    view = data[:, :, :2]  # x stride 4, not 2
    outs = []
    for f in (f0, f1):
        res = np.zeros((H, W, 4), np.uint8)
        f.realize(hl.Buffer(res[:, :, :2]))
        outs.append(res)
    assert np.array_equal(outs[0], outs[1]) and np.array_equal(outs[0][:, :, :2], view + 7)


@pytest.mark.slow
@th.needs_qemu
@pytest.mark.parametrize("k", [2, 4])
def test_merged_channels_under_qemu_match_the_host(k):
    data = np.random.default_rng(k).integers(0, 256, (2, 256, k)).astype(np.uint8)
    got = []
    for target, lanes in (("host", None), (th.TARGET, 128 // k)):
        c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
        p = hl.ImageParam(hl.UInt(8), 3, "in")
        p.set(hl.Buffer(data))
        f = hl.Func("f")
        f[c, x, y] = hl.select(c == 0, p[c, x, y] + 1, p[c, x, y] / 3)  # interleaved by shuffles
        f.bound(c, 0, k)
        if lanes:
            f.unroll(c).vectorize(x, lanes)
        got.append(np.asarray(f.realize([k, 256, 2], target=target)))
    assert np.array_equal(got[0], got[1])
