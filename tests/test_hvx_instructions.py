"""HVX instruction selection (halo/lower/hvx_instructions.py): widened 8-bit sums kept in HVX's
even / odd lane order and narrowed back once. The C of a Hexagon target, compiled for the host
(its shuffle fallbacks) and under qemu-hexagon (the HVX instructions), matches the host
pipeline, which selects nothing, bit for bit."""
import numpy as np
import pytest

import halo as hl
from halo.ir import intrinsics as ii
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.pipeline import Compiled

from . import test_hexagon_target as th

W, H = 256, 3


def _pipeline(kind):
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    f = hl.Func("f")
    taps = [hl.cast(hl.UInt(16), p[x + d, y + e]) for d in range(3) for e in range(2)]
    if kind == "sum":  # six widened taps: three widening adds
        f[x, y] = hl.cast(hl.UInt(8), (sum(taps[1:], taps[0]) + 3) / 6)
    elif kind == "mixed":  # one lone widened leaf, a difference, a shift and a minimum
        f[x, y] = hl.cast(hl.UInt(8), hl.min((taps[0] * 3 - taps[1] + 512) >> 2, taps[2] + 7))
    else:  # a signed 16-bit narrowing
        f[x, y] = hl.cast(hl.Int(8), hl.cast(hl.Int(16), p[x, y]) - hl.cast(hl.Int(16), p[x + 1, y]))
    f.vectorize(x, 128)
    return p, f


def _data():
    return np.random.default_rng(9).integers(0, 256, (H + 1, W + 2)).astype(np.uint8)


def _expect(kind):
    p, f = _pipeline(kind)
    p.set(hl.Buffer(_data()))
    return np.asarray(f.realize([W, H]))


KINDS = ["sum", "mixed", "signed"]


@pytest.mark.parametrize("kind", KINDS)
def test_hexagon_c_on_the_host_matches_the_host_pipeline(kind):
    want = _expect(kind)
    p, f = _pipeline(kind)
    pipe = hl.Pipeline(f)
    names = {c.name for c in collect(pipe.lower(th.TARGET).stmt, lambda e: type(e) is n.Call)}
    assert ii.NARROW_INTERLEAVED in names and names & {ii.WIDEN_ADD_DEINTERLEAVED, ii.WIDEN_DEINTERLEAVED}
    c = pipe.generate_c("hvx_host", target=th.TARGET)
    out = np.zeros_like(want)
    Compiled(c.source, c.header, c.args, c.fn_name)({"in": hl.Buffer(_data()), "f": hl.Buffer(out)})
    assert np.array_equal(out, want)


def test_other_targets_select_nothing():
    _, f = _pipeline("sum")
    names = {c.name for c in collect(hl.Pipeline(f).lower("host").stmt, lambda e: type(e) is n.Call)}
    assert not names & {ii.NARROW_INTERLEAVED, ii.WIDEN_ADD_DEINTERLEAVED, ii.WIDEN_DEINTERLEAVED}


@pytest.mark.slow
@th.needs_qemu
@pytest.mark.parametrize("kind", KINDS)
def test_hvx_instructions_under_qemu_match_the_host(kind):
    want = _expect(kind)
    p, f = _pipeline(kind)
    p.set(hl.Buffer(_data()))
    assert np.array_equal(np.asarray(f.realize([W, H], target=th.TARGET)), want)
