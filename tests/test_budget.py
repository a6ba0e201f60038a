"""Local-memory budgets (issue 17): the report's symbolic sizes predict the compiler's sizes at
other tiles, and largest_tile finds, for every device and DMA schedule, a tile that the compiler's
capacity check accepts while the next larger legal tile is refused."""
import math
import re

import pytest
import sympy

import halo as hl
from apps.__main__ import APPS
from apps.common import VECTOR, run_app
from halo import budget
from halo.lang.target import DEVICES
from halo.lower.local_memory import local_buffers
from halo.schedules import dma

RAW_BLUR = APPS["dma_raw_blur_rw_async"]
CAPACITY_REFUSAL = r"the schedule needs (\d+) bytes of LockedCache but {device} has {capacity}"


def raw_blur(schedule):
    return lambda w, h: RAW_BLUR.build("y", schedule, (w, h), 8)[1]


def compiler_bytes(out, device):
    """Local memory of one lowering as the compiler's own accounting adds it up."""
    lowered = hl.Pipeline(out).lower(f"host-{device.lower()}", stop_after=dma.CAPACITY_CHECK)
    return sum(b.total for b in local_buffers(lowered.stmt))


def test_report_gives_sizes_as_formulas_of_tile_and_folds():
    _, out = RAW_BLUR.build("y", "basic", (128, 32), 8)
    text = out.report()
    # a 3x3 stencil reads one pixel around the tile: (w + 2) x (h + 2) bytes
    assert ("  in_copy in LockedCache: align((split(out.x) + 2)*(split(out.y) + 2) B, 128) = "
            "align(130 x 34 x 1 B, 128) = 4480 B x 1 copy = 4480 B") in text
    assert "  work in LockedCache: align(split(out.x)*split(out.y) B, 128) = align(128 x 32 x 1 B, 128)" in text
    _, out = APPS["dma_nv12_blur_stencil"].build("uv", "split_async", (128, 32), 8)
    text = out.report()
    assert ("  in_copy in LockedCache: align(2*fold(in_copy.x)*(split(out.yi) + 2) B, 128) = "
            "align(512 x 34 x 2 x 1 B, 128) = 34816 B x 4 copies = 139264 B") in text


@pytest.mark.parametrize("schedule", ["basic", "fold", "split_async"])
def test_formulas_predict_the_compiler_at_another_tile(schedule):
    """Fitted at 128 x 32, the formulas give the bytes the compiler allocates at 96 x 24 (folds
    as the recipe sets them: 4 tiles for the stencil's input, 2 for work)."""
    _, out = RAW_BLUR.build("y", schedule, (128, 32), 8)
    pipeline = hl.Pipeline(out).frozen()
    formulas = budget.pipeline_formulas(pipeline, "host-sm8150")
    values = {}
    for f in formulas.values():
        for s in set().union(*(e.free_symbols for e in f.extents)):
            values[s] = {"split(out.x)": 96, "split(out.y)": 24, "split(out.yi)": 24, "split(out.y')": 24,
                         "fold(in_copy.x)": 4 * 96, "fold(work.x)": 2 * 96}.get(s.name, s)
    predicted = sum(int(f.total.subs(values)) for f in formulas.values())
    assert predicted == compiler_bytes(RAW_BLUR.build("y", schedule, (96, 24), 8)[1], "SM8150")


@pytest.mark.parametrize("device", sorted(DEVICES))
@pytest.mark.parametrize("schedule", dma.SCHEDULES)
def test_largest_tile_fits_and_the_next_is_refused(schedule, device):
    fit = dma.largest_tile(raw_blur(schedule), device, height=32, step=(VECTOR, 1))
    capacity = DEVICES[device]
    assert (fit.height, fit.capacity) == (32, capacity) and fit.width % VECTOR == 0
    assert fit.needs == compiler_bytes(raw_blur(schedule)(fit.width, 32), device) <= capacity
    refusal = CAPACITY_REFUSAL.format(device=device.upper(), capacity=capacity)
    with pytest.raises(hl.ScheduleError, match=refusal) as refused:
        hl.Pipeline(raw_blur(schedule)(fit.width + VECTOR, 32)).lower(f"host-{device}", stop_after=dma.CAPACITY_CHECK)
    assert int(re.search(refusal, str(refused.value)).group(1)) > capacity


def test_largest_tile_solves_for_the_height_of_both_planes():
    """NV12 blur, split_async on SM8150 at 128 columns: the chroma plane (two channels) binds."""
    fit = APPS["dma_nv12_blur_stencil"].largest_tile("split_async", "nv12", False, "SM8150", width=128)
    assert fit.width == 128 and str(fit.free) == "tile_height"
    # chroma: 4 strips x (in_copy 2 x 512 x (h + 2) + work 2 x 256 x h) bytes <= 393216
    assert fit.height == max(h for h in range(1, 200) if 4 * (1024 * (h + 2) + 512 * h) <= 393216)
    builds = [APPS["dma_nv12_blur_stencil"].build(p, "split_async", (128, fit.height + 1), 8)[1] for p in ("y", "uv")]
    with pytest.raises(hl.ScheduleError, match=CAPACITY_REFUSAL.format(device="SM8150", capacity=393216)):
        for out in builds:
            hl.Pipeline(out).lower("host-sm8150", stop_after=dma.CAPACITY_CHECK)


@pytest.mark.slow
def test_largest_ubwc_tile_runs_on_a_ubwc_frame():
    """The UBWC tile found (a multiple of NV12's 32 x 8 UBWC tiles) moves a real frame and uses
    all of SM8250's locked cache, as the runtime's high-water mark shows."""
    app = APPS["dma_nv12_rw"]
    fit = app.largest_tile("async", "nv12", True, "SM8250", height=32)
    assert fit.width % math.lcm(32, VECTOR) == 0
    r = run_app(app, "async", "nv12", True, 2 * fit.width, 128, "SM8250", 1, tile=(fit.width, fit.height))
    assert r.ok and r.local_bytes == fit.needs <= r.capacity


def test_largest_tile_errors():
    with pytest.raises(hl.ScheduleError, match="largest_tile: give the tile's width .* not both or neither"):
        dma.largest_tile(raw_blur("basic"), "SM8150")
    with pytest.raises(hl.ScheduleError, match="largest_tile: device 'SM9999': devices are SM8150, SM8250, SM8350"):
        dma.largest_tile(raw_blur("basic"), "SM9999", height=32)
    with pytest.raises(hl.ScheduleError, match="largest_tile: the schedule has no local buffer of a size known at "
                                               "compile time"):
        dma.largest_tile(lambda w, h: RAW_BLUR.build("y", "line_buffered", (w, h), 8)[1], "SM8150", height=32)
    with pytest.raises(hl.ScheduleError, match="largest_tile: not even a tile 16 wide fits SM8150's 393216 bytes"):
        dma.largest_tile(raw_blur("basic"), "SM8150", height=20000, step=(16, 1))


def test_budget_formula_is_a_sympy_expression_of_the_free_size():
    fit = dma.largest_tile(raw_blur("basic"), "SM8150", height=32, step=(VECTOR, 1))
    (memory, total), = fit.budgets
    assert memory is hl.MemoryType.LockedCache and total.free_symbols == {fit.free}
    # in_copy (w + 2) x 34 and work w x 32 bytes, each aligned to 128
    w = fit.free
    assert sympy.simplify(total - (128 * sympy.ceiling((w + 2) * 34 / 128) + 128 * sympy.ceiling(w * 32 / 128))) == 0
