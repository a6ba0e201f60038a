"""What the apps run on: a source of frames, each given as the planes (Y, UV) of the format an app
asks for. Sources: a photograph shipped inside matplotlib's wheel (the default; nothing is
downloaded), an image file (.png, .jpg, ...) converted to the app's format, a video file decoded
by ffmpeg, a raw .yuv frame, or the synthetic pattern the tests use."""
import pathlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from halo.runtime.frames import TEN_BIT

from . import colour, pictures, video
from .common import synthetic_planes

SYNTHETIC = "synthetic"
DEFAULT_PICTURE = "grace_hopper.jpg"  # in matplotlib's mpl-data/sample_data
DEFAULT_SYNTHETIC_SIZE = (1920, 1080)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
YUV_SUFFIX = ".yuv"
CHROMA_420 = ("nv12", "p010", "tp10")


@dataclass(frozen=True)
class Source:
    name: str
    width: int
    height: int
    count: int                      # frames
    frames: Callable                # fmt -> iterator of (Y, UV) planes (UV None for raw)


def default_picture():
    from matplotlib import cbook
    return pathlib.Path(cbook.get_sample_data(DEFAULT_PICTURE, asfileobj=False))


def parse_size(text):
    """(width, height) of "WIDTHxHEIGHT"."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"--size must be WIDTHxHEIGHT with positive whole numbers (1920x1080), not {text!r}")
    return int(parts[0]), int(parts[1])


def _picture_planes(rgb, fmt, matrix):
    if fmt == "raw":
        return pictures.luma(rgb), None
    return colour.from_rgb(rgb, 10 if fmt in TEN_BIT else 8, matrix)


def _picture(path, size, matrix, name):
    rgb = pictures.read_rgb(path)
    if size:
        rgb = pictures.fitted(rgb, size)
    return Source(name, rgb.shape[1], rgb.shape[0], 1,
                  lambda fmt: iter([_picture_planes(rgb, fmt, matrix)]))


def _yuv_planes(path, fmt, width, height):
    """One frame of a .yuv file as ffmpeg writes it (raw: bytes; NV12; P010: 10 bits high)."""
    dtype = np.uint16 if fmt in TEN_BIT else np.uint8
    n, chroma = width * height, 0 if fmt == "raw" else width * height // 2
    data = np.fromfile(path, dtype=dtype, count=n + chroma)
    if data.size < n + chroma:
        raise ValueError(f"{path}: {data.size} samples, but a {width}x{height} {fmt} frame needs {n + chroma}")
    if fmt in TEN_BIT:
        data = data >> 6
    return data[:n].reshape(height, width), None if fmt == "raw" else data[n:].reshape(height // 2, width // 2, 2)


def _video(path, size, frames):
    info = video.probe(path)
    if frames is not None and frames > info.frames:
        raise ValueError(f"{path} has {info.frames} frames; --frames {frames} asks for more")
    count = frames or info.frames
    width, height = size or (info.width, info.height)
    return Source(str(path), width, height, count, lambda fmt: video.decode(path, fmt, count, size))


def open_source(spec, size=None, frames=None, formats=(), matrix=colour.DEFAULT_MATRIX):
    """The Source of `--input spec` (None: the default picture) at `size` (None: its own), with
    `frames` frames of a video (None: all), for apps in `formats`."""
    if spec == SYNTHETIC:
        width, height = size or DEFAULT_SYNTHETIC_SIZE
        source = Source("synthetic pattern", width, height, 1,
                        lambda fmt: iter([synthetic_planes(fmt, width, height)]))
    elif spec is None:
        source = _picture(default_picture(), size, matrix, f"{DEFAULT_PICTURE} (shipped with matplotlib)")
    else:
        path = pathlib.Path(spec)
        suffix = path.suffix.lower()
        known = (YUV_SUFFIX, *IMAGE_SUFFIXES, *video.SUFFIXES)
        if suffix not in known:
            raise ValueError(f"--input {spec}: give {SYNTHETIC!r} or a file ending in {', '.join(known)}")
        if not path.is_file():
            raise ValueError(f"--input {spec}: no such file")
        if suffix in video.SUFFIXES:
            source = _video(path, size, frames)
        elif suffix in IMAGE_SUFFIXES:
            source = _picture(path, size, matrix, spec)
        else:
            width, height = size or DEFAULT_SYNTHETIC_SIZE
            source = Source(spec, width, height, 1, lambda fmt: iter([_yuv_planes(path, fmt, width, height)]))
    odd = source.width % 2 or source.height % 2
    if spec != SYNTHETIC and odd and any(f in CHROMA_420 for f in formats):
        raise ValueError(f"--input {source.name} is {source.width}x{source.height}: 4:2:0 frames (NV12, P010) "
                         f"need an even width and height; give --size with even numbers")
    if frames is not None and source.count == 1 and frames > 1:
        raise ValueError(f"--frames {frames}: {source.name} is one frame (--frames is for video input: "
                         f"{', '.join(video.SUFFIXES)})")
    return source
