"""The apps' YUV <-> RGB conversion against ffmpeg's (swscale) conversion of the same samples, for
both matrices and 8- and 10-bit frames (NV12, P010 and TP10), within 1 LSB."""
import shutil
import subprocess

import numpy as np
import pytest

from apps import colour
from halo.runtime import frames

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

W, H = 96, 64
# nearest-neighbour chroma and exact rounding: the conversion the apps use, done by swscale
TO_RGB_FLAGS = "neighbor+accurate_rnd+full_chroma_int"
FROM_RGB_FLAGS = "area+accurate_rnd"
PIX_FMT = {8: "nv12", 10: "p010le"}


def ffmpeg(data, in_fmt, out_fmt, flags, scale):
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", in_fmt, "-s", f"{W}x{H}", "-i", "-",
         "-sws_flags", flags, "-vf", f"scale={scale}", "-f", "rawvideo", "-pix_fmt", out_fmt, "-"],
        input=data, capture_output=True, check=True).stdout


def yuv_file_bytes(y, uv, bits):
    """The planes as an NV12 / P010 (10 bits in the high bits) file holds them."""
    if bits == 8:
        return y.astype(np.uint8).tobytes() + uv.astype(np.uint8).tobytes()
    return (y.astype(np.uint16) << 6).tobytes() + (uv.astype(np.uint16) << 6).tobytes()


def legal_planes(bits, seed):
    """Random samples over the whole limited range (outside it swscale's integer path wraps)."""
    rng = np.random.default_rng(seed)
    s = 2 ** (bits - 8)
    y = rng.integers(16 * s, 235 * s + 1, (H, W))
    uv = rng.integers(16 * s, 240 * s + 1, (H // 2, W // 2, 2))
    return y, uv


@pytest.mark.parametrize("matrix", sorted(colour.MATRICES))
@pytest.mark.parametrize("bits", [8, 10])
def test_to_rgb_matches_ffmpeg_rgb24(bits, matrix):
    y, uv = legal_planes(bits, seed=bits)
    want = np.frombuffer(ffmpeg(yuv_file_bytes(y, uv, bits), PIX_FMT[bits], "rgb24", TO_RGB_FLAGS,
                                f"in_color_matrix={matrix}:in_range=tv"), np.uint8).reshape(H, W, 3)
    got = colour.to_rgb(y, uv, bits, matrix)
    assert got.dtype == np.uint8 and got.shape == (H, W, 3)
    assert np.abs(got.astype(int) - want).max() <= 1


def test_tp10_frame_converts_as_its_ten_bit_samples_do_in_ffmpeg():
    """A TP10 frame (three 10-bit samples per 32 bits) unpacked by the runtime gives the picture
    ffmpeg makes of the same samples in P010."""
    y, uv = legal_planes(10, seed=3)
    got_y, got_uv = frames.unpack(frames.pack("tp10", y, uv))
    want = np.frombuffer(ffmpeg(yuv_file_bytes(y, uv, 10), "p010le", "rgb24", TO_RGB_FLAGS,
                                "in_color_matrix=bt601:in_range=tv"), np.uint8).reshape(H, W, 3)
    assert np.abs(colour.to_rgb(got_y, got_uv, 10).astype(int) - want).max() <= 1


@pytest.mark.parametrize("matrix", sorted(colour.MATRICES))
@pytest.mark.parametrize("bits", [8, 10])
def test_from_rgb_matches_ffmpeg(bits, matrix):
    rgb = np.random.default_rng(bits + 7).integers(0, 256, (H, W, 3), dtype=np.uint8)
    raw = ffmpeg(rgb.tobytes(), "rgb24", PIX_FMT[bits], FROM_RGB_FLAGS, f"out_color_matrix={matrix}:out_range=tv")
    samples = np.frombuffer(raw, np.uint8 if bits == 8 else np.uint16).astype(int) >> (0 if bits == 8 else 6)
    want_y, want_uv = samples[:W * H].reshape(H, W), samples[W * H:].reshape(H // 2, W // 2, 2)
    y, uv = colour.from_rgb(rgb, bits, matrix)
    assert y.dtype == (np.uint8 if bits == 8 else np.uint16)
    assert np.abs(y.astype(int) - want_y).max() <= 1
    assert np.abs(uv.astype(int) - want_uv).max() <= 1


def test_unknown_matrix_and_odd_sizes_are_refused():
    with pytest.raises(ValueError, match="colour matrix must be one of bt601, bt709, not 'bt2020'"):
        colour.to_rgb(np.zeros((2, 2)), np.zeros((1, 1, 2)), 8, "bt2020")
    with pytest.raises(ValueError, match="a 4:2:0 frame needs an even width and height, not 5x4"):
        colour.from_rgb(np.zeros((4, 5, 3), np.uint8), 8)
