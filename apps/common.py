"""What every example app shares: its definition (planes, pipelines, numpy reference) and one
run on a DMA-wrapped frame following the UBWCDMA lifecycle of the seed: allocate engines, vote a
power mode, wrap the planes, prepare them for read / write with the format, run, unprepare,
detach, deallocate, vote the default back."""
import math
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

import halo as hl
from halo import runtime, tracing
from halo.runtime import frames, ubwcdma

DEVICES = {"SM8150": "sm8150", "SM8250": "sm8250", "SM8350": "sm8350"}
VECTOR = 16  # lanes of the apps' vectorized work on the host


def roi_grid(fmt, ubwc):
    """(width, height) a tile of every plane of `fmt` must be a multiple of, by the UBWCDMA ROI
    rules (runtime_c/ubwcdma/validate.c): whole UBWC tiles; linear TP10 in groups of 3 samples; a
    linear chroma plane's tiles are in UV pairs and rows, whole by construction."""
    if ubwc:
        lay = frames.layout(fmt, 64, 64, True)
        return math.lcm(lay.y_tile_width, lay.uv_tile_width), math.lcm(lay.y_tile_height, lay.uv_tile_height)
    return (3, 1) if fmt == "tp10" else (1, 1)


def blur3x3(in_copy, inp, uv):
    """3x3 box blur of in_copy with edges clamped to the input's bounds, in a 32-bit sum."""
    x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
    bounds = [(inp.dim(0).min(), inp.dim(0).extent()), (inp.dim(1).min(), inp.dim(1).extent())]
    if uv:
        bounds.append(None)
    rep = hl.BoundaryConditions.repeat_edge(in_copy, bounds)
    s = None
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            term = hl.cast(hl.UInt(32), rep[(x + dx, y + dy, c) if uv else (x + dx, y + dy)])
            s = term if s is None else s + term
    return hl.cast(in_copy.type(), (s + 4) / 9)


def blur3x3_reference(a):
    p = np.pad(a.astype(np.uint32), 1, mode="edge")
    h, w = a.shape
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(a.dtype)


@dataclass
class App:
    name: str
    description: str
    formats: tuple          # frame formats it runs on ("raw", "nv12", "p010")
    planes: tuple           # ("y",) or ("y", "uv")
    kind: str               # "blur" or "scale2" (work = 2 * in) or "copy"
    schedules: tuple
    deinterleave: bool = False
    extra: dict = field(default_factory=dict)

    def build(self, plane, schedule, tile, dtype_bits, vector=VECTOR, inp=None, out=None):
        """(ImageParam, output Func) of the app's pipeline for one plane, scheduled, with
        `vector` lanes; into the given input and output (a generator's) or new ones."""
        from halo.schedules import dma as recipes
        uv = plane == "uv"
        x, y, c = hl.Var("x"), hl.Var("y"), hl.Var("c")
        args = (x, y, c) if uv else (x, y)
        t = hl.UInt(dtype_bits)
        inp = inp if inp is not None else hl.ImageParam(t, 3 if uv else 2, "input")
        out = out if out is not None else hl.Func("out")
        in_copy, work = hl.Func("in_copy"), hl.Func("work")
        in_copy[args] = inp[args]
        if self.kind == "blur":
            work[args] = blur3x3(in_copy, inp, uv)
        elif self.kind == "scale2":
            work[args] = in_copy[args] * 2
        else:
            work[args] = in_copy[args]
        out[args] = work[args]
        if uv:
            recipes.interleaved_uv(inp, out)
        if schedule == "line_buffered":
            recipes.line_buffered(out, in_copy, work, rows=4, deinterleave=self.deinterleave)
            work.vectorize(x, vector)
        else:
            recipes.tiled(out, in_copy, work, schedule, tile=tile, halo_px=1 if self.kind == "blur" else 0,
                          deinterleave=self.deinterleave, vector=vector)
        return inp, out

    def largest_tile(self, schedule, fmt, ubwc, device, width=None, height=None, vector=VECTOR):
        """halo.schedules.dma.largest_tile for every plane of this app in `fmt` on `device`: the
        widest tile of `height` rows (or tallest of `width`), a multiple of the vector width and
        of the format's ROI grid."""
        from halo.schedules import dma
        grid_w, grid_h = roi_grid(fmt, ubwc)
        bits = 16 if fmt in frames.TEN_BIT else 8
        return dma.largest_tile(lambda w, h: [self.build(p, schedule, (w, h), bits, vector)[1] for p in self.planes],
                                device, width=width, height=height, step=(math.lcm(grid_w, vector), grid_h))

    def reference(self, plane_array, plane):
        """The expected output plane, computed with numpy on the samples as the local side
        sees them (P010 / TP10: value << 6)."""
        a = plane_array
        if self.kind == "copy":
            return a.copy()
        if self.kind == "scale2":
            return (a.astype(np.uint32) * 2).astype(a.dtype)
        if a.ndim == 3:
            return np.stack([blur3x3_reference(a[:, :, k]) for k in range(a.shape[2])], axis=2)
        return blur3x3_reference(a)


@dataclass
class Result:
    app: str
    schedule: str
    fmt: str
    width: int
    height: int
    ms: float
    transfers: int
    ddr_bytes: int
    uncompressed_bytes: int
    local_bytes: int
    capacity: int
    overlap: float
    ok: bool
    output: object = None
    trace: object = None

    @property
    def mpix_per_s(self):
        return self.width * self.height / (self.ms * 1e3)


def synthetic_planes(fmt, width, height, seed=0):
    """A natural-looking frame: smooth gradients plus texture, so UBWC has something to save."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    hi = 1023 if fmt in ("p010", "tp10") else 255
    base = (np.sin(xx / 37.0) + np.cos(yy / 23.0) + 2) / 4 * hi * 0.8
    y = np.clip(base + rng.normal(0, hi * 0.02, (height, width)), 0, hi).astype(np.uint16 if hi > 255 else np.uint8)
    if fmt == "raw":
        return y.astype(np.uint8), None
    uvb = (np.cos(xx[::2, ::2] / 41.0) + 1) / 2 * hi
    uv = np.stack([uvb, hi - uvb], axis=2)
    uv = np.clip(uv + rng.normal(0, hi * 0.02, uv.shape), 0, hi).astype(y.dtype)
    return y, uv


def run_app(app, schedule, fmt, ubwc, width, height, device="SM8150", repeats=3, planes=None,
            bandwidth=0, trace=False, tile=None):
    """Run `app` on a frame; returns a Result (and checks it against numpy)."""
    y, uv = planes if planes is not None else synthetic_planes(fmt, width, height)
    bits = 16 if fmt in frames.TEN_BIT else 8
    tile = tile or ((256, 32) if ubwc else (128, 32))
    target = f"host-{DEVICES[device]}"
    from .generators import pipeline
    compiled = {plane: pipeline(app, plane, schedule, fmt, tile, VECTOR, target).compile_jit(target=target)
                for plane in app.planes}
    fin = frames.pack(fmt, y, uv, ubwc=ubwc) if fmt != "raw" else frames.pack("raw", y)
    zeros = (np.zeros_like(y), None if uv is None else np.zeros_like(uv))
    fout = frames.pack(fmt, *zeros, ubwc=ubwc) if fmt != "raw" else frames.pack("raw", zeros[0])
    runtime.set_device(device)
    runtime.lib.halo_hexagon_dma_set_bandwidth_model(bandwidth)
    times = []
    with ubwcdma.Engine() as er, ubwcdma.Engine() as ew:
        ubwcdma.power_mode_voting("turbo")
        din, dout = ubwcdma.DmaFrame(fin), ubwcdma.DmaFrame(fout)
        try:
            din.prepare(er, "read")
            dout.prepare(ew, "write")
            runtime.localmem_reset_high_water("locked_cache")
            # run 0 warms up; runs 1..repeats are timed; with `trace`, one more run is traced
            for k in range(repeats + 1 + (1 if trace else 0)):
                if k == 1:
                    ubwcdma.reset_stats()
                if k == repeats + 1:
                    runtime.trace_clear()
                    runtime.trace_enable(True)
                t0 = time.perf_counter()
                for plane in app.planes:
                    compiled[plane]({"input": din.planes[plane], "out": dout.planes[plane]})
                if 1 <= k <= repeats:
                    times.append(time.perf_counter() - t0)
            st = ubwcdma.stats()
            local = runtime.localmem_high_water("locked_cache")
        finally:
            runtime.trace_enable(False)
            runtime.lib.halo_hexagon_dma_set_bandwidth_model(0)
            ubwcdma.power_mode_voting("default")
            din.unprepare()
            dout.unprepare()
            din.detach()
            dout.detach()
    runs = repeats + (1 if trace else 0)
    got = frames.unpack(fout)
    got = got if isinstance(got, tuple) else (got, None)
    ok = True
    shift = 6 if bits == 16 else 0
    for plane, arr in zip(("y", "uv"), (y, uv)):
        if plane not in app.planes:
            continue
        local_view = (arr.astype(np.uint32) << shift).astype(np.uint16 if bits == 16 else np.uint8)
        want = app.reference(local_view, plane)
        if shift:
            want = (want >> shift).astype(arr.dtype)
        ok = ok and np.array_equal(got[0] if plane == "y" else got[1], want)
    tr = runtime.trace_json() if trace else None
    if trace:
        runtime.trace_clear()
    return Result(app.name, schedule, f"{fmt}{' UBWC' if ubwc else ''}", width, height,
                  statistics.median(times) * 1e3, st.transfers // runs, st.ddr_bytes // runs,
                  st.uncompressed_bytes // runs, local, runtime.localmem_capacity("locked_cache"),
                  tracing.overlap_fraction(tr) if tr else 0.0, ok, got, tr)
