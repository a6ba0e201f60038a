"""The core language end to end: definitions and schedules compiled to C, checked against numpy
and against the unscheduled pipeline."""

import numpy as np
import pytest

import halo as hl
from halo.lower import lower

W, H = 67, 45  # deliberately not multiples of any tile


def _img(seed=0, shape=(H, W), dtype=np.uint8):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, shape).astype(dtype)


def _blur_ref(a):
    p = np.pad(a.astype(np.uint16), 1, mode="edge")
    h, w = a.shape
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(np.uint8)


def _blur(a, schedule=None):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    inp.set(hl.Buffer(a))
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("bx"), hl.Func("out")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    if schedule:
        schedule(x, y, bx, out)
    return np.asarray(out.realize([a.shape[1], a.shape[0]]))


SCHEDULES = {
    "inline": None,
    "root": lambda x, y, bx, out: bx.compute_root(),
    "tile_compute_at": lambda x, y, bx, out: (
        out.tile(x, y, hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi"), 16, 8),
        bx.compute_at(out, hl.Var("xo"))),
    "parallel_vector": lambda x, y, bx, out: (
        out.split(y, hl.Var("yo"), hl.Var("yi"), 8).parallel(hl.Var("yo")).vectorize(x, 16),
        bx.compute_at(out, hl.Var("yo")).vectorize(x, 8)),
    "guard_round_up": lambda x, y, bx, out: (
        out.split(x, hl.Var("xo"), hl.Var("xi"), 16, hl.TailStrategy.GuardWithIf),
        bx.compute_root().split(x, hl.Var("xo"), hl.Var("xi"), 8, hl.TailStrategy.RoundUp)),
    "unroll": lambda x, y, bx, out: (
        out.split(x, hl.Var("xo"), hl.Var("xi"), 4).unroll(hl.Var("xi")),
        bx.compute_root()),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_blur_schedules_match_numpy(name):
    a = _img(1)
    assert np.array_equal(_blur(a, SCHEDULES[name]), _blur_ref(a))


def test_fuse_schedule_matches_numpy():
    a = _img(2)

    def sched(x, y, bx, out):
        xo, yo, xi, yi, t = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi"), hl.Var("t")
        out.tile(x, y, xo, yo, xi, yi, 8, 4).fuse(xi, yi, t).parallel(yo)
        bx.compute_root()
    assert np.array_equal(_blur(a, sched), _blur_ref(a))


def test_fuse_of_symbolic_extents_matches_numpy():
    a = _img(2)

    def sched(x, y, bx, out):
        out.fuse(x, y, hl.Var("t"))
    assert np.array_equal(_blur(a, sched), _blur_ref(a))


def test_tile_fuse_parallel_matches_numpy_with_exact_producer_tiles():
    """Halide's common idiom: the tile loops fused into one parallel loop (their extents are the
    output's, symbolic); a producer computed per fused tile still gets exactly its tile."""
    a = _img(3)
    xo, yo, xi, yi, t = (hl.Var(nm) for nm in ("xo", "yo", "xi", "yi", "t"))

    def sched(x, y, bx, out):
        out.tile(x, y, xo, yo, xi, yi, 16, 8).fuse(xo, yo, t).parallel(t).vectorize(xi, 8)
        bx.compute_at(out, t).vectorize(x, 8)
        extents = [b[1] for b in lower([out]).realizations()["bx"].bounds]
        assert [getattr(e, "value", None) for e in extents] == [16, 10]
    assert np.array_equal(_blur(a, sched), _blur_ref(a))


def test_tile_producer_allocation_is_exact():
    """A 3x3 stencil producer under a 64x32 tile needs exactly 66 x 34."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    prod, out = hl.Func("prod"), hl.Func("out")
    prod[x, y] = hl.cast(hl.UInt(16), inp[x, y]) * 2
    out[x, y] = sum((prod[x + dx, y + dy] for dx in (-1, 0, 1) for dy in (-1, 0, 1)), hl.cast(hl.UInt(16), 0))
    out.tile(x, y, hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi"), 64, 32)
    prod.compute_at(out, hl.Var("xo"))
    low = lower([out])
    assert low.extent_bounds["prod"] == [66, 34]
    text = str(low.stmt)
    assert "allocate prod[uint16 * 66 * 34]" in text  # 2244 elements


def test_separable_producer_under_tile_needs_64_by_34():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    bx, out = hl.Func("bx"), hl.Func("out")
    bx[x, y] = hl.cast(hl.UInt(16), inp[x - 1, y]) + inp[x, y] + inp[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    out.tile(x, y, hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi"), 64, 32)
    bx.compute_at(out, hl.Var("xo"))
    assert lower([out]).extent_bounds["bx"] == [64, 34]


def test_arithmetic_types_wrap_and_floor_divide():
    x = hl.Var("x")
    f = hl.Func("f")
    a = hl.cast(hl.UInt(8), x * 37)
    f[x] = a + hl.cast(hl.UInt(8), 200)
    r = np.asarray(f.realize([20]))
    xs = np.arange(20)
    assert np.array_equal(r, ((xs * 37) % 256 + 200) % 256)
    g = hl.Func("g")
    g[x] = (x - 10) / 3 + (x - 10) % 3 * 100
    r = np.asarray(g.realize([20]))
    assert np.array_equal(r, (xs - 10) // 3 + (xs - 10) % 3 * 100)


def test_division_by_zero_is_zero():
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = (x + 7) / (x % 3) + (x + 7) % (x % 3)
    r = np.asarray(f.realize([9]))
    xs = np.arange(9)
    d = xs % 3
    ref = np.where(d == 0, 0, (xs + 7) // np.where(d == 0, 1, d) + (xs + 7) % np.where(d == 0, 1, d))
    assert np.array_equal(r, ref)


def test_select_min_max_clamp_abs_absd_and_params():
    x, y = hl.Var("x"), hl.Var("y")
    k = hl.Param(hl.Int(32), "k", 5)
    f = hl.Func("f")
    f[x, y] = hl.select(x > k, hl.min(x, y) * 2, hl.max(x - y, -3)) + hl.clamp(x - y, -2, 2) + \
        hl.cast(hl.Int(32), hl.abs(x - 7)) + hl.cast(hl.Int(32), hl.absd(x, y))
    r = np.asarray(f.realize([12, 9]))
    X, Y = np.meshgrid(np.arange(12), np.arange(9))
    ref = np.where(X > 5, np.minimum(X, Y) * 2, np.maximum(X - Y, -3)) + np.clip(X - Y, -2, 2) + \
        np.abs(X - 7) + np.abs(X - Y)
    assert np.array_equal(r, ref)
    k.set(8)
    r = np.asarray(f.realize([12, 9]))
    ref8 = np.where(X > 8, np.minimum(X, Y) * 2, np.maximum(X - Y, -3)) + np.clip(X - Y, -2, 2) + \
        np.abs(X - 7) + np.abs(X - Y)
    assert np.array_equal(r, ref8)


def test_float_pipeline():
    x = hl.Var("x")
    inp = hl.Buffer(np.linspace(-2, 2, 17).astype(np.float32), "fin")
    f = hl.Func("f")
    f[x] = hl.sqrt(hl.abs(inp[x])) * 0.5 + hl.floor(inp[x] * 3.0)
    r = np.asarray(f.realize([17]))
    a = np.linspace(-2, 2, 17).astype(np.float32)
    assert np.allclose(r, np.sqrt(np.abs(a)) * np.float32(0.5) + np.floor(a * np.float32(3.0)), rtol=0, atol=1e-6)


def test_histogram_reduction():
    a = _img(3)
    x = hl.Var("x")
    inp = hl.Buffer(a, "hin")
    r = hl.RDom([hl.Range(0, a.shape[1]), hl.Range(0, a.shape[0])], "r")
    hist = hl.Func("hist")
    hist[x] = 0
    hist[hl.cast(hl.Int(32), inp[r.x, r.y])] += 1
    out = hl.Func("hout")
    out[x] = hist[x]
    with pytest.warns(hl.HaloWarning, match="not affine"):
        res = np.asarray(out.realize([256]))
    assert np.array_equal(res, np.bincount(a.ravel(), minlength=256))


def test_running_sum_update():
    a = _img(4, shape=(30,), dtype=np.int32)
    x = hl.Var("x")
    inp = hl.Buffer(a, "rin")
    f = hl.Func("cs")
    f[x] = inp[x]
    r = hl.RDom([hl.Range(1, 29)], "r")
    f[r] = f[r] + f[r - 1]
    out = hl.Func("csout")
    out[x] = f[x]
    assert np.array_equal(np.asarray(out.realize([30])), np.cumsum(a))


@pytest.mark.parametrize("bc", ["repeat_edge", "constant_exterior", "mirror_image", "mirror_interior"])
def test_boundary_conditions(bc):
    a = _img(5, shape=(7, 9))
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.Buffer(a, "bin")
    if bc == "constant_exterior":
        e = hl.BoundaryConditions.constant_exterior(inp, 17)
        ref = np.pad(a, 3, mode="constant", constant_values=17)
    else:
        e = getattr(hl.BoundaryConditions, bc)(inp)
        ref = np.pad(a, 3, mode={"repeat_edge": "edge", "mirror_image": "symmetric", "mirror_interior": "reflect"}[bc])
    f = hl.Func("bc")
    f[x, y] = e[x - 3, y - 3]
    assert np.array_equal(np.asarray(f.realize([15, 13])), ref)


def test_input_too_small_is_a_runtime_error_with_halide_message():
    a = _img(6, shape=(10, 10))
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    inp.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x, y] = inp[x + 1, y]
    with pytest.raises(hl.HaloRuntimeError, match=r"Input buffer input is accessed at 10, which is beyond the max \(9\) in dimension 0"):
        f.realize([10, 10])


def test_shift_inwards_output_smaller_than_split_is_an_error():
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = x
    f.split(x, hl.Var("xo"), hl.Var("xi"), 8)
    with pytest.raises(hl.HaloRuntimeError, match=r"Output buffer f is accessed at -3, which is before the min \(0\)"):
        f.realize([5])
    assert np.array_equal(np.asarray(f.realize([13])), np.arange(13))


def test_second_compile_is_cached(tmp_path):
    a = _img(7)
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    inp.set(hl.Buffer(a))
    f = hl.Func("cached_f")
    f[x, y] = inp[x, y] + 1
    c1 = f.compile_jit()
    assert f.compile_jit() is c1  # the Func keeps what it compiled
    g = hl.Func("cached_f")  # the same pipeline again: from the compiled-code cache, not the C compiler
    g[x, y] = inp[x, y] + 1
    c2 = g.compile_jit()
    assert c2.compiled_now is False
    assert c1.source == c2.source


def test_compile_to_c_writes_source_and_header(tmp_path):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    f = hl.Func("brighten")
    f[x, y] = inp[x, y] + 1
    c, h = f.compile_to_c(tmp_path / "brighten.c", [inp], "brighten")
    assert "int brighten(void *_halo_uc, halo_buffer_t *_input_buffer, halo_buffer_t *_brighten_buffer);" in h.read_text()
    assert '#include "brighten.h"' in c.read_text()


def test_regressions_found_by_the_property_test():
    """Bugs the property test found: compute_at the outer loop of a split that reuses the old
    name, a producer under a guarded split reordered outside it (an empty region must not
    allocate a negative size), and a chain of inlined stencils (deep expressions)."""
    x, y, yo, yi = hl.Var("x"), hl.Var("y"), hl.Var("yo"), hl.Var("yi")
    X, Y = np.meshgrid(range(8), range(8))
    p, out = hl.Func("p"), hl.Func("out")
    p[x, y] = x + y
    out[x, y] = p[x, y] + p[x + 1, y]
    out.split(x, x, hl.Var("xi"), 4)
    p.compute_at(out, x)
    assert np.array_equal(np.asarray(out.realize([8, 8])), 2 * (X + Y) + 1)

    f0, out2 = hl.Func("f0"), hl.Func("out2")
    f0[x, y] = x + y
    out2[x, y] = f0[x, y - 1] + f0[x, y + 1]
    out2.split(y, yo, yi, 8, hl.TailStrategy.GuardWithIf).reorder(yo, x, yi)
    f0.compute_at(out2, x)
    X2, Y2 = np.meshgrid(range(22), range(2))
    assert np.array_equal(np.asarray(out2.realize([22, 2])), 2 * (X2 + Y2))

    a = _img(8, (12, 14))
    inp = hl.Buffer(a, "chain_in")
    prev = hl.BoundaryConditions.repeat_edge(inp)
    for k in range(3):
        f = hl.Func(f"stage{k}")
        s = None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                t = hl.cast(hl.UInt(32), prev[x + dx, y + dy])
                s = t if s is None else s + t
        f[x, y] = hl.cast(hl.UInt(8), s / 9)
        prev = f
    ref = a
    for _ in range(3):
        p_ = np.pad(ref.astype(np.uint32), 1, mode="edge")
        ref = (sum(p_[1 + dy:13 + dy, 1 + dx:15 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)) // 9).astype(np.uint8)
    got = np.asarray(prev.realize([14, 12]))
    # stage0 and stage1 are inlined: their edges clamp the original input, not the blurred one
    assert got.shape == (12, 14) and np.array_equal(got[3:-3, 3:-3], ref[3:-3, 3:-3])


def test_split_factors_may_be_params_or_output_extents():
    """Halide's hexagon_dma split schedules split by out.dim(1).extent() / 2; a Param factor
    becomes an argument of the pipeline, and a factor below 1 is a clear error."""
    x, y = hl.Var("x"), hl.Var("y")
    a = _img(4)
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    inp.set(hl.Buffer(a))
    f = hl.Func("f")
    f[x, y] = inp[x, y] * 2
    f.split(y, hl.Var("yo"), hl.Var("yi"), f.output_buffer().dim(1).extent() / 2)
    assert np.array_equal(np.asarray(f.realize([a.shape[1], a.shape[0]])), a * 2)
    k = hl.Param(hl.Int(32), "k", 3)
    g = hl.Func("g")
    g[x, y] = inp[x, y] + 1
    g.split(x, hl.Var("xo"), hl.Var("xi"), k)
    assert np.array_equal(np.asarray(g.realize([a.shape[1], a.shape[0]])), a + 1)
    k.set(0)
    with pytest.raises(hl.HaloRuntimeError, match=r"g.split\(x, xo, xi, k\): the split factor is 0; it must be at least 1"):
        g.realize([a.shape[1], a.shape[0]])


def test_an_update_whose_condition_reads_the_func_it_updates_is_not_partitioned_on_it():
    # loop partitioning took first[x] (written by the loop) for a loop invariant and ran the
    # iterations after the first match without the r < first[x] test
    x = hl.Var("x")
    inp = hl.ImageParam(hl.UInt(8), 1, "inp")
    data = np.array([5, 200, 200, 7, 0, 255, 255, 3], np.uint8)
    inp.set(hl.Buffer(data))
    r = hl.RDom([(0, 8)])
    first = hl.Func("first")
    first[x] = 1000
    first[x] = hl.select((inp[r] == 255) & (r < first[x]), r, first[x])
    assert np.asarray(first.realize([1])).tolist() == [int(np.argmax(data == 255))]


def test_a_pipeline_of_many_root_funcs_lowers():
    # every Func nests a realize / produce / consume: 45 of them hit Python's recursion limit
    x = hl.Var("x")
    funcs = []
    for i in range(45):
        g = hl.Func(f"g{i}")
        g[x] = x + i
        g.compute_root()
        funcs.append(g)
    out = hl.Func("out")
    out[x] = sum((g[x] for g in funcs[1:]), funcs[0][x])
    assert np.asarray(out.realize([4])).tolist() == [45 * v + sum(range(45)) for v in range(4)]


def test_a_boundary_condition_of_an_inlined_func_read_at_two_rows():
    # the inlined body of repeat_edge(g) holds g's argument lets; reused at both call sites
    # they once kept one name for two rows (the C read row y twice: silently wrong)
    a = np.random.default_rng(40).integers(0, 256, (4, 40)).astype(np.uint8)
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    p.set(hl.Buffer(a))
    g, f = hl.Func("g"), hl.Func("f")
    g[x, y] = p[x, y]
    rep = hl.BoundaryConditions.repeat_edge(g, [(0, 40), (0, 4)])
    f[x, y] = hl.cast(hl.UInt(32), rep[x - 1, y]) + rep[x + 1, y + 1]
    pad = np.pad(a, 1, mode="edge").astype(np.uint32)
    assert np.array_equal(np.asarray(f.realize([40, 4])), pad[1:-1, :-2] + pad[2:, 2:])
