"""DMA schedules on a 3840x2160 NV12 frame: the basic and async schedules of a compute-heavy
stencil (a 5x5 box blur of the Y plane), read and written with UBWCDMA, with the engines
modelled at a device-like bandwidth (the simulator's engines otherwise copy at memory speed,
which leaves nothing for async to hide). Prints the median time of each schedule, the speed-up
and the fraction of DMA time that overlapped compute, from the runtime's trace.

    python3 bench/bench_dma_schedules.py [--repeats N] [--bandwidth MB/s]
"""
import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import halo as hl  # noqa: E402
from halo import runtime, tracing  # noqa: E402
from halo.runtime import frames, ubwcdma  # noqa: E402

W, H = 3840, 2160
TILE_W, TILE_H = 256, 64


def pipeline(schedule):
    x, y, tx, ty = hl.Var("x"), hl.Var("y"), hl.Var("tx"), hl.Var("ty")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
    in_copy[x, y] = inp[x, y]
    rep = hl.BoundaryConditions.repeat_edge(
        in_copy, [(inp.dim(0).min(), inp.dim(0).extent()), (inp.dim(1).min(), inp.dim(1).extent())])
    s = None
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            term = hl.cast(hl.UInt(16), rep[x + dx, y + dy])
            s = term if s is None else s + term
    work[x, y] = hl.cast(hl.UInt(8), (s + 12) / 25)
    out[x, y] = work[x, y]
    out.hexagon_ubwcdma_write()
    out.tile(x, y, tx, ty, x, y, TILE_W, TILE_H)
    in_copy.compute_at(out, tx).hexagon_ubwcdma_read().store_in(hl.MemoryType.LockedCache)
    work.compute_at(out, tx).store_in(hl.MemoryType.LockedCache).vectorize(x, 32)
    if schedule == "async":
        in_copy.store_at(out, ty).fold_storage(x, 4 * TILE_W).async_()
        work.store_at(out, ty).fold_storage(x, 2 * TILE_W).async_()
    return out.compile_jit(target="host-sm8250")


def run(compiled, fin, fout, trace=False):
    with ubwcdma.Engine() as er, ubwcdma.Engine() as ew:
        ubwcdma.power_mode_voting("turbo")
        din, dout = ubwcdma.DmaFrame(fin), ubwcdma.DmaFrame(fout)
        din.prepare(er, "read")
        dout.prepare(ew, "write")
        try:
            if trace:
                runtime.trace_clear()
                runtime.trace_enable(True)
            t0 = time.perf_counter()
            compiled({"input": din.planes["y"], "out": dout.planes["y"]})
            dt = time.perf_counter() - t0
        finally:
            runtime.trace_enable(False)
            ubwcdma.power_mode_voting("default")
            din.unprepare()
            dout.unprepare()
            din.detach()
            dout.detach()
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--bandwidth", type=int, default=2000, help="modelled MB/s at TURBO (0: memory speed)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 256, (H, W)).astype(np.uint8)
    uv = rng.integers(0, 256, (H // 2, W // 2, 2)).astype(np.uint8)
    fin = frames.pack("nv12", y, uv)
    p = np.pad(y.astype(np.uint16), 2, mode="edge")
    want = ((sum(p[2 + dy:2 + dy + H, 2 + dx:2 + dx + W] for dy in range(-2, 3) for dx in range(-2, 3)) + 12)
            // 25).astype(np.uint8)
    runtime.lib.halo_hexagon_dma_set_bandwidth_model(args.bandwidth)
    rows = []
    for schedule in ("basic", "async"):
        compiled = pipeline(schedule)
        fout = frames.pack("nv12", np.zeros_like(y), np.zeros_like(uv))
        run(compiled, fin, fout)
        assert np.array_equal(frames.unpack(fout)[0], want), f"{schedule} result differs from numpy"
        times = [run(compiled, fin, fout) for _ in range(args.repeats)]
        run(compiled, fin, fout, trace=True)
        overlap = tracing.overlap_fraction(runtime.trace_json())
        runtime.trace_clear()
        rows.append((schedule, statistics.median(times) * 1e3, overlap))
    runtime.lib.halo_hexagon_dma_set_bandwidth_model(0)
    print(f"# 5x5 blur of a {W}x{H} NV12 Y plane, UBWCDMA read + write, tiles {TILE_W}x{TILE_H}, "
          f"engines modelled at {args.bandwidth} MB/s (TURBO), median of {args.repeats}")
    print("| schedule | ms | DMA time overlapping compute |")
    print("|---|---|---|")
    for schedule, ms, overlap in rows:
        print(f"| {schedule} | {ms:.2f} | {overlap * 100:.0f}% |")
    basic, async_ = rows[0][1], rows[1][1]
    print(f"\nasync is {basic / async_:.2f}x the speed of basic "
          f"({'faster' if async_ < basic else 'NOT faster'})")


if __name__ == "__main__":
    main()
