"""`python -m apps`: run halo's example DMA apps, verify them against numpy and print a table.

    python -m apps                                   all apps, schedules and formats on a photograph
    python -m apps --app dma_nv12_rw --schedule async --format ubwc --size 3840x2160
    python -m apps --device SM8250 --dma-bandwidth 2000 --out results/   (pictures, traces, timelines)
    python -m apps --app dma_nv12_blur_stencil --input clip.mp4 --frames 10
    python -m apps --input frame.yuv --size 1920x1080 | --input photo.jpg | --input synthetic
    python -m apps --target hexagon-v67-hvx128 --size 512x256   (under qemu-hexagon, HVX)

The default input is the photograph matplotlib ships in its wheel (grace_hopper.jpg, 512x600);
an image is converted to each app's format (BT.601 limited range unless --matrix bt709), a
video (.y4m, .mp4, .mkv) is decoded by ffmpeg and every frame is run and verified, and --size
scales an image or video to cover that size and crops it around the centre. With --out, each
run writes its first frame's input and output pictures, the two side by side, its Chrome trace
and a timeline picture of the first tiles' DMA transfers and compute.

The DMA engines are simulated; --dma-bandwidth models their bandwidth (MB/s at TURBO) so that
the overlap of DMA and compute shows in the table (0: the engines copy at memory speed).
With a Hexagon --target every run is built for Hexagon (clang-19, lld-19), run under
qemu-hexagon and compared bit for bit with the same app run on the host; the table then gives
executed Hexagon packets per output pixel of the pipelines' own code instead of times (the
runtime they call, software DMA engines included, is not counted). Exits non-zero if any output differs from numpy's (or the host's).
"""
import argparse
import json
import pathlib
import sys

from tqdm import tqdm

import halo as hl

from . import colour, inputs, pictures, timeline
from .common import DEVICES, run_app
from .dma_nv12_blur_stencil import APP as NV12_BLUR
from .dma_nv12_rw import APP as NV12_RW
from .dma_p010_rw_async import APP as P010_RW
from .dma_raw_blur_rw_async import APP as RAW_BLUR

APPS = {a.name: a for a in (RAW_BLUR, P010_RW, NV12_BLUR, NV12_RW)}
# frame formats each app runs on: (format, UBWC)
FORMATS = {RAW_BLUR.name: [("raw", False)], P010_RW.name: [("p010", False)],
           NV12_BLUR.name: [("nv12", False)], NV12_RW.name: [("nv12", False), ("nv12", True)]}


def row(*cells):
    """A table row, written so that it never shares a line with a progress bar."""
    tqdm.write("| " + " | ".join(str(c) for c in cells) + " |")


def header(*names):
    row(*names)
    row(*["---"] * len(names))


def progress(iterable, **options):
    """tqdm on stderr, silent when stderr is not a terminal."""
    return tqdm(iterable, disable=None, file=sys.stderr, dynamic_ncols=True, **options)


def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text!r}")
    return int(text)


def format_name(fmt, ubwc):
    return f"{fmt}{' UBWC' if ubwc else ''}"


def job_frames(source, fmt):
    """(frame number from 1, planes) of the source's frames in `fmt`, with a bar for videos."""
    frames = enumerate(source.frames(fmt), start=1)
    return progress(frames, total=source.count, desc="frames", leave=False) if source.count > 1 else frames


def write_pictures(out_dir, stem, fmt, planes, output, matrix, caption):
    """<stem>-input.png, <stem>-output.png and <stem>-side-by-side.png of one frame."""
    before = pictures.frame_picture(fmt, *planes, matrix)
    after = pictures.frame_picture(fmt, *output, matrix)
    before.save(out_dir / f"{stem}-input.png")
    after.save(out_dir / f"{stem}-output.png")
    pictures.side_by_side(before, after, "input", caption).save(out_dir / f"{stem}-side-by-side.png")


def run_hexagon(jobs, args, target, source):
    """Every job under qemu-hexagon, checked against the host run and numpy."""
    from . import hexagon
    multi = source.count > 1
    print(f"halo example apps on {target} under qemu-hexagon: {source.name}, {source.width}x{source.height}"
          f"{f', {source.count} frames' if multi else ''}, device {args.device}\n")
    header("app", "schedule", "format", *(["frame"] if multi else []), "packets / pixel", "transfers", "DDR bytes",
           "local memory", "matches host", "matches numpy")
    failures = 0
    for app, schedule, fmt, ubwc in progress(jobs, desc="Hexagon builds", unit="run"):
        for frame, planes in job_frames(source, fmt):
            cells = [app.name, schedule, format_name(fmt, ubwc), *([frame] if multi else [])]
            try:
                host, r, same = hexagon.run_with_host(app, schedule, fmt, ubwc, planes, args.device, target)
            except Exception as e:  # a failed run is a row of the table, not the end of it
                failures += 1
                row(*cells, f"failed: {type(e).__name__}: {e}", "", "", "", "no", "no")
                continue
            failures += 0 if (same and host.ok) else 1
            row(*cells, f"{r.packets / (source.width * source.height):.3f}", r.transfers, r.ddr_bytes, r.local_bytes,
                "yes" if same else "NO", "yes" if host.ok else "NO")
    if failures:
        print(f"\n{failures} run(s) failed or differ from the host or numpy")
    return 1 if failures else 0


def host_cells(r, ubwc):
    saved = r.uncompressed_bytes - r.ddr_bytes
    saved_text = f"{saved} ({100 * saved / max(r.uncompressed_bytes, 1):.0f}%)" if ubwc else "-"
    return [f"{r.ms:.2f}", f"{r.mpix_per_s:.0f}", r.transfers, r.ddr_bytes, saved_text,
            f"{r.local_bytes} / {r.capacity}", f"{r.overlap * 100:.0f}%", "yes" if r.ok else "NO"]


def total_cells(results, ubwc):
    """The figures of every frame of a run together: times, transfers and bytes added up, the
    largest local memory, the mean overlap."""
    ms = sum(r.ms for r in results)
    pixels = sum(r.width * r.height for r in results)
    uncompressed, ddr = sum(r.uncompressed_bytes for r in results), sum(r.ddr_bytes for r in results)
    saved = f"{uncompressed - ddr} ({100 * (uncompressed - ddr) / max(uncompressed, 1):.0f}%)" if ubwc else "-"
    return [f"{ms:.2f}", f"{pixels / (ms * 1e3):.0f}", sum(r.transfers for r in results), ddr, saved,
            f"{max(r.local_bytes for r in results)} / {results[0].capacity}",
            f"{100 * sum(r.overlap for r in results) / len(results):.0f}%",
            "yes" if all(r.ok for r in results) else "NO"]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m apps", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--app", action="append", choices=sorted(APPS), help="app(s) to run (default: all)")
    ap.add_argument("--schedule", action="append", help="schedule(s) (default: all the app has)")
    ap.add_argument("--format", choices=["all", "linear", "ubwc"], default="all")
    ap.add_argument("--size", help="WIDTHxHEIGHT (default: the input's own; 1920x1080 for synthetic and .yuv)")
    ap.add_argument("--device", choices=sorted(DEVICES), default="SM8250")
    ap.add_argument("--input", help=f"'{inputs.SYNTHETIC}', a .yuv frame, an image ({', '.join(inputs.IMAGE_SUFFIXES)}) "
                                    f"or a video ({', '.join(inputs.video.SUFFIXES)}) (default: {inputs.DEFAULT_PICTURE})")
    ap.add_argument("--frames", type=positive_int, help="frames of a video to run (default: all)")
    ap.add_argument("--matrix", choices=sorted(colour.MATRICES), default=colour.DEFAULT_MATRIX,
                    help=f"YUV colour matrix of pictures (range: {colour.RANGE}; default {colour.DEFAULT_MATRIX})")
    ap.add_argument("--out", help="folder for pictures, Chrome traces and DMA timelines")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dma-bandwidth", type=int, default=2000, help="modelled MB/s at TURBO (0: memory speed)")
    ap.add_argument("--target", default="host",
                    help="host (default) or a Hexagon target such as hexagon-v67-hvx128 (runs under qemu-hexagon)")
    args = ap.parse_args(argv)
    try:
        target = hl.Target.parse(args.target)
    except hl.HaloError as e:
        sys.exit(str(e))
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
    try:
        size = inputs.parse_size(args.size) if args.size else None
        source = inputs.open_source(args.input, size, args.frames, {job[2] for job in jobs}, args.matrix)
    except ValueError as e:
        sys.exit(f"python -m apps: {e}")
    out_dir = pathlib.Path(args.out) if args.out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    if target.arch == "hexagon":
        return run_hexagon(jobs, args, target, source)
    multi = source.count > 1
    print(f"halo example apps: {source.name}, {source.width}x{source.height}"
          f"{f', {source.count} frames' if multi else ''}, device {args.device}, DMA modelled at "
          f"{args.dma_bandwidth or 'memory-speed'} MB/s, median of {args.repeats}\n")
    header("app", "schedule", "format", *(["frame"] if multi else []), "ms", "MP/s", "transfers", "DDR bytes",
           "saved by UBWC", "local memory", "DMA overlapping compute", "matches numpy")
    failures = 0
    for app, schedule, fmt, ubwc in progress(jobs, desc="apps", unit="run"):
        results = []
        for frame, planes in job_frames(source, fmt):
            cells = [app.name, schedule, format_name(fmt, ubwc), *([frame] if multi else [])]
            try:
                r = run_app(app, schedule, fmt, ubwc, source.width, source.height, args.device, args.repeats, planes,
                            args.dma_bandwidth, trace=True)
            except Exception as e:  # a failed run is a row of the table, not the end of it
                failures += 1
                row(*cells, f"failed: {type(e).__name__}: {e}", "", "", "", "", "", "", "no")
                continue
            results.append(r)
            failures += 0 if r.ok else 1
            row(*cells, *host_cells(r, ubwc))
            if out_dir and frame == 1:
                stem = f"{app.name}-{schedule}-{fmt}{'-ubwc' if ubwc else ''}"
                title = f"{app.name} {schedule} {format_name(fmt, ubwc)}"
                write_pictures(out_dir, stem, fmt, planes, r.output, args.matrix, f"output: {title}")
                (out_dir / f"{stem}.trace.json").write_text(json.dumps(r.trace))
                timeline.save(r.trace, out_dir / f"{stem}-timeline.png", title)
        if multi and results:
            row(app.name, schedule, format_name(fmt, ubwc), f"all {len(results)}", *total_cells(results, ubwc))
    if failures:
        print(f"\n{failures} run(s) failed or differ from numpy")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
