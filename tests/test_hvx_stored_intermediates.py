"""Stored and folded intermediates read at x - 1 and x + 1 by a vectorized consumer, with the
producer's region starting at an odd x (its vectors are not aligned to the HVX register), under
qemu-hexagon and on the host against numpy. Halide 21 miscompiles a stored horizontal pass
with unaligned accesses (its vector halves come back interleaved): halo must not."""
import numpy as np
import pytest

import halo as hl

from . import test_hexagon_target as th

W, H, X0, Y0 = 300, 12, 3, 1  # the output starts at x = 3: the producer's at x = 2


def _pipeline(schedule, data):
    x, y = hl.Var("x"), hl.Var("y")
    yo, yi = hl.Var("yo"), hl.Var("yi")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    b = hl.Buffer(data)
    b.set_min([X0 - 2, Y0 - 1])
    inp.set(b)
    g, out = hl.Func("g"), hl.Func("out")
    # a horizontal pass widened to u16 (the widening adds HVX selects), read at x - 1 and x + 1
    g[x, y] = hl.cast(hl.UInt(16), inp[x - 1, y]) + 2 * hl.cast(hl.UInt(16), inp[x, y]) + inp[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (g[x - 1, y] + g[x + 1, y] + g[x, y - 1] + g[x, y + 1] + 8) >> 4)
    if schedule == "folded_root":  # halo folds over one loop: y, unsplit
        out.vectorize(x, 128)
    elif schedule != "scalar":
        out.split(y, yo, yi, 4).vectorize(x, 128)
    if schedule == "root":
        g.compute_root().vectorize(x, 64)
    elif schedule == "stored_rows":
        g.compute_at(out, yo).vectorize(x, 128)
    elif schedule == "folded":
        g.store_at(out, yo).compute_at(out, yi).fold_storage(y, 4).vectorize(x, 128)
    elif schedule == "folded_root":
        g.store_root().compute_at(out, y).fold_storage(y, 4).vectorize(x, 64)
    return out


def _want(data):
    a = data.astype(np.int64)
    g = a[:, :-2] + 2 * a[:, 1:-1] + a[:, 2:]
    return ((g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] + 8) >> 4).astype(np.uint8)


def _run(schedule, target):
    data = np.random.default_rng(4).integers(0, 256, (H + 2, W + 4)).astype(np.uint8)
    buf = hl.Buffer(hl.UInt(8), [W, H])
    buf.set_min([X0, Y0])
    _pipeline(schedule, data).realize(buf, target=target)
    return np.asarray(buf), _want(data)


SCHEDULES = ["root", "stored_rows", "folded", "folded_root"]


@pytest.mark.parametrize("schedule", ["scalar"] + SCHEDULES)
def test_stored_intermediates_on_the_host_match_numpy(schedule):
    got, want = _run(schedule, "host")
    assert np.array_equal(got, want)


@pytest.mark.slow
@th.needs_qemu
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_stored_intermediates_under_qemu_match_numpy(schedule):
    got, want = _run(schedule, th.TARGET)
    assert np.array_equal(got, want), np.argwhere(got != want)[:5]
