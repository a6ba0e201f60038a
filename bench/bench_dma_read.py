"""Linear NV12 UBWCDMA read throughput against memcpy of the same bytes, and the DDR bytes UBWC
saves on a natural-looking synthetic image.

    python bench/bench_dma_read.py [--width 1920 --height 1080 --repeats 31]

Every figure is a median of `repeats` runs measured in this process, so the ratios compare like
with like on whatever machine runs it. "wall" includes handing the transfers to the engine's
worker thread and waiting for them; "engine" is the worker's own busy time (halo_dma_stats_t).
The local side is ordinary host memory here (a whole 1080p frame exceeds the locked-cache
capacity); the engine code path is the same as for local-memory tiles.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from halo.runtime import ffi, frames, ubwcdma


def natural_image(width: int, height: int, seed: int = 1):
    """Smooth shading, a few hard-edged shapes, fine texture and sensor noise: something like a
    camera frame, so UBWC's per-tile compression sees realistic statistics."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    img = 90 + 50 * np.sin(xx / 210.0) * np.cos(yy / 160.0) + 30 * (yy / height)
    for _ in range(12):  # shapes with sharp edges
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(30, 220)
        img = np.where((xx - cx) ** 2 + (yy - cy) ** 2 < r * r, img * 0.5 + rng.uniform(40, 200), img)
    img += 6 * np.sin(xx / 3.1) * np.sin(yy / 2.7) * (xx > width / 2)  # texture on one half
    img += rng.normal(0, 1.5, img.shape)  # sensor noise
    y = np.clip(img, 0, 255).astype(np.uint8)
    cy_, cx_ = np.mgrid[0:(height + 1) // 2, 0:(width + 1) // 2].astype(np.float64)
    u = 128 + 20 * np.sin(cx_ / 90.0) + rng.normal(0, 1.0, cx_.shape)
    v = 128 + 20 * np.cos(cy_ / 70.0) + rng.normal(0, 1.0, cy_.shape)
    uv = np.clip(np.stack([u, v], axis=-1), 0, 255).astype(np.uint8)
    return y, uv


def median_ns(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times)


def dma_read(frame: frames.Frame, strip_rows: int, repeats: int):
    """Median wall and engine-busy time of reading the whole frame, as strips of strip_rows luma
    rows (0 = one transfer per plane), all queued on one engine before waiting."""
    lay = frame.layout
    rows = strip_rows or lay.height
    # 256-byte aligned rows and strips, as UBWC local memory requires
    y_dst = frames.aligned_zeros((lay.height, lay.width), np.uint8)
    uv_dst = frames.aligned_zeros(lay.uv_shape, np.uint8)
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)

        def run():
            started = []
            for y0 in range(0, lay.height, rows):
                h = min(rows, lay.height - y0)
                started.append(dma.start("y", y_dst[y0:y0 + h], 0, y0))
                c0, ch = y0 // 2, (h + 1) // 2
                started.append(dma.start("uv", uv_dst[c0:c0 + ch], 0, c0))
            for t in started:
                t.wait()

        run()  # warm: pages touched, worker running
        ubwcdma.reset_stats()
        wall = median_ns(run, repeats)
        s = eng.stats()
        dma.unprepare()
    y_ref, uv_ref = frame.unpack()
    assert (y_dst == y_ref).all() and (uv_dst == uv_ref).all()
    return wall, s.busy_ns / repeats, s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--repeats", type=int, default=31)
    args = ap.parse_args()
    w, h, n = args.width, args.height, args.repeats
    y, uv = natural_image(w, h)
    frame = frames.pack_nv12(y, uv)
    nbytes = y.nbytes + uv.nbytes

    src = frames.aligned_empty(nbytes)
    src[:] = frame.data[:nbytes]
    dst = frames.aligned_empty(nbytes)
    dst[:] = 0
    s_ptr, d_ptr = ffi.cast("void *", src.ctypes.data), ffi.cast("void *", dst.ctypes.data)
    ffi.memmove(d_ptr, s_ptr, nbytes)
    memcpy_ns = median_ns(lambda: ffi.memmove(d_ptr, s_ptr, nbytes), n)

    print(f"Linear NV12 {w}x{h} DMA read ({nbytes} bytes), medians of {n} runs")
    print(f"{'case':<40}{'ms':>9}{'GB/s':>9}{'x memcpy':>10}")
    print(f"{'memcpy (one call)':<40}{memcpy_ns / 1e6:>9.3f}{nbytes / memcpy_ns:>9.2f}{1.0:>10.2f}")
    for label, strip in (("DMA, one transfer per plane", 0), ("DMA, 64-row strips, queued", 64)):
        wall, busy, _ = dma_read(frame, strip, n)
        print(f"{label + ' (wall)':<40}{wall / 1e6:>9.3f}{nbytes / wall:>9.2f}{memcpy_ns / wall:>10.2f}")
        print(f"{label + ' (engine)':<40}{busy / 1e6:>9.3f}{nbytes / busy:>9.2f}{memcpy_ns / busy:>10.2f}")

    ubwc = frames.pack_nv12(y, uv, ubwc=True)
    _, _, s = dma_read(ubwc, 0, 3)
    print()
    print(f"UBWC NV12 {w}x{h} on a natural-looking synthetic image (full-frame DMA read)")
    print(f"{'linear bytes':<40}{s.uncompressed_bytes // 3:>12}")
    print(f"{'UBWC DDR bytes (payload + meta)':<40}{s.ddr_bytes // 3:>12}")
    print(f"{'bytes saved':<40}{s.bytes_saved // 3:>12}  ({100 * s.bytes_saved / s.uncompressed_bytes:.1f}%)")
    print(f"{'frame allocation (UBWC layout)':<40}{ubwc.layout.size:>12}")


if __name__ == "__main__":
    main()
