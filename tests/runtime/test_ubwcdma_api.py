"""The host API call by call: device interface, engines (and their exhaustion), power votes,
wrap / prepare / unprepare / detach with Halide's buffer shape rules, and misuse sequences that
must fail with an error (never crash)."""
import gc
import subprocess
import sys

import numpy as np
import pytest

from halo.runtime import HaloRuntimeError, buffer_from_array, check, ffi, frames, lib, ubwcdma

from .ubwc_util import natural_planes


def raises(code, text, fn, *args):
    with pytest.raises(HaloRuntimeError) as e:
        fn(*args)
    assert e.value.code == code, e.value
    assert text in e.value.message


@pytest.fixture
def engine():
    with ubwcdma.Engine() as e:
        yield e


@pytest.fixture
def frame():
    return frames.pack("nv12", *natural_planes("nv12", 128, 64))


# ---- device interface ------------------------------------------------------------------

def test_device_interface_wraps_and_detaches(frame):
    iface = lib.halo_hexagon_dma_device_interface()
    assert ffi.string(iface.name) == b"hexagon_dma"
    buf = ubwcdma.plane_buffer(frame, "y")
    assert iface.wrap_native(ffi.NULL, buf, frame.address) == 0
    assert buf.device != 0 and buf.device_interface == iface
    assert iface.detach_native(ffi.NULL, buf) == 0
    assert buf.device == 0 and buf.device_interface == ffi.NULL


# ---- engines ---------------------------------------------------------------------------

def test_engines_are_limited_and_reusable():
    assert ubwcdma.engines_in_use() == 0
    engines = [ubwcdma.Engine() for _ in range(ubwcdma.MAX_ENGINES)]
    try:
        assert len({e.name for e in engines}) == 8
        assert ubwcdma.engines_in_use() == 8
        raises(-120, "all 8 UBWCDMA engines are allocated", ubwcdma.Engine)
        engines.pop().close()
        engines.append(ubwcdma.Engine())
    finally:
        for e in engines:
            e.close()
    assert ubwcdma.engines_in_use() == 0


def test_deallocate_twice_or_a_foreign_pointer(engine):
    handle = engine.handle
    engine.close()
    raises(-121, "is not an allocated UBWCDMA engine", check,
           lib.halo_hexagon_dma_deallocate_engine(ffi.NULL, handle))
    other = ffi.new("int *")
    raises(-121, "is not an allocated UBWCDMA engine", check,
           lib.halo_hexagon_dma_deallocate_engine(ffi.NULL, other))
    assert lib.halo_hexagon_dma_allocate_engine(ffi.NULL, ffi.NULL) == -3
    lib.halo_clear_error()


# ---- power ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode,corner", [("low", "SVS"), ("nominal", "NORMAL"), ("turbo", "TURBO"),
                                         ("default", "SVS"), ("low_plus", "SVS_L1"),
                                         ("low_2", "SVS"), ("nominal_plus", "TURBO")])
def test_power_modes_map_to_supported_corners(engine, mode, corner):
    ubwcdma.power_mode_voting(mode)
    assert ubwcdma.power_mode() == mode
    assert ubwcdma.power_corner() == corner
    ubwcdma.power_mode_voting("default")


def test_every_corner_when_the_device_has_them_all(engine):
    ubwcdma.set_supported_corners(list(ubwcdma.CORNERS))
    try:
        for mode, corner in [("low_2", "SVS2"), ("nominal_plus", "NORMAL_L1")]:
            ubwcdma.power_mode_voting(mode)
            assert ubwcdma.power_corner() == corner
    finally:
        ubwcdma.set_supported_corners(["SVS", "SVS_L1", "NORMAL", "TURBO"])
    assert ubwcdma.supported_corners() == ["SVS", "SVS_L1", "NORMAL", "TURBO"]


def test_supported_corners_must_reach_turbo():
    raises(-3, "must include TURBO", ubwcdma.set_supported_corners, ["SVS", "NORMAL"])


def test_vote_needs_an_engine_and_default_returns_with_the_last():
    raises(-129, "vote after allocating", ubwcdma.power_mode_voting, "turbo")
    with ubwcdma.Engine():
        with ubwcdma.Engine():
            ubwcdma.power_mode_voting("turbo")
        assert ubwcdma.power_mode() == "turbo"
    assert ubwcdma.power_mode() == "default"
    assert ubwcdma.power_corner() == "SVS"


def test_unknown_power_mode(engine):
    raises(-128, "power mode (7) not found", check, lib.halo_hexagon_dma_power_mode_voting(ffi.NULL, 7))
    raises(-128, "power mode (100) not found", check, lib.halo_hexagon_dma_power_mode_voting(ffi.NULL, 100))


# ---- wrap / prepare / unprepare / detach ---------------------------------------------------

def wrap(buf, address):
    check(lib.halo_hexagon_dma_device_wrap_native(ffi.NULL, buf, address))


def prepare(buf, engine, fmt, ubwc=False, write=False):
    call = lib.halo_hexagon_dma_prepare_for_copy_to_device if write else \
        lib.halo_hexagon_dma_prepare_for_copy_to_host
    check(call(ffi.NULL, buf, ffi.NULL if engine is None else engine.handle, ubwc, fmt))


def test_wrap_rules(frame):
    buf = ubwcdma.plane_buffer(frame, "y")
    raises(-3, "plane address is NULL", wrap, buf, 0)
    wrap(buf, frame.address)
    raises(-123, "already has a device handle", wrap, buf, frame.address)
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))


def test_prepare_before_wrap(engine, frame):
    raises(-122, "not wrapped", prepare, ubwcdma.plane_buffer(frame, "y"), engine, 2)


def test_prepare_rules(engine, frame):
    y = ubwcdma.plane_buffer(frame, "y")
    wrap(y, frame.address)
    raises(-121, "is not an allocated engine", prepare, y, None, 2)
    raises(-100, "format 1 is not RawData or a *_Y / *_UV format", prepare, y, engine, 1)
    raises(-100, "format 0 with UBWC", prepare, y, engine, 0, True)
    raises(-127, "format 5 needs 2-byte elements", prepare, y, engine, 5)
    raises(-126, "a UV plane buffer is 3-D", prepare, y, engine, 3)
    prepare(y, engine, 2)
    raises(-125, "already prepared", prepare, y, engine, 2)
    check(lib.halo_hexagon_dma_unprepare(ffi.NULL, y))
    raises(-124, "not prepared", check, lib.halo_hexagon_dma_unprepare(ffi.NULL, y))
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, y))


@pytest.mark.parametrize("dims,bits,fmt,code,text", [
    ([(0, 128, 1), (0, 64, 128), (0, 1, 1)], 8, 2, -126, "Y plane buffer is 2-D"),
    ([(0, 128, 2), (0, 64, 128)], 8, 2, -126, "Y plane buffer is 2-D"),
    ([(0, 64, 1), (0, 32, 128), (0, 2, 64)], 8, 3, -126, "dim[0].stride 2"),
    ([(0, 64, 2), (0, 32, 128), (0, 3, 1)], 8, 3, -126, "extent 2, stride 1"),
    ([(0, 64, 2), (0, 32, 128), (1, 2, 1)], 8, 3, -126, "min 0"),
    ([(0, 8, 1), (0, 8, 8), (0, 2, 64), (0, 1, 1)], 8, 0, -126, "RawData buffers have 1 to 3 dimensions"),
    ([(0, 8, 1), (0, 8, 8), (0, 3, 64)], 8, 0, -126, "must be interleaved"),
    ([(0, 8, 2), (0, 8, 16)], 8, 0, -126, "rows must be contiguous"),
    ([(0, 64, 1), (0, 8, 64)], 16, 8, -126, "not a multiple of 3"),
    ([(0, 64, 1), (0, 8, 63)], 16, 8, -103, "linear frame stride 84 bytes must be >= the row's 88"),
])
def test_halide_shape_rules(engine, dims, bits, fmt, code, text):
    data = frames.aligned_empty(1 << 16)
    buf = ubwcdma.make_buffer(dims, bits)
    wrap(buf, data.ctypes.data)
    try:
        raises(code, text, prepare, buf, engine, fmt)
    finally:
        check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))


def test_ubwc_plane_must_be_aligned_at_prepare(engine):
    f = frames.pack("nv12", *natural_planes("nv12", 64, 32), ubwc=True)
    buf = ubwcdma.plane_buffer(f, "y")
    wrap(buf, f.address + 64)
    raises(-104, "must be 4096-byte aligned", prepare, buf, engine, 2, True)
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))


# ---- misuse sequences ----------------------------------------------------------------------

def start(dma, plane, tile, x, y, t):
    local = dma._local_buffer(plane, tile, x, y, False)
    return lib.halo_hexagon_dma_copy_start(ffi.NULL, dma.planes[plane], local, t)


def test_transfer_before_prepare_and_after_unprepare(engine, frame):
    with ubwcdma.DmaFrame(frame) as dma:
        tile = dma.local_tile("y", 32, 8)
        t = ffi.new("halo_dma_transfer_t *")
        raises(-124, "not prepared", check, start(dma, "y", tile, 0, 0, t))
        dma.prepare(engine)
        assert start(dma, "y", tile, 0, 0, t) == 0
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        dma.unprepare()
        raises(-124, "not prepared", check, start(dma, "y", tile, 0, 0, t))


def test_transfer_after_detach_and_double_detach(engine, frame):
    dma = ubwcdma.DmaFrame(frame)
    dma.detach()
    t = ffi.new("halo_dma_transfer_t *")
    raises(-122, "not wrapped", check, start(dma, "y", dma.local_tile("y", 32, 8), 0, 0, t))
    raises(-122, "not wrapped", dma.detach)


def test_wait_without_move_and_wait_twice(engine, frame):
    t = ffi.new("halo_dma_transfer_t *")
    raises(-130, "never moved", check, lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
    raises(-130, "never moved", check, lib.halo_ubwcdma_wait(ffi.NULL, ffi.NULL))
    with ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(engine)
        tile = dma.local_tile("y", 32, 8)
        check(start(dma, "y", tile, 0, 0, t))
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        raises(-130, "already waited", check, lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        dma.unprepare()


def test_restarting_a_transfer_before_its_wait(engine, frame):
    with ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(engine)
        tile = dma.local_tile("y", 32, 8)
        t = ffi.new("halo_dma_transfer_t *")
        check(start(dma, "y", tile, 0, 0, t))
        raises(-131, "not yet waited", check, start(dma, "y", tile, 32, 0, t))
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        np.testing.assert_array_equal(tile, frame.unpack()[0][:8, :32])
        dma.unprepare()


def test_deallocated_engine_is_not_used(frame):
    with ubwcdma.DmaFrame(frame) as dma:
        eng = ubwcdma.Engine()
        dma.prepare(eng)
        eng.close()
        with ubwcdma.Engine():  # the same slot, reallocated: still not the frame's engine
            t = ffi.new("halo_dma_transfer_t *")
            raises(-121, "engine was deallocated", check, start(dma, "y", dma.local_tile("y", 32, 8), 0, 0, t))
        dma.unprepare()


def test_deallocate_finishes_queued_transfers(frame):
    with ubwcdma.DmaFrame(frame) as dma:
        eng = ubwcdma.Engine()
        dma.prepare(eng)
        tiles = [dma.local_tile("y", 128, 8) for _ in range(8)]
        started = [dma.start("y", t, 0, 8 * i) for i, t in enumerate(tiles)]
        eng.close()
        y = frame.unpack()[0]
        for i, tr in enumerate(started):
            np.testing.assert_array_equal(tr.wait(), y[8 * i:8 * i + 8])
        dma.unprepare()


def test_local_tile_rules(engine, frame):
    with ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(engine)
        t = ffi.new("halo_dma_transfer_t *")
        raises(-105, "outside the frame's [0, 128)", check, start(dma, "y", dma.local_tile("y", 32, 8), 100, 0, t))
        wide = frames.aligned_zeros((8, 32), np.uint16)
        raises(-127, "local elements are 2 bytes", check,
               lib.halo_hexagon_dma_copy_start(ffi.NULL, dma.planes["y"], buffer_from_array(wide), t))
        flat = frames.aligned_zeros((32,), np.uint8)
        raises(-126, "local tile has 1 dims", check,
               lib.halo_hexagon_dma_copy_start(ffi.NULL, dma.planes["y"], buffer_from_array(flat), t))
        strided = frames.aligned_zeros((8, 64), np.uint8)[:, ::2]
        raises(-109, "local Y rows must be contiguous", check,
               lib.halo_hexagon_dma_copy_start(ffi.NULL, dma.planes["y"], buffer_from_array(strided), t))
        one_channel = frames.aligned_zeros((1, 8, 16), np.uint8)
        raises(-109, "holds both channels", check,
               lib.halo_hexagon_dma_copy_start(ffi.NULL, dma.planes["uv"],
                                               buffer_from_array(one_channel), t))
        dma.unprepare()


def test_crop_of_a_wrapped_frame_shares_its_handle(engine, frame):
    """A crop (same device handle, smaller dims) bounds the tiles; coordinates stay the frame's."""
    with ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(engine)
        full = dma.planes["y"]
        crop = ffi.new("halo_buffer_t *")
        dims = ffi.new("halo_dimension_t[2]")
        dims[0].min, dims[0].extent, dims[0].stride = 32, 64, 1
        dims[1].min, dims[1].extent, dims[1].stride = 8, 16, 128
        crop.device, crop.device_interface, crop.type = full.device, full.device_interface, full.type
        crop.dimensions, crop.dim = 2, dims
        tile = dma.local_tile("y", 32, 8)
        t = ffi.new("halo_dma_transfer_t *")
        check(lib.halo_hexagon_dma_copy_start(ffi.NULL, crop, buffer_from_array(tile, mins=[64, 16]), t))
        check(lib.halo_hexagon_dma_copy_wait(ffi.NULL, t))
        np.testing.assert_array_equal(tile, frame.unpack()[0][16:24, 64:96])
        raises(-105, "outside the frame's [8, 24)", check,
               lib.halo_hexagon_dma_copy_start(ffi.NULL, crop, buffer_from_array(tile, mins=[64, 0]), t))
        dma.unprepare()


def test_wrapping_a_buffer_without_its_dim_array_is_an_error():
    b = ffi.new("halo_buffer_t *")
    b.dimensions = 2  # and dim left NULL: wrapping it once returned success, prepare then crashed
    raises(lib.halo_error_dma_buffer_shape, "needs dimensions and their dim array",
           lambda: check(lib.halo_hexagon_dma_device_wrap_native(ffi.NULL, b, 0x1000)))
    assert b.device == 0


def test_halo_free_of_a_foreign_or_freed_pointer_is_an_error_not_an_abort():
    foreign = ffi.new("char[256]")
    lib.halo_clear_error()
    lib.halo_free(ffi.NULL, foreign)
    assert lib.halo_last_error_code() == lib.halo_error_bad_free
    assert b"was not returned by halo_malloc" in ffi.string(lib.halo_last_error_message())
    p = lib.halo_malloc(ffi.NULL, 100)
    lib.halo_free(ffi.NULL, p)
    lib.halo_clear_error()
    lib.halo_free(ffi.NULL, p)  # a second free
    assert lib.halo_last_error_code() == lib.halo_error_bad_free
    lib.halo_clear_error()


_FORGED_HANDLES = """
import numpy as np
from halo.runtime import ffi, frames, lib, ubwcdma
d = ubwcdma.DmaFrame(frames.pack("raw", np.zeros((16, 64), np.uint8)))
b = d.planes["y"]
copy = ffi.new("halo_buffer_t *")
copy[0] = b[0]
dims = ffi.new("halo_dimension_t[2]")
dims[0], dims[1] = b.dim[0], b.dim[1]
copy.dim = dims
d.detach()
codes = [lib.halo_hexagon_dma_unprepare(ffi.NULL, copy)]  # the copy's handle is stale
for forged in (0xDEADBEEF00000007, 0x41414141, 0xFFFFFFFFFFFFFFFF):
    copy.device = forged
    codes.append(lib.halo_hexagon_dma_unprepare(ffi.NULL, copy))
print(" ".join(str(c) for c in codes))
"""


def test_stale_and_forged_device_handles_are_errors_not_crashes():
    r = subprocess.run([sys.executable, "-c", _FORGED_HANDLES], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(lib.halo_error_dma_not_wrapped)] * 4


def test_dma_frames_dropped_without_detach_give_their_handles_back():
    # more frames than there are handle slots (4096), none detached by the program
    for _ in range(5000):
        ubwcdma.DmaFrame(frames.pack("raw", np.zeros((16, 64), np.uint8)))
    d = ubwcdma.DmaFrame(frames.pack("raw", np.zeros((16, 64), np.uint8)))
    d.detach()  # an explicit detach still works, and the finalizer then does nothing
    del d


def test_a_transfer_dropped_before_wait_is_waited_for_when_collected():
    """The engine writes the transfer record and the tile until the copy is done; a Transfer the
    program drops must not free them before (the report: a heap use after free)."""
    import gc
    data = np.arange(256 * 256, dtype=np.uint32).astype(np.uint8).reshape(256, 256)
    check(lib.halo_hexagon_dma_set_bandwidth_model(20))  # slow engines: the drops happen mid-copy
    try:
        with ubwcdma.Engine() as e:
            d = ubwcdma.DmaFrame(frames.pack("raw", data))
            d.prepare(e)
            for _ in range(4):
                d.start("y", np.zeros_like(data), 0, 0)
            gc.collect()
            assert np.array_equal(d.read("y", 0, 0, 256, 256), data)
            d.unprepare()
            d.detach()
    finally:
        check(lib.halo_hexagon_dma_set_bandwidth_model(0))


# ---- sized wraps ---------------------------------------------------------------------------

def wrap_sized(buf, address, nbytes):
    check(lib.halo_hexagon_dma_device_wrap_native_sized(ffi.NULL, buf, address, nbytes))


@pytest.mark.parametrize("ubwc,plane,fmt", [(False, "y", 2), (False, "uv", 3), (True, "y", 2), (True, "uv", 3)])
def test_a_plane_larger_than_its_wrapped_memory_is_refused_at_prepare(engine, ubwc, plane, fmt):
    f = frames.pack("nv12", *natural_planes("nv12", 128, 64), ubwc=ubwc)
    fits = f.plane_bytes(plane) if plane == "uv" else f.layout.uv_plane_offset
    need = (63 if plane == "y" else 31) * 128 + 128 if not ubwc else None
    buf = ubwcdma.plane_buffer(f, plane)
    wrap_sized(buf, f.plane_address(plane), fits)
    prepare(buf, engine, fmt, ubwc)  # exactly the plane's bytes: accepted
    check(lib.halo_hexagon_dma_unprepare(ffi.NULL, buf))
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))
    if need is not None:
        assert need <= fits
        fits = need  # a linear plane's last row ends at its samples
    wrap_sized(buf, f.plane_address(plane), fits - 1)
    kind = "UBWC" if ubwc else "linear"
    raises(lib.halo_error_dma_plane_too_small,
           f"prepare: the {kind} plane (format {fmt}, 128 x 64, stride {0 if ubwc else 128} bytes) needs {fits} bytes, "
           f"but {fits - 1} bytes were wrapped", prepare, buf, engine, fmt, ubwc)
    check(lib.halo_hexagon_dma_device_detach_native(ffi.NULL, buf))


def test_a_sized_wrap_of_no_bytes_is_an_error():
    f = frames.pack("raw", np.zeros((16, 64), np.uint8))
    buf = ubwcdma.plane_buffer(f, "y")
    raises(lib.halo_error_bad_argument, "the plane has 0 bytes", wrap_sized, buf, f.address, 0)
    assert buf.device == 0


def test_a_frame_whose_data_is_smaller_than_its_layout_is_refused(engine):
    # a Frame assembled by hand: a layout for 128 x 64 over the bytes of a 128 x 8 frame
    small = frames.pack("raw", np.zeros((8, 128), np.uint8))
    big = frames.pack("raw", np.zeros((64, 128), np.uint8))
    forged = frames.Frame(small.data, big.layout)
    with ubwcdma.DmaFrame(forged) as dma:
        raises(lib.halo_error_dma_plane_too_small, f"needs {64 * 128} bytes, but {small.data.nbytes} bytes were "
               "wrapped", dma.prepare, engine)
    with pytest.raises(ValueError, match="the frame's data holds 4096 bytes, but its uv plane starts at byte"):
        ubwcdma.DmaFrame(frames.Frame(frames.aligned_zeros(4096, np.uint8),
                                      frames.pack("nv12", *natural_planes("nv12", 128, 64)).layout))
