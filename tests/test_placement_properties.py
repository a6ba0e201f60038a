"""Property test for placement and storage: random compute_at / store_at levels, folds, async
producers and the sliding windows they imply give exactly the unscheduled pipeline's result.
Schedules halo refuses (a ScheduleError naming the rule) are skipped, never counted as passes."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import halo as hl

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quick_c_compiles")]


def _pipeline():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, by, out = hl.Func("bx"), hl.Func("by"), hl.Func("out")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    by[x, y] = bx[x, y - 1] + bx[x, y] + bx[x, y + 1]
    out[x, y] = hl.cast(hl.UInt(8), (by[x, y] + 4) / 9)
    return inp, bx, by, out, x, y


_reference = {}


def _unscheduled(a):
    key = a.tobytes() + bytes(a.shape)
    if key not in _reference:
        inp, bx, by, out, x, y = _pipeline()
        inp.set(hl.Buffer(a))
        _reference[key] = np.asarray(out.realize([a.shape[1], a.shape[0]])).copy()
    return _reference[key]


placements = st.fixed_dictionaries({
    "tile": st.sampled_from([None, (8, 4), (16, 8)]),
    "by": st.sampled_from(["inline", "root", "y", "tile"]),
    "bx": st.sampled_from(["inline", "root", "y", "tile"]),
    "bx_store": st.sampled_from(["same", "root"]),
    "bx_fold": st.sampled_from([None, 3, 4, 6, 8]),
    "bx_async": st.booleans(),
    "by_memory": st.sampled_from([hl.MemoryType.Auto, hl.MemoryType.Heap, hl.MemoryType.LockedCache]),
    "width": st.integers(3, 37),
    "height": st.integers(3, 29),
})


def _apply(p, bx, by, out, x, y):
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    inner = y
    if p["tile"]:
        out.tile(x, y, xo, yo, xi, yi, *p["tile"], tail=hl.TailStrategy.GuardWithIf)
        inner = xo
    levels = {"root": None, "y": (out, yo if p["tile"] else y), "tile": (out, inner)}
    for f, where in ((by, p["by"]), (bx, p["bx"])):
        if where == "inline":
            continue
        if where == "root":
            f.compute_root()
        else:
            f.compute_at(*levels[where])
    by.store_in(p["by_memory"])
    if p["bx"] not in ("inline", "root"):
        if p["bx_store"] == "root":
            bx.store_root()
        if p["bx_fold"]:
            bx.fold_storage(y, p["bx_fold"])
        if p["bx_async"]:
            bx.async_()



@settings(max_examples=240, deadline=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(placements)
def test_random_placements_match_the_unscheduled_pipeline(p):
    rng = np.random.default_rng(p["width"] * 31 + p["height"])
    a = rng.integers(0, 256, (p["height"], p["width"])).astype(np.uint8)
    inp, bx, by, out, x, y = _pipeline()
    try:
        _apply(p, bx, by, out, x, y)
        inp.set(hl.Buffer(a))
        got = np.asarray(out.realize([p["width"], p["height"]]))
    except hl.ScheduleError:
        assume(False)  # a schedule halo refuses, with its reason: not a result to compare
        return
    assert np.array_equal(got, _unscheduled(a))
