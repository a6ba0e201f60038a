"""Port of Halide's python_bindings/test/correctness/realize_warnings.py: Halide's JIT prints
its warnings to Python's sys.stdout."""
import contextlib
import io

import pytest


def _stdout_lines(run):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    return out.getvalue().splitlines(keepends=True)


def test_warnings(hl):
    i = hl.Var()
    f = hl.Func("f")
    f[i] = 0.0
    f.bound(i, 0, 127)
    g = hl.Func("g")
    g[i] = f[i * i]
    lines = _stdout_lines(lambda: g.realize([16]))
    assert lines
    for line in lines:
        assert line == (f"Warning: It is meaningless to bound dimension {i.name()} of function {f.name()} to be within "
                        f"[0, 127] because the function is scheduled inline.\n")


@pytest.mark.parametrize("suppress", [True, False])
def test_unscheduled(hl, suppress):
    x = hl.Var()
    f = hl.Func(f"f_{suppress}")
    f[x] = 0
    f[x] += 5
    f.vectorize(x, 8)
    if suppress:
        f.update(0).unscheduled()
    lines = _stdout_lines(lambda: f.realize([1024]))
    if suppress:
        assert not lines
    else:
        assert lines
        for line in lines:
            assert line.startswith(f"Warning: Update definition 0 of function {f.name()} has not been scheduled")
