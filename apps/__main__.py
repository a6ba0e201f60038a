"""`python -m apps`: run halo's example DMA apps, verify them against numpy and print a table.

    python -m apps                                   all apps, schedules and formats at 1920x1080
    python -m apps --app dma_nv12_rw --schedule async --format ubwc --size 3840x2160
    python -m apps --device SM8250 --dma-bandwidth 2000 --out results/   (PNG outputs + traces)
    python -m apps --app dma_nv12_blur_stencil --input frame.yuv --size 1920x1080
    python -m apps --target hexagon-v67-hvx128 --size 512x256   (under qemu-hexagon, HVX)

The DMA engines are simulated; --dma-bandwidth models their bandwidth (MB/s at TURBO) so that
the overlap of DMA and compute shows in the table (0: the engines copy at memory speed).
With a Hexagon --target every run is built for Hexagon (clang-19, lld-19), run under
qemu-hexagon and compared bit for bit with the same app run on the host; the table then gives
executed Hexagon packets per output pixel of the pipelines' own code instead of times (the
runtime they call, software DMA engines included, is not counted). Exits non-zero if any output differs from numpy's (or the host's).
"""
import argparse
import pathlib
import sys
import zlib

import numpy as np

import halo as hl

from .common import DEVICES, run_app, synthetic_planes
from .dma_nv12_blur_stencil import APP as NV12_BLUR
from .dma_nv12_rw import APP as NV12_RW
from .dma_p010_rw_async import APP as P010_RW
from .dma_raw_blur_rw_async import APP as RAW_BLUR

APPS = {a.name: a for a in (RAW_BLUR, P010_RW, NV12_BLUR, NV12_RW)}
# frame formats each app runs on: (format, UBWC)
FORMATS = {RAW_BLUR.name: [("raw", False)], P010_RW.name: [("p010", False)],
           NV12_BLUR.name: [("nv12", False)], NV12_RW.name: [("nv12", False), ("nv12", True)]}


def write_png(path, plane):
    """An 8-bit grayscale PNG of a plane (10-bit samples are scaled to 8 bits)."""
    a = np.asarray(plane)
    if a.dtype != np.uint8:
        a = (a >> 2).astype(np.uint8)
    h, w = a.shape
    raw = b"".join(b"\0" + a[r].tobytes() for r in range(h))

    def chunk(tag, data):
        body = tag + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    header = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
                     + chunk(b"IEND", b""))


def read_planes(path, fmt, width, height):
    """Y and UV planes of a user's frame: a .yuv file (NV12 or P010 as laid out by ffmpeg) or a
    grayscale .png (Y; UV neutral)."""
    path = pathlib.Path(path)
    if path.suffix == ".png":
        try:
            from PIL import Image
        except ImportError:
            sys.exit("reading .png input needs Pillow (pip install pillow); or pass a .yuv file")
        y = np.asarray(Image.open(path).convert("L"))
        height, width = y.shape
        uv = np.full((height // 2, width // 2, 2), 128, np.uint8)
        return (y, None if fmt == "raw" else uv), width, height
    dt = np.uint16 if fmt == "p010" else np.uint8
    data = np.fromfile(path, dtype=dt)
    n = width * height
    if data.size < n + (0 if fmt == "raw" else n // 2):
        sys.exit(f"{path}: {data.size} samples, but a {width}x{height} {fmt} frame needs {n + n // 2}")
    y = data[:n].reshape(height, width)
    uv = None if fmt == "raw" else data[n:n + n // 2].reshape(height // 2, width // 2, 2)
    if fmt == "p010":
        y, uv = y >> 6, uv >> 6
    return (y, uv), width, height


def _progress(i, jobs, app, schedule, fmt, ubwc):
    bar = "#" * (20 * i // max(len(jobs), 1))
    print(f"\r[{bar:<20}] {i + 1}/{len(jobs)} {app.name} {schedule} {fmt}{' UBWC' if ubwc else ''}",
          end="", file=sys.stderr, flush=True)


def run_hexagon(jobs, args, target, width, height):
    """Every job under qemu-hexagon, checked against the host run and numpy."""
    from . import hexagon
    print(f"halo example apps on {target} under qemu-hexagon: {width}x{height}, device {args.device}\n")
    print("| app | schedule | format | packets / pixel | transfers | DDR bytes | local memory | "
          "matches host | matches numpy |")
    print("|---|---|---|---|---|---|---|---|---|")
    failures = 0
    for i, (app, schedule, fmt, ubwc) in enumerate(jobs):
        _progress(i, jobs, app, schedule, fmt, ubwc)
        planes = None
        if args.input:
            planes, width, height = read_planes(args.input, fmt, width, height)
        planes = planes or synthetic_planes(fmt, width, height)
        try:
            host, r, same = hexagon.run_with_host(app, schedule, fmt, ubwc, planes, args.device, target)
        except Exception as e:  # a failed run is a row of the table, not the end of it
            failures += 1
            print(f"| {app.name} | {schedule} | {fmt}{' UBWC' if ubwc else ''} | failed: "
                  f"{type(e).__name__}: {e} | | | | no | no |")
            continue
        failures += 0 if (same and host.ok) else 1
        print(f"| {app.name} | {schedule} | {fmt}{' UBWC' if ubwc else ''} | {r.packets / (width * height):.3f} | "
              f"{r.transfers} | {r.ddr_bytes} | {r.local_bytes} | {'yes' if same else 'NO'} | "
              f"{'yes' if host.ok else 'NO'} |")
    print(file=sys.stderr)
    if failures:
        print(f"\n{failures} run(s) failed or differ from the host or numpy")
    return 1 if failures else 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m apps", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", action="append", choices=sorted(APPS), help="app(s) to run (default: all)")
    ap.add_argument("--schedule", action="append", help="schedule(s) (default: all the app has)")
    ap.add_argument("--format", choices=["all", "linear", "ubwc"], default="all")
    ap.add_argument("--size", default="1920x1080", help="WIDTHxHEIGHT (default 1920x1080)")
    ap.add_argument("--device", choices=sorted(DEVICES), default="SM8250")
    ap.add_argument("--input", help="a .yuv or .png frame instead of the synthetic one")
    ap.add_argument("--out", help="folder for output PNGs and Chrome traces")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dma-bandwidth", type=int, default=2000, help="modelled MB/s at TURBO (0: memory speed)")
    ap.add_argument("--target", default="host",
                    help="host (default) or a Hexagon target such as hexagon-v67-hvx128 (runs under qemu-hexagon)")
    args = ap.parse_args(argv)
    try:
        target = hl.Target.parse(args.target)
    except hl.HaloError as e:
        sys.exit(str(e))
    width, height = (int(v) for v in args.size.lower().split("x"))
    out_dir = pathlib.Path(args.out) if args.out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    jobs = []
    for name in args.app or sorted(APPS):
        app = APPS[name]
        for schedule in args.schedule or app.schedules:
            if schedule not in app.schedules:
                sys.exit(f"{name} has no schedule {schedule!r}; it has {', '.join(app.schedules)}")
            for fmt, ubwc in FORMATS[name]:
                if (args.format == "linear" and ubwc) or (args.format == "ubwc" and not ubwc):
                    continue
                jobs.append((app, schedule, fmt, ubwc))
    if target.arch == "hexagon":
        return run_hexagon(jobs, args, target, width, height)
    print(f"halo example apps: {width}x{height}, device {args.device}, DMA modelled at "
          f"{args.dma_bandwidth or 'memory-speed'} MB/s, median of {args.repeats}\n")
    print("| app | schedule | format | ms | MP/s | transfers | DDR bytes | saved by UBWC | local memory | "
          "DMA overlapping compute | matches numpy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failures = 0
    for i, (app, schedule, fmt, ubwc) in enumerate(jobs):
        _progress(i, jobs, app, schedule, fmt, ubwc)
        planes = None
        if args.input:
            planes, width, height = read_planes(args.input, fmt, width, height)
        try:
            r = run_app(app, schedule, fmt, ubwc, width, height, args.device, args.repeats, planes,
                        args.dma_bandwidth, trace=True)
        except Exception as e:  # a failed run is a row of the table, not the end of it
            failures += 1
            print(f"| {app.name} | {schedule} | {fmt}{' UBWC' if ubwc else ''} | failed: "
                  f"{type(e).__name__}: {e} | | | | | | | no |")
            continue
        saved = r.uncompressed_bytes - r.ddr_bytes
        saved_text = f"{saved} ({100 * saved / max(r.uncompressed_bytes, 1):.0f}%)" if ubwc else "-"
        print(f"| {r.app} | {r.schedule} | {r.fmt} | {r.ms:.2f} | {r.mpix_per_s:.0f} | {r.transfers} | {r.ddr_bytes} | "
              f"{saved_text} | {r.local_bytes} / {r.capacity} | {r.overlap * 100:.0f}% | {'yes' if r.ok else 'NO'} |")
        failures += 0 if r.ok else 1
        if out_dir:
            stem = f"{r.app}-{r.schedule}-{fmt}{'-ubwc' if ubwc else ''}"
            write_png(out_dir / f"{stem}.png", r.output[0])
            import json
            (out_dir / f"{stem}.trace.json").write_text(json.dumps(r.trace))
    print(file=sys.stderr)
    if failures:
        print(f"\n{failures} run(s) failed or differ from numpy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
