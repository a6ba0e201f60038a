"""Port of Halide's python_bindings/test/correctness/basics.py. Left out (README.md): the Tuple
part of test_typed_funcs (no hl.Func([types], dims, name)), and the OutputImageParam, empty RDom
and empty Pipeline reprs of test_print_ir."""
import pytest


def test_compiletime_error(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.Func("f")
    f[x, y] = hl.u16(x + y)
    buf = hl.Buffer(hl.UInt(8), [2, 2])
    with pytest.raises(hl.HalideError, match="Output buffer f has type uint16 but type of the buffer passed in "
                                             "is uint8"):
        f.realize(buf)


def test_runtime_error(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = hl.u8(x)
    f.bound(x, 0, 1)
    buf = hl.Buffer(hl.UInt(8), [10])
    with pytest.raises(hl.HalideError, match=r"Bounds given for f(\$\d+)? in x \(from 0 to 0\) do not cover "
                                             r"required region \(from 0 to 9\)"):
        f.realize(buf)


def test_misused_and(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.Func("f")
    with pytest.raises(ValueError, match="cannot be converted to a bool"):
        f[x, y] = hl.print_when(x == 0 and y == 0, 0, "x=", x, "y=", y)


def test_misused_or(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.Func("f")
    with pytest.raises(ValueError, match="cannot be converted to a bool"):
        f[x, y] = hl.print_when(x == 0 or y == 0, 0, "x=", x, "y=", y)


def test_basics(hl):
    input = hl.ImageParam(hl.UInt(16), 2, "input")
    x, y = hl.Var("x"), hl.Var("y")
    blur_x, blur_xx, blur_y = hl.Func("blur_x"), hl.Func("blur_xx"), hl.Func("blur_y")
    assert hl.i32(1).type() == hl.Int(32)
    z = x + 1
    input[x, y] + input[x + 1, y] + input[z, y] + input[0, 0]
    (input[x, y] + input[x + 1, y]) / 2
    blur_xx[x, y] = input[x, y]
    blur_x[x, y] = (input[x, y] + input[x + 1, y] + input[x + 2, y]) / 3
    blur_y[x, y] = (blur_x[x, y] + blur_x[x, y + 1] + blur_x[x, y + 2]) / 3
    xi, yi = hl.Var("xi"), hl.Var("yi")
    blur_y.tile(x, y, xi, yi, 8, 4).parallel(y).vectorize(xi, 8)
    blur_x.compute_at(blur_y, x).vectorize(x, 8)
    blur_y.compile_jit()


def _clamped(hl):
    input = hl.ImageParam(hl.Float(32), 3, "input")
    x, y = hl.Var("x"), hl.Var("y")
    clamped = hl.Func("clamped")
    clamped[x, y] = input[hl.clamp(x, 0, input.width() - 1), hl.clamp(y, 0, input.height() - 1), 0]
    return clamped, x, y


def test_basics2(hl):
    clamped, x, y = _clamped(hl)
    s_sigma = 8
    r = hl.RDom([(0, s_sigma), (0, s_sigma)], "r")
    clamped[x * s_sigma, y * s_sigma]
    clamped[x * s_sigma * hl.i32(1), y * s_sigma * hl.i32(1)]
    clamped[x * s_sigma - hl.i32(s_sigma // 2), y * s_sigma - hl.i32(s_sigma // 2)]
    clamped[x * s_sigma - s_sigma // 2, y * s_sigma - s_sigma // 2]
    clamped[x * s_sigma + r.x - s_sigma // 2, y * s_sigma + r.y - s_sigma // 2]
    with pytest.raises(hl.HalideError, match="Implicit cast from float32 to int"):
        clamped[x * s_sigma - s_sigma / 2, y * s_sigma - s_sigma / 2]


def test_basics3(hl):
    clamped, x, y = _clamped(hl)
    z, c = hl.Var("z"), hl.Var("c")
    r_sigma = hl.Param(hl.Float(32), "r_sigma", 0.1)
    s_sigma = 8
    r = hl.RDom([(0, s_sigma), (0, s_sigma)], "r")
    val = clamped[x * s_sigma + r.x - s_sigma // 2, y * s_sigma + r.y - s_sigma // 2]
    val = hl.clamp(val, 0.0, 1.0)
    zi = hl.i32((val / r_sigma) + 0.5)
    histogram = hl.Func("histogram")
    histogram[x, y, z, c] = 0.0
    ss = hl.select(c == 0, val, 1.0)
    left = histogram[x, y, zi, c]
    left += 5
    left += ss


def test_basics4(hl):
    x = hl.Var("x")
    f, g = hl.Func("f"), hl.Func("g")
    g[x] = 1
    f[x] = 0.0
    r = hl.RDom([(0, 100)])
    f[g[r]] = 2.5
    f.compute_root()
    f.compile_jit()


def test_basics5(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f, g, h = hl.Func("f"), hl.Func("g"), hl.Func("h")
    f[x, y] = y
    r = hl.RDom([(0, 100)])
    g[x] = 0
    g[x] += f[x, r]
    h[x] = 0
    h[x] += f[x, r]
    f.in_(g).compute_at(g, x)
    f.in_(h).compute_at(h, x)
    g.compute_root()
    h.compute_root()
    hl.Pipeline([g, h]).compile_jit()


def test_float_or_int(hl):
    x = hl.Var("x")
    i32, f32 = hl.Int(32), hl.Float(32)
    for e in (hl.Expr(x), x * 2, x / 2, (x // 2) - 1 + 2 * (x % 2), (x / 2) - 1 + 2 * (x % 2), x // 2,
              (x // 2) - 1, x % 2, 2 * (x % 2), x + 2, 2 + x, hl.Expr(2), hl.Expr(2) + hl.Expr(3),
              hl.Expr(2) + 3, hl.Expr(x) + 2, 2 + hl.Expr(x), 2 * (x + 2), x + 0, 2 * x, (x % 2) * 2,
              (x + 2) * 2):
        assert e.type() == i32, e
    for e in (x / 2.0, hl.Expr(2.0), hl.Expr(2.0) + hl.Expr(3), hl.Expr(2) + 3.0):
        assert e.type() == f32, e
    assert type(x) is hl.Var


def test_operator_order(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    x + 1
    1 + x
    f[x] = x ** 2
    f[x] + 1
    hl.Expr(1) + f[x]
    1 + f[x]


def test_int_promotion(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = hl.u16(x)
    e = hl.Expr(f[x])
    p = hl.Param(hl.UInt(16))
    for v in (f[x] + 2, 2 + f[x], e + 2, 2 + e, p + 2, 2 + p):
        assert v.type() == hl.UInt(16), v.type()


def test_scalar_funcs(hl):
    input = hl.ImageParam(hl.UInt(16), 0, "input")
    f, g = hl.Func("f"), hl.Func("g")
    input[()]
    (input[()] + input[()]) / 2
    f[()] = (input[()] + input[()] + input[()]) / 3
    g[()] = (f[()] + f[()] + f[()]) / 3
    g.compile_jit()


def test_typed_funcs(hl):
    x, y = hl.Var("x"), hl.Var("y")
    f = hl.Func("f")
    assert not f.defined()
    with pytest.raises(hl.HalideError, match="it is undefined"):
        f.type()
    with pytest.raises(hl.HalideError, match="it is undefined"):
        f.outputs()
    with pytest.raises(hl.HalideError, match="it is undefined"):
        f.dimensions()

    f = hl.Func(hl.Int(32), 2, "f")
    assert not f.defined()
    assert f.type() == hl.Int(32)
    assert f.types() == [hl.Int(32)]
    assert f.outputs() == 1
    assert f.dimensions() == 2

    f = hl.Func(hl.Int(32), 1, "f")
    with pytest.raises(hl.HalideError, match="is constrained to have exactly 1 dimensions, but is defined with 2 "
                                             "dimensions"):
        f[x, y] = hl.i32(0)
        f.realize([10, 10])

    f = hl.Func(hl.Int(32), 2, "f")
    with pytest.raises(hl.HalideError, match="is constrained to only hold values of type int32 but is defined with "
                                             "values of type int16"):
        f[x, y] = hl.i16(0)
        f.realize([10, 10])


def test_requirements(hl):
    delta = hl.Param(hl.Int(32), "delta")
    x = hl.Var("x")
    f = hl.Func("f_requirements")
    f[x] = x + delta
    p = hl.Pipeline([f])
    p.add_requirement(delta != 0)
    p.add_requirement(delta > 0, "negative values are bad", delta)
    delta.set(1)
    p.realize([10])
    delta.set(0)
    with pytest.raises(hl.HalideError, match=r"Requirement Failed: \(false\)"):
        p.realize([10])
    delta.set(-1)
    with pytest.raises(hl.HalideError, match=r"Requirement Failed: \(false\) negative values are bad -1"):
        p.realize([10])


def test_implicit_convert_int64(hl):
    assert (hl.i32(0) + 0x7FFFFFFF).type() == hl.Int(32)
    assert (hl.i32(0) + (0x7FFFFFFF + 1)).type() == hl.Int(64)


def test_pow_rpow(hl):
    two = hl.Expr(2.0)
    x = hl.Var("x")
    for three in (3, hl.Expr(3)):
        f = hl.Func("f")
        f[x] = 0.0
        f[0] = two ** three
        f[1] = three ** two
        assert list(f.realize([2])) == [8.0, 9.0]


def test_unevaluated_funcref(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    ref = f[x]  # f has no definition: an unevaluated reference
    ref += 1
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+=: '\S*' and 'int'"):
        ref += 1  # what += made takes no further operators
    f[x] = ref  # the update and, since the operator is +, a pure definition of 0
    with pytest.raises(hl.HalideError, match=r"Cannot use an unevaluated reference to 'f(\$\d+)?' to define an "
                                             r"update when a pure definition already exists."):
        f[x] = ref
    assert f.realize([1])[0] == 1
    with pytest.raises(hl.HalideError, match=r"Cannot use an unevaluated reference to 'f(\$\d+)?' to define an "
                                             r"update at a different location."):
        f = hl.Func("f")
        f[x] = ref

    f = hl.Func("f")
    ref = f[x]
    ref += 1
    f[x] = ref
    assert f.realize([1])[0] == 1
    f = hl.Func("f")
    f[x] = f[x] + 1
    assert f.realize([1])[0] == 1
    f = hl.Func("f")
    f[x] += 1
    assert f.realize([1])[0] == 1
    with pytest.raises(hl.HalideError, match=r"Can't call Func \"f(\$\d+)?\" because it has not yet been defined\."):
        f = hl.Func("f")
        f[x] = 1 + f[x]  # an unevaluated reference only on the left of an operator
    g = hl.Func("g")
    g[0] += 1
    assert list(g.realize([2])) == [1, 0]
    with pytest.raises(hl.HalideError, match=r"Cannot use an unevaluated reference to 'f(\$\d+)?' to define an "
                                             r"update at a different location\."):
        f = hl.Func("f")
        f[0] = f[x] + 1  # the arguments changed

    g = hl.Func("g")
    g[x] = 2
    f = hl.Func("f")
    f[g[0]] += 1  # indexing at a FuncRef
    assert list(f.realize([3])) == [0, 0, 1]
    g = hl.Func("g")
    g[x] = 2
    f = hl.Func("f")
    f[hl._] += g[hl._]  # placeholder arguments
    assert list(f.realize([1])) == [2]


@pytest.mark.parametrize("op, value, expected", [("+=", 1, 1), ("-=", 1, -1), ("*=", 2, 2), ("/=", 1, 1),
                                                 ("/=", 2, 0)])
def test_implicit_update_by_int(hl, op, value, expected):
    _implicit_update(hl, op, value, expected)


@pytest.mark.parametrize("op, value, expected", [("+=", 1.0, 1.0), ("-=", 1.0, -1.0), ("*=", 2.0, 2.0),
                                                 ("/=", 1.0, 1.0), ("/=", 2.0, 0.5)])
def test_implicit_update_by_float(hl, op, value, expected):
    _implicit_update(hl, op, value, expected)


def _implicit_update(hl, op, value, expected):
    x = hl.Var("x")
    f = hl.Func("f")
    ref = f[x]
    if op == "+=":
        ref += value
    elif op == "-=":
        ref -= value
    elif op == "*=":
        ref *= value
    else:
        ref /= value
    f[x] = ref
    assert f.realize([1])[0] == expected


def test_print_ir(hl):
    im = hl.ImageParam(hl.UInt(16), 2, "input")
    assert str(im) == f"<{hl.__name__}.ImageParam 'input', dims: 2, type: uint16>"


def test_vector_tile(hl):
    x, y, z = [hl.Var(c) for c in "xyz"]
    xi, yi = hl.vars("xi yi")
    xo, yo = hl.vars("xo yo")
    f, g = hl.Func("f"), hl.Func("g")
    f[x, y] = y
    f[x, y] += x
    g[x, y, z] = x + y
    g[x, y, z] += z
    f.tile([x, y], [xo, yo], [x, y], [8, 8])
    f.update(0).tile([x, y], [xo, yo], [xi, yi], [8, 8])
    g.tile([x, y], [xo, yo], [x, y], [8, 8], hl.TailStrategy.RoundUp)
    g.update(0).tile([x, y], [xo, yo], [xi, yi], [8, 8], hl.TailStrategy.GuardWithIf)
    hl.Pipeline([f, g]).compile_jit()


def test_bool_conversion(hl):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = x
    # a Python bool is a condition ("Argument passed to specialize must be of type bool" before)
    f.compute_root().specialize(True)
