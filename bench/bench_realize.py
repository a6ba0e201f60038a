"""What realize() costs beyond the compiled pipeline: the 4K separable blur (the README's
schedule: tiles of 64x32, parallel rows of tiles, vectorized by 16) run as

- bare: the loaded C function called through cffi with halo_buffer_t pointers built once;
- compiled: Compiled.__call__ with numpy arrays (buffers wrapped per call);
- realize: Func.realize([W, H]) (finds the compiled pipeline, allocates the output, wraps, calls).

    python3 bench/bench_realize.py [--repeats 41]

The three are interleaved, each figure is the median wall time of `repeats` calls (the pipeline
runs on 2 threads, so wall time is what a caller waits), after a warm-up; the ratios to the bare
call are what the lowering-core issue bounds (realize <= 1.15x)."""
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
from halo import runtime  # noqa: E402

W, H = 3840, 2160


def blur():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("bx"), hl.Func("blur")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 64, 32).parallel(yo).vectorize(xi, 16)
    bx.compute_at(out, xo).vectorize(x, 16)
    return inp, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=41)
    args = ap.parse_args()
    inp, out = blur()
    frame = np.random.default_rng(0).integers(0, 256, (H, W)).astype(np.uint8)
    inp.set(hl.Buffer(frame))
    compiled = out.compile_jit()
    dst = np.empty_like(frame)
    hb_in, hb_out = runtime.buffer_from_array(frame), runtime.buffer_from_array(dst)
    ptr = compiled.ffi.typeof("halo_buffer_t *")
    call_args = [runtime.ffi.NULL, compiled.ffi.cast(ptr, hb_in), compiled.ffi.cast(ptr, hb_out)]
    assert [a.name for a in compiled.args] == ["input", "blur"]

    def bare():
        assert compiled.fn(*call_args) == 0

    def call():
        compiled({"input": frame, "blur": dst})

    def realize():
        out.realize([W, H])

    call()
    assert np.array_equal(np.asarray(out.realize([W, H])), dst)
    cases = {"bare C call": bare, "Compiled(values)": call, "realize()": realize}
    times = {k: [] for k in cases}
    for fn in cases.values():
        fn()
    for _ in range(args.repeats):
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["bare C call"])
    print(f"4K separable blur ({W}x{H}), median of {args.repeats} interleaved calls\n")
    print("| call | ms | / bare |")
    print("|---|---|---|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name} | {m * 1e3:.3f} | {m / base:.3f}x |")


if __name__ == "__main__":
    main()
