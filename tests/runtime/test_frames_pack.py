"""Packing and unpacking frames: round trips, the exact byte layout of every format, and the
UBWC tile codec's public properties (tile addresses, meta bytes, lossless, random access)."""
import numpy as np
import pytest

from halo.runtime import HaloRuntimeError, frames

from .ubwc_util import FORMATS, natural_planes, random_planes

SIZES = [(1, 1), (2, 2), (37, 23), (64, 32), (129, 67), (200, 130)]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("ubwc", [False, True])
@pytest.mark.parametrize("size", SIZES)
def test_round_trip_is_bit_exact(fmt, ubwc, size):
    w, h = size
    for planes in (random_planes(fmt, w, h, seed=w * h), natural_planes(fmt, w, h)):
        y, uv = planes
        frame = frames.pack(fmt, y, uv, ubwc=ubwc)
        y2, uv2 = frame.unpack()
        assert y2.dtype == y.dtype and uv2.dtype == uv.dtype
        np.testing.assert_array_equal(y2, y)
        np.testing.assert_array_equal(uv2, uv)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_with_padded_linear_layout(fmt):
    y, uv = random_planes(fmt, 50, 31)
    frame = frames.pack(fmt, y, uv, stride=256, scanlines=64)
    assert frame.layout.uv_offset == 256 * 64
    y2, uv2 = frame.unpack()
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_array_equal(uv2, uv)


def test_raw_round_trip_of_interleaved_rgba():
    rgba = np.random.default_rng(3).integers(0, 256, (13, 21, 4), dtype=np.uint8)
    frame = frames.pack("raw", rgba, stride=96)
    assert frame.layout.width == 84 and frame.layout.y_stride == 96
    np.testing.assert_array_equal(frame.unpack(), rgba.reshape(13, 84))
    np.testing.assert_array_equal(frame.data.reshape(13, 96)[:, :84], rgba.reshape(13, 84))
    assert not frame.data.reshape(13, 96)[:, 84:].any()


def test_nv12_linear_bytes():
    y, uv = random_planes("nv12", 6, 4)
    d = frames.pack_nv12(y, uv).data
    np.testing.assert_array_equal(d[:24], y.ravel())
    np.testing.assert_array_equal(d[24:36:2], uv[..., 0].ravel())  # Cb (U) at even bytes
    np.testing.assert_array_equal(d[25:36:2], uv[..., 1].ravel())  # Cr (V) at odd bytes


def test_p010_linear_words_are_msb_aligned_little_endian():
    y, uv = random_planes("p010", 4, 2)
    d = frames.pack_p010(y, uv).data
    words = d[:16].view("<u2").reshape(2, 4)
    np.testing.assert_array_equal(words, y.astype(np.uint16) << 6)
    assert not (words & 0x3F).any()
    uvw = d[16:24].view("<u2")
    np.testing.assert_array_equal(uvw, (uv.reshape(-1).astype(np.uint16) << 6))


def test_tp10_linear_packs_three_samples_per_word():
    y = np.array([[1, 2, 3, 1023, 512, 7]], dtype=np.uint16).repeat(2, axis=0)
    uv = np.array([[[10, 20], [30, 40], [50, 60]]], dtype=np.uint16)
    d = frames.pack_tp10(y, uv).data
    w = d[:8].view("<u4")
    assert w[0] == 1 | 2 << 10 | 3 << 20
    assert w[1] == 1023 | 512 << 10 | 7 << 20
    uvw = d[16:24].view("<u4")  # U0 V0 U1 | V1 U2 V2
    assert uvw[0] == 10 | 20 << 10 | 30 << 20
    assert uvw[1] == 40 | 50 << 10 | 60 << 20
    assert not (np.concatenate([w, uvw]) >> 30).any()


def test_ubwc_tile_addresses_and_raw_meta():
    """Noise does not compress: every tile is stored raw (meta 0x1E) at its macrotile slot."""
    y, uv = random_planes("nv12", 256, 64)
    f = frames.pack_nv12(y, uv, ubwc=True)
    lay, d = f.layout, f.data
    meta = d[:lay.y_meta_stride * lay.y_meta_scanlines].reshape(lay.y_meta_scanlines, lay.y_meta_stride)
    assert (meta[:8, :8] == 0x1E).all()
    assert not meta[8:, :].any() and not meta[:, 8:].any()
    for tx, ty in [(0, 0), (1, 0), (3, 3), (4, 0), (5, 2), (0, 4), (7, 7)]:
        slot = (ty >> 2) * lay.y_stride * 4 * 8 + (tx >> 2) * 4096 + ((ty & 3) * 4 + (tx & 3)) * 256
        tile = d[lay.y_offset + slot:lay.y_offset + slot + 256].reshape(8, 32)
        np.testing.assert_array_equal(tile, y[ty * 8:ty * 8 + 8, tx * 32:tx * 32 + 32])


def test_ubwc_meta_encodes_payload_size_in_32_byte_units():
    y = np.zeros((64, 128), np.uint8)
    y[:8, 32:64] = 0x80                     # tile (1, 0): constant, one unit
    y[8:16, :32] = np.arange(32, dtype=np.uint8)  # tile (0, 1): a smooth ramp, compressed
    uv = np.zeros((32, 64, 2), np.uint8)
    f = frames.pack_nv12(y, uv, ubwc=True)
    lay, d = f.layout, f.data
    meta = lambda tx, ty: d[ty * lay.y_meta_stride + tx]  # noqa: E731
    assert meta(0, 0) == 0x00               # all-zero tile: no payload
    assert meta(1, 0) == 0x10               # 1 unit of 32 bytes
    m = int(meta(0, 1))
    units = ((m >> 1) & 7) + 1
    assert m & 0xF1 == 0x10 and units < 8
    # 32 Y tiles + 16 UV tiles: one meta byte each, plus the two non-zero tiles' payloads
    assert f.ddr_bytes() == 48 + 32 + units * 32
    np.testing.assert_array_equal(f.unpack()[0], y)


def test_ubwc_saves_bandwidth_on_natural_images_only():
    y, uv = natural_planes("nv12", 640, 480)
    natural = frames.pack_nv12(y, uv, ubwc=True).ddr_bytes()
    y, uv = random_planes("nv12", 640, 480)
    noise = frames.pack_nv12(y, uv, ubwc=True).ddr_bytes()
    linear = 640 * 480 * 3 // 2
    assert natural < linear * 0.6
    tiles = (640 // 32) * (480 // 8) + (640 // 32) * (240 // 8)
    assert noise == linear + tiles      # raw payloads plus one meta byte per tile


def test_pack_is_deterministic_and_clears_padding():
    y, uv = natural_planes("p010", 100, 50)
    a = frames.pack_p010(y, uv, ubwc=True)
    a.data[:] = 0xAB
    b = frames.pack_p010(y, uv, ubwc=True)
    c = frames.pack_p010(y, uv, ubwc=True)
    np.testing.assert_array_equal(b.data, c.data)


def test_decoder_reads_only_the_payload():
    y, uv = natural_planes("nv12", 128, 32)
    f = frames.pack_nv12(y, uv, ubwc=True)
    lay, d = f.layout, f.data
    units = ((int(d[0]) >> 1) & 7) + 1
    assert units < 8
    d[lay.y_offset + units * 32:lay.y_offset + 256] ^= 0xFF  # unused bytes of tile (0, 0)'s slot
    np.testing.assert_array_equal(f.unpack()[0], y)


def test_corrupt_meta_is_an_error():
    y, uv = natural_planes("nv12", 64, 32)
    f = frames.pack_nv12(y, uv, ubwc=True)
    f.data[0] = 0x21  # bit 5 set: not a meta byte this codec writes
    with pytest.raises(HaloRuntimeError) as e:
        f.unpack()
    assert e.value.code == -132 and "meta byte 0x21" in e.value.message


@pytest.mark.parametrize("bad,msg", [
    (dict(y=np.zeros((4, 4), np.uint16)), "must be uint8"),
    (dict(uv=np.zeros((3, 2, 2), np.uint8)), "shape (2, 2, 2)"),
])
def test_pack_checks_planes(bad, msg):
    args = dict(y=np.zeros((4, 4), np.uint8), uv=np.zeros((2, 2, 2), np.uint8))
    args.update(bad)
    with pytest.raises(ValueError) as e:
        frames.pack_nv12(**args)
    assert msg in str(e.value)


def test_ten_bit_values_are_range_checked():
    with pytest.raises(ValueError, match="0..1023"):
        frames.pack_p010(np.full((2, 2), 1024, np.uint16), np.zeros((1, 1, 2), np.uint16))


def test_frame_from_bytes_and_uv_helpers():
    y, uv = random_planes("nv12", 8, 4)
    f = frames.pack_nv12(y, uv)
    g = frames.frame_from_bytes("nv12", f.data.tobytes(), 8, 4)
    assert g.address % 4096 == 0
    u, v = frames.deinterleave_uv(g.unpack()[1])
    np.testing.assert_array_equal(frames.interleave_uv(u, v), uv)
    with pytest.raises(ValueError, match="needs 48 bytes"):
        frames.frame_from_bytes("nv12", b"\0" * 10, 8, 4)
