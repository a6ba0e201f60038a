"""Integer widening of 128- and 256-bit vectors as one AVX2 / AVX-512 vpmovzx / vpmovsx
(x86_instructions, keyed on the target's features; the generic conversion elsewhere): bit for
bit the unscheduled pipeline and the generic C path, edge values included."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.ir.intrinsics import X86_WIDEN
from halo.lang.target import get_host_target
from halo.lower import lower

W, H = 70, 3
TYPES = {"u8": hl.UInt(8), "i8": hl.Int(8), "u16": hl.UInt(16), "i16": hl.Int(16), "u32": hl.UInt(32),
         "i32": hl.Int(32)}
GENERIC = "x86-64-linux"  # no vector features: generic C vectors only
HOST = get_host_target()
needs_x86 = pytest.mark.skipif(HOST.arch != "x86", reason="x86 host only")


def _input(st, seed):
    """Random values of `st` with its edge values (0, the maximum, the minimum, -1) in every row."""
    info = np.iinfo(st.numpy_dtype())
    a = np.random.default_rng(seed).integers(info.min, info.max + 1, (H, W)).astype(st.numpy_dtype())
    edges = sorted({0, info.max, info.min, -1 if info.min < 0 else 1, info.max // 2 + 1})
    a[:, :len(edges)] = edges
    a[:, -len(edges):] = edges[::-1]
    return a


def _pipeline(a, st, dt, lanes):
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(st, 2, "in")
    p.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x, y] = hl.cast(dt, p[x, y]) * 3 + hl.cast(dt, p[x + 1, y])
    if lanes:
        f.vectorize(x, lanes)
    return f


def _numpy(a, dt):
    wide = a.astype(np.int64)
    out = wide[:, :-1] * 3 + wide[:, 1:]
    return out.astype(dt.numpy_dtype())  # wraps as the pipeline's dt arithmetic does


@pytest.mark.parametrize("src,dst,lanes", [("u8", "u16", 16), ("u8", "i16", 32), ("i8", "i16", 32),
                                           ("u16", "u32", 16), ("i16", "i32", 8), ("i16", "u32", 16)])
def test_widening_matches_scalar_and_uses_the_intrinsic(src, dst, lanes):
    st, dt = TYPES[src], TYPES[dst]
    a = _input(st, 5)
    want = np.asarray(_pipeline(a, st, dt, None).realize([W - 1, H]))
    f = _pipeline(a, st, dt, lanes)
    if HOST.arch == "x86" and HOST.features_any_of([hl.TargetFeature("avx2")]):
        assert "cvtep" in f.compile_jit().source
    assert np.array_equal(np.asarray(f.realize([W - 1, H])), want)
    assert np.array_equal(want, _numpy(a, dt))


@needs_x86
@pytest.mark.parametrize("src,dst,lanes,feature", [
    ("u8", "u16", 16, "avx2"), ("i8", "i16", 16, "avx2"), ("u16", "u32", 8, "avx2"), ("i16", "i32", 8, "avx2"),
    ("u8", "u16", 32, "avx512_skylake"), ("i8", "i16", 32, "avx512_skylake"),
    ("u16", "u32", 16, "avx512"), ("i16", "i32", 16, "avx512"), ("i16", "u32", 16, "avx512")])
def test_widening_intrinsic_matches_the_generic_path(src, dst, lanes, feature):
    """The target with the feature selects x86_widen, the featureless one the generic C; both
    compiled on this host give the same bits (and numpy's)."""
    if not HOST.features_any_of([hl.TargetFeature(feature)]):
        pytest.skip(f"host has no {feature}")
    st, dt = TYPES[src], TYPES[dst]
    a = _input(st, lanes)
    selected = f"x86-64-linux-{feature}"
    f = _pipeline(a, st, dt, lanes)
    calls = {t: collect(lower([f], target=t).stmt, lambda e: type(e) is n.Call and e.name == X86_WIDEN)
             for t in (selected, GENERIC)}
    assert calls[selected] and not calls[GENERIC]
    outs = [np.asarray(_pipeline(a, st, dt, lanes).realize([W - 1, H], target=t)) for t in (selected, GENERIC)]
    assert np.array_equal(outs[0], outs[1])
    assert np.array_equal(outs[0], _numpy(a, dt))


@needs_x86
def test_wider_and_narrower_vectors_keep_the_generic_conversion():
    """A 512-bit source has no single widening instruction, nor does a 64-bit one: no x86_widen."""
    f = _pipeline(_input(hl.UInt(8), 1), hl.UInt(8), hl.UInt(16), 64)
    g = _pipeline(_input(hl.UInt(8), 2), hl.UInt(8), hl.UInt(16), 8)
    for h in (f, g):
        stmt = lower([h], target="x86-64-linux-avx2-avx512-avx512_skylake").stmt
        assert not collect(stmt, lambda e: type(e) is n.Call and e.name == X86_WIDEN)
