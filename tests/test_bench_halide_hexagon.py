"""bench/halide_hexagon: Halide 21's Hexagon build of the bench's blur runs under qemu-hexagon
and matches numpy (so the Halide column of bench/bench_hexagon.py cannot rot silently); and
halo's Hexagon harness passes a row-padded input with its stride, which the aligned-rows
schedule declares."""
import os

import numpy as np
import pytest

from bench import bench_hexagon, halide_hexagon
from halo.errors import HaloRuntimeError
from halo.jit import hexagon
from halo.runtime.build import ToolMissingError

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 256, 4


@pytest.fixture(scope="module")
def toolchain():
    try:
        for tool in (hexagon.compiler, hexagon.linker, hexagon.emulator):
            tool()
    except ToolMissingError as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Hexagon toolchain incomplete: {e}")


@pytest.fixture(scope="module")
def halide(toolchain):
    return pytest.importorskip("halide")


@pytest.fixture(scope="module")
def frame():
    a = np.random.default_rng(1).integers(0, 256, (HEIGHT + 2, WIDTH + 2)).astype(np.uint8)
    return a, bench_hexagon.blur_reference(a)


@pytest.mark.parametrize("schedule, stride", [("direct", WIDTH + 2), ("direct_aligned_rows", 384)])
def test_halide_blur_matches_numpy(halide, frame, schedule, stride):
    a, want = frame
    got = bench_hexagon.run_halide(schedule, a, stride, WIDTH, HEIGHT, 128)
    assert not isinstance(got, str), got
    packets, out = got
    np.testing.assert_array_equal(out, want)
    assert 0 < packets < 2 * WIDTH * HEIGHT  # the pipeline call alone, vectorized


def test_halide_rejects_an_unaligned_stride_it_was_promised(halide, frame):
    a, _ = frame
    # the declared stride is a multiple of 128: Halide's own check refuses 258
    with pytest.raises(HaloRuntimeError, match=r"(?s)input.stride.1.*Halide pipeline failed"):
        bench_hexagon.run_halide("direct_aligned_rows", a, WIDTH + 2, WIDTH, HEIGHT, 128)


def test_halo_harness_passes_a_padded_row_stride(toolchain, frame):
    a, want = frame
    packets, out = bench_hexagon.run_halo("direct_aligned_rows", a, 384, WIDTH, HEIGHT,
                                          "hexagon-v67-hvx128", 128)
    np.testing.assert_array_equal(out, want)
    assert packets > 0
