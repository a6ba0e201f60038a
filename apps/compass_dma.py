"""The Compass DSL's DMA, one kernel per section of its guide (shared/seeds/
compass_dsl_how_to_use_dma.md), written as the guide writes them, compiled and checked
against numpy and halo's Python interpretation of the same kernel:

    python3 -m apps.compass_dma            (--bandwidth MB/s, --trace out.json)

- Synchronous DMA: a buffer matched over the input, an lsram buffer, dma_copy there and back
  (and the same with pointers of a scope instead of buffers);
- DMA with stride: the guide's picture, 5 of every 8 elements to 5 of every 6, 4 times;
- Asynchronous DMA: two copies on two events, wait, compute, free;
- a double-buffered loop: tile t + 1 is fetched while tile t is computed (ping-pong between
  the two halves of an lsram buffer on two events), beside the same loop with synchronous
  copies; with the runtime's bandwidth model on, the first is faster and its trace shows the
  copies overlapping the compute loop."""
import argparse
import time

import numpy as np

import halo.compass as S
from halo import runtime, tracing
from halo.runtime import compass as compass_runtime

dtype = "int8"
width = 100

# "Also, you can use ptr instead of buffer."
ptr_src = S.ptr(dtype, scope="global")
ptr_dst = S.ptr(dtype, scope="lsram")


@S.prim_func
def sync_copy(a: S.ptr(dtype, "global")):
    buffer_src = S.match_buffer(a, (100,))
    buffer_dst = S.alloc_buffer((100,), dtype, scope="lsram")
    S.dma_copy(buffer_dst, buffer_src, width)
    for i in range(width):
        buffer_dst[i] = buffer_dst[i] * 3 + 1
    S.dma_copy(buffer_src, buffer_dst, width)


@S.prim_func
def sync_copy_pointers(a: ptr_src, b: ptr_dst):
    S.dma_copy(b, a, width)
    for i in range(width):
        b[i] = max(b[i], 0)
    S.dma_copy(a + 50, b, width - 50)


@S.prim_func
def strided_copy(a: S.ptr(dtype, "global"), b: S.ptr(dtype, "global")):
    buffer_src = S.match_buffer(a, (4, 8))
    buffer_dst = S.alloc_buffer((4, 6), dtype, scope="lsram")
    out = S.match_buffer(b, (4, 6))
    S.dma_copy(buffer_dst, buffer_src, width=5, src_stride=8, times=4, dst_stride=6)
    for r in range(4):
        buffer_dst[r, 5] = -1
    S.dma_copy(out, buffer_dst, 24)


@S.prim_func
def two_events(a: S.ptr(dtype, "global"), b: S.ptr(dtype, "global"), c: S.ptr(dtype, "global")):
    buffer_src_0 = S.match_buffer(a, (width,))
    buffer_src_1 = S.match_buffer(b, (width,))
    out = S.match_buffer(c, (width,))
    buffer_dst_0 = S.alloc_buffer((width,), dtype, scope="lsram")
    buffer_dst_1 = S.alloc_buffer((width,), dtype, scope="shared")
    ev0, ev1 = S.alloc_events(2)
    S.async_dma_copy(buffer_dst_0, buffer_src_0, width, event=ev0)
    S.async_dma_copy(buffer_dst_1, buffer_src_1, width, event=ev1)
    S.wati_events(ev0)
    S.wait_events(ev0, ev1)
    for i in range(width):
        buffer_dst_0[i] = buffer_dst_0[i] - buffer_dst_1[i]
    S.async_dma_copy(out, buffer_dst_0, width, event=ev0)
    S.wait_events(ev0)
    S.free_events(ev0, ev1)


TILE = 2048  # float32 elements per tile: 8 KiB, two of them in lsram


@S.prim_func
def double_buffered(a: S.ptr("float32", "global"), b: S.ptr("float32", "global"), n: S.i32, reps: S.i32):
    src = S.match_buffer(a, (n * TILE,))
    dst = S.match_buffer(b, (n * TILE,))
    buf = S.alloc_buffer((2 * TILE,), "float32", scope="lsram")
    ev0, ev1 = S.alloc_events(2)
    S.async_dma_copy(buf, src, TILE, event=ev0)
    for t in range(n):
        cur = (t % 2) * TILE
        if t + 1 < n:
            # fetch the next tile into the other half, on the other event
            if t % 2 == 0:
                S.async_dma_copy(buf[TILE:], src[(t + 1) * TILE:], TILE, event=ev1)
            else:
                S.async_dma_copy(buf, src[(t + 1) * TILE:], TILE, event=ev0)
        if t % 2 == 0:
            S.wait_events(ev0)
        else:
            S.wait_events(ev1)
        for i in range(TILE):
            x = buf[cur + i]
            acc = x
            for r in range(reps):
                acc = acc * 0.5 + x
            dst[t * TILE + i] = acc
    S.free_events(ev0, ev1)


@S.prim_func
def double_buffered_sync(a: S.ptr("float32", "global"), b: S.ptr("float32", "global"), n: S.i32, reps: S.i32):
    src = S.match_buffer(a, (n * TILE,))
    dst = S.match_buffer(b, (n * TILE,))
    buf = S.alloc_buffer((TILE,), "float32", scope="lsram")
    for t in range(n):
        S.dma_copy(buf, src[t * TILE:], TILE)
        for i in range(TILE):
            x = buf[i]
            acc = x
            for r in range(reps):
                acc = acc * 0.5 + x
            dst[t * TILE + i] = acc


def expected_double_buffered(a, reps):
    acc = a.copy()
    for _ in range(reps):
        acc = acc * np.float32(0.5) + a
    return acc


def timed(kernel, *args, repeats=3):
    """The least wall time of `repeats` runs (the copies sleep under the bandwidth model, so wall
    time is what the overlap saves)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        kernel(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def traced_overlap(kernel, *args):
    """(overlap fraction of the DMA time with compute, the trace) of one run."""
    runtime.trace_clear()
    runtime.trace_enable(True)
    try:
        kernel(*args)
        trace = runtime.trace_json()
    finally:
        runtime.trace_enable(False)
    return tracing.overlap_fraction(trace), trace


def run_all(bandwidth, trace_path=None):
    rng = np.random.default_rng(0)
    rows = []

    def both(kernel, make, check):
        compiled, interpreted = make(), make()
        kernel(*compiled)
        kernel.interpret(*interpreted)
        ok = all(np.array_equal(x, y) for x, y in zip(compiled, interpreted)) and check(*compiled)
        rows.append((kernel.__name__, ok))

    a0 = rng.integers(-128, 128, 100, dtype=np.int8)
    both(sync_copy, lambda: [a0.copy()], lambda a: np.array_equal(a, a0 * np.int8(3) + np.int8(1)))
    lsram = np.zeros(width, np.int8)
    both(sync_copy_pointers, lambda: [a0.copy(), lsram.copy()],
         lambda a, b: np.array_equal(a[50:], np.maximum(a0, 0)[:50]) and np.array_equal(a[:50], a0[:50]))
    s0 = np.arange(32, dtype=np.int8)
    want = np.full((4, 6), -1, np.int8)
    want[:, :5] = s0.reshape(4, 8)[:, :5]
    both(strided_copy, lambda: [s0.copy(), np.zeros(24, np.int8)],
         lambda a, b: np.array_equal(b.reshape(4, 6), want))
    x0, x1 = (rng.integers(-128, 128, width, dtype=np.int8) for _ in range(2))
    both(two_events, lambda: [x0.copy(), x1.copy(), np.zeros(width, np.int8)],
         lambda a, b, c: np.array_equal(c, x0 - x1))
    n = 3
    f0 = rng.random(n * TILE, dtype=np.float32)
    both(double_buffered, lambda: [f0.copy(), np.zeros_like(f0), n, 1],
         lambda a, b, *_: np.array_equal(b, expected_double_buffered(f0, 1)))

    n, reps = 12, 200
    f0 = rng.random(n * TILE, dtype=np.float32)
    out_async, out_sync = np.zeros_like(f0), np.zeros_like(f0)
    compass_runtime.set_bandwidth_model(bandwidth)
    try:
        t_sync = timed(double_buffered_sync, f0, out_sync, n, reps)
        t_async = timed(double_buffered, f0, out_async, n, reps)
        overlap, trace = traced_overlap(double_buffered, f0, out_async, n, reps)
    finally:
        compass_runtime.set_bandwidth_model(0)
    if trace_path:
        import json
        with open(trace_path, "w") as f:
            json.dump(trace, f)
    same = np.array_equal(out_async, expected_double_buffered(f0, reps)) and np.array_equal(out_async, out_sync)
    return rows, same, t_sync, t_async, overlap


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bandwidth", type=int, default=50, help="modelled DMA MB/s (0: memory speed)")
    ap.add_argument("--trace", help="write the double-buffered run's Chrome trace here")
    args = ap.parse_args(argv)
    rows, same, t_sync, t_async, overlap = run_all(args.bandwidth, args.trace)
    for name, ok in rows:
        print(f"{name:22s} {'ok' if ok else 'MISMATCH'} (compiled = interpreted = numpy)")
    print(f"double buffered at {args.bandwidth} MB/s: {t_async * 1e3:.2f} ms, synchronous copies "
          f"{t_sync * 1e3:.2f} ms; DMA time overlapped with compute: {overlap:.0%}; "
          f"{'ok' if same else 'MISMATCH'}")
    return 0 if same and all(ok for _, ok in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
