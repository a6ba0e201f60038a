"""Every descriptor rule: one test each that breaks it and checks the error code and message; a
legal neighbour of each broken descriptor passes, so the tests pin the rule's boundary."""
import numpy as np
import pytest

from halo.runtime import ffi, frames, lib, ubwcdma

from .ubwc_util import make_desc, natural_planes

W, H = 200, 130


@pytest.fixture(scope="module")
def nv12():
    return {u: frames.pack("nv12", *natural_planes("nv12", W, H), ubwc=u) for u in (False, True)}


@pytest.fixture(scope="module")
def tp10():
    return frames.pack("tp10", *natural_planes("tp10", W, H))


LOCAL = frames.aligned_zeros((1 << 20,), np.uint8)


def desc(frame, which="y", **over):
    lay = frame.layout
    fmt = frames.FORMATS[lay.format] + (1 if which == "y" else 2)
    fields = dict(fmt=fmt, is_ubwc=int(lay.ubwc), direction=0, plane=frame.plane_address(which),
                  frame_width=lay.width, frame_height=lay.height,
                  frame_stride=0 if lay.ubwc else lay.y_stride, roi_x=0, roi_y=0,
                  roi_width=64, roi_height=16, local=LOCAL.ctypes.data,
                  local_stride=512, local_chroma_offset=0)
    fields.update(over)
    return make_desc(ffi, **fields)


def run(d):
    rc = lib.halo_ubwcdma_execute(ffi.NULL, d, ffi.NULL, ffi.NULL)
    msg = ffi.string(lib.halo_last_error_message()).decode() if rc else ""
    lib.halo_clear_error()
    return rc, msg


def expect(d, code, text):
    rc, msg = run(d)
    assert rc == code, msg
    assert text in msg


def test_the_baseline_descriptors_are_legal(nv12, tp10):
    assert run(desc(nv12[False])) == (0, "")
    assert run(desc(nv12[True])) == (0, "")
    assert run(desc(nv12[True], "uv", roi_width=64, roi_height=32)) == (0, "")
    assert run(desc(tp10, roi_width=48)) == (0, "")


@pytest.mark.parametrize("fmt", [1, 4, 7, 10, 13, -1])
def test_format_must_be_one_plane(nv12, fmt):
    expect(desc(nv12[False], fmt=fmt), -100, f"format {fmt} cannot be transferred")


def test_raw_has_no_ubwc(nv12):
    expect(desc(nv12[False], fmt=0, is_ubwc=1), -100, "RawData has no UBWC form")


def test_direction_is_read_or_write(nv12):
    expect(desc(nv12[False], direction=2), -101, "direction 2")


def test_null_addresses(nv12):
    expect(desc(nv12[False], plane=0), -3, "frame address is NULL")
    expect(desc(nv12[False], local=0), -3, "local address is NULL")


@pytest.mark.parametrize("w,h", [(0, 10), (10, 0), (65536, 10), (10, 65536)])
def test_frame_size_is_16_bit(nv12, w, h):
    expect(desc(nv12[False], frame_width=w, frame_height=h, roi_width=1, roi_height=1), -102,
           f"frame {w}x{h}")


def test_linear_stride_covers_the_row(nv12):
    expect(desc(nv12[False], frame_stride=W - 1), -103, f"stride {W - 1} bytes must be >= the row's {W}")


def test_linear_stride_is_sample_aligned():
    f = frames.pack("p010", *natural_planes("p010", 64, 8))
    assert run(desc(f, frame_stride=130, roi_height=8))[0] == 0
    expect(desc(f, frame_stride=131, roi_height=8), -103, "multiple of 2")


def test_ubwc_plane_is_4096_aligned(nv12):
    expect(desc(nv12[True], plane=nv12[True].address + 256), -104, "must be 4096-byte aligned")


def test_linear_10_bit_plane_is_sample_aligned():
    f = frames.pack("p010", *natural_planes("p010", 64, 8))
    expect(desc(f, plane=f.address + 1, roi_height=8), -104, "must be 2-byte aligned")


@pytest.mark.parametrize("roi", [dict(roi_x=-2), dict(roi_y=-1), dict(roi_width=0), dict(roi_height=0),
                                 dict(roi_x=W - 63), dict(roi_y=H - 15)])
def test_roi_lies_in_the_frame(nv12, roi):
    expect(desc(nv12[False], **roi), -105, "is empty or outside the frame 200x130")


def test_chroma_roi_bounds_are_in_luma_units(nv12):
    assert run(desc(nv12[False], "uv", roi_y=H - 16, roi_height=16))[0] == 0
    expect(desc(nv12[False], "uv", roi_y=H - 14, roi_height=16), -105, "outside the frame 200x130")


@pytest.mark.parametrize("roi", [dict(roi_x=16), dict(roi_width=48), dict(roi_y=4), dict(roi_height=12)])
def test_ubwc_roi_sits_on_the_tile_grid(nv12, roi):
    expect(desc(nv12[True], **roi), -106, "must lie on a 32x8 grid")


def test_ubwc_roi_may_end_at_the_frame_edge(nv12):
    assert run(desc(nv12[True], roi_x=192, roi_width=8, roi_y=128, roi_height=2))[0] == 0


def test_ubwc_chroma_grid_is_in_luma_rows(nv12):
    assert run(desc(nv12[True], "uv", roi_y=16, roi_height=16))[0] == 0
    expect(desc(nv12[True], "uv", roi_y=8, roi_height=16), -106, "must lie on a 32x16 grid")


@pytest.mark.parametrize("roi", [dict(roi_x=1), dict(roi_width=63), dict(roi_y=1), dict(roi_height=15)])
def test_linear_chroma_roi_is_whole_pairs_and_even_rows(nv12, roi):
    expect(desc(nv12[False], "uv", **roi), -106, "must lie on a 2x2 grid")


def test_linear_tp10_roi_is_whole_words(tp10):
    assert run(desc(tp10, roi_x=3, roi_width=48))[0] == 0
    expect(desc(tp10, roi_x=2, roi_width=48), -106, "must lie on a 3x1 grid")
    expect(desc(tp10, "uv", roi_x=2, roi_width=48), -106, "must lie on a 6x2 grid")


def test_ubwc_local_is_256_byte_aligned(nv12):
    expect(desc(nv12[True], local=LOCAL.ctypes.data + 128), -107, "must be 256-byte aligned")
    assert run(desc(nv12[False], local=LOCAL.ctypes.data + 1))[0] == 0


def test_10_bit_local_is_sample_aligned(tp10):
    expect(desc(tp10, roi_width=48, local=LOCAL.ctypes.data + 1), -107, "must be 2-byte aligned")


def test_local_stride_covers_the_roi_row(nv12, tp10):
    expect(desc(nv12[False], local_stride=63), -108, "local stride 63 bytes must be >= the ROI row's 64")
    expect(desc(tp10, roi_width=48, local_stride=95), -108, "must be >= the ROI row's 96")
    expect(desc(tp10, roi_width=48, local_stride=97), -108, "multiple of 2")


def test_only_chroma_can_be_deinterleaved(nv12):
    expect(desc(nv12[False], local_chroma_offset=4096), -109, "only UV planes can be de-interleaved")


def test_deinterleaved_planes_must_not_overlap(nv12):
    assert run(desc(nv12[False], "uv", local_chroma_offset=32, local_stride=64))[0] == 0
    expect(desc(nv12[False], "uv", local_chroma_offset=31, local_stride=64), -109, "overlaps the U row")


def test_move_checks_before_queueing(nv12):
    with ubwcdma.Engine() as eng:
        t = ffi.new("halo_dma_transfer_t *")
        assert lib.halo_ubwcdma_move(ffi.NULL, eng.handle, desc(nv12[True], roi_x=16), t) == -106
        lib.halo_clear_error()
        assert lib.halo_ubwcdma_wait(ffi.NULL, t) == -130  # nothing was queued
        lib.halo_clear_error()
        assert lib.halo_ubwcdma_move(ffi.NULL, eng.handle, desc(nv12[True]), t) == 0
        assert lib.halo_ubwcdma_wait(ffi.NULL, t) == 0
        assert eng.stats().transfers == 1


def test_chroma_descriptor_halves_rows_of_luma_coordinates(nv12):
    """The driver's convention: UV ROI y / height in luma rows, x / width in bytes."""
    y, uv = natural_planes("nv12", W, H)
    d = desc(nv12[False], "uv", roi_x=10, roi_y=20, roi_width=30, roi_height=12, local_stride=30)
    assert run(d)[0] == 0
    got = LOCAL[:30 * 6].reshape(6, 15, 2)
    np.testing.assert_array_equal(got, uv[10:16, 5:20])
