"""Port of Halide's python_bindings/test/correctness/rdom.py."""
import pytest


def test_rdom(hl):
    x, y = hl.Var("x"), hl.Var("y")
    diagonal = hl.Func("diagonal")
    diagonal[x, y] = 1
    width = height = 10
    r = hl.RDom([(0, width), (0, height)])
    r.where(r.x <= r.y)
    diagonal[r.x, r.y] += 2
    output = diagonal.realize([width, height])
    for iy in range(height):
        for ix in range(width):
            assert output[ix, iy] == (3 if ix <= iy else 1)

    assert r.x.name() == r[0].name()
    assert r.y.name() == r[1].name()
    with pytest.raises(KeyError):
        r[-1].name()
    with pytest.raises(KeyError):
        r[2].name()
    with pytest.raises(TypeError):
        r["foo"].name()
