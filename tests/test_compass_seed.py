"""Every code block of the Compass DSL's DMA guide (the seed), as written, inside kernels that
complete them: each kernel is compiled and run, and compared with numpy and with halo's Python
interpretation of the same kernel. The blocks are quoted here verbatim (the seed is not part of
the repository); when the seed is at hand, the quotes are checked against it."""
import importlib.util
import pathlib
import re
import textwrap

import numpy as np
import pytest

SEED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "seeds" / "compass_dsl_how_to_use_dma.md"

BLOCKS = [
    '''@S.prim_func
def func(a: S.ptr(dtype, "global")):
    buffer_src = S.match_buffer(a, (100,))
    buffer_dst = S.alloc_buffer((100,), dtype, scope="lsram")''',
    '''ptr_src = S.ptr(dtype, scope="global")
ptr_dst = S.ptr(dtype, scope="lsram")''',
    "S.dma_copy(buffer_dst, buffer_src, width)",
    "S.dma_copy(buffer_src, buffer_dst, width)",
    "S.dma_copy(buffer_dst, buffer_src, width=5, src_stride=8, times=4, dst_stride=6)",
    "ev0, ev1 = S.alloc_events(2)",
    '''S.async_dma_copy(buffer_dst_0, buffer_src_0, width, event=ev0)
S.async_dma_copy(buffer_dst_1, buffer_src_1, width, event=ev1)''',
    "S.wati_events(ev0)",
    "S.wait_events(ev0, ev1)",
    "S.free_events(ev0)",
    "S.free_events(ev0, ev1)",
]


def _in(block, indent=4):
    return textwrap.indent(block, " " * indent)


# Each kernel: the blocks (by index) spliced between lines that complete them.
MODULE = f'''
import halo.compass as S

dtype = "int16"
width = 100

{BLOCKS[0]}
{_in(BLOCKS[2])}
    for i in range(width):
        buffer_dst[i] = buffer_dst[i] * 2 - 7
{_in(BLOCKS[3])}


{BLOCKS[1]}


@S.prim_func
def pointers(buffer_src: ptr_src, buffer_dst: ptr_dst):
{_in(BLOCKS[2])}
    for i in range(width):
        buffer_dst[i] = max(buffer_dst[i], 0)
{_in(BLOCKS[3])}


@S.prim_func
def strided(a: S.ptr(dtype, "global"), b: S.ptr(dtype, "global")):
    buffer_src = S.match_buffer(a, (32,))
    buffer_dst = S.alloc_buffer((24,), dtype, scope="lsram")
{_in(BLOCKS[4])}
    S.dma_copy(b, buffer_dst, 24)


def _async(free_together):
    @S.prim_func
    def asynchronous(a: S.ptr(dtype, "global"), b: S.ptr(dtype, "global"), c: S.ptr(dtype, "global")):
        buffer_src_0 = S.match_buffer(a, (width,))
        buffer_src_1 = S.match_buffer(b, (width,))
        buffer_dst_0 = S.alloc_buffer((width,), dtype, scope="lsram")
        buffer_dst_1 = S.alloc_buffer((width,), dtype, scope="shared")
{_in(BLOCKS[5], 8)}
{_in(BLOCKS[6], 8)}
{_in(BLOCKS[7], 8)}
        for i in range(width):
            buffer_dst_0[i] = buffer_dst_0[i] + 1
{_in(BLOCKS[8], 8)}
        for i in range(width):
            buffer_dst_0[i] = buffer_dst_0[i] * buffer_dst_1[i]
        S.dma_copy(c, buffer_dst_0, width)
        if free_together:
{_in(BLOCKS[10], 12)}
        else:
{_in(BLOCKS[9], 12)}
            S.free_events(ev1)
    return asynchronous


async_free_together = _async(True)
async_free_apart = _async(False)
'''


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "seed_kernels.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("seed_kernels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_quoted_blocks_are_the_seeds():
    if not SEED.exists():
        pytest.skip("the seed is not beside this checkout")
    blocks = [b.strip() for b in re.findall(r"```py\n(.*?)```", SEED.read_text(), re.S)]
    assert blocks == [b.strip() for b in BLOCKS]


def _both(kernel, *arrays_and_scalars):
    """Runs the compiled kernel and the interpretation on copies; returns both results."""
    compiled = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays_and_scalars]
    interpreted = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays_and_scalars]
    kernel(*compiled)
    kernel.interpret(*interpreted)
    for c, i in zip(compiled, interpreted):
        if isinstance(c, np.ndarray):
            np.testing.assert_array_equal(c, i)
    return compiled


RNG = np.random.default_rng(16)


@pytest.mark.slow
def test_synchronous_copy_there_and_back(seed):
    a = RNG.integers(-2000, 2000, 100, dtype=np.int16)
    (out,) = _both(seed.func, a)
    np.testing.assert_array_equal(out, a * np.int16(2) - np.int16(7))


@pytest.mark.slow
def test_pointers_instead_of_buffers(seed):
    a = RNG.integers(-2000, 2000, 100, dtype=np.int16)
    out, local = _both(seed.pointers, a, np.zeros(100, np.int16))
    np.testing.assert_array_equal(out, np.maximum(a, 0))
    np.testing.assert_array_equal(local, np.maximum(a, 0))


@pytest.mark.slow
def test_strided_copy_of_the_picture(seed):
    a = np.arange(32, dtype=np.int16)
    b = np.full(24, 99, np.int16)
    _, out = _both(seed.strided, a, b)
    want = np.zeros((4, 6), np.int16)  # the lsram buffer's gaps ('x') stay as allocated: zero
    want[:, :5] = a.reshape(4, 8)[:, :5]
    np.testing.assert_array_equal(out.reshape(4, 6), want)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["async_free_together", "async_free_apart"])
def test_asynchronous_copies_on_two_events(seed, name):
    from halo.runtime import compass
    a = RNG.integers(-100, 100, 100, dtype=np.int16)
    b = RNG.integers(-100, 100, 100, dtype=np.int16)
    *_, c = _both(getattr(seed, name), a, b, np.zeros(100, np.int16))
    np.testing.assert_array_equal(c, (a + np.int16(1)) * b)
    assert compass.events_in_use() == 0  # both events were freed
