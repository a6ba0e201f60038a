"""Value-range narrowing (halo/lower/narrow_arithmetic.py): 32-bit arithmetic of narrow values
inside vectorized loops is computed in 8 / 16 bits, bit for bit what the unscheduled pipeline
(scalar, in the types written) computes."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.lower import lower

from . import test_hexagon_target as th

W, H = 67, 5


def _pair(body):
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (H, W)).astype(np.uint8)
    outs = []
    for vec in (False, True):
        x, y = hl.Var("x"), hl.Var("y")
        p = hl.ImageParam(hl.UInt(8), 2, "in")
        p.set(hl.Buffer(a))
        f = hl.Func("f")
        f[x, y] = body(x, y, p)
        if vec:
            f.vectorize(x, 16)
        outs.append((f, np.asarray(f.realize([W - 2, H]))))
    return outs


def _vector_types(f):
    return {e.type.element_of() for e in collect(lower([f]).stmt, lambda e: isinstance(e, n.Expr) and e.type.lanes > 1)}


def test_u32_sum_of_u8_is_computed_in_u16_and_matches_scalar():
    def body(x, y, p):
        s = sum((hl.cast(hl.UInt(32), p[x + d, y]) for d in range(3)), hl.cast(hl.UInt(32), p[x, y]) * 3)
        return hl.cast(hl.UInt(8), (s + 4) / 9)
    (f0, want), (f1, got) = _pair(body)
    assert np.array_equal(got, want)
    types = _vector_types(f1)
    assert hl.UInt(16) in types and hl.UInt(32) not in types


def test_signed_differences_selects_and_shifts_narrow_to_i16_and_match_scalar():
    def body(x, y, p):
        a, b = hl.cast(hl.Int(32), p[x, y]), hl.cast(hl.Int(32), p[x + 1, y])
        d = hl.select(a > b, a - b * 2, (b - a) >> 1) + hl.min(a, 7) * 5
        return hl.cast(hl.Int(16), d / 3 + d % 7)
    (f0, want), (f1, got) = _pair(body)
    assert np.array_equal(got, want)
    assert hl.Int(16) in _vector_types(f1)


def test_values_that_may_not_fit_stay_wide():
    def body(x, y, p):
        a = hl.cast(hl.UInt(32), p[x, y])
        return a * a * a + 1  # up to 255 ** 3: more than 16 bits; a * a alone fits
    (f0, want), (f1, got) = _pair(body)
    assert np.array_equal(got, want)
    muls = {e.type.element_of() for e in collect(lower([f1]).stmt, lambda e: type(e) is n.Mul and e.type.lanes > 1)}
    assert muls == {hl.UInt(16), hl.UInt(32)}


@pytest.mark.slow
@th.needs_qemu
def test_narrowed_blur_under_qemu_matches_the_host():
    a = np.random.default_rng(4).integers(0, 256, (4, 260)).astype(np.uint8)
    got = []
    for target, lanes in (("host", None), (th.TARGET, 128)):
        x, y = hl.Var("x"), hl.Var("y")
        p = hl.ImageParam(hl.UInt(8), 2, "in")
        p.set(hl.Buffer(a))
        f = hl.Func("f")
        s = sum((hl.cast(hl.Int(32), p[x + d, y + e]) for d in range(3) for e in range(2)), hl.cast(hl.Int(32), 4))
        f[x, y] = hl.cast(hl.UInt(8), s / 6 - hl.cast(hl.Int(32), p[x + 1, y]) / 2 + 64)
        if lanes:
            f.vectorize(x, lanes)
        got.append(np.asarray(f.realize([256, 3], target=target)))
    assert np.array_equal(got[0], got[1])
