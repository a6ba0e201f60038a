"""vectorize() as C vector types: every kind of expression, load and store, checked against the
same Func unscheduled (scalar C) and, where it is short to write, numpy. The same vector code is
what clang turns into HVX for Hexagon targets (tests/test_hexagon_target.py runs it there)."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.visitor import Visitor
from halo.lower import lower

W, H = 70, 9


def _inputs():
    rng = np.random.default_rng(7)
    return {
        "u8": rng.integers(0, 256, (H, W)).astype(np.uint8),
        "i32": rng.integers(-1000, 1000, (H, W)).astype(np.int32),
        "f32": rng.normal(0, 10, (H, W)).astype(np.float32),
        "i64": rng.integers(-2**40, 2**40, (H, W)).astype(np.int64),
    }


def _build(body, lanes):
    """Func f = body(x, y, images) twice: unscheduled and vectorized by `lanes`."""
    data = _inputs()
    outs = []
    for vec in (False, True):
        x, y = hl.Var("x"), hl.Var("y")
        imgs = {}
        for k, a in data.items():
            p = hl.ImageParam(_type(a.dtype), 2, f"in_{k}")
            p.set(hl.Buffer(a))
            imgs[k] = p
        f = hl.Func("f")
        f[x, y] = body(x, y, imgs)
        if vec:
            f.vectorize(x, lanes)
        outs.append((f, np.asarray(f.realize([W - 6, H]))))
    return outs


def _type(dtype):
    return {np.dtype(np.uint8): hl.UInt(8), np.dtype(np.int32): hl.Int(32), np.dtype(np.float32): hl.Float(32),
            np.dtype(np.int64): hl.Int(64)}[np.dtype(dtype)]


class _Vectors(Visitor):
    def __init__(self):
        self.ramps = 0

    def visit_Ramp(self, e):
        self.ramps += 1
        self.generic_visit(e)


def _vector_stmt_count(f):
    v = _Vectors()
    v.visit(lower([f]).stmt)
    return v.ramps


CASES = {
    "widen_add_div": lambda x, y, i: hl.cast(hl.UInt(8), (hl.cast(hl.UInt(16), i["u8"][x, y]) + i["u8"][x + 1, y] + 4) / 3),
    "signed_div_mod_const": lambda x, y, i: i["i32"][x, y] / 7 + i["i32"][x + 1, y] % 5,
    "signed_div_mod_var": lambda x, y, i: i["i32"][x, y] / (i["i32"][x + 2, y] % 13 - 6) + i["i32"][x, y] % (y - 4),
    "min_max_select": lambda x, y, i: hl.select(i["i32"][x, y] > i["i32"][x + 1, y],
                                                hl.min(i["i32"][x, y], 17), hl.max(i["i32"][x + 2, y], -17)),
    "mixed_width_masks": lambda x, y, i: hl.select((i["u8"][x, y] > 100) & (i["i32"][x, y] < 0) | (i["f32"][x, y] > 2.0),
                                                   i["f32"][x, y], hl.cast(hl.Float(32), i["u8"][x, y])),
    "bool_to_int": lambda x, y, i: hl.cast(hl.Int(32), i["u8"][x, y] > i["u8"][x + 1, y]) * 3 + hl.cast(hl.UInt(8), ~(i["i32"][x, y] == 0)),
    "shifts_bits": lambda x, y, i: ((i["i32"][x, y] << 3) >> 2) ^ (i["i32"][x + 1, y] & 0xF0) | hl.cast(hl.Int(32), ~i["u8"][x, y]),
    "u8_wraps": lambda x, y, i: i["u8"][x, y] * i["u8"][x + 1, y] - i["u8"][x + 2, y] * 3,
    "float_math": lambda x, y, i: hl.floor(i["f32"][x, y]) + hl.sqrt(hl.abs(i["f32"][x + 1, y])) + i["f32"][x, y] / 3.0,
    "abs_absd": lambda x, y, i: hl.cast(hl.Int(32), hl.abs(i["i32"][x, y])) + hl.cast(hl.Int(32), hl.absd(i["u8"][x, y], i["u8"][x + 1, y])),
    "int64_lanes": lambda x, y, i: hl.select(i["i64"][x, y] < i["i64"][x + 1, y], i["i64"][x, y] / 3, i["i64"][x + 1, y] % 1000),
    "strided_load": lambda x, y, i: i["u8"][x / 2 + (x % 2) * 30, y] + i["u8"][2 * (x / 4), y],
    "gather_clamped": lambda x, y, i: i["u8"][hl.clamp(x * 3 - 5, 0, W - 1), y],
    "ramp_as_value": lambda x, y, i: x * 1000 + y - hl.cast(hl.Int(32), i["u8"][x, y]),
    "float_to_int": lambda x, y, i: hl.cast(hl.Int(32), i["f32"][x, y] * 10.0) + hl.cast(hl.Int(32), y),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("lanes", [8, 32])
def test_vectorized_matches_scalar(name, lanes):
    (_, scalar), (vf, vector) = _build(CASES[name], lanes)
    assert _vector_stmt_count(vf) > 0, "the loop was not vectorized"
    if vector.dtype.kind == "f":
        np.testing.assert_allclose(vector, scalar, rtol=1e-6)
    else:
        assert np.array_equal(vector, scalar)


def test_widen_add_div_matches_numpy_and_uses_vector_types(tmp_path):
    (f, _), (vf, got) = _build(CASES["widen_add_div"], 16)
    a = _inputs()["u8"].astype(np.uint16)
    want = ((a[:, :W - 6] + a[:, 1:W - 5] + 4) // 3).astype(np.uint8)
    assert np.array_equal(got, want)
    c, _ = vf.compile_to_c(tmp_path / "f.c")
    text = c.read_text()
    assert "typedef uint8_t halo_u8x16 __attribute__((vector_size(16)));" in text
    assert "typedef uint16_t halo_u16x16 __attribute__((vector_size(32)));" in text
    assert "halo_vstore_u8x16(" in text and "halo_vload_u8x16(" in text


def test_update_definition_vectorized():
    x = hl.Var("x")
    a = np.arange(64, dtype=np.int32)
    inp = hl.ImageParam(hl.Int(32), 1, "inp")
    inp.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x] = inp[x] * 2
    f[x] = f[x] + inp[63 - x]
    f.update(0).vectorize(x, 16)
    f.vectorize(x, 16)
    assert np.array_equal(np.asarray(f.realize([64])), a * 2 + a[::-1])


def test_update_vectorized_over_a_pure_var_around_its_rdom_loop():
    """Halide's f.update(0).vectorize(x, 4) with the RDom loop inside: the RDom loop runs
    serially over vectors of x (loop partitioning takes the update's tail guard out)."""
    a = _inputs()["u8"]
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    inp.set(hl.Buffer(a))
    r = hl.RDom([(0, 5)], "r")
    f = hl.Func("f")
    f[x, y] = hl.cast(hl.UInt(16), 0)
    f[x, y] += hl.cast(hl.UInt(16), inp[x + r.x, y])
    f.update(0).vectorize(x, 8)
    assert _vector_stmt_count(f) > 0
    want = sum(a[:, k:k + W - 6].astype(np.uint16) for k in range(5))
    assert np.array_equal(np.asarray(f.realize([W - 6, H])), want)


def test_vectorized_loop_around_a_serial_loop_of_the_same_stage():
    a = _inputs()["i32"]
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    inp = hl.ImageParam(hl.Int(32), 2, "inp")
    inp.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x, y] = inp[x, y] * 3 - y
    f.split(x, xo, xi, 8).reorder(xo, xi).vectorize(xi)
    assert _vector_stmt_count(f) > 0
    assert np.array_equal(np.asarray(f.realize([64, H])), a[:, :64] * 3 - np.arange(H)[:, None])


@pytest.mark.parametrize("lanes", [12, 3])
def test_non_power_of_two_lanes_stay_scalar(lanes):
    (_, scalar), (vf, vector) = _build(CASES["widen_add_div"], lanes)
    assert _vector_stmt_count(vf) == 0
    assert np.array_equal(vector, scalar)


def test_guarded_tail_vectorizes_the_full_vectors_and_is_correct():
    """Loop partitioning takes the guard out of the full vectors: they are vector code, and only
    the last, partial one stays scalar."""
    a = _inputs()["u8"]
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    inp.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x, y] = inp[x, y] + 1
    f.split(x, xo, xi, 16, hl.TailStrategy.GuardWithIf).vectorize(xi)
    assert _vector_stmt_count(f) > 0
    assert np.array_equal(np.asarray(f.realize([W, H])), a + 1)


def test_ramp_and_broadcast_print():
    r = n.Ramp(hl.Int(32, 4), n.IntImm(hl.Int(32), 3), n.IntImm(hl.Int(32), 2), 4)
    b = n.Broadcast(hl.Int(32, 4), n.IntImm(hl.Int(32), 5), 4)
    assert str(r) == "ramp(3, 2, 4)"
    assert str(b) == "x4(5)"
