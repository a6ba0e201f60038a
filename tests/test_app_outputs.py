"""What `python -m apps --out` writes (issue 17): colour pictures of the input and output and the
two side by side, checked against numpy and ffmpeg; the DMA timeline picture with one bar per
transfer and compute span of the first tiles; progress bars only on a terminal, never sharing a
line with a table row."""
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest
from PIL import Image

from apps import inputs, pictures, timeline
from apps.__main__ import APPS
from apps.common import blur3x3_reference, run_app
from halo import tracing

W, H = 256, 64
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def traced(width, height):
    """Raw 3x3 blur, async, 128 x 32 tiles: one read, one compute span and one write per tile."""
    return run_app(APPS["dma_raw_blur_rw_async"], "async", "raw", False, width, height, repeats=1, bandwidth=2000,
                   trace=True).trace


def figure_bars(fig):
    """{kind: bars} read back from the drawn figure's bar collections."""
    out = {}
    for collection in fig.axes[0].collections:
        kind = collection.get_gid().split(":")[1]
        out[kind] = out.get(kind, 0) + len(collection.get_paths())
    return out


def test_timeline_shows_every_transfer_and_compute_span_of_a_small_frame(tmp_path):
    trace = traced(W, H)
    tiles = (W // 128) * (H // 32)
    shown = timeline.save(trace, tmp_path / "t.png", "raw blur async")
    assert shown.bars("compute") == tiles and shown.bars("dma") == 2 * tiles
    assert [t.name for t in shown.tracks] == ["ubwcdma0", "ubwcdma1", "compute"]
    assert figure_bars(timeline.draw(shown, "raw blur async")) == {"read": tiles, "write": tiles, "compute": tiles}
    with Image.open(tmp_path / "t.png") as im:
        assert im.format == "PNG" and im.size[0] == 1000


def test_timeline_of_a_larger_frame_stops_after_the_first_tiles():
    trace = traced(4 * W, 2 * H)
    shown = timeline.first_tiles(trace, tiles=8)
    compute = tracing.spans(trace, "compute")
    assert len(compute) == 32 and shown.bars("compute") == 8
    start, end = min(s for s, _ in tracing.spans(trace, "dma") + compute), sorted(compute)[7][1]
    assert shown.bars("dma") == sum(1 for s, _ in tracing.spans(trace, "dma") if s < end)
    # each computed tile was read first, and async prefetches the next tile's read
    reads = sum(1 for t in shown.tracks for _, _, kind in t.spans if kind == "read")
    assert reads >= 9
    assert all(s + start < end for t in shown.tracks for s, _, _ in t.spans)


def ffmpeg_rgb(y, uv):
    h, w = y.shape
    return np.frombuffer(subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "nv12", "-s", f"{w}x{h}", "-i", "-",
         "-sws_flags", "neighbor+accurate_rnd+full_chroma_int", "-vf", "scale=in_color_matrix=bt601:in_range=tv",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], input=y.tobytes() + uv.tobytes(), capture_output=True,
        check=True).stdout, np.uint8).reshape(h, w, 3)


@needs_ffmpeg
def test_out_writes_pictures_traces_and_timelines(tmp_path, capsys):
    from apps.__main__ import main
    rc = main(["--app", "dma_raw_blur_rw_async", "--app", "dma_nv12_rw", "--schedule", "basic", "--format", "linear",
               "--size", f"{W}x{H}", "--repeats", "1", "--out", str(tmp_path)])
    assert rc == 0 and capsys.readouterr().err == ""   # no progress bar off a terminal
    for stem in ("dma_raw_blur_rw_async-basic-raw", "dma_nv12_rw-basic-nv12"):
        for suffix in ("-input.png", "-output.png", "-side-by-side.png", "-timeline.png", ".trace.json"):
            assert (tmp_path / f"{stem}{suffix}").is_file()
    picture = lambda name: np.asarray(Image.open(tmp_path / name))
    # raw frames are grey bytes as they are: the output is the numpy blur of the input
    raw_in, raw_out = picture("dma_raw_blur_rw_async-basic-raw-input.png"), picture("dma_raw_blur_rw_async-basic-raw-output.png")
    assert raw_in.shape == (H, W) and np.array_equal(raw_out, blur3x3_reference(raw_in))
    # NV12 in colour, as ffmpeg converts the frame's planes (the photograph, fitted to the size)
    (y, uv), = inputs.open_source(None, (W, H), formats={"nv12"}).frames("nv12")
    nv12_in, nv12_out = picture("dma_nv12_rw-basic-nv12-input.png"), picture("dma_nv12_rw-basic-nv12-output.png")
    assert nv12_in.shape == (H, W, 3) and np.abs(nv12_in.astype(int) - ffmpeg_rgb(y, uv)).max() <= 1
    assert np.array_equal(nv12_out, nv12_in)  # a copy
    both = picture("dma_nv12_rw-basic-nv12-side-by-side.png")
    top = pictures.CAPTION
    assert both.shape == (H + top, 2 * W + pictures.GAP, 3)
    assert np.array_equal(both[top:, :W], nv12_in) and np.array_equal(both[top:, W + pictures.GAP:], nv12_out)


@pytest.mark.slow
def test_progress_bar_on_a_terminal_never_shares_a_line_with_a_row():
    """Run under a pseudo-terminal: the bar is drawn, and every table row starts its own line
    (tqdm clears the bar before a row is written)."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a terminal has a size
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "apps", "--app", "dma_nv12_rw", "--schedule", "basic",
                                "--schedule", "async", "--input", "synthetic", "--size", "256x64", "--repeats", "1"],
                               stdout=child_fd, stderr=child_fd, env=env)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert process.wait() == 0
    text = b"".join(chunks).decode()
    assert "apps:" in text and "4/4" in text
    rows = [line for line in text.split("\n") if "| dma_nv12_rw |" in line]
    assert len(rows) == 4
    assert all(line.rstrip("\r").rsplit("\r", 1)[-1].startswith("| dma_nv12_rw |") for line in rows)
