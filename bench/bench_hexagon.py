"""Hexagon cost without a noisy host: packets executed per output pixel under qemu-hexagon
(`-singlestep -d exec,nochain` logs one line per packet; only the pipeline call is counted).

    python3 bench/bench_hexagon.py [--size 1024x128] [--apps] [--target hexagon-v67-hvx128]

1. The 3x3 blur of the issue: uint8 in, (sum of the 3x3 neighbourhood in uint16 + 4) / 9 out,
   over an input that already holds the one-pixel border (no boundary condition), with and
   without HVX and under several schedules. Every output is checked against numpy.
2. With --apps, every example app and schedule at 256x128 (--app-size; the issue's figures are
   at 1024x512) under qemu-hexagon, in packets per output pixel of the frame (both planes),
   checked against the host run bit for bit. Only the pipelines' own packets are counted: the
   runtime they call (descriptor and buffer setup inside it, and the freestanding build's
   software DMA engines, which are hardware on a device) is left out (apps.hexagon.run).

Packet counts are deterministic: one run is the figure (no repeats, no medians).
Reference figures measured the same way on this kind of machine (issue 7): scalar C from
clang-19 -O2 about 6.0 packets per pixel, clang's HVX auto-vectorization 0.56 to 2.4, Halide 21's
HVX code generator about 0.10 with a good schedule. Target for halo: under 0.2.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import halo as hl

TARGET_PACKETS = 0.2


def blur(schedule, lanes):
    """(input ImageParam, output Func) of the issue's blur with `schedule` applied."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    out = hl.Func("blur")
    if schedule.startswith("direct"):
        s = None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                t = hl.cast(hl.UInt(32 if schedule == "direct_u32" else 16), inp[x + dx, y + dy])
                s = t if s is None else s + t
        out[x, y] = hl.cast(hl.UInt(8), (s + 4) / 9)
        if schedule in ("direct", "direct_u32"):
            out.vectorize(x, lanes)
        elif schedule.startswith("direct_rows"):
            rows = int(schedule.rsplit("_", 1)[1])
            yo, yi, xo, xi = hl.Var("yo"), hl.Var("yi"), hl.Var("xo"), hl.Var("xi")
            out.split(y, yo, yi, rows).split(x, xo, xi, lanes).reorder(xi, yi, xo, yo).vectorize(xi).unroll(yi)
        return inp, out
    bx = hl.Func("blur_x")
    bx[x, y] = hl.cast(hl.UInt(16), inp[x - 1, y]) + inp[x, y] + inp[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    yo, yi = hl.Var("yo"), hl.Var("yi")
    if schedule == "separable_sliding":
        # Halide's line-buffer schedule: each blur_x row computed once, kept in a 4-row fold
        out.split(y, yo, yi, 32).vectorize(x, lanes)
        bx.store_at(out, yo).compute_at(out, yi).fold_storage(y, 4).vectorize(x, lanes)
    elif schedule == "separable_tiled":
        out.split(y, yo, yi, 32).vectorize(x, lanes)
        bx.compute_at(out, yo).vectorize(x, lanes)
    else:
        raise ValueError(schedule)
    return inp, out


SCHEDULES = {
    "direct_scalar": "no vectorize()",
    "direct": "vectorize(x, 128)",
    "direct_u32": "vectorize(x, 128), summed in uint32 as the apps do",
    "direct_rows_2": "vectorize(x, 128), 2 rows unrolled",
    "direct_rows_4": "vectorize(x, 128), 4 rows unrolled",
    "separable_tiled": "blur_x at 32-row strips",
    "separable_sliding": "blur_x line buffer (fold 4)",
}


def blur_reference(a):
    h, w = a.shape[0] - 2, a.shape[1] - 2
    p = a.astype(np.uint16)
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(np.uint8)


def run_blur(width, height, target):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (height + 2, width + 2)).astype(np.uint8)
    want = blur_reference(a)
    lanes = hl.Target.parse(target).natural_vector_size(hl.UInt(8))
    rows = []
    for name, text in SCHEDULES.items():
        _, out = blur(name, lanes)
        buf = hl.Buffer(a)
        buf.set_min([-1, -1])
        res = hl.Buffer(hl.UInt(8), [width, height], "blur")
        compiled = out.compile_jit(target=target)
        packets = compiled.packets({"input": buf, "blur": res})
        ok = np.array_equal(np.asarray(res), want)
        rows.append((name, text, packets, packets / (width * height), ok))
    return rows


def run_apps(target, width=256, height=128):
    from apps.__main__ import APPS, FORMATS
    from apps.common import synthetic_planes
    from apps.hexagon import run_with_host
    rows = []
    for app in APPS.values():
        for fmt, ubwc in FORMATS[app.name]:
            planes = synthetic_planes(fmt, width, height)
            for schedule in app.schedules:
                host, hx, same = run_with_host(app, schedule, fmt, ubwc, planes, "SM8150", target)
                rows.append((app.name, schedule, f"{fmt}{' UBWC' if ubwc else ''}",
                             hx.packets / (width * height), same and host.ok))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="1024x128")
    ap.add_argument("--target", default="hexagon-v67-hvx128")
    ap.add_argument("--apps", action="store_true", help="also count the example apps")
    ap.add_argument("--app-size", default="256x128", help="the apps' frame size (the issue's: 1024x512)")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    app_width, app_height = (int(v) for v in args.app_size.split("x"))
    print(f"3x3 blur, {width}x{height} uint8, {args.target}, packets per output pixel "
          f"(target < {TARGET_PACKETS}; Halide 21 about 0.10, clang -O2 scalar about 6.0)\n")
    print("| schedule | what | packets | packets / pixel | matches numpy |")
    print("|---|---|---|---|---|")
    failed = False
    for name, text, packets, ppp, ok in run_blur(width, height, args.target):
        print(f"| {name} | {text} | {packets} | {ppp:.3f} | {'yes' if ok else 'NO'} |")
        failed |= not ok
    if args.apps:
        print(f"\nexample apps at {app_width}x{app_height} under qemu-hexagon, packets per output pixel\n")
        print("| app | schedule | format | packets / pixel | matches host |")
        print("|---|---|---|---|---|")
        for name, schedule, fmt, ppp, ok in run_apps(args.target, app_width, app_height):
            print(f"| {name} | {schedule} | {fmt} | {ppp:.3f} | {'yes' if ok else 'NO'} |")
            failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
