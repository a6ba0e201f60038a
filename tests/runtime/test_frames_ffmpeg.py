"""ffmpeg writes NV12 and P010 files from a generated image; halo reads them through its own
formats (and through a DMA read) bit-exactly. The reference planes come from ffmpeg too (its
planar yuv420p / yuv420p10le output of the same conversion), so no colour maths is duplicated."""
import shutil
import subprocess

import numpy as np
import pytest

from halo.runtime import frames, ubwcdma

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

W, H = 320, 180


def ffmpeg_convert(rgb: np.ndarray, pix_fmt: str, tmp_path) -> bytes:
    src = tmp_path / "image.rgb"
    src.write_bytes(rgb.tobytes())
    out = tmp_path / f"image.{pix_fmt}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                    "-s", f"{W}x{H}", "-i", str(src), "-f", "rawvideo", "-pix_fmt", pix_fmt,
                    "-sws_flags", "neighbor+bitexact", str(out)], check=True)
    return out.read_bytes()


@pytest.fixture(scope="module")
def rgb():
    yy, xx = np.mgrid[0:H, 0:W]
    return np.stack([(xx * 255 // W), (yy * 255 // H), ((xx + yy) % 256)], axis=-1).astype(np.uint8)


def planar_reference(data: bytes, dtype):
    a = np.frombuffer(data, dtype=dtype)
    y = a[:W * H].reshape(H, W)
    u = a[W * H:W * H + W * H // 4].reshape(H // 2, W // 2)
    v = a[W * H + W * H // 4:].reshape(H // 2, W // 2)
    return y, np.stack([u, v], axis=-1)


@pytest.mark.parametrize("fmt,pix,planar,dtype", [("nv12", "nv12", "yuv420p", np.uint8),
                                                  ("p010", "p010le", "yuv420p10le", "<u2")])
def test_ffmpeg_files_read_bit_exactly(fmt, pix, planar, dtype, rgb, tmp_path):
    data = ffmpeg_convert(rgb, pix, tmp_path)
    y_ref, uv_ref = planar_reference(ffmpeg_convert(rgb, planar, tmp_path), dtype)
    assert y_ref.std() > 10  # a real image, not a constant
    frame = frames.frame_from_bytes(fmt, data, W, H)
    assert frame.layout.size == len(data)
    y, uv = frame.unpack()
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(uv, uv_ref)
    # the same frame through a DMA read, and repacked to UBWC and back
    with ubwcdma.Engine() as eng, ubwcdma.DmaFrame(frame) as dma:
        dma.prepare(eng)
        np.testing.assert_array_equal(dma.read("uv", 0, 0, W // 2, H // 2), frames.to_local(uv_ref, fmt))
        dma.unprepare()
    y2, uv2 = frames.pack(fmt, y, uv, ubwc=True).unpack()
    np.testing.assert_array_equal(y2, y_ref)
    np.testing.assert_array_equal(uv2, uv_ref)
    # and halo's own linear packing reproduces ffmpeg's file byte for byte
    np.testing.assert_array_equal(frames.pack(fmt, y, uv).data, np.frombuffer(data, np.uint8))
