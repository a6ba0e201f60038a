"""realize() as Halide's bindings have it: into given Buffers (one per output of a multi-output
Pipeline, each of its own size and min), Func.realize(buffer), realize(sizes, target); the same
results and the same errors as Halide (the PyPI package `halide`)."""
import re

import numpy as np
import pytest

import halo

try:
    import halide
except ImportError:
    halide = None

needs_halide = pytest.mark.skipif(halide is None, reason="needs the PyPI package halide (pip install halide)")
MODULES = [halo] + ([halide] if halide else [])


def _nv12_like(hl, frame):
    """A luma output and a half-size interleaved chroma output of one input: Halide's NV12 shape."""
    x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    inp.set(hl.Buffer(frame))
    luma, chroma = hl.Func("luma"), hl.Func("chroma")
    luma[x, y] = inp[x, y] + 1
    chroma[c, x, y] = hl.cast(hl.UInt(16), inp[2 * x + c, 2 * y]) * 3
    return hl.Pipeline([luma, chroma])


def _realize_into(hl, frame, y_min):
    y_plane = np.zeros((8, 10), np.uint8)
    uv_plane = np.zeros((4, 5, 2), np.uint16)
    uv = hl.Buffer(uv_plane)
    uv.set_min([0, 0, y_min])
    returned = _nv12_like(hl, frame).realize([hl.Buffer(y_plane), uv])
    return returned, y_plane, uv_plane


@needs_halide
def test_a_multi_output_pipeline_realizes_into_buffers_of_their_own_sizes_as_in_halide():
    frame = np.random.default_rng(1).integers(0, 256, (16, 12)).astype(np.uint8)
    for y_min in (0, 3):
        (ours, y1, uv1), (theirs, y2, uv2) = (_realize_into(hl, frame, y_min) for hl in (halo, halide))
        assert ours is None and theirs is None
        assert np.array_equal(y1, y2) and np.array_equal(uv1, uv2) and y1.any() and uv1.any()


@pytest.mark.parametrize("hl", MODULES, ids=lambda m: m.__name__)
def test_realize_sizes_of_several_outputs_gives_a_tuple_of_buffers(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f, g = hl.Func("f"), hl.Func("g")
    f[x, y] = hl.cast(hl.UInt(8), x + y)
    g[x, y] = hl.cast(hl.UInt(16), x * y) + f[x, y]
    out = hl.Pipeline([f, g]).realize([4, 3], hl.get_host_target())
    assert isinstance(out, tuple) and len(out) == 2
    yy, xx = np.mgrid[0:3, 0:4]
    assert np.array_equal(np.asarray(out[0]), xx + yy) and np.asarray(out[1]).dtype == np.uint16
    assert np.array_equal(np.asarray(out[1]), xx * yy + xx + yy)
    buf = hl.Buffer(hl.UInt(8), [5, 2])
    assert f.realize(buf) is None and np.asarray(buf)[1, 4] == 5
    assert isinstance(f.realize([2, 2], hl.get_host_target()), hl.Buffer)


def _misuse(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f, g = hl.Func("f"), hl.Func("g")
    f[x, y] = hl.cast(hl.UInt(8), x + y)
    g[x, y] = hl.cast(hl.UInt(16), x * y) + f[x, y]
    p = hl.Pipeline([f, g])
    a, b = hl.Buffer(np.zeros((3, 4), np.uint8)), hl.Buffer(np.zeros((2, 2), np.uint16))
    b.set_min([5, 6])
    return {
        "one buffer for two outputs": (lambda: p.realize([a]),
                                       "Realization requires 1 output(s) but pipeline produces 2 result(s)"),
        "wrong type": (lambda: p.realize([b, a]), "Output buffer f has type uint8 but type of the buffer passed in "
                                                  "is uint16"),
        "wrong dimensions": (lambda: f.realize(hl.Buffer(np.zeros(3, np.uint8))),
                             "Output buffer f requires a buffer of exactly 2 dimensions, but the buffer passed in "
                             "has 1 dimensions"),
        "wrong sizes": (lambda: f.realize([4]), "Func f is defined with 2 dimensions, but realize() is requesting a "
                                                "realization with 1 dimensions"),
        # g reads f at g's coordinates: f's buffer must hold them
        "output read beyond its buffer": (lambda: p.realize([a, b]),
                                          "Output buffer f is accessed at 6, which is beyond the max (3) in "
                                          "dimension 0"),
    }


@pytest.mark.parametrize("case", sorted(_misuse(halo)))
def test_realize_misuse_is_refused_with_halides_message(case):
    call, fragment = _misuse(halo)[case]
    with pytest.raises(halo.HaloError) as e:
        call()
    assert fragment in str(e.value)
    if halide is not None:
        call, _ = _misuse(halide)[case]
        with pytest.raises(halide.HalideError) as e:
            call()
        assert fragment in re.sub(r"\$\d+", "", str(e.value))  # Halide renames Funcs made again: f$2
