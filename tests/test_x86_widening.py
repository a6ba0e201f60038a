"""Integer widening of 128- and 256-bit vectors as one AVX2 / AVX-512 vpmovzx / vpmovsx (the C
chooses by the compiler's target macros, the generic conversion elsewhere): bit for bit the
unscheduled pipeline."""
import numpy as np
import pytest

import halo as hl

W, H = 70, 3


@pytest.mark.parametrize("src,dst,lanes", [("u8", "u16", 16), ("u8", "i16", 32), ("i8", "i16", 32),
                                           ("u16", "u32", 16), ("i16", "i32", 8), ("i16", "u32", 16)])
def test_widening_matches_scalar_and_uses_the_intrinsic(src, dst, lanes):
    types = {"u8": hl.UInt(8), "i8": hl.Int(8), "u16": hl.UInt(16), "i16": hl.Int(16), "u32": hl.UInt(32),
             "i32": hl.Int(32)}
    st, dt = types[src], types[dst]
    info = np.iinfo(st.numpy_dtype())
    a = np.random.default_rng(5).integers(info.min, info.max + 1, (H, W)).astype(st.numpy_dtype())
    outs = []
    for vec in (False, True):
        x, y = hl.Var("x"), hl.Var("y")
        p = hl.ImageParam(st, 2, "in")
        p.set(hl.Buffer(a))
        f = hl.Func("f")
        f[x, y] = hl.cast(dt, p[x, y]) * 3 + hl.cast(dt, p[x + 1, y])
        if vec:
            f.vectorize(x, lanes)
            assert "_mm" in f.compile_jit().source and "cvtep" in f.compile_jit().source
        outs.append(np.asarray(f.realize([W - 1, H])))
    assert np.array_equal(outs[0], outs[1])
