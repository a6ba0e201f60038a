"""What the example apps run on (issue 17): video decoded by ffmpeg, checked against the clip's own
.y4m bytes; every frame of a clip run and verified; images converted as ffmpeg converts them; the
default photograph; clear errors for bad input."""
import shutil
import subprocess

import numpy as np
import pytest

from apps import colour, inputs, video
from apps.__main__ import main
from halo.runtime import frames

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

W, H, N = 128, 64, 3


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 3-frame testsrc clip (its counter and moving gradient change every frame)."""
    path = tmp_path_factory.mktemp("video") / "clip.y4m"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size={W}x{H}:rate=10", "-frames:v", N, "-pix_fmt", "yuv420p", path)
    return path


def y4m_frames(path):
    """(Y, U, V) of every frame of a 4:2:0 .y4m file, read from its bytes (YUV4MPEG2 header line,
    then 'FRAME' lines each followed by the three planes)."""
    data = path.read_bytes()
    header, rest = data.split(b"\n", 1)
    assert header.startswith(b"YUV4MPEG2") and f" W{W} H{H}".encode() in header
    out = []
    while rest:
        tag, rest = rest.split(b"\n", 1)
        assert tag.startswith(b"FRAME")
        planes = np.frombuffer(rest[:W * H * 3 // 2], np.uint8)
        rest = rest[W * H * 3 // 2:]
        out.append((planes[:W * H].reshape(H, W), planes[W * H:W * H * 5 // 4].reshape(H // 2, W // 2),
                    planes[W * H * 5 // 4:].reshape(H // 2, W // 2)))
    return out


def test_video_frames_are_the_clips_frames(clip):
    want = y4m_frames(clip)
    assert len(want) == N and not np.array_equal(want[0][0], want[1][0])
    assert video.probe(clip) == video.VideoInfo(W, H, N)
    for (y, uv), (wy, wu, wv) in zip(video.decode(clip, "nv12", N), want, strict=True):
        assert np.array_equal(y, wy) and np.array_equal(uv, np.stack([wu, wv], axis=-1))
    for (y, uv), (wy, _, _) in zip(video.decode(clip, "raw", N), want, strict=True):
        assert uv is None and np.array_equal(y, wy)
    for (y, uv), (wy, wu, _) in zip(video.decode(clip, "p010", N), want, strict=True):
        # 8 to 10 bits: swscale replicates the high bits into the low ones
        assert y.max() <= 1023 and np.abs(y.astype(int) - (wy.astype(int) << 2)).max() <= 3
        assert np.abs(uv[..., 0].astype(int) - (wu.astype(int) << 2)).max() <= 3


def test_mkv_and_mp4_decode_to_the_same_frames(clip, tmp_path):
    want = [p[0] for p in y4m_frames(clip)]
    mkv, mp4 = tmp_path / "clip.mkv", tmp_path / "clip.mp4"
    ffmpeg("-i", clip, "-c:v", "ffv1", mkv)          # lossless
    ffmpeg("-i", clip, "-c:v", "mpeg4", "-q:v", "2", mp4)
    lossless = [y for y, _ in video.decode(mkv, "nv12", N)]
    assert len(lossless) == N and all(np.array_equal(got, ref) for got, ref in zip(lossless, want))
    decoded = [y for y, _ in video.decode(mp4, "nv12", N)]
    assert len(decoded) == N
    for got, ref in zip(decoded, want):
        mse = np.mean((got.astype(float) - ref) ** 2)
        assert 10 * np.log10(255 ** 2 / mse) > 30


def table_rows(out, app):
    return [[c.strip() for c in line.strip("|").split("|")] for line in out.splitlines() if line.startswith(f"| {app} ")]


def test_runner_runs_and_verifies_every_frame_of_a_clip(clip, capsys):
    """NV12 copy through UBWC: each frame's DDR bytes are its own compressed size (read and
    written once), so each row is the frame the clip has at that index."""
    rc = main(["--app", "dma_nv12_rw", "--schedule", "async", "--format", "ubwc", "--input", str(clip),
               "--frames", str(N), "--repeats", "1", "--dma-bandwidth", "0"])
    out = capsys.readouterr().out
    assert rc == 0
    assert f"{clip}, {W}x{H}, {N} frames" in out
    rows = table_rows(out, "dma_nv12_rw")
    assert [r[3] for r in rows] == ["1", "2", "3", f"all {N}"]
    assert all(r[-1] == "yes" for r in rows)
    per_frame = [int(r[7]) for r in rows[:N]]
    want = [2 * frames.pack("nv12", y, np.stack([u, v], -1), ubwc=True).ddr_bytes() for y, u, v in y4m_frames(clip)]
    assert per_frame == want and len(set(want)) > 1
    assert int(rows[N][7]) == sum(want) and int(rows[N][6]) == sum(int(r[6]) for r in rows[:N])


def test_image_input_is_converted_as_ffmpeg_converts_it(tmp_path):
    rgb = np.random.default_rng(5).integers(0, 256, (H, W, 3), dtype=np.uint8)
    png = tmp_path / "in.png"
    from PIL import Image
    Image.fromarray(rgb).save(png)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", png, "-sws_flags", "area+accurate_rnd", "-vf",
                          "scale=out_color_matrix=bt709:out_range=tv", "-f", "rawvideo", "-pix_fmt", "nv12", "-"],
                         capture_output=True, check=True).stdout
    samples = np.frombuffer(raw, np.uint8).astype(int)
    source = inputs.open_source(str(png), formats={"nv12"}, matrix="bt709")
    assert (source.width, source.height, source.count) == (W, H, 1)
    (y, uv), = source.frames("nv12")
    assert np.abs(y.astype(int) - samples[:W * H].reshape(H, W)).max() <= 1
    assert np.abs(uv.astype(int) - samples[W * H:].reshape(H // 2, W // 2, 2)).max() <= 1


def test_default_input_is_matplotlibs_photograph():
    source = inputs.open_source(None, formats={"raw"})
    assert "grace_hopper.jpg" in source.name and (source.width, source.height) == (512, 600)
    assert inputs.default_picture().is_file()
    (y, uv), = source.frames("raw")
    assert uv is None and y.shape == (600, 512) and 40 < y.mean() < 200
    resized = inputs.open_source(None, size=(256, 64), formats={"nv12"})
    (y, uv), = resized.frames("nv12")
    assert y.shape == (64, 256) and uv.shape == (32, 128, 2)
    assert colour.to_rgb(y, uv, 8).std() > 20  # a photograph, not a flat frame


@pytest.mark.parametrize("argv,message", [
    (["--input", "nothing.y4m"], "--input nothing.y4m: no such file"),
    (["--input", "frame.gif"], "--input frame.gif: give 'synthetic' or a file ending in .yuv, .png"),
    (["--size", "640by480"], "--size must be WIDTHxHEIGHT with positive whole numbers (1920x1080), not '640by480'"),
    (["--frames", "2"], "--frames 2: grace_hopper.jpg (shipped with matplotlib) is one frame"),
    (["--size", "255x64", "--app", "dma_nv12_rw"], "4:2:0 frames (NV12, P010) need an even width and height"),
])
def test_bad_input_is_refused_with_a_clear_message(argv, message):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert message in str(e.value)


def test_bad_frames_and_odd_video(clip, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--input", str(clip), "--frames", "0"])
    assert e.value.code == 2 and "--frames: must be a positive whole number, not '0'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["--input", str(clip), "--frames", "5"])
    assert f"{clip} has {N} frames; --frames 5 asks for more" in str(e.value)
    odd = tmp_path / "odd.y4m"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=127x63:rate=10", "-frames:v", 1, "-pix_fmt", "gray", odd)
    with pytest.raises(SystemExit) as e:
        main(["--input", str(odd), "--app", "dma_p010_rw_async"])
    assert f"--input {odd} is 127x63: 4:2:0 frames (NV12, P010) need an even width and height" in str(e.value)
    not_video = tmp_path / "text.mkv"
    not_video.write_text("not a video")
    with pytest.raises(SystemExit) as e:
        main(["--input", str(not_video)])
    assert f"{not_video}: ffprobe finds no video in it" in str(e.value)
