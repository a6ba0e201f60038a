"""`python -m apps`: halo's main job. Until the DMA example apps land (issue 6), it runs the core
demo pipeline: a 3x3 box blur with clamped edges on a synthetic frame, scheduled in tiles with a
parallel outer loop and vectorized rows, verified against numpy; it exits non-zero on a mismatch."""
import argparse
import sys
import time

import numpy as np

import halo as hl


def blur_pipeline():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("blur_x"), hl.Func("blur")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    out.tile(x, y, xo, yo, xi, yi, 128, 32).parallel(yo).vectorize(xi, 32)
    bx.compute_at(out, xo).vectorize(x, 32)
    return inp, out


def reference(a):
    p = np.pad(a.astype(np.uint16), 1, mode="edge")
    h, w = a.shape
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(np.uint8)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m apps", description=__doc__)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (args.height, args.width)).astype(np.uint8)
    inp, out = blur_pipeline()
    inp.set(hl.Buffer(frame))
    t0 = time.perf_counter()
    compiled = out.compile_jit()
    compile_ms = (time.perf_counter() - t0) * 1e3
    result = np.empty_like(frame)
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        compiled({"input": frame, "blur": result})
        times.append(time.perf_counter() - t)
    ok = np.array_equal(result, reference(frame))
    ms = float(np.median(times)) * 1e3
    print("| app | size | compile ms | run ms (median) | Mpixel/s | matches numpy |")
    print("|---|---|---|---|---|---|")
    print(f"| blur3x3 (tiled, parallel, vectorized) | {args.width}x{args.height} | {compile_ms:.0f} | {ms:.3f} | "
          f"{args.width * args.height / ms / 1e3:.0f} | {'yes' if ok else 'NO'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
