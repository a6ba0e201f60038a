"""DMA scheduling (issue 5): DMA'd Funcs lowered to backend transfers, checked against numpy on
real DMA-wrapped frames, with the runtime's counters proving the transfers."""
import re

import numpy as np
import pytest

import halo as hl
from halo.lower import lower
from halo.schedules import dma as recipes
from halo.runtime import frames, ubwcdma

SCHEDULES = ["basic", "fold", "async", "split", "split_async"]


def _vars():
    return [hl.Var(n) for n in ("x", "y", "c", "tx", "ty", "xi", "yi", "yo")]


def build(kind, plane, schedule, tile_w=128, tile_h=32, strip=64, bits=8):
    """A DMA read -> work -> DMA write pipeline on one plane, in Halide's apps' shape, scheduled
    with the halo.schedules.dma recipe (which these tests thereby cover).
    kind: "copy" (work = 2 * in) or "blur" (3x3 box blur of the clamped input)."""
    x, y, c, tx, ty, xi, yi, yo = _vars()
    t = hl.UInt(bits)
    uv = plane == "uv"
    inp = hl.ImageParam(t, 3 if uv else 2, "input")
    in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
    args = (x, y, c) if uv else (x, y)
    in_copy[args] = inp[args]
    if kind == "copy":
        work[args] = in_copy[args] * 2
    else:
        bounds = [(inp.dim(0).min(), inp.dim(0).extent()), (inp.dim(1).min(), inp.dim(1).extent())]
        if uv:
            bounds.append(None)
        rep = hl.BoundaryConditions.repeat_edge(in_copy, bounds)
        s = None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                term = hl.cast(hl.UInt(32), rep[(x + dx, y + dy, c) if uv else (x + dx, y + dy)])
                s = term if s is None else s + term
        work[args] = hl.cast(t, (s + 4) / 9)
    out[args] = work[args]
    if uv:
        recipes.interleaved_uv(inp, out)
    recipes.tiled(out, in_copy, work, schedule, tile=(tile_w, tile_h), strip=strip,
                  halo_px=0 if kind == "copy" else 1)
    return inp, out


def _frame(fmt, w, h, seed):
    rng = np.random.default_rng(seed)
    dt = np.uint16 if fmt == "p010" else np.uint8
    hi = 1024 if fmt == "p010" else 256
    y = rng.integers(0, hi, (h, w)).astype(dt)
    uv = rng.integers(0, hi, (h // 2, w // 2, 2)).astype(dt)
    return y, uv


def _blur_ref(a):
    p = np.pad(a.astype(np.uint32), 1, mode="edge")
    h, w = a.shape
    s = sum(p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(a.dtype)


def _expected(kind, plane, y, uv, dtype):
    src = y if plane == "y" else uv
    if kind == "copy":
        return (src.astype(np.uint32) * 2).astype(dtype)
    if plane == "y":
        return _blur_ref(src)
    return np.stack([_blur_ref(src[:, :, k]) for k in range(2)], axis=2)


def run_dma(kind, plane, schedule, fmt="nv12", ubwc=False, w=256, h=128, tile_w=128, seed=0):
    bits = 16 if fmt == "p010" else 8
    inp, out = build(kind, plane, schedule, tile_w=tile_w, bits=bits)
    compiled = out.compile_jit()
    y, uv = _frame(fmt, w, h, seed)
    fin = frames.pack(fmt, y, uv, ubwc=ubwc)
    fout = frames.pack(fmt, np.zeros_like(y), np.zeros_like(uv), ubwc=ubwc)
    with ubwcdma.Engine() as er, ubwcdma.Engine() as ew:
        din, dout = ubwcdma.DmaFrame(fin), ubwcdma.DmaFrame(fout)
        din.prepare(er, "read")
        dout.prepare(ew, "write")
        ubwcdma.reset_stats()
        try:
            compiled({"input": din.planes[plane], "out": dout.planes[plane]})
            st = ubwcdma.stats()
        finally:
            din.unprepare()
            dout.unprepare()
            din.detach()
            dout.detach()
    ry, ruv = frames.unpack(fout)
    got = ry if plane == "y" else ruv
    if fmt == "p010":
        # 10-bit samples are MSB-aligned (value << 6) in local memory; the pipeline computes on
        # that, and the write keeps the top 10 bits
        want = (_expected(kind, plane, y.astype(np.uint32) << 6, uv.astype(np.uint32) << 6, np.uint16) >> 6)
        return got, want.astype(got.dtype), st
    return got, _expected(kind, plane, y, uv, got.dtype), st


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("plane", ["y", "uv"])
@pytest.mark.parametrize("size", [(256, 128), (200, 72)], ids=["256x128", "200x72"])
def test_nv12_copy_linear_matches_numpy_and_counts_transfers(schedule, plane, size):
    w, h = size
    got, want, st = run_dma("copy", plane, schedule, w=w, h=h)
    assert np.array_equal(got, want)
    pw, ph = (w, h) if plane == "y" else (w // 2, h // 2)
    tiles = -(-pw // 128) * -(-ph // 32)
    if schedule.startswith("split"):
        tiles = -(-pw // 128) * sum(-(-min(64, ph - s) // 32) for s in range(0, ph, 64))
    # one read and one write per tile, every byte of the plane read once and written once
    assert st.transfers == 2 * tiles
    assert st.ddr_bytes == 2 * pw * ph * (2 if plane == "uv" else 1)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("plane", ["y", "uv"])
def test_nv12_blur_linear_matches_numpy(schedule, plane):
    got, want, st = run_dma("blur", plane, schedule, w=256, h=96)
    assert np.array_equal(got, want)


@pytest.mark.parametrize("schedule", ["basic", "fold", "async"])
@pytest.mark.parametrize("plane", ["y", "uv"])
def test_nv12_ubwc_copy_and_bytes_saved(schedule, plane):
    got, want, st = run_dma("copy", plane, schedule, ubwc=True, w=512, h=64, tile_w=256)
    assert np.array_equal(got, want)
    assert st.uncompressed_bytes == 2 * 512 * 64 // (1 if plane == "y" else 2)


@pytest.mark.parametrize("schedule", ["basic", "async"])
def test_p010_copy(schedule):
    got, want, st = run_dma("copy", "y", schedule, fmt="p010", w=128, h=64, tile_w=64)
    assert np.array_equal(got, want)


def test_ubwc_fold_with_half_aligned_slots_is_a_runtime_error():
    with pytest.raises(hl.HaloRuntimeError, match=re.escape("must be 256-byte aligned for UBWC transfers")):
        run_dma("copy", "y", "fold", ubwc=True, w=256, h=64, tile_w=128)


def test_async_dma_read_prefetches_the_next_tile():
    inp, out = build("copy", "y", "async")
    text = str(lower([out]).stmt)
    assert "dma_handles in_copy[2] (ubwcdma)" in text
    assert "dma_wait in_copy[(out.s0.tx % 2)]" in text
    assert "dma_start in_copy[((out.s0.tx + 1) % 2)] ubwcdma input -> in_copy" in text
    assert "dma_handles out[2] (ubwcdma)" in text


@pytest.mark.parametrize("schedule,fragment", [
    (lambda f, inp: f.hexagon_ubwcdma_read(),
     "Func bad is scheduled for DMA (ubwcdma) but is not a pure wrapper: its value is (input(x, y) + (uint8)1)"),
])
def test_dma_on_a_non_wrapper_is_refused(schedule, fragment):
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    bad, out = hl.Func("bad"), hl.Func("out")
    bad[x, y] = inp[x, y] + 1
    out[x, y] = bad[x, y]
    bad.compute_root().store_in(hl.MemoryType.LockedCache)
    schedule(bad, inp)
    with pytest.raises(hl.ScheduleError, match=re.escape(fragment)):
        lower([out])


def build_plain(backend, schedule, memory=hl.MemoryType.VTCM, tile_w=64, tile_h=16, kind="copy"):
    """The same pipeline shape on plain (host) buffers with any backend, Y plane only."""
    x, y, c, tx, ty, xi, yi, yo = _vars()
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
    in_copy[x, y] = inp[x, y]
    if kind == "copy":
        work[x, y] = in_copy[x, y] * 2
    else:
        rep = hl.BoundaryConditions.repeat_edge(
            in_copy, [(inp.dim(0).min(), inp.dim(0).extent()), (inp.dim(1).min(), inp.dim(1).extent())])
        s = None
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                term = hl.cast(hl.UInt(16), rep[x + dx, y + dy])
                s = term if s is None else s + term
        work[x, y] = hl.cast(hl.UInt(8), (s + 4) / 9)
    out[x, y] = work[x, y]
    recipes.tiled(out, in_copy, work, schedule, tile=(tile_w, tile_h), strip=32, halo_px=0 if kind == "copy" else 1,
                  backend=backend, memory=memory)
    return inp, out


@pytest.mark.parametrize("backend", ["user_dma", "compass", "host_copy"])
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("kind", ["copy", "blur"])
def test_other_backends_match_numpy(backend, schedule, kind):
    w, h = 150, 70
    a = np.random.default_rng(5).integers(0, 256, (h, w)).astype(np.uint8)
    inp, out = build_plain(backend, schedule, kind=kind)
    if backend == "compass" and schedule.startswith("split"):
        # events are a target-wide pool of 4; parallel strips would need one set per thread
        with pytest.raises(hl.ScheduleError, match=re.escape("Compass DMA transfers in flight")):
            out.compile_jit()
        return
    compiled = out.compile_jit()
    res = np.zeros_like(a)
    compiled({"input": a, "out": res})
    want = (a.astype(np.uint32) * 2).astype(np.uint8) if kind == "copy" else _blur_ref(a)
    assert np.array_equal(res, want)


def test_compass_event_limit_is_respected_and_events_are_freed():
    from halo import runtime
    inp, out = build_plain("compass", "async")
    compiled = out.compile_jit()
    a = np.arange(64 * 32, dtype=np.uint8).reshape(32, 64)
    res = np.zeros_like(a)
    compiled({"input": a, "out": res})
    assert np.array_equal(res, (a.astype(np.uint32) * 2).astype(np.uint8))
    assert runtime.lib.halo_compass_events_in_use() == 0


def test_host_copy_on_a_dma_device_buffer_is_a_clear_error():
    inp, out = build_plain("host_copy", "basic")
    compiled = out.compile_jit()
    fin = frames.pack("raw", np.zeros((16, 64), np.uint8))
    with ubwcdma.Engine() as e:
        d = ubwcdma.DmaFrame(fin)
        d.prepare(e, "read")
        try:
            with pytest.raises(hl.HaloRuntimeError, match="the DDR buffer has no host memory"):
                compiled({"input": d.planes["y"], "out": np.zeros((16, 64), np.uint8)})
        finally:
            d.unprepare()
            d.detach()


TOY = r'''
from halo.backends import Backend

class Toy(Backend):
    """A third-party backend: synchronous row copies, counting its transfers."""
    name = "toy"
    local_memories = ("VTCM",)

    def c_handle_type(self):
        return "int"

    def c_start(self, copy, ddr, local, handle):
        return [f"_r = toy_copy({ddr}, {local}, {1 if copy.direction == 'read' else 0});", f"*({handle}) = _r;"]

    def c_wait(self, copy, handle):
        return [f"_r = *({handle});"]

    def c_includes(self):
        return [r"""
static int toy_transfers;
static int __attribute__((unused)) toy_copy(const halo_buffer_t *ddr, const halo_buffer_t *local, int to_local) {
  toy_transfers++;
  for (int32_t j = 0; j < local->dim[1].extent; j++) {
    uint8_t *d = ddr->host + (int64_t)(local->dim[1].min + j - ddr->dim[1].min) * ddr->dim[1].stride + (local->dim[0].min - ddr->dim[0].min);
    uint8_t *l = local->host + (int64_t)j * local->dim[1].stride;
    if (to_local) memcpy(l, d, local->dim[0].extent); else memcpy(d, l, local->dim[0].extent);
  }
  return 0;
}
"""]
'''


def test_a_backend_from_outside_halo_plugs_in_through_its_entry_point(tmp_path, monkeypatch):
    import sys
    from importlib import metadata

    from halo import backends
    (tmp_path / "toy_backend.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = metadata.EntryPoint(name="toy", value="toy_backend:Toy", group="halo.dma_backends")
    real = metadata.entry_points
    monkeypatch.setattr(metadata, "entry_points",
                        lambda **kw: [ep] if kw.get("group") == "halo.dma_backends" else real(**kw))
    monkeypatch.setattr(backends, "_registry", dict(backends._registry))
    assert "toy" in backends.available()
    inp, out = build_plain("toy", "basic")
    a = np.random.default_rng(1).integers(0, 256, (40, 90)).astype(np.uint8)
    res = np.zeros_like(a)
    out.compile_jit()({"input": a, "out": res})
    assert np.array_equal(res, (a.astype(np.uint32) * 2).astype(np.uint8))
    sys.modules.pop("toy_backend", None)


def _simple(read_backend="ubwcdma", write=True, memory=hl.MemoryType.LockedCache, dims=2, bits=8):
    x, y, c, tx, ty, xi, yi, yo = _vars()
    inp = hl.ImageParam(hl.UInt(bits), dims, "input")
    args = (x, y, c)[:dims]
    in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
    in_copy[args] = inp[args]
    work[args] = in_copy[args] + 1
    out[args] = work[args]
    out.tile(x, y, tx, ty, x, y, 64, 16)
    in_copy.compute_at(out, tx).store_in(memory)
    work.compute_at(out, tx).store_in(memory)
    return inp, in_copy, work, out, (x, y, tx, ty)


def _err(fragment, build_fn):
    with pytest.raises(hl.ScheduleError, match=re.escape(fragment)):
        lower([build_fn()])


def test_dma_read_without_local_memory():
    def b():
        inp, in_copy, work, out, _ = _simple(memory=hl.MemoryType.Heap)
        in_copy.hexagon_ubwcdma_read()
        return out
    _err("Func in_copy: the ubwcdma backend moves data between DDR and local memory, but the destination "
         "in_copy is in Heap; schedule in_copy.store_in(MemoryType.LockedCache) (legal: LockedCache, VTCM)", b)


def test_dma_write_source_not_in_local_memory():
    def b():
        inp, in_copy, work, out, _ = _simple()
        work.store_in(hl.MemoryType.Heap)
        out.hexagon_ubwcdma_write()
        return out
    _err("Func out: the ubwcdma backend moves data between DDR and local memory, but the source work is in Heap", b)


def test_async_dma_without_fold():
    def b():
        inp, in_copy, work, out, (x, y, tx, ty) = _simple()
        in_copy.hexagon_ubwcdma_read().store_at(out, ty).async_()
        return out
    _err("Func in_copy: async_() with ubwcdma DMA requires fold_storage", b)


def test_async_dma_stored_where_computed():
    def b():
        inp, in_copy, work, out, _ = _simple()
        in_copy.hexagon_ubwcdma_read().fold_storage(hl.Var("x"), 128).async_()
        return out
    _err("Func in_copy: async_() with ubwcdma DMA needs in_copy stored outside the loop it is computed in", b)


def test_async_dma_fold_too_small_for_ping_pong():
    def b():
        inp, in_copy, work, out, (x, y, tx, ty) = _simple()
        in_copy.hexagon_ubwcdma_read().store_at(out, ty).fold_storage(x, 64).async_()
        return out
    _err("Func in_copy: async_() with ubwcdma DMA: fold_storage(x, 64) is too small for the ping-pong: one "
         "iteration of out.tx uses in_copy", b)


def test_dma_write_on_a_non_output():
    def b():
        inp, in_copy, work, out, _ = _simple()
        work.hexagon_ubwcdma_write()
        return out
    _err("Func work: a DMA write drains a tile to a DDR output, but work is not an output of the pipeline", b)


def test_dma_read_on_an_output():
    def b():
        x, y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "input")
        out = hl.Func("out")
        out[x, y] = inp[x, y]
        out.hexagon_ubwcdma_read()
        return out
    _err("Func out is an output; a DMA read fills a local buffer", b)


def test_dma_write_source_computed_at_root():
    def b():
        inp, in_copy, work, out, _ = _simple()
        in_copy.compute_root()
        work.compute_root()
        out.hexagon_ubwcdma_write()
        return out
    _err("Func out: a DMA write moves one tile of work at a time, so work must be computed per tile of out: "
         "work.compute_at(out, tile_var)", b)


def test_dma_write_of_a_non_wrapper_output():
    def b():
        x, y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "input")
        work, out = hl.Func("work"), hl.Func("out")
        work[x, y] = inp[x, y]
        out[x, y] = work[x, y] * 2
        out.hexagon_ubwcdma_write()
        return out
    _err("Func out is scheduled for DMA (ubwcdma) but is not a pure wrapper", b)


def test_wrapper_with_permuted_arguments_is_not_a_wrapper():
    def b():
        x, y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "input")
        t, out = hl.Func("t"), hl.Func("out")
        t[x, y] = inp[y, x]
        out[x, y] = t[x, y]
        t.compute_root().store_in(hl.MemoryType.LockedCache).hexagon_ubwcdma_read()
        return out
    _err("Func t is scheduled for DMA (ubwcdma) but is not a pure wrapper: its value is input(y, x)", b)


def test_ubwcdma_needs_2d_or_3d_planes():
    def b():
        x = hl.Var("x")
        inp = hl.ImageParam(hl.UInt(8), 1, "input")
        t, out = hl.Func("t"), hl.Func("out")
        t[x] = inp[x]
        out[x] = t[x]
        t.compute_root().store_in(hl.MemoryType.LockedCache).hexagon_ubwcdma_read()
        return out
    _err("Func t: UBWCDMA moves 2-D planes (Y, Raw) or 3-D interleaved chroma (UV: x, y, c); input has 1 dimensions", b)


def test_ubwcdma_needs_8_or_16_bit_samples():
    def b():
        inp, in_copy, work, out, _ = _simple(bits=32)
        in_copy.hexagon_ubwcdma_read()
        return out
    _err("Func in_copy: UBWCDMA frames hold 8-bit (NV12, Raw) or 16-bit (P010, TP10) samples; input has "
         "32-bit elements", b)


def test_user_dma_needs_2d():
    def b():
        inp, in_copy, work, out, _ = _simple(dims=3, memory=hl.MemoryType.VTCM)
        in_copy.hexagon_user_dma()
        return out
    _err("Func in_copy: user DMA moves 2-D regions (one type-1 descriptor chain); input has 3 dimensions", b)


def test_user_dma_engines_out_of_range():
    def b():
        inp, in_copy, work, out, _ = _simple(memory=hl.MemoryType.VTCM)
        in_copy.dma("user_dma", "read", engine=7)
        return out
    _err("Func in_copy: user DMA uses engines 7..8 for its 2 transfer handles, but the engines are 0..7; choose "
         "dma('user_dma', engine=N) with N <= 6", b)
    inp, in_copy, work, out, _ = _simple(memory=hl.MemoryType.VTCM)
    in_copy.dma("user_dma", "read", engine=6)
    assert lower([out]).copies()["in_copy"].options == (("engine", 6),)


def test_compass_needs_local_memory_on_one_side():
    def b():
        inp, in_copy, work, out, _ = _simple(memory=hl.MemoryType.Heap)
        in_copy.dma("compass", "read")
        return out
    _err("Func in_copy: the compass backend moves data between DDR and local memory, but the destination in_copy "
         "is in Heap", b)


def test_unknown_backend_and_direction():
    f = hl.Func("f")
    f[hl.Var("x")] = 0
    with pytest.raises(hl.ScheduleError, match=re.escape("no DMA backend named 'nope'; available: compass, host_copy, ubwcdma, user_dma")):
        f.dma("nope")
    with pytest.raises(hl.ScheduleError, match=re.escape("dma(direction='up'): legal directions are 'read'")):
        f.dma("ubwcdma", "up")
    f.dma("ubwcdma", "read")
    with pytest.raises(hl.ScheduleError, match=re.escape("Func f already has a DMA directive (ubwcdma)")):
        f.copy_to_host()


def test_local_memory_over_capacity_with_dma_tiles():
    x, y, c, tx, ty, xi, yi, yo = _vars()
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    in_copy, out = hl.Func("in_copy"), hl.Func("out")
    in_copy[x, y] = inp[x, y]
    out[x, y] = in_copy[x, y] + 1
    out.tile(x, y, tx, ty, x, y, 512, 512)
    in_copy.compute_at(out, tx).store_at(out, ty).fold_storage(x, 1024).store_in(
        hl.MemoryType.LockedCache).hexagon_ubwcdma_read().async_()
    # two 512x512 tiles of ping-pong: align(1024 * 512, 128) = 524288 bytes, over SM8150's 384 KB
    with pytest.raises(hl.ScheduleError, match=re.escape(
            "the schedule needs 524288 bytes of LockedCache but SM8150 has 393216 (in_copy: 524288 bytes x 1)")):
        lower([out])
    assert lower([out], target="host-sm8250").copies()["in_copy"].in_flight == 2


def _traced_run(schedule, w=1024, h=256):
    from halo import runtime, tracing
    # model a 1 GB/s engine so transfers take time, as on a device (the engines otherwise copy
    # at memory speed and finish before any compute starts)
    runtime.lib.halo_hexagon_dma_set_bandwidth_model(1000)
    inp, out = build("blur", "y", schedule, tile_w=256, tile_h=64)
    compiled = out.compile_jit()
    y, uv = _frame("nv12", w, h, 3)
    fin = frames.pack("nv12", y, uv)
    fout = frames.pack("nv12", np.zeros_like(y), np.zeros_like(uv))
    with ubwcdma.Engine() as er, ubwcdma.Engine() as ew:
        din, dout = ubwcdma.DmaFrame(fin), ubwcdma.DmaFrame(fout)
        din.prepare(er, "read")
        dout.prepare(ew, "write")
        runtime.trace_clear()
        runtime.trace_enable(True)
        try:
            compiled({"input": din.planes["y"], "out": dout.planes["y"]})
        finally:
            runtime.trace_enable(False)
            runtime.lib.halo_hexagon_dma_set_bandwidth_model(0)
            din.unprepare()
            dout.unprepare()
            din.detach()
            dout.detach()
    trace = runtime.trace_json()
    runtime.trace_clear()
    assert np.array_equal(frames.unpack(fout)[0], _blur_ref(y))
    return trace, tracing


def test_async_trace_shows_dma_of_the_next_tile_during_compute():
    trace, tracing = _traced_run("async")
    dma, compute = tracing.spans(trace, "dma"), tracing.spans(trace, "compute")
    tiles = (1024 // 256) * (256 // 64)
    # work is the only computed Func: one compute span per tile, all named after it
    assert len(compute) == tiles
    assert {e["name"] for e in trace["traceEvents"] if e.get("cat") == "compute"} == {"work"}
    assert len(dma) == 2 * tiles
    # some transfer ran while a tile was being computed
    assert tracing.overlap_fraction(trace) > 0


def test_basic_trace_never_overlaps_dma_with_compute():
    trace, tracing = _traced_run("basic")
    assert tracing.overlap_fraction(trace) == 0


def test_compile_time_report_counts_buffers_folds_transfers_and_bytes():
    inp, out = build("copy", "y", "async", tile_w=128)
    text = out.report({"input": [256, 64], "out": [256, 64]})
    assert ("  in_copy in LockedCache: align(fold(in_copy.x)*split(out.y) B, 128) = align(256 x 32 x 1 B, 128) = "
            "8192 B x 1 copy = 8192 B") in text
    assert ("  work in LockedCache: align(fold(work.x)*split(out.y) B, 128) = align(256 x 32 x 1 B, 128) = "
            "8192 B x 1 copy = 8192 B") in text
    assert "  LockedCache total: 16384 of 393216 bytes" in text
    assert "  in_copy.x modulo 256" in text and "  work.x modulo 256" in text
    assert "  in_copy: read input -> in_copy with ubwcdma, 2 in flight (ping-pong)" in text
    assert "  out: write work -> out with ubwcdma, 2 in flight (ping-pong)" in text
    # 2 x 2 tiles of 128 x 32: one read and one write each, every byte once
    assert "  in_copy: 4 transfers, 16384 bytes" in text
    assert "  out: 4 transfers, 16384 bytes" in text


def test_swapped_prepare_directions_are_refused_and_the_input_is_untouched():
    """An input prepared for copy to device (and an output for copy to host) once ran and wrote
    over the input; each DMA'd buffer's direction is now checked against the pipeline's."""
    inp, out = build("copy", "y", "basic", tile_w=128, bits=8)
    compiled = out.compile_jit()
    y, uv = _frame("nv12", 256, 128, 0)
    fin = frames.pack("nv12", y, uv)
    fout = frames.pack("nv12", np.zeros_like(y), np.zeros_like(uv))
    before = frames.unpack(fin)[0].copy()
    with ubwcdma.Engine() as er, ubwcdma.Engine() as ew:
        din, dout = ubwcdma.DmaFrame(fin), ubwcdma.DmaFrame(fout)
        din.prepare(er, "write")
        dout.prepare(ew, "read")
        try:
            with pytest.raises(hl.HaloRuntimeError, match=r"buffer input is prepared for copy to device \(DMA writes\), "
                                                          r"but the pipeline reads it by DMA; prepare it with "
                                                          r"halo_hexagon_dma_prepare_for_copy_to_host"):
                compiled({"input": din.planes["y"], "out": dout.planes["y"]})
        finally:
            din.unprepare()
            dout.unprepare()
            din.detach()
            dout.detach()
    assert np.array_equal(frames.unpack(fin)[0], before)


def test_dma_frame_moves_only_in_its_prepared_direction():
    y, uv = _frame("nv12", 256, 128, 0)
    frame = frames.pack("nv12", y, uv)
    with ubwcdma.Engine() as e:
        d = ubwcdma.DmaFrame(frame)
        with pytest.raises(hl.HaloError, match="DmaFrame.start: the frame is not prepared"):
            d.start("y", d.local_tile("y", 64, 8), 0, 0)
        d.prepare(e, "read")
        try:
            with pytest.raises(hl.HaloError, match="DmaFrame.write: the frame is prepared for read, not write"):
                d.write("y", d.local_tile("y", 64, 8), 0, 0)
            tile = d.local_tile("y", 64, 8)
            tile.flags.writeable = False
            with pytest.raises(hl.HaloError, match="a read fills `tile`, which is read-only"):
                d.start("y", tile, 0, 0)
            assert np.array_equal(d.read("y", 0, 0, 64, 8), y[:8, :64])
        finally:
            d.unprepare()
            d.detach()
