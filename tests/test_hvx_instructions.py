"""HVX instruction selection (halo/lower/hvx_instructions.py): widened 8-bit sums kept in HVX's
even / odd lane order and narrowed back once. The C of a Hexagon target, compiled for the host
(its shuffle fallbacks) and under qemu-hexagon (the HVX instructions), matches the host
pipeline, which selects nothing, bit for bit."""
import numpy as np
import pytest

import halo as hl
from halo.ir import intrinsics as ii
from halo.ir import nodes as n
from halo.ir.find import collect, collect_stmts
from halo.lower.hvx_instructions import _multiplier
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
    elif kind == "divisions":  # constant divisors on proved ranges, and one range too wide
        s = sum(taps[1:], taps[0])
        f[x, y] = hl.cast(hl.UInt(8), (s + 4) / 9 + s / 7 + (s * 21) / 255 + (s * 40) / 3)
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


KINDS = ["sum", "mixed", "signed", "divisions"]


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


def test_divisions_by_constants_on_proved_ranges_become_multiplies():
    """(s + 4) / 9 and s / 7 have dividends below 2^15 (s is six widened u8 taps: at most 1530)
    and a 15-bit shift divides them exactly; s * 21 / 255 has no such multiplier and s * 40 / 3
    a dividend up to 61200: both stay divisions."""
    _, f = _pipeline("divisions")
    stmt = hl.Pipeline(f).lower(th.TARGET).stmt
    calls = collect(stmt, lambda e: type(e) is n.Call and e.name == ii.DIV_BY_MULTIPLY)
    # each division once in each copy of the vector loop (its steady state and its last vector)
    assert sorted((c.args[1].value, c.args[2].value) for c in calls) == [(1171, 13)] * 2 + [(1821, 14)] * 2
    divs = collect(stmt, lambda e: type(e) is n.Div and e.type.lanes == 128)
    assert sorted(d.b.value.value for d in divs) == [3, 3, 255, 255]


@pytest.mark.parametrize("d, most", [(3, 32767), (9, 2299), (7, 1530), (6, 1533)])
def test_multiplier_divides_exactly_on_its_range(d, most):
    m, k = _multiplier(d, most)
    v = np.arange(most + 1, dtype=np.int64)
    assert k < 16 and most * m < 2 ** 31 and np.array_equal((v * m) >> k, v // d)


@pytest.mark.parametrize("d, most", [(255, 1530), (10, 30000), (3, 61200)])
def test_multiplier_refuses_what_a_15_bit_shift_cannot_divide(d, most):
    assert _multiplier(d, most) is None


def _stored():
    """A stored 16-bit sum of widened taps (a horizontal pass), read back at x and x + 1 by a
    vectorized consumer: its vectors start at unaligned offsets of the stored rows."""
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    g, f = hl.Func("g"), hl.Func("f")
    g[x, y] = hl.cast(hl.UInt(16), p[x, y]) + p[x + 1, y] + p[x + 2, y]
    f[x, y] = hl.cast(hl.UInt(8), (g[x, y] + g[x + 1, y] + 5) / 6)
    g.compute_at(f, y).vectorize(x, 128)
    f.vectorize(x, 128)
    return p, f


def _stored_data():
    return np.random.default_rng(10).integers(0, 256, (H, W + 3)).astype(np.uint8)


def _stored_expect():
    a = _stored_data().astype(np.uint16)
    g = a[:, :-2] + a[:, 1:-1] + a[:, 2:]
    return ((g[:H, :W] + g[:H, 1:W + 1] + 5) // 6).astype(np.uint8)


def test_a_stored_widened_sum_is_put_in_lane_order_once():
    _, f = _stored()
    stmt = hl.Pipeline(f).lower(th.TARGET).stmt
    stores = collect_stmts(stmt, lambda s: type(s) is n.Store and s.buffer == "g")
    values = [s.value for s in stores]
    while any(type(v) is n.Let for v in values):
        values = [v.body if type(v) is n.Let else v for v in values]
    assert values and all(type(v) is n.Call and v.name == ii.INTERLEAVED for v in values)
    _, f = _stored()
    c = hl.Pipeline(f).generate_c("hvx_stored", target=th.TARGET)
    out = np.zeros((H, W), np.uint8)
    Compiled(c.source, c.header, c.args, c.fn_name)({"in": hl.Buffer(_stored_data()), "f": hl.Buffer(out)})
    assert np.array_equal(out, _stored_expect())


@pytest.mark.slow
@th.needs_qemu
def test_a_stored_widened_sum_under_qemu_matches_numpy():
    p, f = _stored()
    p.set(hl.Buffer(_stored_data()))
    assert np.array_equal(np.asarray(f.realize([W, H], target=th.TARGET)), _stored_expect())


def test_a_division_of_a_stored_sum_uses_the_stored_values_range():
    """g holds sums of three uint8 (at most 765), so (g + g + 5) / 6 has a dividend below 1536:
    one multiply; the same division of an input's uint16 values (any value) stays a division."""
    _, f = _stored()
    stmt = hl.Pipeline(f).lower(th.TARGET).stmt
    assert {c.args[1].value for c in collect(stmt, lambda e: type(e) is n.Call and e.name == ii.DIV_BY_MULTIPLY)} \
        == {_multiplier(6, 2 * 765 + 5)[0]}
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(16), 2, "in16")
    h = hl.Func("h")
    h[x, y] = hl.cast(hl.UInt(8), (p[x, y] + 5) / 6)
    h.vectorize(x, 128)
    stmt = hl.Pipeline(h).lower(th.TARGET).stmt
    assert not collect(stmt, lambda e: type(e) is n.Call and e.name == ii.DIV_BY_MULTIPLY)
