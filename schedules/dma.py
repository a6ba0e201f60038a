"""Reusable DMA schedules (import halo.schedules.dma), in the shape of Halide's Hexagon DMA apps.

A DMA pipeline has three parts per plane: `in_copy` (a pure wrapper of the input, filled by a
DMA read), `work` (the computation, in local memory) and `out` (the output, a pure wrapper of
work, drained by a DMA write). `tiled` gives it one of Halide's five schedules; `line_buffered`
streams whole rows through a folded line buffer instead of tiles.

    x, y = hl.Var("x"), hl.Var("y")
    in_copy[x, y] = inp[x, y]; work[x, y] = ...in_copy...; out[x, y] = work[x, y]
    halo.schedules.dma.tiled(out, in_copy, work, "async", tile=(128, 32))

`largest_tile` answers how big the tile of such a schedule may be on a device.
"""
from dataclasses import dataclass

import sympy

import halo as hl
from halo import budget
from halo.lang.target import DEVICES

# the lowering pass that refuses a schedule whose local buffers do not fit the device
CAPACITY_CHECK = "local_memory"
SCHEDULES = ("basic", "fold", "async", "split", "split_async")


def _plane_vars(func):
    return func.args()


def interleaved_uv(inp, out):
    """Declare Halide's layout of an NV12 / P010 chroma plane: x pairs with stride 2, the
    channel c innermost with stride 1 and extent 2 (input and output)."""
    for d in (inp.dim(0), out.output_buffer().dim(0)):
        d.set_stride(2)
    for d in (inp.dim(2), out.output_buffer().dim(2)):
        d.set_stride(1).set_bounds(0, 2)


def tiled(out, in_copy, work, schedule, tile=(128, 32), strip=None, halo_px=0, backend="ubwcdma",
          memory=hl.MemoryType.LockedCache, deinterleave=False, vector=None):
    """One of Halide's five DMA schedules on `out` (2-D, or 3-D with the channel last):

    basic        tiles of `tile`, each read and written by one synchronous transfer
    fold         in_copy and work stored per row of tiles and folded over two tiles
    async        fold + the next tile's read started before this one is used, writes waited
                 on only when their slot comes round again (DMA overlaps compute)
    split        rows split into `strip`-row strips processed in parallel, each with its own
                 local buffers
    split_async  split + async within each strip

    `halo_px` is how far the computation reads around a pixel (1 for a 3x3 stencil): the fold
    of in_copy then holds 4 tiles, enough for two windows and their halos."""
    if schedule not in SCHEDULES:
        raise hl.ScheduleError(f"schedule {schedule!r}: legal DMA schedules are {', '.join(SCHEDULES)}")
    vs = _plane_vars(out)
    x, y = vs[0], vs[1]
    c = vs[2] if len(vs) > 2 else None
    tx, ty, yo, yi = hl.Var("tx"), hl.Var("ty"), hl.Var("yo"), hl.Var("yi")
    tw, th = tile
    out.dma(backend, "write")
    if c is not None:
        out.bound(c, 0, 2).reorder(c, x, y)
    if schedule.startswith("split"):
        out.split(y, yo, yi, strip or 4 * th).tile(x, yi, tx, ty, x, y, tw, th).parallel(yo)
    else:
        out.tile(x, y, tx, ty, x, y, tw, th)
    in_copy.compute_at(out, tx).dma(backend, "read").store_in(memory)
    work.compute_at(out, tx).store_in(memory)
    if c is not None:
        for f in (in_copy, work):
            f.bound(c, 0, 2)
            if not deinterleave:
                f.reorder_storage(c, x, y)
        if vector and not deinterleave:
            # the channels unrolled inside the vector loop: their stride-2 stores merge into
            # one dense interleaved store
            work.reorder(c, x, y).unroll(c)
    if vector:
        work.vectorize(x, vector)
    if schedule in ("fold", "async", "split_async"):
        in_copy.store_at(out, ty).fold_storage(x, 4 * tw if halo_px else 2 * tw)
        work.store_at(out, ty).fold_storage(x, 2 * tw)
    if schedule in ("async", "split_async"):
        in_copy.async_()
        work.async_()
    return out


def line_buffered(out, in_copy, work, rows=4, backend="ubwcdma", memory=hl.MemoryType.LockedCache,
                  deinterleave=False):
    """Whole-line transfers: in_copy is a line buffer of `rows` rows (store_root + compute_at(out,
    y) + fold_storage(y, rows)) refilled one new row per output row by DMA (sliding window);
    work is computed a row at a time and each row is written back by DMA."""
    vs = _plane_vars(out)
    x, y = vs[0], vs[1]
    c = vs[2] if len(vs) > 2 else None
    out.dma(backend, "write")
    if c is not None:
        out.bound(c, 0, 2).reorder(c, x, y)
    in_copy.compute_at(out, y).store_root().fold_storage(y, rows).dma(backend, "read").store_in(memory)
    work.compute_at(out, y).store_in(memory)
    if c is not None:
        for f in (in_copy, work):
            f.bound(c, 0, 2)
            if not deinterleave:
                f.reorder_storage(c, x, y)
    return out


@dataclass(frozen=True)
class TileFit:
    """The largest tile of a schedule on a device: `needs` bytes of local memory (the most any
    of its pipelines needs in one memory) of `capacity`; `budgets` the (memory, sympy bytes of
    `free`, the tile size solved for) of each pipeline and memory."""
    width: int
    height: int
    needs: int
    capacity: int
    free: object
    budgets: tuple


def _pipeline_budgets(build, target, free, fixed, solve_width, step):
    """([(memory, sympy bytes of `free`)] of each pipeline build(w, h) returns, fitted around a
    tile of 4 steps; the function of the free size that builds the pipelines)."""
    def outputs(value):
        w, h = (value, fixed) if solve_width else (fixed, value)
        made = build(w, h)
        return list(made) if isinstance(made, (list, tuple)) else [made]
    base = 4 * step
    budgets = []
    for k in range(len(outputs(base))):
        def lower_at(values, k=k):
            return hl.Pipeline(outputs(values[free])[k]).lower(target, stop_after=budget.MEASURE_PASS)
        formulas = budget.fit(lower_at, {free: base})
        broken = [name for name, f in formulas.items() if f is None]
        if broken:
            raise hl.ScheduleError(f"largest_tile: the size of {', '.join(broken)} is not an affine function of the "
                                   f"tile, so the budget has no formula to solve")
        for memory in sorted({f.memory for f in formulas.values()}, key=lambda m: m.value):
            budgets.append((memory, sum(f.total for f in formulas.values() if f.memory is memory)))
    return budgets, outputs


def largest_tile(build, device, *, width=None, height=None, step=(1, 1)):
    """The largest tile that fits `device`'s local memory (SM8150, SM8250 or SM8350) with the
    schedule `build(width, height)` makes: give `height` for the widest tile of that height, or
    `width` for the tallest of that width. `build` returns the scheduled output Func, or a list of
    them for pipelines that run one after another (each must fit). Tile sizes are multiples of
    `step` (width, height): the vector width and the DMA format's ROI grid.

    sympy solves each budget (the local buffers' sizes as formulas of the free tile size, from
    halo.budget, at most the capacity) without the 128-byte alignment, then the largest multiple
    of the step within it whose aligned sizes fit is taken, and checked by lowering it (the
    compiler's capacity check included). Returns a TileFit."""
    if (width is None) == (height is None):
        raise hl.ScheduleError("largest_tile: give the tile's width (to solve for its height) or its height "
                               "(to solve for its width), not both or neither")
    if device.lower() not in DEVICES:
        raise hl.ScheduleError(f"largest_tile: device {device!r}: devices are {', '.join(d.upper() for d in DEVICES)}")
    target = hl.Target.parse(f"host-{device.lower()}")
    capacity = target.localmem_capacity()
    solve_width = width is None
    unit = step[0] if solve_width else step[1]
    free = sympy.Symbol("tile_width" if solve_width else "tile_height", positive=True, integer=True)
    budgets, outputs = _pipeline_budgets(build, target, free, height if solve_width else width, solve_width, unit)
    if not budgets:
        raise hl.ScheduleError("largest_tile: the schedule has no local buffer of a size known at compile time "
                               "(a line-buffered schedule sizes its buffers from the frame at run time)")
    largest = None
    for memory, total in budgets:
        relaxed = total.replace(sympy.ceiling, lambda e: e)  # alignment only adds: this bounds the tile from above
        if free not in relaxed.free_symbols:
            if total > capacity:
                largest = 0
            continue
        bound = sympy.solve_univariate_inequality(relaxed <= capacity, free, relational=False).sup
        value = int(sympy.floor(bound / unit)) * unit
        while value >= unit and total.subs(free, value) > capacity:
            value -= unit
        largest = value if largest is None else min(largest, value)
    if largest is None:
        raise hl.ScheduleError(f"largest_tile: the local memory this schedule needs does not depend on the "
                               f"tile's {'width' if solve_width else 'height'}")
    if largest < unit:
        raise hl.ScheduleError(f"largest_tile: not even a tile {unit} {'wide' if solve_width else 'high'} fits "
                               f"{device.upper()}'s {capacity} bytes with this schedule")
    for out in outputs(largest):
        hl.Pipeline(out).lower(target, stop_after=CAPACITY_CHECK)  # raises if the compiler disagrees
    needs = max(int(total.subs(free, largest)) for _, total in budgets)
    w, h = (largest, height) if solve_width else (width, largest)
    return TileFit(w, h, needs, capacity, free, tuple(budgets))
