"""Cold compile latency: halo against Halide on the same pipelines, as a Markdown table.

    python3 bench/bench_compile.py [--repeats 3] [--only NAME[,NAME]] [--timeout 300]

For every pipeline (`sep_blur`, `chain6`, `chain80`, each example app's async schedule per plane at 16 and
128 vector lanes, `mirror_image`, `mirror_interior`) it measures, each in a fresh Python process:

- halo cold: `out.compile_to_c(path)` with an empty cache (a new HALO_CACHE_DIR per run);
- Halide lower: `out.compile_to_lowered_stmt(path, args)` (lowering only);
- Halide JIT: `out.compile_jit()` (lowering and LLVM code generation).

Figures are CPU seconds (time.process_time, plus any child processes the call waits for) around
the call only: interpreter start-up, imports and building the pipeline are not counted. CPU time
rather than wall time because the machine may be shared. Runs are interleaved (halo, Halide
lower, Halide JIT, halo, ...) and the median of each is reported. `--only` takes pipeline names
or an app name (all its rows). A run that fails or times out shows its error in the row and the
benchmark goes on; the exit code is 0 unless the arguments are bad.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # halo and apps from this checkout
ENGINES = ("halo", "halide_lower", "halide_jit")
TILE = (128, 32)


# ----------------------------------------------------------------------------- pipelines
# halo follows the names of Halide's Python bindings, so one builder serves both (hl = module).
def sep_blur(hl):
    x, y, yo, yi = hl.Var("x"), hl.Var("y"), hl.Var("yo"), hl.Var("yi")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("bx"), hl.Func("out")
    bx[x, y] = hl.cast(hl.UInt(16), rep[x - 1, y]) + rep[x, y] + rep[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    out.split(y, yo, yi, 32).parallel(yo).vectorize(x, 32)
    bx.compute_at(out, yo).vectorize(x, 32)
    return inp, out


def chain6(hl):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    prev = hl.BoundaryConditions.repeat_edge(inp)
    stages = []
    for i in range(6):
        g = hl.Func(f"g{i}")
        s = hl.cast(hl.UInt(16), prev[x - 1, y]) + prev[x, y + 1] + prev[x + 1, y - 1]
        g[x, y] = hl.cast(hl.UInt(8), s / 3)
        stages.append(g)
        prev = g
    for g in stages[:-1]:
        g.compute_root()
    stages[-1].vectorize(x, 16)
    return inp, stages[-1]


def chain80(hl):
    """80 root Funcs in a row: lowering must grow with the pipeline, not with its square."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(16), 2, "input")
    prev = hl.BoundaryConditions.repeat_edge(inp)
    for i in range(80):
        g = hl.Func(f"c{i}")
        g[x, y] = prev[x, y] + prev[x + 1, y] + 1
        g.compute_root()
        prev = g
    return inp, prev


def mirror(kind):
    def build(hl):
        x, y = hl.Var("x"), hl.Var("y")
        xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
        inp = hl.ImageParam(hl.UInt(8), 2, "input")
        m = getattr(hl.BoundaryConditions, kind)(inp)
        out = hl.Func("out")
        out[x, y] = m[x, y] + m[x + 1, y]
        out.tile(x, y, xo, yo, xi, yi, 16, 8).vectorize(xi, 8)
        return inp, out
    return build


def app_halo(app, plane, vector):
    """The app's own pipeline (apps.common.App.build), as `python3 -m apps` builds it."""
    def build(hl):
        return app.build(plane, _schedule(app), TILE, _bits(app), vector)
    return build


def app_halide(app, plane, vector):
    """The same algorithm and loop schedule as halo.schedules.dma.tiled(..., "async") written
    for Halide. The DMA directives (hexagon_ubwcdma_read / write) are left out: Halide's Python
    bindings expose only copy_to_host / copy_to_device, which need a device buffer."""
    def build(hl):
        uv = plane == "uv"
        sched = _schedule(app)
        x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
        tx, ty = hl.Var("tx"), hl.Var("ty")
        args = (x, y, c) if uv else (x, y)
        inp = hl.ImageParam(hl.UInt(_bits(app)), 3 if uv else 2, "input")
        in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
        in_copy[args] = inp[args]
        if app.kind == "blur":
            # repeat_edge of in_copy over the input's x and y bounds (c passes through), 32-bit sum
            rep = hl.BoundaryConditions.repeat_edge(
                in_copy, [(inp.dim(0).min(), inp.dim(0).extent()), (inp.dim(1).min(), inp.dim(1).extent())])
            s = None
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    t = hl.cast(hl.UInt(32), rep[(x + dx, y + dy, c) if uv else (x + dx, y + dy)])
                    s = t if s is None else s + t
            work[args] = hl.cast(inp.type(), (s + 4) / 9)
        elif app.kind == "scale2":
            work[args] = in_copy[args] * 2
        else:
            work[args] = in_copy[args]
        out[args] = work[args]
        tw, th = TILE
        if uv:  # Halide's interleaved chroma layout, as halo.schedules.dma.interleaved_uv
            for d in (inp.dim(0), out.output_buffer().dim(0)):
                d.set_stride(2)
            for d in (inp.dim(2), out.output_buffer().dim(2)):
                d.set_stride(1).set_bounds(0, 2)
            out.bound(c, 0, 2).reorder(c, x, y)
        out.tile(x, y, tx, ty, x, y, tw, th)
        for f in (in_copy, work):
            f.compute_at(out, tx).store_in(hl.MemoryType.LockedCache)
            if uv:
                f.bound(c, 0, 2)
                if not app.deinterleave:
                    f.reorder_storage(c, x, y)
        work.vectorize(x, vector)
        if sched in ("fold", "async"):
            in_copy.store_at(out, ty).fold_storage(x, 4 * tw if app.kind == "blur" else 2 * tw)
            work.store_at(out, ty).fold_storage(x, 2 * tw)
        if sched == "async":
            in_copy.async_()
            work.async_()
        return inp, out
    return build


def _schedule(app):
    return "async" if "async" in app.schedules else app.schedules[0]


def _bits(app):
    return 16 if "p010" in app.formats else 8


# name -> (target seconds, builder for halo and Halide); app rows are named app/plane/vN
FIXED = {"sep_blur": (0.10, sep_blur), "chain6": (0.3, chain6), "chain80": (1.0, chain80),
         "mirror_image": (0.5, mirror("mirror_image")), "mirror_interior": (0.5, mirror("mirror_interior"))}
APP_TARGET = 0.5


def load_app(name):
    """An app's APP object, without importing halo before it is needed (a Halide child never
    imports it). apps.common imports halo, so this does."""
    return importlib.import_module(f"apps.{name}").APP


def pipeline_names():
    """(names in table order, {name: target}, app names) for every pipeline."""
    from apps.__main__ import APPS
    names = ["sep_blur", "chain6", "chain80"]
    for app in APPS.values():
        names += [f"{app.name}/{plane}/v{v}" for plane in app.planes for v in (16, 128)]
    names += ["mirror_image", "mirror_interior"]
    return names, {n: FIXED[n][0] if n in FIXED else APP_TARGET for n in names}, list(APPS)


# ----------------------------------------------------------------------------- child: one measurement
def cpu_seconds():
    # process_time counts every thread (LLVM's included); os.times adds reaped child processes,
    # in case a compile ever shells out.
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def builders(name):
    """(halo builder, Halide builder) of a pipeline name."""
    if name in FIXED:
        return FIXED[name][1], FIXED[name][1]
    app_name, plane, v = name.split("/")
    app = load_app(app_name)
    return app_halo(app, plane, int(v[1:])), app_halide(app, plane, int(v[1:]))


def child(name, engine):
    build_halo, build_halide = builders(name)
    with tempfile.TemporaryDirectory(prefix="bench_compile_") as d:
        if engine == "halo":
            import halo as hl
            _, out = build_halo(hl)
            t0 = cpu_seconds()
            out.compile_to_c(os.path.join(d, "out.c"))
        else:
            import halide as hl
            inp, out = build_halide(hl)
            t0 = cpu_seconds()
            if engine == "halide_lower":
                out.compile_to_lowered_stmt(os.path.join(d, "out.stmt"), [inp])
            else:
                out.compile_jit()
        t1 = cpu_seconds()
    print(f"CPU {t1 - t0:.6f}")


# ----------------------------------------------------------------------------- parent
def measure(name, engine, timeout):
    """(seconds, None) or (None, error text) for one run in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="halo_cache_") as cache:
        env = dict(os.environ, HALO_CACHE_DIR=cache)  # an empty halo cache: a cold compile
        cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--child", name, "--engine", engine]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"timeout > {timeout:g} s"
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("CPU "):
            return float(line.split()[1]), None
    lines = [ln for ln in p.stderr.strip().splitlines() if ln.strip()] or [f"exit {p.returncode}"]
    msg = lines[-1].strip().replace("|", "/")
    return None, msg if len(msg) <= 120 else msg[:117] + "..."


def cell(times, err):
    return f"FAILED: {err}" if err else f"{statistics.median(times):.3f}"


def ratio(a, b):
    return f"{statistics.median(a) / statistics.median(b):.2f}x" if a and b else "n/a"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per pipeline and compiler (median reported)")
    ap.add_argument("--only", help="comma-separated pipeline or app names")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per child process")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--engine", choices=ENGINES, default="halo", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.engine)
        return 0
    if args.repeats < 1 or args.timeout <= 0:
        ap.error("--repeats must be >= 1 and --timeout > 0")
    names, targets, app_names = pipeline_names()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        bad = [w for w in wanted if w not in targets and w not in app_names]
        if bad:
            ap.error(f"unknown pipeline(s) {', '.join(bad)}; known: {', '.join(names)}")
        names = [n for n in names if n in wanted or n.split("/")[0] in wanted]

    print(f"# cold compile latency, CPU seconds, median of {args.repeats} interleaved runs, "
          f"a fresh process per run\n")
    print("| pipeline | halo cold (s) | Halide lower (s) | Halide JIT (s) | halo / Halide lower "
          "| halo / Halide JIT | target (s) | ok |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for name in names:
        target = targets[name]
        times = {e: [] for e in ENGINES}
        errors = dict.fromkeys(ENGINES)
        for r in range(args.repeats):
            for engine in ENGINES:
                if errors[engine]:
                    continue  # a failure or timeout repeats itself; do not pay for it again
                t, err = measure(name, engine, args.timeout)
                print(f"  {name} {engine} run {r + 1}: {err or f'{t:.3f} s'}", file=sys.stderr, flush=True)
                if err:
                    errors[engine] = err
                else:
                    times[engine].append(t)
        for e in ENGINES:
            if errors[e]:
                times[e] = []  # a row shows an engine's error rather than a partial median
        halo = times["halo"]
        ok = "yes" if halo and statistics.median(halo) <= target else "no"
        print(f"| {name} | " + " | ".join(cell(times[e], errors[e]) for e in ENGINES)
              + f" | {ratio(halo, times['halide_lower'])} | {ratio(halo, times['halide_jit'])}"
              f" | <= {target:.2f} | {ok} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
