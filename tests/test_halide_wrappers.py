"""Func.in_ / ImageParam.in_ wrappers as in Halide (the PyPI package `halide`): which consumers
call the wrapper, its name, the same wrapper for the same consumers, results equal to Halide's
with the wrapper scheduled apart from the Func it wraps, and a DMA copy written as inp.in_()."""
import re

import numpy as np
import pytest

import halo

try:
    import halide
except ImportError:
    halide = None

MODULES = [halo] + ([halide] if halide else [])


def _pipeline(hl, frame):
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    inp.set(hl.Buffer(frame))
    f, g, h = hl.Func("f"), hl.Func("g"), hl.Func("h")
    f[x, y] = hl.cast(hl.UInt(16), inp[x, y]) * 3
    g[x, y] = f[x, y] + f[x + 1, y]
    h[x, y] = g[x, y] + inp[x, y + 1]
    fw, gw = f.in_(g), inp.in_(h)
    h.split(x, xo, xi, 4)
    fw.compute_at(h, xo)  # g's copy of f, per tile
    gw.compute_at(h, y)   # h's copy of the image, per row
    assert f.in_(g).name() == fw.name() and f.in_([g]).name() == fw.name()
    return h, fw, gw


@pytest.mark.parametrize("hl", MODULES, ids=lambda m: m.__name__)
def test_wrappers_are_named_and_shared_as_in_halide(hl):
    x = hl.Var("x")
    f, g, h = hl.Func("f"), hl.Func("g"), hl.Func("h")
    f[x] = x
    g[x] = f[x] + 1
    h[x] = f[x] * g[x]
    w = f.in_(g)
    plain = lambda name: re.sub(r"\$\d+", "", name)  # Halide renames Funcs made again: f$2
    assert plain(w.name()) == "f_in_g" and f.in_([g, h]).name() == w.name()
    assert plain(f.in_().name()) == "f_global_wrapper"


def test_wrappers_compute_what_halide_computes():
    frame = np.random.default_rng(3).integers(0, 256, (12, 17)).astype(np.uint8)
    h, fw, gw = _pipeline(halo, frame)
    ours = np.asarray(h.realize([16, 11]))
    a = frame.astype(np.uint16)
    f = a * 3
    expected = f[:11, :16] + f[:11, 1:17] + a[1:12, :16]
    assert np.array_equal(ours, expected)
    nest = h._pipeline().loop_nest()
    assert f"produce {fw.name()}" in nest and f"produce {gw.name()}" in nest
    if halide is not None:
        assert np.array_equal(ours, np.asarray(_pipeline(halide, frame)[0].realize([16, 11])))


def test_a_dma_copy_written_as_a_wrapper_of_the_input():
    x, y, tx, ty = (halo.Var(v) for v in ("x", "y", "tx", "ty"))
    inp = halo.ImageParam(halo.UInt(8), 2, "input")
    work, out = halo.Func("work"), halo.Func("out")
    in_copy = inp.in_()
    work[x, y] = in_copy[x, y] + 1
    out[x, y] = work[x, y]
    out.tile(x, y, tx, ty, x, y, 32, 8)
    in_copy.compute_at(out, tx).hexagon_ubwcdma_read().store_in(halo.MemoryType.LockedCache)
    copies = out._pipeline().lower().copies()
    assert copies[in_copy.name()].ddr == "input"


@pytest.mark.parametrize("make, fragment", [
    (lambda f, g: f.in_(f), "f.in_(f): a Func cannot be its own consumer"),
    (lambda f, g: halo.Func("u").in_(g), "u.in_(g): u has no definition yet"),
    (lambda f, g: f.in_(3), "in_ takes Funcs (the consumers that call the wrapper), got 3"),
])
def test_wrapper_misuse(make, fragment):
    x = halo.Var("x")
    f, g = halo.Func("f"), halo.Func("g")
    f[x] = x
    g[x] = f[x]
    with pytest.raises(halo.ScheduleError) as e:
        make(f, g)
    assert fragment in str(e.value)
