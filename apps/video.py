"""Video files (.y4m, .mp4, .mkv) decoded by ffmpeg into the planes of the apps' frame formats:
raw (the Y plane's bytes as the video holds them), NV12 and P010 (10-bit samples)."""
import json
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

SUFFIXES = (".y4m", ".mp4", ".mkv")
# raw frames are NV12's Y plane: ffmpeg's "gray" is full range and would stretch limited-range luma
PIX_FMTS = {"raw": "nv12", "nv12": "nv12", "p010": "p010le"}


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    frames: int


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise ValueError(f"decoding video needs {name}, which is not on PATH (`bash .ci/setup` installs ffmpeg)")
    return path


def probe(path):
    """Size and frame count of the first video stream (packets counted, nothing decoded)."""
    done = subprocess.run([_tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-count_packets",
                           "-show_entries", "stream=width,height,nb_read_packets", "-of", "json", str(path)],
                          capture_output=True, text=True)
    streams = json.loads(done.stdout or "{}").get("streams") if done.returncode == 0 else None
    if not streams:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no video stream"
        raise ValueError(f"{path}: ffprobe finds no video in it ({reason})")
    s = streams[0]
    return VideoInfo(int(s["width"]), int(s["height"]), int(s["nb_read_packets"]))


def decode(path, fmt, count, size=None):
    """The first `count` frames of `path` as (Y, UV) planes of `fmt` (UV None for raw), scaled to
    cover `size` (width, height) and cropped to it around the centre when given."""
    if fmt not in PIX_FMTS:
        raise ValueError(f"video can be decoded to {', '.join(PIX_FMTS)}, not {fmt}")
    command = [_tool("ffmpeg"), "-v", "error", "-nostdin", "-i", str(path), "-frames:v", str(count)]
    if size:
        w, h = size
        command += ["-vf", f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}"]
    else:
        info = probe(path)
        w, h = info.width, info.height
    command += ["-f", "rawvideo", "-pix_fmt", PIX_FMTS[fmt], "-"]
    dtype = np.dtype(np.uint16 if fmt == "p010" else np.uint8)
    y_samples, uv_samples = w * h, 2 * ((w + 1) // 2) * ((h + 1) // 2)
    frame_bytes = (y_samples + uv_samples) * dtype.itemsize
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for index in range(count):
            data = process.stdout.read(frame_bytes)
            if len(data) < frame_bytes:
                process.wait()
                raise ValueError(f"{path}: ffmpeg gave {index} frames of the {count} asked for "
                                 f"({process.stderr.read().decode().strip() or 'the stream ended'})")
            samples = np.frombuffer(data, dtype)
            if fmt == "p010":
                samples = samples >> 6  # P010 keeps the 10 bits in the high bits of each 16
            y = samples[:y_samples].reshape(h, w)
            uv = None if fmt == "raw" else samples[y_samples:].reshape((h + 1) // 2, (w + 1) // 2, 2)
            yield y, uv
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()
