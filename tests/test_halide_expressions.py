"""Halide's expression helpers and inline reductions, checked bit for bit against Halide (the PyPI
package `halide`) on random inputs: lerp, saturating_cast, mux, the typed casts, sum / product /
maximum / minimum / argmax / argmin; Type and Expr methods; the same errors for misuse.

Each module builds one multi-output pipeline, compiled once and run on several random inputs,
so the comparison costs two compiles."""
import itertools

import numpy as np
import pytest

import halo

try:
    import halide
except ImportError:
    halide = None

needs_halide = pytest.mark.skipif(halide is None, reason="needs the PyPI package halide (pip install halide)")

N = 48
VALUE_TYPES = ["UInt(8)", "UInt(16)", "UInt(32)", "Int(8)", "Int(16)", "Int(32)", "Float(32)", "Float(64)", "Bool()"]
WEIGHT_TYPES = ["UInt(8)", "UInt(16)", "UInt(32)", "Float(32)", "Float(64)"]
LERPS = [("UInt(8)", w) for w in WEIGHT_TYPES] + [(v, "UInt(8)") for v in VALUE_TYPES[1:]] + [
    ("Int(16)", "Float(32)"), ("UInt(32)", "Float(32)"), ("Int(32)", "UInt(16)"), ("Float(32)", "Float(64)"),
    ("Float(64)", "Float(32)"), ("Bool()", "Float(32)"), ("UInt(16)", "UInt(32)")]
SATURATING = [("Int(32)", "UInt(8)"), ("Int(16)", "Int(8)"), ("UInt(16)", "Int(8)"), ("UInt(32)", "Int(32)"),
              ("Int(32)", "UInt(32)"), ("Int(8)", "UInt(16)"), ("Float(32)", "UInt(8)"), ("Float(32)", "Int(16)"),
              ("Float(32)", "Int(32)"), ("Float(64)", "UInt(32)"), ("Float(64)", "Int(8)"), ("Float(64)", "Float(32)"),
              ("Int(32)", "Float(32)"), ("UInt(8)", "Bool()")]


def _name(t):
    return t.replace("(", "").replace(")", "")


def _random(t, rng):
    dtype = eval("halo." + t).numpy_dtype()
    if dtype.kind == "f":
        # floats beyond every integer range, so saturation is exercised
        return (rng.uniform(-1, 1, N) * 10.0 ** rng.integers(0, 12, N)).astype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, N).astype(bool)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, N, endpoint=True, dtype=dtype)


def _weights(t, rng):
    return rng.uniform(0, 1, N).astype(eval("halo." + t).numpy_dtype()) if t.startswith("Float") else _random(t, rng)


def _expressions(hl):
    """(Pipeline, names, ImageParams by type) of every helper applied to inputs of each type."""
    x = hl.Var("x")
    values = {t: hl.ImageParam(eval("hl." + t), 1, "v_" + _name(t)) for t in VALUE_TYPES}
    weights = {t: hl.ImageParam(eval("hl." + t), 1, "w_" + _name(t)) for t in WEIGHT_TYPES}
    exprs = {}
    for vt, wt in LERPS:
        exprs[f"lerp {vt} {wt}"] = hl.lerp(values[vt][x], values[vt][(x + 7) % N], weights[wt][x])
    exprs["lerp literal zero"] = hl.lerp(0, values["UInt(8)"][x], weights["Float(32)"][x])
    for src, dst in SATURATING:
        exprs[f"saturating_cast {src} {dst}"] = hl.saturating_cast(eval("hl." + dst), values[src][x])
    exprs["u8_sat"] = hl.u8_sat(values["Int(32)"][x])
    exprs["i16_sat"] = hl.i16_sat(values["Float(32)"][x])
    u8 = values["UInt(8)"][x]
    exprs["mux"] = hl.mux(values["Int(8)"][x] % 5 - 1, [u8, u8 + 1, hl.u8(7)])
    exprs["mux ints"] = hl.mux(x % 4, [10, 20, 30])
    exprs["typed casts"] = hl.f32(hl.u8(values["Int(32)"][x])) + hl.f32(hl.i16(values["Float(32)"][x] / 1e6))
    exprs["i64 u64"] = hl.i64(values["UInt(32)"][x]) * 3 + hl.i64(hl.u64(values["Int(8)"][x]))
    funcs = []
    for i, e in enumerate(exprs.values()):
        f = hl.Func(f"e{i}")
        f[x] = e
        funcs.append(f)
    return hl.Pipeline(funcs), list(exprs), values, weights


@needs_halide
def test_lerp_saturating_cast_and_mux_match_halide_bit_for_bit():
    built = {hl: _expressions(hl) for hl in (halo, halide)}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        # kept alive here: a Halide Buffer does not own the numpy array it wraps
        data = [(t, _random(t, rng)) for t in VALUE_TYPES] + [(t, _weights(t, rng)) for t in WEIGHT_TYPES]
        results = {}
        for hl, (pipeline, names, values, weights) in built.items():
            for (t, a), p in zip(data, list(values.values()) + list(weights.values())):
                p.set(hl.Buffer(a))
            results[hl] = [np.asarray(b) for b in pipeline.realize([N])]
        for name, ours, theirs in zip(built[halo][1], results[halo], results[halide]):
            assert ours.dtype == theirs.dtype, name
            assert np.array_equal(ours, theirs, equal_nan=True), (name, seed, ours[ours != theirs][:4],
                                                                   theirs[ours != theirs][:4])


W, H = 9, 5


def _reductions(hl, which):
    """Inline reductions over the rows of small-valued random images (ties are common, so
    argmax / argmin must pick the first point as Halide does): `which` is "folds" (sum,
    product, maximum, minimum), "argmax" or "argmin" (a pipeline each: halo's lowering
    recurses once per Func computed at the root, and about 40 reach Python's recursion limit)."""
    x, y = hl.Var("x"), hl.Var("y")
    u8 = hl.ImageParam(hl.UInt(8), 2, "u8")
    f32 = hl.ImageParam(hl.Float(32), 2, "f32")
    i16 = hl.ImageParam(hl.Int(16), 2, "i16")
    r = hl.RDom([(0, W)])
    r2 = hl.RDom([(1, W - 2), (0, H)])
    rw = hl.RDom([(0, W)])
    rw.where(u8[rw.x, 0] % 3 != 0)
    folds = {
        "sum u8 wraps": hl.sum(u8[r, y] * 37),
        "sum widened": hl.sum(hl.cast(hl.UInt(16), u8[r, y])),
        "product i16": hl.product(i16[r, y] % 5 + 2),
        "maximum f32": hl.maximum(f32[r, y] - x),
        "minimum i16": hl.minimum(i16[r, y]),
        "sum over a 2-D RDom": hl.sum(hl.cast(hl.Int(32), u8[r2.x + x % 2, r2.y])),
        "sum with where": hl.sum(hl.cast(hl.Int(32), u8[rw, y])),
        "explicit RDom": hl.sum(r, hl.cast(hl.Int(32), u8[r, y]) * x, "named"),
    }
    exprs = folds if which == "folds" else {}
    for which in () if which == "folds" else (which,):
        fn = getattr(hl, which)
        for nm, src in (("u8", u8[r, y] % 4), ("f32", f32[r, y]), ("i16", i16[r, y] % 3)):
            coord, value = fn(src)
            exprs[f"{which} {nm} coordinate"] = coord
            exprs[f"{which} {nm} value"] = value
        c0, c1, v = fn(u8[r2.x, r2.y] % 3 + y)
        exprs[f"{which} 2-D"] = c0 * 100 + c1 * 10 + hl.cast(hl.Int(32), v)
        c0, _ = fn(rw, u8[rw, y] % 2)
        exprs[f"{which} with where"] = c0
        c0, _ = fn(u8[r, y] * 0)  # nothing better than the start value: coordinate 0
        exprs[f"{which} of a constant"] = c0
    funcs = []
    for i, e in enumerate(exprs.values()):
        f = hl.Func(f"red{i}")
        f[x, y] = e
        funcs.append(f)
    return hl.Pipeline(funcs), list(exprs), (u8, f32, i16)


@needs_halide
@pytest.mark.parametrize("which", ["folds", "argmax", "argmin"])
def test_inline_reductions_match_halide(which):
    built = {hl: _reductions(hl, which) for hl in (halo, halide)}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        data = (rng.integers(0, 256, (H, W)).astype(np.uint8), rng.integers(-4, 4, (H, W)).astype(np.float32),
                rng.integers(-2 ** 15, 2 ** 15, (H, W)).astype(np.int16))
        results = {}
        for hl, (pipeline, names, params) in built.items():
            for p, a in zip(params, data):
                p.set(hl.Buffer(a))
            results[hl] = [np.asarray(b) for b in pipeline.realize([3, H])]
        for name, ours, theirs in zip(built[halo][1], results[halo], results[halide]):
            assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs), (name, seed, ours, theirs)


def test_inline_reduction_types_and_results():
    x = halo.Var("x")
    inp = halo.ImageParam(halo.UInt(8), 1, "inp")
    inp.set(halo.Buffer(np.array([5, 200, 200, 7, 0, 255, 255, 3], np.uint8)))
    r = halo.RDom([(0, 8)])
    assert str(halo.sum(inp[r]).type()) == "uint8"  # no widening, as in Halide
    coord, value = halo.argmax(inp[r])
    assert (str(coord.type()), str(value.type())) == ("int32", "uint8")
    f = halo.Func("f")
    f[x] = halo.cast(halo.Int(32), halo.sum(inp[r])) + coord * 1000 + halo.argmin(inp[r])[0] * 100
    assert np.asarray(f.realize([1]))[0] == 925 % 256 + 5000 + 400


@pytest.mark.parametrize("make, fragment", [
    (lambda hl: hl.sum(hl.Var("x") + 1), "Expression passed to sum must reference a reduction domain"),
    (lambda hl: hl.argmin(hl.Var("x") * 2), "Expression passed to argmin must reference a reduction domain"),
    (lambda hl: hl.maximum(hl.RDom([(0, 3)], "ra").x + hl.RDom([(0, 3)], "rb").x),
     'refers to reduction variables from multiple reduction domains'),
    (lambda hl: hl.lerp(hl.u16(0), hl.u8(3), 0.5), "Can't lerp between"),
    (lambda hl: hl.lerp(hl.u8(0), hl.u8(3), hl.i8(hl.Var("x"))), "A lerp weight must be an unsigned integer or a "
                                                                   "float, but lerp weight"),
    (lambda hl: hl.lerp(hl.u8(0), hl.u8(hl.Var("x")), 1.5), "Floating-point weight for lerp with integer arguments "
                                                             "is 1.5, which is not in the range [0.0, 1.0]"),
    (lambda hl: hl.lerp(hl.i64(0), hl.i64(hl.Var("x")), 0.5), "Lerping between 64-bit integers is not supported"),
    (lambda hl: hl.mux(hl.Var("x"), []), "mux() requires a non-empty vector of values"),
    (lambda hl: hl.mux(hl.Var("x"), [hl.u8(1), 7]), "mux() requires all the values to have the same type"),
])
def test_misuse_is_refused_as_in_halide(make, fragment):
    with pytest.raises(halo.HaloError) as e:
        make(halo)
    assert fragment in str(e.value)
    if halide is not None:
        with pytest.raises(halide.HalideError) as e:
            make(halide)
        assert fragment in str(e.value)


@needs_halide
def test_type_and_expr_methods_as_in_the_bindings():
    for hl in (halo, halide):
        t = hl.UInt(8)
        assert (t.bits(), t.lanes(), t.bytes(), t.code()) == (8, 1, 1, hl.TypeCode.UInt)
        assert str(t.with_bits(16)) == "uint16" and str(t.with_code(hl.TypeCode.Int)) == "int8"
        assert str(hl.UInt(8, 4)) == "uint8x4" and hl.UInt(8, 4).lanes() == 4 and hl.UInt(8, 4).is_vector()
        assert str(hl.UInt(8).with_lanes(4).element_of()) == "uint8" and t.is_scalar()
        assert hl.Bool().code() == hl.TypeCode.UInt and hl.Bool().bits() == 1
        assert [hl.Float(32).can_represent(hl.Int(16)), hl.Float(32).can_represent(hl.Int(32)),
                hl.Int(16).can_represent(hl.UInt(8)), hl.UInt(8).can_represent(hl.Int(8))] == [True, False, True, False]
        assert t.is_max(255) and t.is_min(0) and not t.is_max(254)
        for typ in (hl.UInt(8), hl.Int(16), hl.Float(32), hl.Bool()):
            assert str(typ.max().type()) == str(typ) and str(typ.min().type()) == str(typ)
        x = hl.Var("x")
        assert str(hl.cast(hl.UInt(16), x).type()) == "uint16" and (x + 1).type().bits() == 32
        assert str(hl.f64(x).type()) == "float64" and str(hl.u8(300).type()) == "uint8"
    assert halo.Float(32).max().value == float("inf") and halo.Int(8).min().value == -128
    assert halo.UInt(8).bits == 8 and halo.cast(halo.UInt(16), halo.Var("x")).type.bits == 16  # halo's IR forms
