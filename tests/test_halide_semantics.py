"""Behaviour that is Halide's, checked against numpy and against Halide itself (the PyPI
package `halide`, in the test extra): integer division of wrapped values, and how Python
numbers are typed in min / max / absd."""
import numpy as np
import pytest

import halo

try:
    import halide
except ImportError:  # the comparisons with Halide need it; numpy references still run
    halide = None

needs_halide = pytest.mark.skipif(halide is None, reason="needs the PyPI package halide (pip install halide)")

WRAPPING = np.array([50001, 3, 65535, 32768, 32767, 0, 40000, 12345], np.uint16)


def _run(hl, build, data):
    """Build `f[x] = build(hl, inp[x])` with module `hl` (halo or halide) and realize it."""
    x = hl.Var("x")
    inp = hl.ImageParam(hl.UInt(16), 1, "inp")
    f = hl.Func("f")
    f[x] = build(hl, inp[x])
    inp.set(hl.Buffer(data))
    return np.asarray(f.realize([len(data)])), f


def _type_name(t):
    t = t() if callable(t) else t
    return str(t)


SIGNED_DIVISIONS = {
    "cast_mod": lambda hl, v: hl.cast(hl.Int(16), v) % 4,
    "cast_div": lambda hl, v: hl.cast(hl.Int(16), v) / 4,
    "cast_div_odd": lambda hl, v: hl.cast(hl.Int(16), v) / 7,
    "wrapped_sum_mod": lambda hl, v: (hl.cast(hl.Int(16), v) + hl.cast(hl.Int(16), 20000)) % 8,
    "wrapped_product_div": lambda hl, v: (hl.cast(hl.Int(16), v) * hl.cast(hl.Int(16), 3)) / 16,
    "narrow_int8_mod": lambda hl, v: hl.cast(hl.Int(8), v) % 3,
}


@pytest.mark.parametrize("name", sorted(SIGNED_DIVISIONS))
def test_signed_division_of_wrapped_values_rounds_down(name):
    got, _ = _run(halo, SIGNED_DIVISIONS[name], WRAPPING)
    s = WRAPPING.astype(np.int16).astype(np.int64)
    expected = {
        "cast_mod": s % 4, "cast_div": s // 4, "cast_div_odd": s // 7,
        "wrapped_sum_mod": ((s + 20000 + 2 ** 15) % 2 ** 16 - 2 ** 15) % 8,
        "wrapped_product_div": ((s * 3 + 2 ** 15) % 2 ** 16 - 2 ** 15) // 16,
        "narrow_int8_mod": ((WRAPPING.astype(np.int64) + 128) % 256 - 128) % 3,
    }[name]
    assert np.array_equal(got.astype(np.int64), expected)


@needs_halide
@pytest.mark.parametrize("name", sorted(SIGNED_DIVISIONS))
def test_signed_division_of_wrapped_values_matches_halide(name):
    ours, f = _run(halo, SIGNED_DIVISIONS[name], WRAPPING)
    theirs, g = _run(halide, SIGNED_DIVISIONS[name], WRAPPING)
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


PYTHON_NUMBERS = {
    "max_int": lambda hl, v: (hl.max(v, 5) - 29) / 2,
    "max_int_first": lambda hl, v: hl.max(5, v) - 7,
    "min_int": lambda hl, v: hl.min(v, 5) - 9,
    "absd_int": lambda hl, v: hl.absd(v, 7),
    "max_float": lambda hl, v: hl.max(v, 2.5),
    "clamp_int": lambda hl, v: hl.clamp(v, 10, 40000),
    "add_int": lambda hl, v: v + 7,
    "select_int": lambda hl, v: hl.select(v < 100, v, 5),
}


def test_python_ints_in_max_are_int32_as_in_the_bindings():
    got, f = _run(halo, PYTHON_NUMBERS["max_int"], WRAPPING)
    assert _type_name(f.type()) == "int32"
    assert np.array_equal(got, (np.maximum(WRAPPING.astype(np.int64), 5) - 29) // 2)


@needs_halide
@pytest.mark.parametrize("name", sorted(PYTHON_NUMBERS))
def test_python_numbers_are_typed_as_halide_types_them(name):
    ours, f = _run(halo, PYTHON_NUMBERS[name], WRAPPING)
    theirs, g = _run(halide, PYTHON_NUMBERS[name], WRAPPING)
    assert _type_name(f.type()) == _type_name(g.type())
    assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)


def test_a_lookup_through_wrapping_narrow_arithmetic_reads_the_whole_table():
    # u8 200 + 100 is 44: the index's interval is the whole type, not [100, 355]
    x = halo.Var("x")
    inp = halo.ImageParam(halo.UInt(8), 1, "inp")
    lut = halo.ImageParam(halo.UInt(8), 1, "lut")
    f = halo.Func("f")
    f[x] = lut[inp[x] + 100]
    a = np.arange(150, 250, dtype=np.uint8)
    table = np.random.default_rng(3).integers(0, 256, 256).astype(np.uint8)
    inp.set(halo.Buffer(a))
    lut.set(halo.Buffer(table))
    assert np.array_equal(np.asarray(f.realize([len(a)])), table[(a.astype(np.int64) + 100) % 256])
