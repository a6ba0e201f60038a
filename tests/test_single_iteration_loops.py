"""single_iteration_loops: the constant upper bound of loop extents, before / after on IR, and
pipelines whose per-tile vector loops it removes against numpy."""
import numpy as np

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.ir.types import Bool, Int
from halo.lower import lower
from halo.lower.single_iteration_loops import single_iteration_loops, upper_bound

I32 = Int(32)
x, y = hl.Var("x"), hl.Var("y")


def V(name):
    return n.Variable(I32, name)


def c(v):
    return n.IntImm(I32, v)


def test_upper_bounds_split_min_and_max_inside_the_affine_form():
    a, b = V("a"), V("b")
    clipped = n.Sub(I32, n.Min(I32, n.Add(I32, a, c(127)), b), a)
    assert upper_bound(clipped) == 127
    assert upper_bound(n.Div(I32, n.Add(I32, clipped, c(128)), c(128))) == 1
    assert upper_bound(n.Sub(I32, n.Max(I32, n.Min(I32, n.Add(I32, a, c(3)), b), a), a)) == 3
    # -max(a / 2, 4) is at most -4 whatever a is
    assert upper_bound(n.Sub(I32, c(10), n.Max(I32, n.Div(I32, a, c(2)), c(4)))) == 6
    # a negative multiple of a quotient takes its numerator's lower bound
    assert upper_bound(n.Sub(I32, c(1), n.Div(I32, n.Max(I32, a, c(7)), c(2)))) == -2
    # either value of a select (a sliding window's first tile or the others)
    first = n.Select(I32, n.LE(Bool(), b, c(0)), a, n.Add(I32, a, c(2)))
    assert upper_bound(n.Sub(I32, n.Min(I32, n.Add(I32, a, c(7)), b), first)) == 7


def test_no_bound_without_one_on_every_path():
    a, b = V("a"), V("b")
    assert upper_bound(n.Sub(I32, b, a)) is None
    assert upper_bound(n.Max(I32, n.Add(I32, a, c(1)), c(0))) is None
    assert upper_bound(n.Select(I32, n.LT(Bool(), a, b), a, c(1))) is None


def _tile_loop(kind, extent):
    """let hi = min(a + 15, b) in for (x, a, extent) out[x] = x"""
    loop = n.For("x", V("a"), extent, kind, n.Store("out", V("x"), V("x")))
    return n.LetStmt("hi", n.Min(I32, n.Add(I32, V("a"), c(15)), V("b")), loop)


def test_a_loop_of_at_most_one_iteration_becomes_a_condition():
    ext = n.Div(I32, n.Add(I32, n.Sub(I32, V("hi"), V("a")), c(16)), c(16))
    out = single_iteration_loops(_tile_loop(n.SERIAL, ext), None)
    assert not collect(out, lambda s: type(s) is n.For)
    (cond,) = collect(out, lambda s: type(s) is n.IfThenElse)
    (store,) = collect(out, lambda s: type(s) is n.Store)
    assert n.equal(store.index, V("a")) and n.equal(store.value, V("a"))


def test_longer_and_parallel_loops_stay():
    longer = _tile_loop(n.SERIAL, n.Add(I32, n.Sub(I32, V("hi"), V("a")), c(1)))
    assert single_iteration_loops(longer, None) is longer
    ext = n.Div(I32, n.Add(I32, n.Sub(I32, V("hi"), V("a")), c(16)), c(16))
    parallel = _tile_loop(n.PARALLEL, ext)
    assert single_iteration_loops(parallel, None) is parallel


def _tiled(width, height, vector):
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    work, out = hl.Func("work"), hl.Func("out")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    work[x, y] = hl.cast(hl.UInt(8), (hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x + 1, y]) / 2)
    out[x, y] = work[x, y]
    tx, ty = hl.Var("tx"), hl.Var("ty")
    out.tile(x, y, tx, ty, x, y, vector, 4)
    work.compute_at(out, tx).vectorize(x, vector)
    return inp, work, out


def _vector_loops(stmt):
    return [s for s in collect(stmt, lambda s: type(s) is n.For) if "work.s0.x" in str(s.name)]


def test_tiles_one_vector_wide_have_no_vector_loop_and_match_numpy():
    rng = np.random.default_rng(3)
    for width, height in ((64, 8), (37, 10), (16, 4)):
        inp, work, out = _tiled(width, height, 16)
        assert _vector_loops(lower([out]).stmt) == []
        a = rng.integers(0, 256, (height, width), dtype=np.uint8)
        inp.set(hl.Buffer(a))
        got = np.asarray(out.realize([width, height]))
        p = np.pad(a.astype(np.uint16), ((0, 0), (1, 1)), mode="edge")
        assert np.array_equal(got, ((p[:, :-2] + p[:, 2:]) // 2).astype(np.uint8)), (width, height)


def _copy_tiles(tile_width, vector):
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    work, out = hl.Func("work"), hl.Func("out")
    work[x, y] = inp[x, y] + 1
    out[x, y] = work[x, y]
    tx, ty = hl.Var("tx"), hl.Var("ty")
    out.tile(x, y, tx, ty, x, y, tile_width, 4)
    work.compute_at(out, tx).vectorize(x, vector)
    return inp, out


def _row_loop_conditions(stmt):
    """The conditions directly around a row loop of work."""
    return [s for s in collect(stmt, lambda s: type(s) is n.IfThenElse)
            if type(s.then_case) is n.For and "work.s0.y" in str(s.then_case.name)]


def test_tiles_of_two_vectors_unroll_whole_tiles_and_loop_over_partial_ones():
    rng = np.random.default_rng(4)
    for width, height in ((64, 8), (40, 8), (32, 4)):
        inp, out = _copy_tiles(32, 16)
        stmt = lower([out]).stmt
        (cond,) = _row_loop_conditions(stmt)
        # the whole tile: two vectors and no loop over them; the partial one keeps its loop
        assert _vector_loops(cond.then_case) == [] and _vector_loops(cond.else_case)
        a = rng.integers(0, 255, (height, width), dtype=np.uint8)
        inp.set(hl.Buffer(a))
        assert np.array_equal(np.asarray(out.realize([width, height])), a + 1), (width, height)


def test_tiles_of_more_vectors_keep_their_loop():
    _, out = _copy_tiles(128, 16)
    stmt = lower([out]).stmt
    assert _row_loop_conditions(stmt) == [] and _vector_loops(stmt)


def _rows_of_two_parts(source):
    """let hi = min(a + 15, b) in for y { for (x, a, <= 1) out[x] = source[x]; for (x, a + 16, <= 1) ... }"""
    ext = n.Div(I32, n.Add(I32, n.Sub(I32, V("hi"), V("a")), c(16)), c(16))
    part = lambda lo: n.For("x", lo, ext, n.SERIAL, n.Store("out", n.Add(I32, V("x"), V("y")),
                                                             n.Load(I32, source, n.Sub(I32, V("x"), c(1)))))
    rows = n.For("y", c(0), V("h"), n.SERIAL, n.Block((part(V("a")), part(n.Add(I32, V("a"), c(16))))))
    return n.LetStmt("hi", n.Min(I32, n.Add(I32, V("a"), c(15)), V("b")), rows)


def test_independent_parts_of_a_row_test_their_condition_once_outside_the_row_loop():
    out = single_iteration_loops(_rows_of_two_parts("inp"), None)
    parts = collect(out, lambda s: type(s) is n.IfThenElse)
    assert len(parts) == 2 and all(type(p.then_case) is n.For and p.then_case.name == "y" for p in parts)


def test_parts_that_read_what_the_rows_write_stay_in_the_row_loop():
    out = single_iteration_loops(_rows_of_two_parts("out"), None)
    (rows,) = collect(out, lambda s: type(s) is n.For)
    assert rows.name == "y" and len(collect(rows.body, lambda s: type(s) is n.IfThenElse)) == 2


def test_edge_tiles_one_vector_wide_have_their_row_loops_inside_the_conditions():
    inp, work, out = _tiled(64, 8, 16)
    stmt = lower([out]).stmt
    rows = [s for s in collect(stmt, lambda s: type(s) is n.For) if "work.s0.y" in str(s.name)]
    # prologue (left edge), steady state and epilogue (right edge): a row loop each
    assert len(rows) >= 3
    # (the input's dense edge loads keep their per-row bounds guard: it reads inp's fields)
    assert not [r for r in rows if collect(r.body, lambda s: type(s) is n.IfThenElse and
                                           "steady" in str(s.cond) and "inp." not in str(s.cond))]


def test_only_a_vector_kernel_is_unrolled_not_a_tile_with_its_own_loops():
    # a loop of at most two tiles (a strip of rows split in two): unrolling would repeat the
    # tiles' own loops and transfers, so it stays a loop
    ext = n.Div(I32, n.Add(I32, n.Sub(I32, V("hi"), V("a")), c(16)), c(16))
    vector = n.For("xv", c(0), c(16), n.VECTORIZED, n.Store("out", n.Add(I32, V("x"), V("xv")), V("y")))
    tile = n.For("x", V("a"), ext, n.SERIAL, n.For("y", c(0), c(8), n.SERIAL, vector))
    s = n.LetStmt("hi", n.Min(I32, n.Add(I32, V("a"), c(31)), V("b")), tile)
    assert single_iteration_loops(s, None) is s
    kernel = n.LetStmt("hi", n.Min(I32, n.Add(I32, V("a"), c(31)), V("b")), tile.with_(body=vector))
    (cond,) = collect(single_iteration_loops(kernel, None), lambda s: type(s) is n.IfThenElse)
    assert len(collect(cond.then_case, lambda s: type(s) is n.For)) == 2  # two vector loops, unrolled
