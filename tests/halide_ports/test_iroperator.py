"""Port of Halide's python_bindings/test/correctness/iroperator.py."""
import contextlib
import io

import pytest


def _stdout_of(run):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    return out.getvalue()


def test_print_expr(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = hl.print(hl.cast(hl.UInt(8), x), "is what", "the", 1, "and", hl.f32(3.1415), "saw")
    buf = hl.Buffer(hl.UInt(8), [1])
    assert _stdout_of(lambda: f.realize(buf)) == "0 is what the 1 and 3.141500 saw\n"


def test_print_when(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = hl.print_when(x == 3, hl.cast(hl.UInt(8), x * x), "is result at", x)
    buf = hl.Buffer(hl.UInt(8), [10])
    assert _stdout_of(lambda: f.realize(buf)) == "9 is result at 3\n"


def test_select(hl):
    x = hl.Var()
    f = hl.Func()
    f[x] = hl.select(x == 0, 31, x == 2, x * 24, x == 2, 999, x)  # the first true condition wins
    b = f.realize([4])
    assert [b[i] for i in range(4)] == [31, 1, 48, 3]


def test_mux(hl):
    c = hl.Var()
    f = hl.Func()
    f[c] = hl.mux(c, [123, 456, c])
    b = f.realize([4])
    assert [b[i] for i in range(4)] == [123, 456, 2, 3]


def test_minmax(hl):
    x = hl.Var()
    f = hl.Func()
    f[x] = hl.select(x == 0, hl.min(x, 1),
                     (x == 2) | (x == 4), hl.i32(hl.min(hl.f32(x), hl.f32(3.2), x * hl.f32(2.1))),
                     x == 3, hl.max(x, x * 3, 1, x * 4),
                     x)
    b = f.realize([5])
    assert [b[i] for i in range(5)] == [0, 1, 2, 12, 3]


def test_mux_tuple(hl):
    # Halide's main branch muxes a Tuple's values (and pads with 0); Halide 21, installed here,
    # refuses the index past the Tuple, and so does halo
    f, g = hl.Func(), hl.Func()
    x, c = hl.Var(), hl.Var()
    g[x] = (123, 456, x)
    with pytest.raises(hl.HalideError, match="out of range in reference to Func"):
        f[x, c] = hl.mux(c, g[x])
        f.realize([1, 4])
