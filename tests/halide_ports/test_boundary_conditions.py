"""Port of Halide's python_bindings/test/correctness/boundary_conditions.py. Halide runs vector
widths 1, 2, 4, ..., 32; the port runs 1 and 8 (the CPU budget; 8 exercises the vector code
and its scalar edges). The GPU schedule is left out (no GPU in halo)."""
import pytest

EXTERIOR, MIN, EXTENT = 42, -25, 100
W = H = 32


def _check_constant_exterior(inp, out, c, r):
    inside = 0 <= c < inp.width() and 0 <= r < inp.height()
    assert out[c, r] == (inp[c, r] if inside else EXTERIOR)


def _check_repeat_edge(inp, out, c, r):
    assert out[c, r] == inp[min(inp.width() - 1, max(0, c)), min(inp.height() - 1, max(0, r))]


def _check_repeat_image(inp, out, c, r):
    assert out[c, r] == inp[c % inp.width(), r % inp.height()]


def _mirror(v, n):
    v = (-(v + 1) if v < 0 else v) % (2 * n)
    return 2 * n - 1 - v if v > n - 1 else v


def _check_mirror_image(inp, out, c, r):
    assert out[c, r] == inp[_mirror(c, inp.width()), _mirror(r, inp.height())]


def _mirror_interior(v, n):
    v = abs(v) % (2 * n - 2)
    return 2 * n - 2 - v if v > n - 1 else v


def _check_mirror_interior(inp, out, c, r):
    assert out[c, r] == inp[_mirror_interior(c, inp.width()), _mirror_interior(r, inp.height())]


CHECKERS = {"constant_exterior": _check_constant_exterior, "repeat_edge": _check_repeat_edge,
            "repeat_image": _check_repeat_image, "mirror_image": _check_mirror_image,
            "mirror_interior": _check_mirror_interior}


def _realize_and_check(hl, x, y, f, checker, inp, min_x, extent_x, min_y, extent_y, vector_width, target):
    result = hl.Buffer(hl.UInt(8), [extent_x, extent_y])
    result.set_min([min_x, min_y])
    f2 = hl.lambda_func(x, y, f[x, y])
    if vector_width != 1:
        f2.vectorize(x, vector_width)
    f2.realize(result, target)
    result.copy_to_host()
    for r in range(min_y, min_y + extent_y):
        for c in range(min_x, min_x + extent_x):
            checker(inp, result, c, r)


@pytest.mark.parametrize("vector_width", [1, 8])
@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_all(hl, name, vector_width):
    target = hl.get_jit_target_from_environment()
    assert not target.has_gpu_feature()
    x, y = hl.Var(), hl.Var()
    inp = hl.Buffer(hl.UInt(8), [W, H])
    for r in range(H):
        for c in range(W):
            inp[c, r] = (c + r * W) & 0xFF
    input_f = hl.Func()
    input_f[x, y] = inp[x, y]

    bc = getattr(hl.BoundaryConditions, name)
    cases = [({"f": input_f, "bounds": [(0, W), (0, H)]}, (MIN, EXTENT, MIN, EXTENT)),
             ({"f": inp, "bounds": [(0, W), (0, H)]}, (MIN, EXTENT, MIN, EXTENT)),
             ({"f": inp, "bounds": [(hl.Expr(), hl.Expr()), (0, H)]}, (0, W, MIN, EXTENT)),
             ({"f": inp, "bounds": [(0, W), (hl.Expr(), hl.Expr())]}, (MIN, EXTENT, 0, H)),
             ({"f": inp}, (MIN, EXTENT, MIN, EXTENT))]
    for kwargs, region in cases:
        if name == "constant_exterior":
            kwargs["exterior"] = EXTERIOR
        _realize_and_check(hl, x, y, bc(**kwargs), CHECKERS[name], inp, *region, vector_width, target)
