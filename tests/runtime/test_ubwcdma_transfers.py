"""DMA transfers through the buffer API: numpy -> frame -> DMA read into local memory -> numpy
(and the reverse for writes), bit-exact for every format, linear and UBWC, odd sizes, tiles at
the frame edges, interleaved and de-interleaved chroma; byte statistics and the trace."""
import numpy as np
import pytest

from halo.runtime import frames, trace_clear, trace_enable, trace_json, ubwcdma

from .ubwc_util import FORMATS, natural_planes, random_planes


def tile_grid(fmt, ubwc, plane):
    """A tile size legal everywhere in the plane (x in pairs for UV), a multiple of the grid."""
    lay = frames.layout(fmt, 64, 64, ubwc=True)
    if ubwc:
        if plane == "y":
            return 2 * lay.y_tile_width, 2 * lay.y_tile_height
        return 2 * lay.uv_tile_width, 2 * lay.uv_tile_height
    return (48, 20) if plane == "y" else (24, 10)  # TP10 needs whole words: 3 samples


def read_plane_in_tiles(dma, plane, shape, tw, th, deinterleave=False):
    """Reads a plane tile by tile (clipped at the edges) and assembles it."""
    h, w = shape[:2]
    out = np.zeros((h, w, 2) if plane == "uv" else (h, w), dtype=dma.frame.layout.dtype)
    for y0 in range(0, h, th):
        for x0 in range(0, w, tw):
            tw_, th_ = min(tw, w - x0), min(th, h - y0)
            tile = dma.read(plane, x0, y0, tw_, th_, deinterleave=deinterleave)
            if plane == "uv" and deinterleave:
                tile = np.stack([tile[0], tile[1]], axis=-1)
            out[y0:y0 + th_, x0:x0 + tw_] = tile
    return out


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("ubwc", [False, True])
@pytest.mark.parametrize("size", [(200, 130), (37, 23), (1, 1), (96, 64)])
def test_tiled_reads_reassemble_the_planes(fmt, ubwc, size):
    w, h = size
    y, uv = natural_planes(fmt, w, h) if w > 50 else random_planes(fmt, w, h)
    frame = frames.pack(fmt, y, uv, ubwc=ubwc)
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng, "read")
        got_y = read_plane_in_tiles(dma, "y", y.shape, *tile_grid(fmt, ubwc, "y"))
        got_uv = read_plane_in_tiles(dma, "uv", uv.shape, *tile_grid(fmt, ubwc, "uv"))
        got_planar = read_plane_in_tiles(dma, "uv", uv.shape, *tile_grid(fmt, ubwc, "uv"), True)
        dma.unprepare()
    np.testing.assert_array_equal(frames.from_local(got_y, fmt), y)
    np.testing.assert_array_equal(got_y, frames.to_local(y, fmt))
    np.testing.assert_array_equal(got_uv, frames.to_local(uv, fmt))
    np.testing.assert_array_equal(got_planar, frames.to_local(uv, fmt))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("ubwc", [False, True])
def test_tiled_writes_build_the_same_frame_as_pack(fmt, ubwc):
    w, h = 200, 130
    y, uv = natural_planes(fmt, w, h, seed=5)
    target = frames.pack(fmt, np.zeros_like(y), np.zeros_like(uv), ubwc=ubwc)
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(target) as dma:
        dma.prepare(eng, "write")
        for plane, src in (("y", frames.to_local(y, fmt)), ("uv", frames.to_local(uv, fmt))):
            tw, th = tile_grid(fmt, ubwc, plane)
            ph, pw = src.shape[:2]
            for y0 in range(0, ph, th):
                for x0 in range(0, pw, tw):
                    part = src[y0:y0 + th, x0:x0 + tw]
                    if plane == "uv" and (x0 // tw + y0 // th) % 2:  # half the tiles planar
                        planar = dma.local_tile("uv", part.shape[1], part.shape[0], True)
                        planar[0], planar[1] = part[..., 0], part[..., 1]
                        dma.write("uv", planar, x0, y0, deinterleave=True)
                    else:
                        tile = dma.local_tile(plane, part.shape[1], part.shape[0])
                        tile[...] = part
                        dma.write(plane, tile, x0, y0)
        dma.unprepare()
    y2, uv2 = target.unpack()
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_array_equal(uv2, uv)
    np.testing.assert_array_equal(target.data, frames.pack(fmt, y, uv, ubwc=ubwc).data)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("ubwc", [False, True])
def test_roi_at_the_bottom_right_edge(fmt, ubwc):
    w, h = 131, 37
    y, uv = random_planes(fmt, w, h, seed=9)
    frame = frames.pack(fmt, y, uv, ubwc=ubwc)
    lay = frame.layout
    gx, gy = (lay.y_tile_width, lay.y_tile_height) if ubwc else (3, 1)
    x0, y0 = (w - 1) // gx * gx, (h - 1) // gy * gy
    cx0 = ((w + 1) // 2 - 1) // (lay.uv_tile_width if ubwc else 3) * (lay.uv_tile_width if ubwc else 3)
    cy0 = ((h + 1) // 2 - 1) // (lay.uv_tile_height if ubwc else 1) * (lay.uv_tile_height if ubwc else 1)
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)
        t = dma.read("y", x0, y0, w - x0, h - y0)
        np.testing.assert_array_equal(t, frames.to_local(y[y0:, x0:], fmt))
        t = dma.read("uv", cx0, cy0, uv.shape[1] - cx0, uv.shape[0] - cy0)
        np.testing.assert_array_equal(t, frames.to_local(uv[cy0:, cx0:], fmt))
        dma.unprepare()


def test_raw_interleaved_frames_move_whole_pixels():
    rgba = np.random.default_rng(4).integers(0, 256, (20, 30, 4), dtype=np.uint8)
    frame = frames.pack("raw", rgba)
    buf = ubwcdma.make_buffer([(0, 30, 4), (0, 20, 120), (0, 4, 1)], 8)
    from halo.runtime import buffer_from_array, check, ffi, lib
    check(lib.halo_hexagon_dma_device_wrap_native(ffi.NULL, buf, frame.address))
    with ubwcdma.Engine() as eng:
        check(lib.halo_hexagon_dma_prepare_for_copy_to_host(ffi.NULL, buf, eng.handle, False, 0))
        tile = frames.aligned_zeros((8, 10, 4), np.uint8)
        local = buffer_from_array(tile.transpose(2, 0, 1), mins=[5, 3, 0])  # dims x, y, c
        t = ffi.new("halo_dma_transfer_t *")
        check(lib.halo_hexagon_dma_copy_start(ffi.NULL, buf, local, t))
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        np.testing.assert_array_equal(tile, rgba[3:11, 5:15])
        assert eng.stats().ddr_bytes == 8 * 10 * 4
        check(lib.halo_hexagon_dma_unprepare(ffi.NULL, buf))
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))


def test_linear_statistics_count_exact_bytes():
    y, uv = random_planes("tp10", 60, 20)
    frame = frames.pack_tp10(y, uv)
    ubwcdma.reset_stats()
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)
        dma.read("y", 3, 2, 9, 4)        # 3 words per row
        dma.read("uv", 3, 1, 6, 2)       # 12 samples = 4 words per row
        s = eng.stats()
        dma.unprepare()
    assert s == ubwcdma.Stats(2, 3 * 4 * 4 + 4 * 4 * 2, 3 * 4 * 4 + 4 * 4 * 2, s.busy_ns)
    assert s.bytes_saved == 0 and s.busy_ns > 0
    assert ubwcdma.stats() == s


def test_ubwc_statistics_measure_the_bandwidth_saved():
    w, h = 256, 128
    y, uv = natural_planes("nv12", w, h)
    frame = frames.pack_nv12(y, uv, ubwc=True)
    ubwcdma.reset_stats()
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)
        dma.read("y", 0, 0, w, h)
        dma.read("uv", 0, 0, w // 2, h // 2)
        s = eng.stats()
        dma.unprepare()
    assert s.transfers == 2
    assert s.uncompressed_bytes == w * h * 3 // 2
    assert s.ddr_bytes == frame.ddr_bytes()
    assert s.bytes_saved == w * h * 3 // 2 - frame.ddr_bytes() > w * h // 2
    ubwcdma.reset_stats()
    assert ubwcdma.stats() == ubwcdma.Stats(0, 0, 0, 0)


def test_transfers_are_traced_on_the_engine_track():
    y, uv = random_planes("p010", 64, 8)
    frame = frames.pack_p010(y, uv, ubwc=True)
    trace_enable(True)
    trace_clear()
    try:
        with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
            dma.prepare(eng)
            dma.read("uv", 0, 0, 32, 4)
            name = eng.name
            dma.unprepare()
        events = trace_json()["traceEvents"]
    finally:
        trace_enable(False)
        trace_clear()
    tracks = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    spans = [e for e in events if e.get("cat") == "dma"]
    assert len(spans) == 1
    assert spans[0]["name"] == "read P010_UV UBWC"
    assert tracks[spans[0]["tid"]] == name
    metas = frame.data[frame.layout.uv_meta_offset:][:2]  # the UV plane's two tiles
    assert all(m & 0xF1 == 0x10 for m in metas)
    assert spans[0]["args"]["bytes"] == sum(1 + ((int(m) >> 1 & 7) + 1) * 32 for m in metas)


def test_many_transfers_queue_fifo_on_one_engine():
    y, uv = random_planes("nv12", 256, 64)
    frame = frames.pack_nv12(y, uv)
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)
        tiles = [dma.local_tile("y", 32, 8) for _ in range(64)]
        started = [dma.start("y", t, (i % 8) * 32, (i // 8) * 8) for i, t in enumerate(tiles)]
        eng.wait()
        for i, (t, tr) in enumerate(zip(tiles, started)):
            tr.wait()
            np.testing.assert_array_equal(t, y[(i // 8) * 8:(i // 8) * 8 + 8, (i % 8) * 32:(i % 8) * 32 + 32])
        assert eng.stats().transfers == 64
        dma.unprepare()
