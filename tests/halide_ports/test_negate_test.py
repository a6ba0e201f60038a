"""Port of Halide's python_bindings/test/correctness/negate_test.py."""


def _check(hl, negate):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = x > 5
    not_f = hl.Func("not_f")
    not_f[x] = negate(hl, f[x])
    f_out, not_f_out = f.realize([10]), not_f.realize([10])
    for i in range(10):
        assert f_out[i] == (i > 5)
        assert not_f_out[i] == (i <= 5)


def test_free_logical_not_function(hl):
    _check(hl, lambda hl, e: hl.logical_not(e))


def test_member_logical_not_function(hl):
    _check(hl, lambda hl, e: e.logical_not())
