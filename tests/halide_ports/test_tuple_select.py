"""Port of Halide's python_bindings/test/correctness/tuple_select.py (checked with numpy over
the whole realization instead of point by point; the sizes are Halide's)."""
import numpy as np
import pytest

N = 200


def _grid():
    xs, ys = np.meshgrid(np.arange(N), np.arange(N), indexing="xy")
    return xs, ys


def _check(f, want_a, want_b):
    a, b = f.realize([N, N])
    assert np.array_equal(np.asarray(a), want_a) and np.array_equal(np.asarray(b), want_b)


def test_tuple_select(hl):
    x, y = hl.Var("x"), hl.Var("y")
    xs, ys = _grid()

    f = hl.Func("f")
    f[x, y] = hl.select(x + y < 30, (x, y), (x - 1, y - 2))
    _check(f, np.where(xs + ys < 30, xs, xs - 1), np.where(xs + ys < 30, ys, ys - 2))

    f = hl.Func("f")
    f[x, y] = hl.select((x < 30, y < 30), (x, y), (x - 1, y - 2))
    _check(f, np.where(xs < 30, xs, xs - 1), np.where(ys < 30, ys, ys - 2))

    f = hl.Func("f")
    f[x, y] = hl.select(x + y < 30, (x, y), x + y < 100, (x - 1, y - 2), (x - 100, y - 200))
    s = xs + ys
    _check(f, np.where(s < 30, xs, np.where(s < 100, xs - 1, xs - 100)),
           np.where(s < 30, ys, np.where(s < 100, ys - 2, ys - 200)))

    f = hl.Func("f")
    f[x, y] = hl.select((x < 30, y < 30), (x, y), (x < 100, y < 100), (x - 1, y - 2), (x - 100, y - 200))
    _check(f, np.where(xs < 30, xs, np.where(xs < 100, xs - 1, xs - 100)),
           np.where(ys < 30, ys, np.where(ys < 100, ys - 2, ys - 200)))

    with pytest.raises(hl.HalideError, match="select\\(\\) on Tuples may not mix Expr and Tuple for the condition "
                                             "elements."):
        f = hl.Func("f")
        f[x, y] = hl.select((x < 30, y < 30), (x, y), x + y < 100, (x - 1, y - 2), (x - 100, y - 200))

    with pytest.raises(hl.HalideError, match="select\\(\\) on Tuples requires all Tuples to have identical sizes."):
        f = hl.Func("f")
        f[x, y] = hl.select((x < 30, y < 30), (x, y, 0), (1, 2, 3, 4))
