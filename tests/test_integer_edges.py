"""Integer division and modulo are defined for every input (README): x / 0 == 0, x % 0 == 0,
and MIN / -1 wraps to MIN with MIN % -1 == 0 instead of killing the process (SIGFPE), in scalar
and vector code, for every signed width."""
import numpy as np
import pytest

import halo as hl


@pytest.mark.parametrize("bits", [8, 16, 32, 64])
@pytest.mark.parametrize("lanes", [None, 8])
def test_min_divided_by_minus_one_wraps(bits, lanes):
    x = hl.Var("x")
    t = hl.Int(bits)
    a, b = hl.ImageParam(t, 1, "a"), hl.ImageParam(t, 1, "b")
    q, r = hl.Func("q"), hl.Func("r")
    q[x] = a[x] / b[x]
    r[x] = a[x] % b[x]
    if lanes:
        q.vectorize(x, lanes)
        r.vectorize(x, lanes)
    lo = -2 ** (bits - 1)
    dt = np.dtype(f"int{bits}")
    av = np.array([lo, lo, 7, -7, 5, lo, lo + 1, -1], dt)
    bv = np.array([-1, 1, -1, 2, 0, -2, -1, -1], dt)
    a.set(hl.Buffer(av))
    b.set(hl.Buffer(bv))
    # Python's // and % round down like halo's; MIN / -1 wraps back to MIN
    expected_q = [lo if (p, d) == (lo, -1) else (0 if d == 0 else p // d) for p, d in zip(av.tolist(), bv.tolist())]
    expected_r = [0 if d in (0, -1) else p % d for p, d in zip(av.tolist(), bv.tolist())]
    assert np.asarray(q.realize([8])).tolist() == expected_q
    assert np.asarray(r.realize([8])).tolist() == expected_r
