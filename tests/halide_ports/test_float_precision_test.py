"""Port of Halide's python_bindings/test/correctness/float_precision_test.py."""
import math
import warnings

import numpy as np


def _warns(category, build):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        build()
    return any(isinstance(w.message, category) for w in seen)


def test(hl):
    def test_pattern(c):
        x = hl.Var("x")
        f = hl.Func("f")
        f[x] = x * hl.f64(c) * (hl.f64(0.1) + hl.f64(0.2))
        for i, value in enumerate(np.asarray(f.realize([10]))):
            assert math.isclose(value, i * c * (0.1 + 0.2)), f"{i}[{c}]: {value}"

    test_pattern(0.123456789012345678)
    test_pattern(0.987654321098765432)

    x = hl.Var("x")
    assert _warns(RuntimeWarning, lambda: x + 0.123456789012345678)
    assert not _warns(RuntimeWarning, lambda: x + hl.f64(0.123456789012345678))
    assert not _warns(RuntimeWarning, lambda: x + 0.75)
