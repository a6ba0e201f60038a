"""Func.specialize / specialize_fail against Halide: the first specialization whose condition
holds runs with its own schedule, the default otherwise, and specialize_fail's message is the
run-time error when none holds; the results are Halide's for every branch."""
import halide as hl_ref
import numpy as np
import pytest

import halo as hl


def _pipeline(m):
    x = m.Var("x")
    p = m.Param(m.Int(32), "p", 0)
    inp = m.ImageParam(m.Int(32), 1, "inp")
    prod = m.Func("prod")
    prod[x] = inp[x] * 3 + p
    f = m.Func("f")
    f[x] = prod[x - 1] + prod[x + 1]
    f[x] += m.select(p > 2, 1, 2)
    prod.compute_at(f, x)
    f.specialize(inp.width() >= 24).vectorize(x, 8)
    f.specialize(p > 3).unroll(x, 2)
    f.update(0).specialize(p > 5).vectorize(x, 4)
    return f, p, inp


@pytest.mark.parametrize("width, p", [(30, 0), (30, 9), (10, 4), (10, 0), (9, 6)])
def test_each_branch_gives_halides_result(width, p):
    # Halide checks the input against every branch's footprint: pad it (halo reads only one point)
    data = np.random.default_rng(width + p).integers(-50, 50, width + 32).astype(np.int32)
    results = []
    for m in (hl_ref, hl):
        f, param, inp = _pipeline(m)
        param.set(p)
        b = m.Buffer(data)
        b.set_min([-16])
        inp.set(b)
        out = f.realize([width])
        results.append(np.asarray(out) if m is hl_ref else out.numpy())
    np.testing.assert_array_equal(results[1], results[0])


def _failing(m):
    x = m.Var("x")
    inp = m.ImageParam(m.UInt(8), 1, "inp")
    p = m.Param(m.Int(32), "p", 0)
    f = m.Func("f")
    f[x] = inp[x] + 1
    f.specialize(p > 0).vectorize(x, 16)
    f.specialize_fail("a p of 0 is not supported")
    return f, inp, p


def test_specialize_fail_is_the_error_when_no_condition_holds():
    for m, error in ((hl_ref, hl_ref.HalideError), (hl, hl.HaloRuntimeError)):
        f, inp, p = _failing(m)
        inp.set(m.Buffer(np.arange(20, dtype=np.uint8)))
        with pytest.raises(error, match="A schedule specialized with specialize_fail\\(\\) was chosen: a p of 0"):
            f.realize([20])
        p.set(1)
        assert list(np.asarray(f.realize([20]) if m is hl_ref else f.realize([20]).numpy())) == list(range(1, 21))


@pytest.mark.parametrize("directive, message", [
    (lambda m, f, x, p: f.specialize(x > 1), "depends on Var or RVar x"),
    (lambda m, f, x, p: f.specialize(p + 1), "must be of type bool|must be a boolean Expr"),
    (lambda m, f, x, p: (f.specialize_fail("a"), f.specialize(p > 1)), "Cannot add new specializations after specialize_fail"),
    (lambda m, f, x, p: (f.specialize_fail("a"), f.specialize_fail("b")), "Only one specialize_fail\\(\\) may be defined per Stage"),
])
def test_specialize_errors_are_halides(directive, message):
    for m, error in ((hl_ref, hl_ref.HalideError), (hl, hl.HaloError)):
        x, p = m.Var("x"), m.Param(m.Int(32), "p", 0)
        f = m.Func("f")
        f[x] = x + p
        with pytest.raises(error, match=message):
            directive(m, f, x, p)


def test_the_same_condition_gives_the_same_specialization():
    x, p = hl.Var("x"), hl.Param(hl.Int(32), "p", 0)
    f = hl.Func("f")
    f[x] = x
    assert f.specialize(p > 1) is f.specialize(p > 1)
    assert f.specialize(p > 2) is not f.specialize(p > 1)
