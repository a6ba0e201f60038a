"""Every DMA transfer's region is checked against its DDR buffer before any backend moves a
byte, as computed accesses are: with host_copy and compass an input smaller than its region
was read past its end (ASan: heap-buffer-overflow), with user DMA the error named only an MMU
range."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect

x, y, tx, ty = hl.Var("x"), hl.Var("y"), hl.Var("tx"), hl.Var("ty")
MEMORY = {"host_copy": hl.MemoryType.LockedCache, "user_dma": hl.MemoryType.LockedCache,
          "compass": hl.MemoryType.VTCM, "ubwcdma": hl.MemoryType.LockedCache}


def _pipeline(backend, direction):
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    in_copy, work, out = hl.Func("in_copy"), hl.Func("work"), hl.Func("out")
    in_copy[x, y] = inp[x, y]
    work[x, y] = in_copy[x, y] * 2
    out[x, y] = work[x, y]
    out.tile(x, y, tx, ty, x, y, 16, 8)
    if direction == "read":
        in_copy.compute_at(out, tx).dma(backend, "read").store_in(MEMORY[backend])
        work.compute_at(out, tx)
    else:
        work.compute_at(out, tx).store_in(MEMORY[backend])
        out.dma(backend, "write")
    return inp, out


@pytest.mark.parametrize("backend", ["host_copy", "compass", "user_dma"])
def test_a_dma_read_past_the_end_of_its_input_is_an_error(backend):
    inp, out = _pipeline(backend, "read")
    a = np.arange(8 * 20, dtype=np.uint8).reshape(8, 20)
    inp.set(hl.Buffer(a))
    with pytest.raises(hl.HaloRuntimeError, match=r"Input buffer inp is accessed at 31 by the DMA of in_copy, "
                                                  r"which is beyond the max \(19\) in dimension 0"):
        out.realize([32, 8])
    assert np.array_equal(np.asarray(out.realize([16, 8])), a[:, :16] * 2)


@pytest.mark.parametrize("backend", ["host_copy", "compass", "user_dma"])
def test_a_dma_write_inside_its_output_succeeds_and_its_region_is_checked(backend):
    inp, out = _pipeline(backend, "write")
    a = np.arange(8 * 32, dtype=np.uint8).reshape(8, 32)
    inp.set(hl.Buffer(a))
    assert np.array_equal(np.asarray(out.realize([32, 8])), a * 2)
    low = hl.Pipeline(out).lower()
    messages = [s.message for s in collect(low.stmt, lambda s: type(s) is n.AssertStmt)]
    assert any("Output buffer out is accessed at %d by the DMA of out" in m for m in messages)


def test_a_user_dma_engine_left_in_error_fails_one_run_not_every_later_one():
    from halo.runtime import user_dma as ud
    ud.reset()
    try:
        inp, out = _pipeline("user_dma", "read")
        a = np.arange(8 * 32, dtype=np.uint8).reshape(8, 32)
        inp.set(hl.Buffer(a))
        engine = ud.Engine(0)
        engine.start(0x10)  # an unmapped descriptor: the engine faults into ERROR
        with pytest.raises(hl.HaloRuntimeError):
            engine.wait()
        with pytest.raises(hl.HaloRuntimeError, match="user DMA engine 0"):
            out.realize([32, 8])
        # the failed run paused the engine back to IDLE: the next valid run works
        assert np.array_equal(np.asarray(out.realize([32, 8])), a * 2)
    finally:
        ud.reset()
