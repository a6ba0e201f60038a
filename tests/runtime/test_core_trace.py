"""The trace recorder through cffi: recording, track ids, Chrome trace JSON on disk."""
import json
import threading

import pytest

import halo.runtime as rt


@pytest.fixture(autouse=True)
def clean_trace():
    rt.trace_clear()
    rt.trace_enable(True)
    yield
    rt.trace_enable(False)
    rt.trace_clear()


def _record(cat, name, track, nbytes, start, end):
    return rt.lib.halo_trace_record(cat.encode(), name.encode(), track.encode(), nbytes, start,
                                    end)


def test_disabled_trace_records_nothing():
    rt.trace_enable(False)
    assert not rt.trace_enabled()
    assert _record("dma", "x", "t", 1, 0, 1) == 0
    assert rt.trace_count() == 0
    rt.trace_enable(True)
    assert rt.trace_enabled()


def test_json_file(tmp_path):
    rt.check(_record("dma", "read y", "ubwcdma0", 8192, 2_000, 5_500))
    rt.check(_record("compute", "blur", "thread 1", 0, 5_500, 1_005_500))
    rt.check(_record("dma", "write", "ubwcdma0", 77, 1_006_001, 1_006_002))
    assert rt.trace_count() == 3
    path = tmp_path / "trace.json"
    rt.trace_write_json(path)
    doc = json.loads(path.read_text())
    assert doc == rt.trace_json()
    assert doc["displayTimeUnit"] == "ns"
    meta = [e for e in doc["traceEvents"] if e["ph"] == "M"]
    assert meta == [
        {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "halo"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "ubwcdma0"}},
        {"name": "thread_name", "ph": "M", "pid": 1, "tid": 2, "args": {"name": "thread 1"}},
    ]
    spans = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert spans == [
        {"name": "read y", "cat": "dma", "ph": "X", "pid": 1, "tid": 1, "ts": 2.0, "dur": 3.5,
         "args": {"bytes": 8192}},
        {"name": "blur", "cat": "compute", "ph": "X", "pid": 1, "tid": 2, "ts": 5.5,
         "dur": 1000.0, "args": {"bytes": 0}},
        {"name": "write", "cat": "dma", "ph": "X", "pid": 1, "tid": 1, "ts": 1006.001,
         "dur": 0.001, "args": {"bytes": 77}},
    ]
    rt.trace_clear()
    assert rt.trace_count() == 0
    assert rt.trace_json()["traceEvents"] == [meta[0]]


def test_names_are_escaped_and_truncated():
    rt.check(_record("dma", 'say "hi"\\\t', "e" * 100, 1, 0, 1))
    spans = [e for e in rt.trace_json()["traceEvents"] if e["ph"] != "M" or e["tid"] == 1]
    assert spans[0]["args"]["name"] == "e" * 47
    assert spans[1]["name"] == 'say "hi"\\\t'
    # a track longer than the stored 47 characters maps to the same id as its prefix
    rt.check(_record("dma", "y", "e" * 60, 1, 0, 1))
    assert [e["tid"] for e in rt.trace_json()["traceEvents"] if e["ph"] == "X"] == [1, 1]


def test_bad_records_are_errors(tmp_path):
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(_record("dma", "late", "t", 1, 10, 9))
    assert e.value.message == ("halo_trace_record: span 'late' ends (9 ns) before it starts "
                               "(10 ns)")
    assert rt.lib.halo_trace_record(rt.ffi.NULL, b"n", b"t", 0, 0, 0) == -3
    with pytest.raises(rt.HaloRuntimeError, match="cannot write"):
        rt.trace_write_json(tmp_path / "missing-dir" / "t.json")
    assert rt.trace_count() == 0


def test_too_many_tracks():
    for i in range(256):
        rt.check(_record("dma", "x", f"track{i}", 0, 0, 1))
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(_record("dma", "x", "track256", 0, 0, 1))
    assert e.value.message == "halo_trace_record: more than 256 tracks (new track 'track256')"
    assert rt.trace_count() == 256


def test_concurrent_recording():
    def worker(k):
        for i in range(500):
            assert _record("compute", f"w{k}", f"thread {k}", i, i, i + 1) == 0

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert rt.trace_count() == 2000
    spans = [e for e in rt.trace_json()["traceEvents"] if e["ph"] == "X"]
    for k in range(4):
        mine = [e for e in spans if e["name"] == f"w{k}"]
        assert [e["args"]["bytes"] for e in mine] == list(range(500))
        assert len({e["tid"] for e in mine}) == 1


def test_clock_is_monotonic_nanoseconds():
    import time
    lib = rt.lib
    a = lib.halo_time_ns()
    time.sleep(0.01)
    b = lib.halo_time_ns()
    assert 10_000_000 <= b - a < 5_000_000_000
