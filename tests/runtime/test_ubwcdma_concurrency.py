"""Engines run beside the caller and beside each other: an engine is never queued behind
another (no global DMA lock), transfers on one engine never overlap (FIFO); and the C stress
program (readers sharing and not sharing engines, a concurrent writer) is clean under
ThreadSanitizer and ASan+UBSan."""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from halo.runtime import build, frames, trace_clear, trace_enable, trace_json, ubwcdma

HERE = pathlib.Path(__file__).parent


def raw_frame(rows=4096, width=4096):
    data = np.arange(rows * width, dtype=np.uint32).astype(np.uint8).reshape(rows, width)
    return data, frames.pack("raw", data)


def spans_of_big_reads(engine_count):
    """Starts one full-frame read per frame, alternating over `engine_count` engines, waits all,
    and returns the (engine track, start, end) of every dma span."""
    sources = [raw_frame(rows=1024) for _ in range(4)]
    engines = [ubwcdma.Engine() for _ in range(engine_count)]
    trace_enable(True)
    trace_clear()
    dmas = [ubwcdma.DmaFrame(frame) for _, frame in sources]
    tiles = [np.zeros_like(data) for data, _ in sources]  # touched: no page faults while timed
    try:
        for i, dma in enumerate(dmas):
            dma.prepare(engines[i % engine_count])
        started = [(dma.start("y", tile, 0, 0), data)
                   for dma, tile, (data, _) in zip(dmas, tiles, sources)]
        for t, data in started:
            np.testing.assert_array_equal(t.wait(), data)
        events = trace_json()["traceEvents"]
    finally:
        trace_enable(False)
        trace_clear()
        for dma in dmas:
            dma.unprepare()
            dma.detach()
        for e in engines:
            e.close()
    return [(e["tid"], e["ts"], e["ts"] + e["dur"]) for e in events if e.get("cat") == "dma"]


def test_transfers_on_one_engine_never_overlap():
    spans = sorted(spans_of_big_reads(1), key=lambda s: s[1])
    assert len(spans) == 4 and len({s[0] for s in spans}) == 1
    assert all(a[2] <= b[1] for a, b in zip(spans, spans[1:]))


def test_an_engine_is_not_queued_behind_another():
    """Engine B's small transfer completes while engine A still works through a long queue: B
    has its own worker, it is not serialised behind A (Halide's global copy lock would). This
    holds even on one free core, since the scheduler shares it between the two workers."""
    data, frame = raw_frame()
    small_data, small_frame = raw_frame(rows=8, width=64)
    with ubwcdma.Engine() as a, ubwcdma.Engine() as b, ubwcdma.DmaFrame(frame) as big, \
            ubwcdma.DmaFrame(small_frame) as small:
        big.prepare(a)
        small.prepare(b)
        tile = np.zeros_like(data)
        queued = [big.start("y", tile, 0, 0) for _ in range(24)]
        np.testing.assert_array_equal(small.read("y", 0, 0, 64, 8), small_data)
        assert a.stats().transfers < len(queued)
        for t in queued:
            t.wait()
        np.testing.assert_array_equal(tile, data)
        assert a.stats().transfers == len(queued) and b.stats().transfers == 1
        big.unprepare()
        small.unprepare()


@pytest.mark.slow
@pytest.mark.parametrize("sanitize", [None, "thread", "address,undefined"])
def test_c_stress_program_is_clean(tmp_path, sanitize):
    exe = build.build_c_program([HERE / "c" / "ubwcdma_concurrent.c"],
                                tmp_path / f"ubwcdma_concurrent_{sanitize or 'plain'}",
                                sanitize=sanitize, flags=["-I", str(HERE / "c")])
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok 512 transfers"
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr


_DEALLOCATE_WHILE_QUEUED = """
import numpy as np
from halo.runtime import frames, ubwcdma, lib
data = np.arange(256 * 256, dtype=np.uint32).astype(np.uint8).reshape(256, 256)
frame = frames.pack("raw", data)
assert lib.halo_hexagon_dma_set_bandwidth_model(50) == 0
engine = ubwcdma.Engine()
dma = ubwcdma.DmaFrame(frame)
dma.prepare(engine)
started = [dma.start("y", np.zeros_like(data), 0, 0) for _ in range(3)]
engine.close()
for t in started:
    np.testing.assert_array_equal(t.wait(), data)
dma.unprepare()
dma.detach()
print("done")
"""


def test_deallocating_an_engine_with_queued_transfers_under_the_bandwidth_model_returns():
    """deallocate_engine waits for the queued transfers with the pool lock held; the workers
    read the power corner for the bandwidth model, which once took that same lock (a hang in
    most runs). In a child process, so a regression fails instead of hanging the suite."""
    r = subprocess.run([sys.executable, "-c", _DEALLOCATE_WHILE_QUEUED], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr
