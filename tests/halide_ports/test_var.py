"""Port of Halide's python_bindings/test/correctness/var.py (hl.random_int is left out: see
README.md)."""


def test_var(hl):
    v1, v2 = hl.Var(), hl.Var()
    assert len(v1.name()) > 0
    assert len(v2.name()) > 0
    assert not v1.same_as(v2)

    v1 = hl.Var.implicit(1)
    assert v1.name() == "_1"
    v2 = hl.Var("_1")
    assert v1.same_as(v2)
    v3 = hl._1
    assert v1.same_as(v3)
    v4 = hl.Var("v4")
    assert not v1.same_as(v4)

    assert v1.is_implicit() and v2.is_implicit() and v3.is_implicit()
    assert not v4.is_implicit()
    assert hl.Var("_1").is_implicit()
    assert not hl.Var("v4").is_implicit()

    assert v1.implicit_index() == v2.implicit_index() == v3.implicit_index() == 1
    assert v4.implicit_index() == -1
    assert hl.Var("_1").implicit_index() == 1
    assert hl.Var("v4").implicit_index() == -1

    ph = hl._
    assert ph.name() == "_"
    assert ph.is_placeholder()
    assert hl.Var.is_placeholder(ph)
    assert not v1.is_placeholder()

    assert hl.Var.outermost().name() == "__outermost"

    x = hl.Var("x")
    assert str(x) == "x"
    assert repr(x) == f"<{hl.__name__}.Var 'x'>"
    assert hl.Expr(x).type() == hl.Int(32)
