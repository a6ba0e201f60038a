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


def _copy():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    f = hl.Func("f")
    f[x, y] = inp[x, y] + 1
    return inp, f


def test_a_buffer_spanning_2_gib_is_refused_before_it_is_read():
    # strides that reach 2^31 bytes with 16 bytes of memory: refused before any index is computed
    inp, f = _copy()
    base = np.zeros(16, np.uint8)
    inp.set(hl.Buffer(np.lib.stride_tricks.as_strided(base, shape=(3, 2), strides=(2 ** 30, 1))))
    with pytest.raises(hl.HaloRuntimeError, match=r"buffer inp spans 2147483650 bytes; halo indexes buffers in "
                                                  r"32 bits \(at most 2147483647 bytes\)"):
        f.realize([2, 3])


@pytest.mark.parametrize("which", ["input", "output"])
def test_mins_near_int_max_are_refused_instead_of_overflowing_the_checks(which):
    inp, f = _copy()
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    b, out = hl.Buffer(a), hl.Buffer(np.zeros((3, 4), np.uint8))
    (b if which == "input" else out).set_min([2 ** 31 - 3, 0])
    inp.set(b)
    name = "inp" if which == "input" else "f"
    with pytest.raises(hl.HaloRuntimeError, match=rf"buffer {name} has min 2147483645 and extent 4 in dimension 0: "
                                                  rf"its end \(min \+ extent\) does not fit in 32 bits"):
        f.realize(out)
    assert not np.asarray(out).any()


def test_the_last_coordinate_that_fits_is_accepted():
    inp, f = _copy()
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    b, out = hl.Buffer(a), hl.Buffer(np.zeros((3, 4), np.uint8))
    b.set_min([2 ** 31 - 5, 0])  # the end, 2^31 - 1, is INT_MAX
    out.set_min([2 ** 31 - 5, 0])
    inp.set(b)
    f.realize(out)
    assert np.array_equal(np.asarray(out), a + 1)
