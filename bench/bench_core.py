"""Core compiler benchmark: halo against numpy and Halide (JIT) in the same run.

    python3 bench/bench_core.py [--repeats 15]

1. 3x3 box blur of a 3840x2160 uint8 image (uint16 sum of the clamped 3x3 neighbourhood,
   (sum + 4) / 9 back to uint8): numpy reference, halo, Halide JIT with the same algorithm and
   schedule (split y by 32, parallel yo, vectorize x by 32), plus one separable schedule.
   halo and Halide outputs are checked to equal numpy exactly.
2. NV12 frame copy (3840x2160 Y + 1920x1080x2 interleaved UV) with halo identity pipelines,
   against np.copyto of the same bytes.
3. halo compile latency for the blur: cold (fresh HALO_CACHE_DIR, in a subprocess, runtime library
   prebuilt) and cached.

Every figure is a median of `repeats` runs in this process. If halo (or Halide) fails on a case
the error is printed in that row and the run continues.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

W, H = 3840, 2160
TARGET_HALIDE = 1.5   # halo within 1.5x of Halide on the blur
TARGET_NUMPY = 10.0   # halo >= 10x faster than numpy on the blur
TARGET_COPY = 1.3     # halo copy within 1.3x of memcpy


def median_ms(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def short_err(e):
    msg = f"{type(e).__name__}: {e}".replace("\n", " ").replace("|", "/")
    return msg if len(msg) < 160 else msg[:157] + "..."


# ----------------------------------------------------------------------------- blur: numpy
def blur_numpy(a):
    p = np.pad(a, 1, mode="edge").astype(np.uint16)
    s = np.zeros(a.shape, np.uint16)
    for dy in range(3):
        for dx in range(3):
            s += p[dy:dy + a.shape[0], dx:dx + a.shape[1]]
    return ((s + 4) // 9).astype(np.uint8)


# ----------------------------------------------------------------------------- blur: halo / Halide
def build_blur(hl, inp_param, separable, halide, sum_bits=16):
    """Same code for halo and Halide (the APIs mirror each other). sum_bits=32 sums in uint32,
    as the apps do (halo narrows it back to uint16)."""
    x, y = hl.Var("x"), hl.Var("y")
    yo, yi = hl.Var("yo"), hl.Var("yi")
    rep = hl.BoundaryConditions.repeat_edge(inp_param)
    out = hl.Func("out")
    if not separable:
        s = hl.Func("s")
        terms = [hl.cast(hl.UInt(sum_bits), rep[x + dx, y + dy]) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        e = terms[0]
        for t in terms[1:]:
            e = e + t
        s[x, y] = e
        out[x, y] = hl.cast(hl.UInt(8), (s[x, y] + 4) / 9)
        out.split(y, yo, yi, 32).parallel(yo).vectorize(x, 32)
    else:
        bx = hl.Func("blur_x")
        bx[x, y] = (hl.cast(hl.UInt(16), rep[x - 1, y]) + hl.cast(hl.UInt(16), rep[x, y])
                    + hl.cast(hl.UInt(16), rep[x + 1, y]))
        out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
        out.split(y, yo, yi, 32).parallel(yo).vectorize(x, 32)
        bx.compute_at(out, yi).vectorize(x, 32)
    return out


def run_halo_blur(img, ref, repeats, separable, sum_bits=16):
    import halo
    inp = halo.ImageParam(halo.UInt(8), 2, "input")
    inp.set(halo.Buffer(img))
    out = build_blur(halo, inp, separable, halide=False, sum_bits=sum_bits)
    c = out.compile_jit()
    names = [a.name for a in c.args]
    res = np.empty((H, W), np.uint8)
    vals = {"input": img, names[-1]: res}
    if set(vals) != set(names):
        raise RuntimeError(f"unexpected compiled args {names}")
    c(vals)
    if not np.array_equal(res, ref):
        bad = np.argwhere(res != ref)
        raise AssertionError(f"halo output != numpy at {len(bad)} pixels, first (y,x)={tuple(bad[0])}")
    # Also check the realize() path once (non-separable only, it recompiles through the cache).
    if not separable:
        r2 = np.asarray(out.realize([W, H]))
        assert r2.shape == (H, W) and np.array_equal(r2, ref), "halo realize() output != numpy"
    return median_ms(lambda: c(vals), repeats)


def run_halide_blur(img, ref, repeats, separable, sum_bits=16):
    import halide as hl
    inp = hl.Buffer(img)              # numpy (H, W) -> Halide (x=W, y=H), shares memory
    out = build_blur(hl, inp, separable, halide=True, sum_bits=sum_bits)
    out.compile_jit()
    res = np.empty((H, W), np.uint8)
    obuf = hl.Buffer(res)
    out.realize(obuf)
    if not np.array_equal(res, ref):
        raise AssertionError("Halide output != numpy")
    return median_ms(lambda: out.realize(obuf), repeats)


# ----------------------------------------------------------------------------- copy
def run_halo_copy_y(y_in, repeats):
    import halo
    x, y = halo.Var("x"), halo.Var("y")
    yo, yi = halo.Var("yo"), halo.Var("yi")
    ip = halo.ImageParam(halo.UInt(8), 2, "in_y")
    out = halo.Func("out_y")
    out[x, y] = ip[x, y]
    out.split(y, yo, yi, 32).parallel(yo).vectorize(x, 32)
    c = out.compile_jit()
    res = np.empty_like(y_in)
    vals = {"in_y": y_in, "out_y": res}
    c(vals)
    assert np.array_equal(res, y_in), "halo Y copy wrong"
    return median_ms(lambda: c(vals), repeats)


def run_halo_copy_uv(uv_in, repeats):
    """out_uv[x, y, c] = in_uv[x, y, c] with Halide's NV12 UV layout declared as in Halide's
    dma_nv12_rw app: x stride 2, c stride 1 and bounds [0, 2); the numpy (H, W, 2) arrays are
    viewed as [x, y, c] with Buffer.transposed([1, 2, 0]) (same memory)."""
    import halo
    x, y, ch = halo.Var("x"), halo.Var("y"), halo.Var("c")
    yo, yi = halo.Var("yo"), halo.Var("yi")
    ip = halo.ImageParam(halo.UInt(8), 3, "in_uv")
    out = halo.Func("out_uv")
    out[x, y, ch] = ip[x, y, ch]
    for d in (ip.dim(0), out.output_buffer().dim(0)):
        d.set_stride(2)
    for d in (ip.dim(2), out.output_buffer().dim(2)):
        d.set_stride(1).set_bounds(0, 2)
    out.bound(ch, 0, 2).reorder(ch, x, y).unroll(ch).split(y, yo, yi, 16).parallel(yo).vectorize(x, 32)
    c = out.compile_jit()
    res = np.empty_like(uv_in)
    vals = {"in_uv": halo.Buffer(uv_in).transposed([1, 2, 0]),
            "out_uv": halo.Buffer(res).transposed([1, 2, 0])}
    c(vals)
    assert np.array_equal(res, uv_in), "halo UV copy wrong"
    return median_ms(lambda: c(vals), repeats)


def run_halo_copy_uv_cxy(uv_in, repeats):
    """Same bytes with the interleaved channel as the innermost (dense) dimension:
    out_uv[c, x, y] = in_uv[c, x, y] on the C-contiguous (H, W, 2) arrays."""
    import halo
    x, y, ch = halo.Var("x"), halo.Var("y"), halo.Var("c")
    yo, yi = halo.Var("yo"), halo.Var("yi")
    ip = halo.ImageParam(halo.UInt(8), 3, "in_uv")
    out = halo.Func("out_uv")
    out[ch, x, y] = ip[ch, x, y]
    out.bound(ch, 0, 2).unroll(ch).split(y, yo, yi, 16).parallel(yo).vectorize(x, 32)
    c = out.compile_jit()
    res = np.empty_like(uv_in)
    vals = {"in_uv": uv_in, "out_uv": res}
    c(vals)
    assert np.array_equal(res, uv_in), "halo UV copy wrong"
    return median_ms(lambda: c(vals), repeats)


# ----------------------------------------------------------------------------- compile latency
COLD_SNIPPET = r"""
import sys, time
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
import numpy as np
import halo
import bench_core as bc
img = np.zeros((bc.H, bc.W), np.uint8)
inp = halo.ImageParam(halo.UInt(8), 2, "input"); inp.set(halo.Buffer(img))
out = bc.build_blur(halo, inp, False, False)
halo.runtime.build.host_library()  # the runtime library is built once per machine, not per pipeline
t0 = time.perf_counter(); c = out.compile_jit(); t1 = time.perf_counter()
t2 = time.perf_counter(); c2 = out.compile_jit(); t3 = time.perf_counter()
out3 = bc.build_blur(halo, inp, False, False)
t4 = time.perf_counter(); c3 = out3.compile_jit(); t5 = time.perf_counter()
print("COLD", (t1 - t0) * 1e3, getattr(c, "compiled_now", None))
print("CACHED", (t3 - t2) * 1e3, getattr(c2, "compiled_now", None))
print("REBUILT", (t5 - t4) * 1e3, getattr(c3, "compiled_now", None), int(c3.source == c.source))
"""


def compile_latency():
    with tempfile.TemporaryDirectory(prefix="halo_cache_") as d:
        env = dict(os.environ, HALO_CACHE_DIR=d)
        code = COLD_SNIPPET.format(root=str(ROOT), bench=str(ROOT / "bench"))
        p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError((p.stderr.strip().splitlines() or ["?"])[-1])
        vals = {}
        for line in p.stdout.splitlines():
            parts = line.split()
            if parts and parts[0] in ("COLD", "CACHED", "REBUILT"):
                vals[parts[0]] = (float(parts[1]), *parts[2:])
        return vals


# ----------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    R = args.repeats

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (H, W), dtype=np.uint8)
    ref = blur_numpy(img)
    t_np = median_ms(lambda: blur_numpy(img), R, warmup=1)

    try:
        import halide  # noqa: F401
        have_halide = True
    except Exception as e:  # pragma: no cover
        have_halide = False
        print(f"note: `import halide` failed ({e}); Halide column skipped")

    print(f"# halo core bench: {W}x{H}, median of {R} repeats, {os.cpu_count()} cores\n")
    print("| case | numpy ms | halo ms | Halide ms | halo/Halide (target <= %.1f) | numpy/halo (target >= %.0f) |"
          % (TARGET_HALIDE, TARGET_NUMPY))
    print("|---|---|---|---|---|---|")
    for separable, sum_bits, label in ((False, 16, "blur3x3 direct (split y 32, parallel, vec 32)"),
                                       (False, 32, "blur3x3 direct, summed in uint32 (the apps' form)"),
                                       (True, 16, "blur3x3 separable (blur_x compute_at yi)")):
        halo_ms = halide_ms = None
        halo_err = halide_err = None
        try:
            halo_ms = run_halo_blur(img, ref, R, separable, sum_bits)
        except Exception as e:
            halo_err = short_err(e)
            traceback.print_exc(file=sys.stderr)
        if have_halide:
            try:
                halide_ms = run_halide_blur(img, ref, R, separable, sum_bits)
            except Exception as e:
                halide_err = short_err(e)
                traceback.print_exc(file=sys.stderr)
        halo_s = f"{halo_ms:.2f}" if halo_ms is not None else f"FAILED: {halo_err}"
        hal_s = (f"{halide_ms:.2f}" if halide_ms is not None
                 else ("skipped (no halide)" if not have_halide else f"FAILED: {halide_err}"))
        if halo_ms is not None and halide_ms is not None:
            r = halo_ms / halide_ms
            r_s = f"{r:.2f}x {'OK' if r <= TARGET_HALIDE else 'MISS'}"
        else:
            r_s = "n/a"
        if halo_ms is not None:
            n = t_np / halo_ms
            n_s = f"{n:.1f}x {'OK' if n >= TARGET_NUMPY else 'MISS'}"
        else:
            n_s = "n/a"
        print(f"| {label} | {t_np:.2f} | {halo_s} | {hal_s} | {r_s} | {n_s} |", flush=True)

    # NV12 copy
    y_in = rng.integers(0, 256, (H, W), dtype=np.uint8)
    uv_in = rng.integers(0, 256, (H // 2, W // 2, 2), dtype=np.uint8)
    y_dst, uv_dst = np.empty_like(y_in), np.empty_like(uv_in)
    m_y = median_ms(lambda: np.copyto(y_dst, y_in), R)
    m_uv = median_ms(lambda: np.copyto(uv_dst, uv_in), R)
    print("\n| case | memcpy ms | halo ms | halo/memcpy (target <= %.1f) |" % TARGET_COPY)
    print("|---|---|---|---|")
    res = {}
    for name, fn, arr, m in (("NV12 Y plane 3840x2160", run_halo_copy_y, y_in, m_y),
                             ("NV12 UV plane 1920x1080x2 [x,y,c] (x stride 2)", run_halo_copy_uv, uv_in, m_uv),
                             ("NV12 UV plane 1920x1080x2 [c,x,y] (c dense)", run_halo_copy_uv_cxy, uv_in, m_uv)):
        try:
            t = fn(arr, R)
            res[name] = t
            r = t / m
            print(f"| {name} | {m:.3f} | {t:.3f} | {r:.2f}x {'OK' if r <= TARGET_COPY else 'MISS'} |", flush=True)
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            print(f"| {name} | {m:.3f} | FAILED: {short_err(e)} | n/a |", flush=True)
    uv_t = [t for n, t in res.items() if n.startswith("NV12 UV")]
    if "NV12 Y plane 3840x2160" in res and uv_t:
        t = res["NV12 Y plane 3840x2160"] + min(uv_t)
        m = m_y + m_uv
        r = t / m
        print(f"| NV12 frame total (Y + best UV) | {m:.3f} | {t:.3f} | {r:.2f}x {'OK' if r <= TARGET_COPY else 'MISS'} |")

    # compile latency
    print("\n| halo compile_jit latency (blur direct) | ms |")
    print("|---|---|")
    try:
        v = compile_latency()
        c, cn = v["COLD"]
        k, kn = v["CACHED"]
        rb, rn, same = v["REBUILT"]
        print(f"| cold: lowering + C compilation (fresh HALO_CACHE_DIR, runtime library prebuilt; compiled_now={cn}) | {c:.1f} |")
        print(f"| cached (same Func, second compile_jit, same process; compiled_now={kn}) | {k:.1f} |")
        print(f"| identical pipeline rebuilt as new Funcs, same process (compiled_now={rn}, "
              f"same C source={bool(int(same))}) | {rb:.1f} |")
    except Exception as e:
        print(f"| FAILED: {short_err(e)} | n/a |")


if __name__ == "__main__":
    main()
