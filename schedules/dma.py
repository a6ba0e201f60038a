"""Reusable DMA schedules (import halo.schedules.dma), in the shape of Halide's Hexagon DMA apps.

A DMA pipeline has three parts per plane: `in_copy` (a pure wrapper of the input, filled by a
DMA read), `work` (the computation, in local memory) and `out` (the output, a pure wrapper of
work, drained by a DMA write). `tiled` gives it one of Halide's five schedules; `line_buffered`
streams whole rows through a folded line buffer instead of tiles.

    x, y = hl.Var("x"), hl.Var("y")
    in_copy[x, y] = inp[x, y]; work[x, y] = ...in_copy...; out[x, y] = work[x, y]
    halo.schedules.dma.tiled(out, in_copy, work, "async", tile=(128, 32))
"""
import halo as hl

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
    if vector:
        work.vectorize(x, vector)
    if c is not None:
        for f in (in_copy, work):
            f.bound(c, 0, 2)
            if not deinterleave:
                f.reorder_storage(c, x, y)
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
