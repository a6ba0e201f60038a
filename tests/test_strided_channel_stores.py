"""Strided channel stores at stride 2, 3 and 4 (NV12 UV, RGB, RGBA): f[c, x, y] with c unrolled
and x vectorized, into a buffer whose x stride is the channel count and c stride 1 (declared
with set_stride, so the strides are constants), on the host and under qemu-hexagon, against
numpy. Strides 2 and 4 must become one dense interleaved store (merge_interleaves)."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect

from . import test_hexagon_target as th

W, H = 300, 2


def _interleaved(k, data, vector):
    c, x, y = hl.Var("c"), hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(8), 3, "in")
    p.set(hl.Buffer(data))  # (H, W, k): c innermost, x stride k
    f = hl.Func("f")
    # each channel a different function of its own input channel: the values interleave by shuffles
    f[c, x, y] = hl.select(c == 0, p[c, x, y] + 1, c == 1, p[c, x, y] / 3, p[c, x, y] ^ 0x5A)
    f.bound(c, 0, k)
    out = f.output_buffer()
    out.dim(0).set_stride(1)
    out.dim(1).set_stride(k)
    if vector:
        f.reorder(c, x, y).unroll(c).vectorize(x, vector)
    return f


def _want(k, data):
    a = data.astype(np.int64)
    want = np.empty_like(a)
    want[..., 0] = a[..., 0] + 1
    if k > 1:
        want[..., 1] = a[..., 1] // 3
    want[..., 2:] = a[..., 2:] ^ 0x5A
    return want.astype(np.uint8)


def _dense_stores(f, target):
    return [s for s in collect(hl.Pipeline(f).lower(target).stmt, lambda s: type(s) is n.Store)
            if s.value.type.lanes > 1 and type(s.index) is n.Ramp and type(s.index.stride) is n.IntImm
            and s.index.stride.value == 1]


def _data(k):
    return np.random.default_rng(k).integers(0, 256, (H, W, k)).astype(np.uint8)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_strided_channel_stores_on_the_host(k):
    data = _data(k)
    f = _interleaved(k, data, 16)
    got = np.asarray(f.realize([k, W, H]))
    assert np.array_equal(got, _want(k, data))
    assert (len(_dense_stores(f, "host")) > 0) == (k != 3)


@pytest.mark.slow
@th.needs_qemu
@pytest.mark.parametrize("k", [2, 3, 4])
def test_strided_channel_stores_under_qemu(k):
    data = _data(k)
    f = _interleaved(k, data, 128 // k if k != 3 else 64)
    assert (len(_dense_stores(f, th.TARGET)) > 0) == (k != 3)
    got = np.asarray(f.realize([k, W, H], target=th.TARGET))
    assert np.array_equal(got, _want(k, data))
