"""Halide 21's own Hexagon code generator beside halo's: a pipeline written with the `halide`
package is compiled for hexagon-32-noos-hvx-hvx_128 (an object holding the pipeline and Halide's
noos runtime), linked with driver.c and halo's freestanding Hexagon runtime (its _start, syscalls,
arena malloc), run under qemu-hexagon, and its packets counted the way halo counts its own:
every packet between two calls of a marker around the pipeline call, so Halide's pipeline, its
closures and every runtime function it calls (halide_malloc / free down to halo's arena, the
HVX lock, buffer checks) count, as halo's count includes the halo runtime calls it makes.
"""
from __future__ import annotations

import hashlib
import os
import pathlib
import struct
import tempfile

import numpy as np

from halo.jit import hexagon
from halo.runtime import build

TARGET = "hexagon-32-noos-hvx-hvx_128"
MARKER = "halide_hexagon_mark"
DRIVER = pathlib.Path(__file__).with_name("driver.c")


def _object(func, inp, name: str, directory: str) -> str:
    import halide
    path = os.path.join(directory, f"{name}.o")
    func.compile_to({halide.OutputFileType.object: path}, [inp], name, halide.Target(TARGET))
    return path


def build_executable(func, inp, name: str = "halide_pipeline") -> pathlib.Path:
    """The Hexagon executable running Halide Func `func` (one uint8 ImageParam `inp` in, 2-D
    uint8 out) through driver.c; cached under halo's cache by the object's and driver's bytes."""
    clang, lld = hexagon.compiler(), hexagon.linker()
    runtime = hexagon.runtime_objects()
    cflags = hexagon.target_flags() + [f"-DHALIDE_FN={name}"]
    with tempfile.TemporaryDirectory(prefix="halo-halide-") as tmp:
        obj = _object(func, inp, name, tmp)
        key = hashlib.sha256(b"\0".join([pathlib.Path(obj).read_bytes(), DRIVER.read_bytes(),
                                         " ".join(cflags).encode(), runtime[0].parent.name.encode()]))
        exe = build.cache_dir() / "hexagon" / "halide" / f"{key.hexdigest()[:24]}.elf"
        if exe.exists():
            return exe
        exe.parent.mkdir(parents=True, exist_ok=True)
        driver = os.path.join(tmp, "driver.o")
        build._run([clang, *cflags, "-I", str(build.runtime_dir()), "-c", str(DRIVER), "-o", driver],
                   "compiling the Halide driver for Hexagon")
        linked = os.path.join(tmp, "a.elf")
        build._run([lld, "-static", "-e", "_start", "-o", linked, driver, obj, *map(str, runtime)],
                   "linking the Halide pipeline for Hexagon")
        os.replace(linked, exe)
    return exe


def run(exe: os.PathLike, padded: np.ndarray, width: int, height: int,
        stride: int | None = None) -> tuple[int, np.ndarray]:
    """(packets of the pipeline call, output) for input `padded` (height+2 rows of width+2 pixels
    with min (-1, -1)), its rows `stride` bytes apart (default width+2)."""
    rows, cols = padded.shape
    stride = stride or cols
    data = np.zeros((rows, stride), np.uint8)
    data[:, :cols] = padded
    stdin = struct.pack("<7i", -1, -1, cols, rows, stride, width, height) + data.tobytes()
    count = hexagon.count_packets(exe, stdin, between=MARKER)
    return count.packets, np.frombuffer(count.stdout, np.uint8).reshape(height, width)
