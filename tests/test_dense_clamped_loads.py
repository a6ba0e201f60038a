"""Edge vectors without gathers (halo/lower/dense_clamped_loads.py): loop partitioning keeps the
edges of a clamped loop vectorized, and a clamped ramp's load there becomes a dense load and
selects against the edge pixels (rotated into place in the first and last rows of the
buffer), bit for bit what the scalar pipeline computes."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.ir.intrinsics import ROTATE_LANES
from halo.lower import lower

from . import test_hexagon_target as th


def _blur(a, lanes, bits=8):
    """f = a 3-tap blur of a repeat_edge'd copy of `a` (stored, so its allocation is known),
    vectorized by `lanes` (None: scalar)."""
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    t = hl.UInt(bits)
    p = hl.ImageParam(t, 2, "in")
    p.set(hl.Buffer(a))
    g, f = hl.Func("g"), hl.Func("f")
    g[x, y] = p[x, y]
    rep = hl.BoundaryConditions.repeat_edge(g, [(0, a.shape[1]), (0, a.shape[0])])
    f[x, y] = hl.cast(t, (hl.cast(hl.UInt(32), rep[x - 1, y]) + rep[x, y] * 2 + rep[x + 1, y + 1] + 2) / 4)
    g.compute_root()
    if lanes:
        f.split(x, xo, xi, lanes).vectorize(xi)
    return f


def _edge_forms(f):
    """(the selects that stand for clamped lanes: an edge pixel broadcast over a dense load; the
    rotations of dense loads moved inside the allocation)."""
    stmt = lower([f]).stmt
    selects = collect(stmt, lambda e: type(e) is n.Select and type(e.true_value) is n.Broadcast
                      and type(e.true_value.value) is n.Load)
    return selects, collect(stmt, lambda e: type(e) is n.Call and e.name == ROTATE_LANES)


@pytest.mark.parametrize("w, bits", [(40, 8), (16, 8), (37, 16)])
def test_edge_vectors_are_dense_and_match_scalar(w, bits):
    a = np.random.default_rng(w).integers(0, 1 << bits, (4, w)).astype(np.uint8 if bits == 8 else np.uint16)
    want = np.asarray(_blur(a, None, bits).realize([w, 4]))
    f = _blur(a, 16, bits)
    assert np.array_equal(np.asarray(f.realize([w, 4])), want)
    selects, rotations = _edge_forms(f)
    assert selects and rotations


def test_clamps_with_two_bounds_on_one_side_match_scalar():
    a = np.random.default_rng(1).integers(0, 256, (3, 40)).astype(np.uint8)
    outs = []
    for lanes in (None, 16):
        x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
        p = hl.ImageParam(hl.UInt(8), 2, "in")
        p.set(hl.Buffer(a))
        g, f = hl.Func("g"), hl.Func("f")
        g[x, y] = p[x, y]
        g.compute_root()
        f[x, y] = g[hl.min(hl.max(hl.min(x - 3, 30), 0), 39), y] + g[hl.max(hl.min(hl.max(x + 2, 5), 39), 0), y]
        if lanes:
            f.split(x, xo, xi, lanes).vectorize(xi)
        outs.append(np.asarray(f.realize([40, 3])))
    assert np.array_equal(*outs)


@pytest.mark.slow
@th.needs_qemu
def test_edge_vectors_under_qemu_match_the_host():
    a = np.random.default_rng(5).integers(0, 256, (3, 300)).astype(np.uint8)
    want = np.asarray(_blur(a, None).realize([300, 3]))
    got = np.asarray(_blur(a, 128).realize([300, 3], target=th.TARGET))
    assert np.array_equal(got, want)


def _input_blur(p, w, h, t, lanes):
    """The 3-tap blur of `_blur` reading the input `p` itself through repeat_edge."""
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    f = hl.Func("f")
    rep = hl.BoundaryConditions.repeat_edge(p, [(0, w), (0, h)])
    f[x, y] = hl.cast(t, (hl.cast(hl.UInt(32), rep[x - 1, y]) + rep[x, y] * 2 + rep[x + 1, y + 1] + 2) / 4)
    if lanes:
        f.split(x, xo, xi, lanes).vectorize(xi)
    return f


def _stencil_row(a, lanes):
    """f = the sum of three taps (x - 1, x, x + 1) of one row of a repeat_edge'd stored copy."""
    x, y, xo, xi = hl.Var("x"), hl.Var("y"), hl.Var("xo"), hl.Var("xi")
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    p.set(hl.Buffer(a))
    g, f = hl.Func("g"), hl.Func("f")
    g[x, y] = p[x, y]
    rep = hl.BoundaryConditions.repeat_edge(g, [(0, a.shape[1]), (0, a.shape[0])])
    f[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    g.compute_root()
    if lanes:
        f.split(x, xo, xi, lanes).vectorize(xi)
    return f


def _numpy_blur(a):
    pad = np.pad(a.astype(np.int64), 1, mode="edge")
    h, w = a.shape
    doubled = (2 * pad[1:h + 1, 1:w + 1]) % (1 << 8 * a.itemsize)  # rep[x, y] * 2 wraps in the input's type
    return ((pad[1:h + 1, :w] + doubled + pad[2:h + 2, 2:w + 2] + 2) // 4).astype(a.dtype)


def _with_edge_values(a, top):
    a[0, :3], a[-1, -3:], a[1, 0], a[-2, -1] = top, top, 0, top
    return a


@pytest.mark.parametrize("w, bits", [(40, 8), (16, 8), (37, 16), (17, 16)])
def test_input_edge_vectors_are_dense_and_match_numpy(w, bits):
    """An input's span bounds its dense loads: inner rows load densely (the clamped lanes read
    the neighbouring rows' elements, which the selects replace), its first and last rows are
    rotated loads."""
    dtype = np.uint8 if bits == 8 else np.uint16
    a = _with_edge_values(np.random.default_rng(w).integers(0, 1 << bits, (5, w)).astype(dtype), (1 << bits) - 1)
    p = hl.ImageParam(hl.UInt(bits), 2, "in")
    p.set(hl.Buffer(a))
    f = _input_blur(p, w, 5, hl.UInt(bits), 16)
    assert np.array_equal(np.asarray(f.realize([w, 5])), _numpy_blur(a))
    selects, rotations = _edge_forms(f)
    assert selects and rotations


def test_input_window_of_a_wider_array_matches_numpy():
    """A cropped input (row stride above its width): the dense edge loads read the elements
    between its rows, outside the image but inside its span; none of them reach the result."""
    big = np.random.default_rng(3).integers(0, 256, (9, 64)).astype(np.uint8)
    a = _with_edge_values(big[2:8, 5:45], 255)
    big[:2], big[8:], big[:, :5], big[:, 45:] = 0, 0, 255, 0
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    p.set(hl.Buffer(a))
    f = _input_blur(p, 40, 6, hl.UInt(8), 16)
    assert np.array_equal(np.asarray(f.realize([40, 6])), _numpy_blur(a))


@pytest.mark.slow
@th.needs_qemu
def test_input_edge_vectors_under_qemu_match_numpy():
    a = _with_edge_values(np.random.default_rng(6).integers(0, 256, (3, 300)).astype(np.uint8), 255)
    p = hl.ImageParam(hl.UInt(8), 2, "in")
    p.set(hl.Buffer(a))
    got = np.asarray(_input_blur(p, 300, 3, hl.UInt(8), 128).realize([300, 3], target=th.TARGET))
    assert np.array_equal(got, _numpy_blur(a))


def test_the_taps_of_a_row_share_their_edge_pixels_and_one_bounds_check():
    a = np.random.default_rng(7).integers(0, 256, (3, 40)).astype(np.uint8)
    want = np.asarray(_stencil_row(a, None).realize([40, 3]))
    f = _stencil_row(a, 16)
    assert np.array_equal(np.asarray(f.realize([40, 3])), want)
    stmt = lower([f]).stmt
    # per edge vector, three taps with a select per side over two edge pixels (left and right)
    stores = [s for s in collect(stmt, lambda s: type(s) is n.Store)
              if collect(s.value, lambda e: type(e) is n.Select)]
    assert stores
    for store in stores:
        selects = collect(store.value, lambda e: type(e) is n.Select and type(e.true_value) is n.Broadcast)
        assert len(selects) == 6 and len({n.Key(e.true_value.value) for e in selects}) == 2
    # the dense form's check: the lowest tap's start and the highest tap's end, not one per tap
    dense = [s for s in collect(stmt, lambda s: type(s) is n.IfThenElse)
             if type(s.else_case) is n.IfThenElse]
    assert dense and all(len(collect(s.cond, lambda e: type(e) in (n.LE, n.LT))) == 2 for s in dense)
