"""Threads of one process compiling pipelines at once, from an empty cache: every result is
right (each compilation keeps its own simplifier facts) and no writer trips over another's
cache files."""
import concurrent.futures
import threading

import numpy as np
import pytest

import halo as hl


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HALO_CACHE_DIR", str(tmp_path))


def _pipeline(k):
    """Stencils whose output sizes (and so the facts lowering assumes) differ per k."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(16), 2, "inp")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    f = hl.Func("f")
    f[x, y] = rep[x - 1, y] + rep[x + k, y] * 2
    f.vectorize(x, 8 << (k % 3)).parallel(y)
    return inp, f


def _run(k):
    inp, f = _pipeline(k)
    # widths just above each vector: another compilation's facts (a wider vector's) would be wrong here
    a = np.random.default_rng(k).integers(0, 1000, (5, (8 << (k % 3)) + k)).astype(np.uint16)
    inp.set(hl.Buffer(a))
    got = np.asarray(f.realize([a.shape[1], 5]))
    p = np.pad(a, ((0, 0), (1, k)), mode="edge").astype(np.uint32)
    return np.array_equal(got, (p[:, :-1 - k] + 2 * p[:, 1 + k:]).astype(np.uint16))


@pytest.mark.slow
def test_threads_compile_the_same_and_different_pipelines_at_once(empty_cache):
    ks = [0, 1, 2, 3, 4, 5] * 3
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(_run, ks))
    assert results == [True] * len(ks)


def test_concurrent_lowerings_give_the_statements_sequential_ones_give():
    from halo.lower import lower
    ks = [0, 1, 2, 3, 4, 5]
    pipelines = {k: _pipeline(k)[1] for k in ks}
    expected = {k: str(lower([pipelines[k]]).stmt) for k in ks}
    barrier = threading.Barrier(len(ks))

    def lowered(k):
        barrier.wait()
        return str(lower([pipelines[k]]).stmt)

    for _ in range(3):
        with concurrent.futures.ThreadPoolExecutor(len(ks)) as pool:
            got = dict(zip(ks, pool.map(lowered, ks)))
        assert got == expected
