"""Placement and storage (issue 4): local memory, folds, sliding windows, async producers."""
import re

import numpy as np
import pytest

import halo as hl
from halo import runtime
from halo.lower import lower
from halo.lower.local_memory import local_buffers


def _img(seed, shape):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


def _tiled_copy(tile_w, tile_h, memory=hl.MemoryType.LockedCache, parallel=False):
    """out = in_copy + 1 where in_copy is a per-tile copy of the input in local memory."""
    x, y = hl.Var("x"), hl.Var("y")
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    copy, out = hl.Func("in_copy"), hl.Func("out")
    copy[x, y] = inp[x, y]
    out[x, y] = copy[x, y] + 1
    out.tile(x, y, xo, yo, xi, yi, tile_w, tile_h)
    if parallel:
        out.parallel(yo)
    copy.compute_at(out, xo).store_in(memory)
    return inp, out


def test_locked_cache_tile_matches_numpy_and_accounting_is_exact():
    a = _img(0, (64, 256))
    inp, out = _tiled_copy(128, 32)
    inp.set(hl.Buffer(a))
    runtime.localmem_reset_high_water("locked_cache")
    res = np.asarray(out.realize([256, 64]))
    assert np.array_equal(res, a + 1)
    # one 128x32 uint8 tile: align(4096, 128) = 4096 bytes, live one at a time
    assert runtime.localmem_high_water("locked_cache") == 4096
    assert runtime.localmem_in_use("locked_cache") == 0
    bufs = local_buffers(lower([out]).stmt)
    assert [(b.name, b.memory, b.bytes, b.copies) for b in bufs] == [("in_copy", "LockedCache", 4096, 1)]


def test_local_buffer_size_is_aligned_to_128():
    inp, out = _tiled_copy(10, 3)  # 30 bytes -> 128
    bufs = local_buffers(lower([out]).stmt)
    assert [(b.bytes, b.copies) for b in bufs] == [(128, 1)]


def test_parallel_strips_each_get_a_copy():
    inp, out = _tiled_copy(64, 16, parallel=True)
    bufs = local_buffers(lower([out]).stmt)
    # 64x16 = 1024 bytes per tile, one per Hexagon thread (4) of the parallel strip loop
    assert [(b.bytes, b.copies, b.total) for b in bufs] == [(1024, 4, 4096)]


def test_vtcm_runs_and_is_accounted_separately():
    a = _img(1, (40, 50))
    inp, out = _tiled_copy(16, 8, memory=hl.MemoryType.VTCM)
    inp.set(hl.Buffer(a))
    runtime.localmem_reset_high_water("vtcm")
    assert np.array_equal(np.asarray(out.realize([50, 40])), a + 1)
    assert runtime.localmem_high_water("vtcm") == 128
    assert runtime.localmem_in_use("vtcm") == 0


def test_local_memory_over_capacity_is_refused_with_sizes():
    inp, out = _tiled_copy(1024, 512)  # 512 KB > 384 KB on SM8150
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "the schedule needs 524288 bytes of LockedCache but SM8150 has 393216 (in_copy: 524288 bytes x 1)")):
        lower([out], target="host-sm8150")
    assert local_buffers(lower([out], target="host-sm8250").stmt)[0].total == 524288


def test_local_memory_without_a_constant_size_is_sized_at_run_time():
    a = _img(9, (20, 300))
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    copy, out = hl.Func("in_copy"), hl.Func("out")
    copy[x, y] = inp[x, y]
    out[x, y] = copy[x, y] + 1
    copy.compute_at(out, y).store_in(hl.MemoryType.LockedCache)  # one row, as wide as the frame
    assert "in_copy in LockedCache: out.extent.0 elements, sized at run time" in out.report()
    inp.set(hl.Buffer(a))
    runtime.localmem_reset_high_water("locked_cache")
    assert np.array_equal(np.asarray(out.realize([300, 20])), a + 1)
    assert runtime.localmem_high_water("locked_cache") == 384  # align(300, 128)
    big = np.zeros((1, 1024 * 1024), np.uint8)  # one 1 MiB row: more than any device's local memory
    inp.set(hl.Buffer(big))
    with pytest.raises(hl.HaloRuntimeError, match="locked cache"):
        out.realize([1024 * 1024, 1])


def _line_buffered_blur(fold=4, store_root=True):
    """blur_y(blur_x) with blur_x line-buffered: store_root + compute_at(out, y) + fold(y)."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("blur_x"), hl.Func("blur_y")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    bx.compute_at(out, y)
    if store_root:
        bx.store_root()
    if fold:
        bx.fold_storage(y, fold)
    return inp, out


def _blur_ref(a):
    p = np.pad(a.astype(np.uint16), 1, mode="edge")
    h, w = a.shape
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(np.uint8)


def test_separable_line_buffer_allocates_width_by_4_and_matches_numpy():
    inp, out = _line_buffered_blur(fold=4)
    low = lower([out])
    assert low.folds == {"blur_x": {1: 4}}
    assert "allocate blur_x[uint16 * blur_y.extent.0 * 4]" in str(low.stmt)
    a = _img(2, (37, 53))
    inp.set(hl.Buffer(a))
    assert np.array_equal(np.asarray(out.realize([53, 37])), _blur_ref(a))


def test_3x3_line_buffer_allocates_width_plus_2_by_4_and_matches_numpy():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    wide, out = hl.Func("wide"), hl.Func("blur")
    wide[x, y] = hl.cast(hl.UInt(16), rep[x, y])
    s = wide[x - 1, y - 1]
    for dx, dy in [(a, b) for b in (-1, 0, 1) for a in (-1, 0, 1)][1:]:
        s = s + wide[x + dx, y + dy]
    out[x, y] = hl.cast(hl.UInt(8), (s + 4) / 9)
    wide.store_root().compute_at(out, y).fold_storage(y, 4)
    low = lower([out])
    text = str(low.stmt)
    # (width + 2) x 4, with the product normalized by the simplifier
    assert "let wide.extent.0 = (blur.extent.0 + 2)" in text
    assert "allocate wide[uint16 * (blur.extent.0 + 2) * 4]" in text
    a = _img(4, (23, 31))
    inp.set(hl.Buffer(a))
    assert np.array_equal(np.asarray(out.realize([31, 23])), _blur_ref(a))


def _rows_produced(stmt, func, loop, first, count, env):
    """Sum of the producer's row extents over the loop's iterations, from the lowered lets
    (names as they print: lowering names things with symbols)."""
    from halo.ir import nodes as n
    from halo.ir.simplify import simplify
    from halo.ir.visitor import Mutator
    lets = {}

    class Subst(Mutator):
        def __init__(self, mapping):
            self.mapping = mapping

        def visit_Variable(self, v):
            return self.mapping.get(str(v.name), v)

    def substitute(mapping, e):
        return Subst(mapping).mutate(e)

    def walk(s, path):
        if type(s) is n.LetStmt:
            lets[str(s.name)] = s.value
            return walk(s.body, path)
        for f in s.child_fields():
            v = getattr(s, f)
            for k in (v if isinstance(v, tuple) else (v,)):
                if isinstance(k, n.Stmt):
                    walk(k, path)
    walk(stmt, [])
    total = 0
    for v in range(first, first + count):
        env2 = dict(env)
        env2[loop] = n.IntImm(hl.Int(32), v)
        vals = {}
        for name in (f"{func}.s0.y.min", f"{func}.s0.y.max"):
            e = lets[name]
            for _ in range(6):
                e = simplify(substitute({**env2, **{k: lets[k] for k in lets if k != name}}, e))
            vals[name] = e.value
        total += max(0, vals[f"{func}.s0.y.max"] - vals[f"{func}.s0.y.min"] + 1)
    return total


def test_sliding_window_computes_each_row_once():
    from halo.ir import nodes as n
    inp, out = _line_buffered_blur(fold=4)
    low = lower([out], stop_after="sliding_window")
    H = 20
    I = lambda v: n.IntImm(hl.Int(32), v)
    env = {"blur_y.min.1": I(0), "blur_y.extent.1": I(H), "blur_y.min.0": I(0), "blur_y.extent.0": I(8),
           "input.min.1": I(0), "input.extent.1": I(H), "input.min.0": I(0), "input.extent.0": I(8)}
    # rows -1 .. H (H + 2 rows) are each produced exactly once over the H iterations
    assert _rows_produced(low.stmt, "blur_x", "blur_y.s0.y", 0, H, env) == H + 2


def test_fold_too_small_is_refused_with_the_smallest_legal_factor():
    inp, out = _line_buffered_blur(fold=2)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x: fold_storage(y, 2) is too small: one iteration of blur_y.y needs blur_x from "
            "(blur_y.s0.y - 1) to (blur_y.s0.y + 1) along y, a footprint that is 3; the smallest legal fold factor is 3")):
        lower([out])


def test_fold_of_a_func_stored_where_computed_must_hold_its_region():
    inp, out = _line_buffered_blur(fold=2, store_root=False)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x: fold_storage(y, 2): blur_x is stored where it is computed, so the fold must hold its "
            "whole region, whose extent along y is 3; the smallest legal fold factor is 3")):
        lower([out])


def test_fold_3_is_legal_and_exact():
    inp, out = _line_buffered_blur(fold=3)
    a = _img(3, (16, 9))
    inp.set(hl.Buffer(a))
    assert np.array_equal(np.asarray(out.realize([9, 16])), _blur_ref(a))


def test_non_monotonic_fold_is_refused():
    x, y = hl.Var("x"), hl.Var("y")
    p, out = hl.Func("p"), hl.Func("o")
    p[x, y] = x + y
    out[x, y] = p[x, 10 - y] + p[x, 11 - y]   # the window moves backwards as y grows
    p.compute_at(out, y).store_root().fold_storage(y, 4)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func p: fold_storage(y, 4): the region of p along y does not move monotonically forward over loop o.y")):
        lower([out])


def test_fold_across_two_loops_is_refused():
    x, y = hl.Var("x"), hl.Var("y")
    p, out = hl.Func("p"), hl.Func("o")
    p[x, y] = x + y
    out[x, y] = p[x, y] + p[x, y + 1]
    p.compute_at(out, x).store_root().fold_storage(y, 4)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func p: fold_storage(y, 4): halo folds over one loop, but between the store level (root) and the "
            "compute level (o.x) there are the loops o.y, o.x")):
        lower([out])




def test_async_line_buffer_matches_numpy_and_forks():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("blur_x"), hl.Func("blur_y")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    bx.compute_at(out, y).store_root().fold_storage(y, 4).async_()
    text = str(lower([out]).stmt)
    assert "semaphore blur_x.ready = 0" in text and "semaphore blur_x.space = 2" in text
    assert "fork {" in text and "acquire(blur_x.space, 1)" in text and "release(blur_x.ready, 1)" in text
    for seed, (h, w) in enumerate([(37, 53), (1, 5), (64, 200)]):
        a = _img(10 + seed, (h, w))
        inp.set(hl.Buffer(a))
        assert np.array_equal(np.asarray(out.realize([w, h])), _blur_ref(a))


def _blur_funcs(with_input=False):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("blur_x"), hl.Func("blur_y")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    return (x, y, bx, out, inp) if with_input else (x, y, bx, out)


@pytest.mark.parametrize("schedule,fragment", [
    (lambda x, y, bx, out: bx.compute_at(out, y).store_root().async_(),
     "Func blur_x: async_() requires fold_storage: blur_x is shared across iterations of blur_y.y"),
    (lambda x, y, bx, out: bx.compute_at(out, y).fold_storage(y, 4).async_(),
     "Func blur_x: async_(): blur_x is stored inside the loop it is computed in"),
    (lambda x, y, bx, out: bx.compute_root().async_(),
     "Func blur_x: async_(): a Func computed at the root has no consumer loop to run ahead of"),
    (lambda x, y, bx, out: bx.compute_at(out, y).store_root().fold_storage(y, 3).async_(),
     "Func blur_x: async_(): fold_storage(y, 3) leaves the producer no room to run ahead: one iteration reads "
     "3 along y while the next one is produced, 4 in all, so a fold of at least 4 lets it work one iteration "
     "ahead (ping-pong)"),
])
def test_async_errors(schedule, fragment):
    x, y, bx, out = _blur_funcs()
    schedule(x, y, bx, out)
    with pytest.raises(hl.ScheduleError, match=re.escape(fragment)):
        lower([out])


def test_nested_async_producers_are_refused():
    x, y = hl.Var("x"), hl.Var("y")
    a, b, out = hl.Func("a"), hl.Func("b"), hl.Func("c")
    a[x, y] = x + y
    b[x, y] = a[x, y] + a[x + 1, y]
    out[x, y] = b[x, y] + b[x, y + 1]
    b.compute_at(out, y).store_root().fold_storage(y, 3).async_()
    a.compute_at(b, x).store_at(b, y).fold_storage(x, 3).async_()
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func a: async_(): a is computed inside the async producer b; nested async producers can deadlock")):
        lower([out])


def test_compute_at_a_loop_that_misses_uses_lists_legal_locations():
    x, y, bx, out = _blur_funcs()
    xo, xi = hl.Var("xo"), hl.Var("xi")
    g = hl.Func("g")
    g[x, y] = out[x, y] + bx[x, y]   # bx is used by both out and g
    out.compute_root()
    g.split(x, xo, xi, 8)
    bx.compute_at(out, x)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x cannot be computed at blur_y.x: the loop blur_y.x does not enclose every use of blur_x. "
            "Legal locations for this function are: root")):
        lower([g])


def test_store_inside_compute_level_is_refused():
    x, y, bx, out = _blur_funcs()
    xo, xi = hl.Var("xo"), hl.Var("xi")
    out.split(x, xo, xi, 8)
    bx.compute_at(out, y).store_at(out, xo)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x cannot be stored at blur_y.xo: storage must be at or outside the compute level (blur_y.y) "
            "and inside a loop that encloses every use. Legal store locations are: root, blur_y.y")):
        lower([out])


def test_store_outside_a_parallel_loop_with_compute_inside_is_a_race():
    x, y, bx, out = _blur_funcs()
    out.parallel(y)
    bx.compute_at(out, x).store_root()
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x is stored outside the parallel loop blur_y.y but computed inside it; the iterations would "
            "race on its storage")):
        lower([out])


def test_fold_backwards_is_refused():
    x, y, bx, out = _blur_funcs()
    bx.compute_at(out, y).store_root().fold_storage(y, 4, fold_forward=False)
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "Func blur_x: fold_storage(y, 4), fold_forward=False: halo folds forward only")):
        lower([out])


def test_two_async_producers_at_one_loop_are_refused():
    x, y = hl.Var("x"), hl.Var("y")
    a, b, out = hl.Func("a"), hl.Func("b"), hl.Func("c")
    a[x, y] = x + y
    b[x, y] = x * y
    out[x, y] = a[x, y] + a[x, y + 1] + b[x, y] + b[x, y + 1]
    for f in (a, b):
        f.compute_at(out, y).store_root().fold_storage(y, 3).async_()
    with pytest.raises(hl.ScheduleError, match=re.escape("halo runs one async producer per loop")):
        lower([out])


def test_async_fold_must_hold_two_iterations_of_a_multi_row_step():
    """Found by the placement property test: with tiles of 4 rows the window moves 4 rows per
    iteration, so running one iteration ahead needs the fold to hold rows 4v - 1 .. 4v + 8."""
    x, y, bx, out = _blur_funcs()
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 8, 4, tail=hl.TailStrategy.GuardWithIf)
    bx.compute_at(out, yo).store_root().fold_storage(y, 8).async_()
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "fold_storage(y, 8) leaves the producer no room to run ahead: one iteration reads 6 along y while the "
            "next one is produced, 10 in all, so a fold of at least 10")):
        lower([out])
    x, y, bx, out, inp = _blur_funcs(with_input=True)
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 8, 4, tail=hl.TailStrategy.GuardWithIf)
    bx.compute_at(out, yo).store_root().fold_storage(y, 10).async_()
    a = _img(21, (7, 3))
    inp.set(hl.Buffer(a))
    for _ in range(20):  # the overwrite showed up only with some thread timings
        assert np.array_equal(np.asarray(out.realize([3, 7])), _blur_ref(a))
