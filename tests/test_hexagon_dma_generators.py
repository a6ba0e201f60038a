"""Halide's upstream apps/hexagon_dma generators (NV12 / P010 and raw interleaved, five
schedules, read-only and read-write), transliterated to Python in tests/hexagon_dma/. Each file
imports halo; the same text with `import halide as hl` is loaded as a Halide generator. halo
runs every schedule against numpy; Halide's host run (it has no DMA engine on the host, so
read-only: use_dma_for_output=False) gives the same bytes."""
import functools
import pathlib
import types

import numpy as np
import pytest

import halo

try:
    import halide
except ImportError:  # the test extra installs it; the skip names what is missing
    halide = None

pytestmark = pytest.mark.usefixtures("quick_c_compiles")
HERE = pathlib.Path(__file__).parent / "hexagon_dma"
SCHEDULES = ["none", "fold", "async", "split", "split_async"]
W, H = 256, 128


@functools.lru_cache(maxsize=None)  # a generator name registers once per process
def _generator(file, module):
    """The generator class of `file`, with `import halo as hl` as written or changed to `module`."""
    text = (HERE / file).read_text()
    if module is not halo:
        assert "import halo as hl\n" in text
        text = text.replace("import halo as hl\n", f"import {module.__name__} as hl\n")
    m = types.ModuleType(f"{file[:-3]}_{module.__name__}")
    exec(compile(text, str(HERE / file), "exec"), m.__dict__)
    return m.DmaPipeline


def _run(hl, file, params, inputs, outputs):
    with hl.GeneratorContext(hl.get_jit_target_from_environment()):
        call = _generator(file, hl)(params).compile_to_callable()
    call(*[hl.Buffer(a) for a in inputs], *[hl.Buffer(a) for a in outputs])


def _interleaved(a):
    # numpy (rows, columns, channels) as Halide's (x, y, c) with x at stride channels, c at stride 1
    return a.transpose(2, 0, 1)


@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("rw", [False, True], ids=["ro", "rw"])
def test_yuv_generator(dtype, schedule, rw):
    rng = np.random.default_rng(len(schedule))
    y = rng.integers(0, 1 << (8 if dtype == "uint8" else 10), (H, W)).astype(dtype)
    uv = rng.integers(0, 1 << (8 if dtype == "uint8" else 10), (H // 2, W // 2, 2)).astype(dtype)
    params = {"schedule": schedule, "use_dma_for_output": rw,
              **{f"{p}.type": dtype for p in ("input_y", "input_uv", "output_y", "output_uv")}}
    out_y, out_uv = np.zeros_like(y), np.zeros_like(uv)
    _run(halo, "pipeline_yuv_linear_basic.py", params, (y, _interleaved(uv)), (out_y, _interleaved(out_uv)))
    assert np.array_equal(out_y, y * 2) and np.array_equal(out_uv, uv * 2)
    if halide is not None:
        ref_y, ref_uv = np.zeros_like(y), np.zeros_like(uv)
        _run(halide, "pipeline_yuv_linear_basic.py", {**params, "use_dma_for_output": False},
             (y, _interleaved(uv)), (ref_y, _interleaved(ref_uv)))
        assert np.array_equal(out_y, ref_y) and np.array_equal(out_uv, ref_uv)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("rw", [False, True], ids=["ro", "rw"])
def test_raw_interleaved_generator(schedule, rw):
    raw = np.random.default_rng(len(schedule)).integers(0, 256, (H, W, 4)).astype(np.uint8)
    params = {"schedule": schedule, "use_dma_for_output": rw}
    out = np.zeros_like(raw)
    _run(halo, "pipeline_raw_linear_interleaved_basic.py", params, (_interleaved(raw),), (_interleaved(out),))
    assert np.array_equal(out, raw * 2)
    if halide is not None:
        ref = np.zeros_like(raw)
        _run(halide, "pipeline_raw_linear_interleaved_basic.py", {**params, "use_dma_for_output": False},
             (_interleaved(raw),), (_interleaved(ref),))
        assert np.array_equal(out, ref)
