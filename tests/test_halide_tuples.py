"""Tuple-valued Funcs against Halide: the same pipeline built with `halide` and with halo gives
the same buffers, one per element, and halo refuses what Halide refuses."""
import re

import halide as hl_ref
import numpy as np
import pytest

import halo as hl


def _both(build, sizes, *inputs):
    """build(module, *inputs) -> the output Func; the realizations of Halide and halo."""
    ref = build(hl_ref, *[hl_ref.Buffer(a) for a in inputs]).realize(sizes)
    ours = build(hl, *[hl.Buffer(a) for a in inputs]).realize(sizes)
    return ref, ours


def _equal(ref, ours):
    ref = ref if isinstance(ref, tuple) else (ref,)
    ours = ours if isinstance(ours, tuple) else (ours,)
    assert len(ref) == len(ours)
    for r, o in zip(ref, ours):
        r = np.asarray(r)
        assert o.numpy().dtype == r.dtype
        np.testing.assert_array_equal(o.numpy(), r)


def test_tuple_elements_of_their_own_types_realize_into_one_buffer_each():
    def build(m):
        x, y = m.Var("x"), m.Var("y")
        f = m.Func("f")
        f[x, y] = (m.cast(m.UInt(8), x + 3 * y), m.cast(m.Float(32), x) * 0.5, x - y)
        return f
    ref, ours = _both(build, [7, 3])
    assert isinstance(ours, tuple) and len(ours) == 3
    _equal(ref, ours)
    assert [str(t) for t in build(hl).types()] == ["uint8", "float32", "int32"]
    assert build(hl).outputs() == 3


def test_argmax_as_a_tuple_update_reads_both_old_values():
    data = np.array([3, 7, 1, 7, 2, 9, 9, 0, 1, 2], dtype=np.int32)

    def build(m, inp):
        r = m.RDom([(0, 10)])
        a = m.Func("a")
        a[()] = (0, m.cast(m.Int(32), -100))
        a[()] = (m.select(inp[r.x] > a[()][1], r.x, a[()][0]), m.max(inp[r.x], a[()][1]))
        return a
    _equal(*_both(build, [], data))


def test_a_scheduled_tuple_producer_is_one_region_for_all_elements():
    data = np.random.default_rng(1).integers(0, 256, (6, 37)).astype(np.uint8)

    def build(m, inp):
        x, y = m.Var("x"), m.Var("y")
        t = m.Func("t")
        t[x, y] = m.Tuple([m.cast(m.UInt(16), inp[x, y]) * 3, m.cast(m.Int(16), inp[x, y]) - 128])
        t[x, y] = (t[x, y][0] + 1, t[x, y][1] * 2)
        out = m.Func("out")
        out[x, y] = m.cast(m.Int(32), t[x, y][0]) + t[x + 1, y][1] + t[x + 2, y][0]
        xo, xi = m.Var("xo"), m.Var("xi")
        out.split(x, xo, xi, 8).vectorize(xi)
        t.compute_at(out, xo).vectorize(x, 4)
        return out
    _equal(*_both(build, [34, 6], data))


def test_tuple_output_into_given_buffers():
    def build(m):
        x = m.Var("x")
        f = m.Func("f")
        f[x] = (x * 2, m.cast(m.Float(32), x) / 4)
        f.vectorize(x, 4)
        return f
    b0, b1 = hl.Buffer(np.zeros(9, np.int32)), hl.Buffer(np.zeros(9, np.float32))
    assert build(hl).realize([b0, b1]) is None
    _equal(build(hl_ref).realize([9]), (b0, b1))
    with pytest.raises(hl.HaloError, match="Realization requires 1 output"):
        build(hl).realize([b0])
    with pytest.raises(hl.HaloError, match="Output buffer f.1 has type float32 but type of the buffer passed in is int32"):
        build(hl).realize([b0, b0])
    sig = hl.Pipeline(build(hl)).generate_c("f").signature
    assert sig.index("_f_0_buffer") < sig.index("_f_1_buffer")


@pytest.mark.parametrize("define, message", [
    (lambda m, f, x: f.__setitem__(x, (x,)), "Number of tuple elements for update definition must match"),
    (lambda m, f, x: f.__setitem__(x, x), "Number of tuple elements for update definition must match"),
    (lambda m, f, x: f.__setitem__(x, (x, m.cast(m.Float(32), x))), "Tuple element 1 of update definition has type float32"),
    (lambda m, f, x: m.Func("g").__setitem__(x, f[x] + 1), "because .* returns a Tuple"),
    (lambda m, f, x: f[x][2], "Tuple index .*out of range in reference to Func"),
    (lambda m, f, x: f.type(), "Can't call Func::type on Func .* because it returns a Tuple"),
])
def test_tuple_errors_are_halides(define, message):
    for m, error in ((hl_ref, hl_ref.HalideError), (hl, hl.HaloError)):
        x = m.Var("x")
        f = m.Func("f")
        f[x] = (x, x)
        with pytest.raises(error, match=message):
            define(m, f, x)


def test_each_element_of_a_local_tuple_is_its_own_buffer_of_its_own_size():
    x, y, xo, yo, xi, yi = (hl.Var(v) for v in ("x", "y", "xo", "yo", "xi", "yi"))
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    t = hl.Func("t")
    t[x, y] = (hl.u16(inp[x, y]) * 2, inp[x, y] + 1)
    out = hl.Func("out")
    out[x, y] = t[x, y][0] + hl.u16(t[x, y + 1][1])
    out.tile(x, y, xo, yo, xi, yi, 32, 8)
    t.compute_at(out, xo).store_in(hl.MemoryType.VTCM)
    report = out.report([64, 32])
    # a 32 x 9 region: 2 bytes per point of t.0, 1 of t.1, each rounded up to 128 bytes
    assert re.search(r"t\.0 in VTCM: .*align\(32 x 9 x 2 B, 128\) = 640 B", report)
    assert re.search(r"t\.1 in VTCM: .*align\(32 x 9 x 1 B, 128\) = 384 B", report)
    a = np.random.default_rng(3).integers(0, 256, (33, 64)).astype(np.uint8)
    inp.set(hl.Buffer(a))
    expected = a[:32].astype(np.uint16) * 2 + (a[1:33] + 1).astype(np.uint16)
    np.testing.assert_array_equal(out.realize([64, 32]).numpy(), expected)
