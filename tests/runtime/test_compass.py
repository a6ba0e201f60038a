"""Compass DSL DMA: copies against numpy, every rule broken once with its message, events
(limits, serialisation, overlap, misuse), and the C test under ASan+UBSan and TSan."""
import pathlib
import subprocess

import numpy as np
import pytest

import halo.runtime as rt
from halo.runtime import build, lib
from halo.runtime import compass as S

C_DIR = pathlib.Path(__file__).parent / "c"


@pytest.fixture(autouse=True)
def clean_events():
    S.reset()
    yield
    S.reset()


@pytest.mark.slow
@pytest.mark.parametrize("sanitize", ["address,undefined", "thread"])
def test_c_program_under_sanitizers(tmp_path, sanitize):
    exe = build.build_c_program([C_DIR / "compass_dma.c"], tmp_path / "compass_dma",
                                sanitize=sanitize)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "compass_dma: ok"
    assert "Sanitizer" not in proc.stderr


def _reference(dst, src, width, src_stride, times, dst_stride):
    out = dst.copy()
    for i in range(times):
        out[i * dst_stride:i * dst_stride + width] = src[i * src_stride:i * src_stride + width]
    return out


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32",
                                   "float16", "float32"])
def test_seed_example_for_every_dtype(dtype):
    src = (np.arange(32) * 3 - 40).astype(dtype)
    dst = np.zeros(24, dtype)
    S.dma_copy(dst, src, width=5, src_stride=8, times=4, dst_stride=6, dst_scope="lsram")
    # "@@@@@xxx" rows into "@@@@@x" rows, written out by hand
    picked = [0, 1, 2, 3, 4, None, 8, 9, 10, 11, 12, None, 16, 17, 18, 19, 20, None,
              24, 25, 26, 27, 28, None]
    expect = np.array([0 if i is None else src[i] for i in picked], dtype)
    assert dst.tobytes() == expect.tobytes()
    np.testing.assert_array_equal(dst, _reference(np.zeros(24, dtype), src, 5, 8, 4, 6))


def test_defaults_are_contiguous():
    src = np.arange(100, dtype=np.int32)
    dst = np.zeros(100, np.int32)
    S.dma_copy(dst, src, 30, times=3, src_scope="shared")
    np.testing.assert_array_equal(dst[:90], src[:90])
    assert not dst[90:].any()


def test_width_zero_moves_nothing():
    src, dst = np.ones(8, np.uint8), np.zeros(8, np.uint8)
    S.dma_copy(dst, src, 0)
    ev = S.alloc_events(1)
    S.async_dma_copy(dst, src, 0, event=ev)
    S.wait_events(ev)
    assert not dst.any()


RULES = [
    ("dtype", dict(src=np.zeros(64, np.int16)), lib.halo_compass_error_dtype_mismatch,
     'The data type mismatch: "dst": "uint8*" vs. "src": "int16*".'),
    ("unknown dtype", dict(src=np.zeros(64), dst=np.zeros(64)), lib.halo_compass_error_bad_dtype,
     "unknown dtype 0x240"),
    ("constant", dict(src_scope="constant"), lib.halo_compass_error_constant_scope,
     'the scope of "src" can not be "constant"'),
    ("lsram to lsram", dict(src_scope="lsram", dst_scope="lsram"),
     lib.halo_compass_error_scope_pair,
     'Does not support copy data from scope "lsram" to scope "lsram".'),
    ("lsram to shared", dict(src_scope="lsram", dst_scope="shared"),
     lib.halo_compass_error_scope_pair, 'from scope "lsram" to scope "shared"'),
    ("shared to lsram", dict(src_scope="shared", dst_scope="lsram"),
     lib.halo_compass_error_scope_pair, 'from scope "shared" to scope "lsram"'),
    ("shared to shared", dict(src_scope="shared", dst_scope="shared"),
     lib.halo_compass_error_scope_pair, 'from scope "shared" to scope "shared"'),
    ("negative width", dict(width=-1), lib.halo_compass_error_negative,
     "width -1 and times 1 must not be negative"),
    ("negative times", dict(times=-2), lib.halo_compass_error_negative, "times -2"),
    ("src stride", dict(src_stride=3), lib.halo_compass_error_stride,
     "src_stride 3 and dst_stride 4 must be at least width 4"),
    ("dst stride", dict(dst_stride=2), lib.halo_compass_error_stride, "dst_stride 2"),
]


@pytest.mark.parametrize("name,change,code,fragment", RULES, ids=[r[0] for r in RULES])
@pytest.mark.parametrize("asynchronous", [False, True])
def test_rule_is_enforced(name, change, code, fragment, asynchronous):
    args = dict(dst=np.zeros(64, np.uint8), src=np.ones(64, np.uint8), width=4, times=1)
    args.update(change)
    dst = args["dst"]
    if asynchronous:
        args["event"] = S.alloc_events(1)
        call = S.async_dma_copy
    else:
        call = S.dma_copy
    with pytest.raises(rt.HaloRuntimeError) as e:
        call(**args)
    assert e.value.code == code
    assert fragment in e.value.message
    assert e.value.message.startswith("async_dma_copy: " if asynchronous else "dma_copy: ")
    assert not dst.any()


SYNC_LIMITS = [
    # float32 counts: lsram 32 KiB = 8192 elements, shared 256 KiB = 65536
    ("lsram width", dict(width=8193, times=0, src_stride=8193, dst_stride=8193, dst_scope="lsram"),
     "width 8193 exceeds the lsram limit of 8192 float32 elements"),
    ("lsram stride", dict(width=4, dst_stride=8193, dst_scope="lsram"),
     "dst_stride 8193 exceeds the lsram limit of 8192"),
    ("lsram total", dict(width=4, times=2049, src_scope="lsram"),
     "width * times = 4 * 2049 exceeds the lsram limit of 8192"),
    ("shared stride", dict(width=4, src_stride=65537, times=1, src_scope="shared"),
     "src_stride 65537 exceeds the shared limit of 65536"),
    ("shared total", dict(width=4, times=16385, dst_scope="shared"),
     "width * times = 4 * 16385 exceeds the shared limit of 65536"),
    ("4 GiB", dict(width=1 << 20, times=1 << 10), "exceeds 1073741823 float32 elements (4 GiB)"),
]
ASYNC_LIMITS = [
    ("width", dict(width=16384, times=0), "width 16384 exceeds 16383 float32 elements (16-bit"),
    ("stride", dict(width=4, src_stride=4194304, times=1), "(24-bit stride register)"),
    ("size", dict(width=4, times=1048576), "width * times = 4 * 1048576 exceeds 4194303"),
]


def _limit_call(fn, change, **extra):
    big = np.zeros(1, np.float32)  # only the checks run: the copy is refused first
    args = dict(width=0, times=1)
    args.update(change)
    # the C entry point directly: the numpy wrapper would refuse the out-of-array reach first
    w = args["width"]
    return fn(rt.ffi.cast("void *", big.ctypes.data), S.SCOPES[args.get("dst_scope", "global")],
              lib.halo_compass_float32, rt.ffi.cast("void *", big.ctypes.data),
              S.SCOPES[args.get("src_scope", "global")], lib.halo_compass_float32, w,
              args.get("src_stride", w), args["times"], args.get("dst_stride", w), *extra.values())


@pytest.mark.parametrize("name,change,fragment", SYNC_LIMITS, ids=[r[0] for r in SYNC_LIMITS])
def test_sync_limit(name, change, fragment):
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(_limit_call(lib.halo_compass_dma_copy, change))
    assert e.value.code == lib.halo_compass_error_limit
    assert fragment in e.value.message


@pytest.mark.parametrize("name,change,fragment", ASYNC_LIMITS, ids=[r[0] for r in ASYNC_LIMITS])
def test_async_limit(name, change, fragment):
    ev = S.alloc_events(1)
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(_limit_call(lib.halo_compass_async_dma_copy, change, event=ev))
    assert e.value.code == lib.halo_compass_error_limit
    assert fragment in e.value.message


def test_wrapper_keeps_copies_inside_the_arrays():
    with pytest.raises(ValueError, match="reaches element 20 of dst, which has 10"):
        S.dma_copy(np.zeros(10, np.uint8), np.zeros(40, np.uint8), 5, times=4)


# ---- events -------------------------------------------------------------------------------

def test_alloc_takes_lowest_free_and_limit_is_four():
    assert S.event_limit() == 4
    ev0, ev1, ev2 = S.alloc_events(3)
    assert (ev0, ev1, ev2) == (0, 1, 2)
    with pytest.raises(rt.HaloRuntimeError, match="Only remain 1 events, but allocate 2.") as e:
        S.alloc_events(2)
    assert e.value.code == lib.halo_compass_error_events_exhausted
    S.free_events(ev1)
    assert S.alloc_events(2) == (1, 3)
    assert S.events_in_use() == 4


def test_event_limit_is_settable_while_nothing_is_allocated():
    S.set_event_limit(8)
    assert S.alloc_events(8) == tuple(range(8))
    with pytest.raises(rt.HaloRuntimeError, match="8 events are still allocated"):
        S.set_event_limit(2)
    S.free_events(*range(8))
    with pytest.raises(rt.HaloRuntimeError, match="33 is outside 1..32"):
        S.set_event_limit(33)
    S.set_event_limit(1)
    S.alloc_events(1)
    with pytest.raises(rt.HaloRuntimeError, match="Only remain 0 events, but allocate 1."):
        S.alloc_events(1)


@pytest.mark.parametrize("use", ["async", "wait", "free"])
def test_using_a_released_event_is_an_error(use):
    ev = S.alloc_events(1)
    S.free_events(ev)
    src, dst = np.ones(4, np.uint8), np.zeros(4, np.uint8)
    calls = {"async": lambda: S.async_dma_copy(dst, src, 4, event=ev),
             "wait": lambda: S.wait_events(ev), "free": lambda: S.free_events(ev)}
    with pytest.raises(rt.HaloRuntimeError, match="The released event can not be used anymore") as e:
        calls[use]()
    assert e.value.code == lib.halo_compass_error_event_released


@pytest.mark.parametrize("event", [0, 3, 4, -1])
def test_using_an_unallocated_event_is_an_error(event):
    with pytest.raises(rt.HaloRuntimeError) as e:
        S.async_dma_copy(np.zeros(4, np.uint8), np.ones(4, np.uint8), 4, event=event)
    assert e.value.code == lib.halo_compass_error_event_not_allocated
    assert f"event {event}" in e.value.message


def test_wait_and_free_need_events():
    with pytest.raises(rt.HaloRuntimeError, match="wait_events: Redundant useless call."):
        S.wait_events()
    ev = S.alloc_events(1)
    with pytest.raises(rt.HaloRuntimeError, match="free_events: event 0 is listed twice"):
        S.free_events(ev, ev)
    with pytest.raises(rt.HaloRuntimeError, match="count must be a positive number, got 0"):
        S.alloc_events(0)


def test_copies_on_one_event_run_in_order():
    n = 1 << 16
    ev = S.alloc_events(1)
    dst = np.zeros(n, np.uint8)
    sources = [np.full(n, k, np.uint8) for k in range(1, 9)]
    rt.trace_clear()
    rt.trace_enable(True)
    try:
        for src in sources:
            S.async_dma_copy(dst, src, n // 16, times=16, event=ev)
        S.wait_events(ev)
        spans = [e for e in rt.trace_json()["traceEvents"] if e.get("cat") == "dma"]
    finally:
        rt.trace_enable(False)
        rt.trace_clear()
    assert (dst == 8).all()
    assert len(spans) == 8
    for a, b in zip(spans, spans[1:]):
        assert a["ts"] + a["dur"] <= b["ts"]  # serialised, never overlapping


def test_copies_on_different_events_overlap():
    width, times = 1 << 15, 511  # async: width <= 0xFFFF bytes, width * times <= 0xFFFFFF
    n = width * times
    ev0, ev1 = S.alloc_events(2)
    srcs = [np.full(n, k, np.uint8) for k in (5, 6)]
    dsts = [np.zeros(n, np.uint8) for _ in range(2)]
    rt.trace_clear()
    rt.trace_enable(True)
    try:
        for ev, src, dst in zip((ev0, ev1), srcs, dsts):
            S.async_dma_copy(dst, src, width, times=times, event=ev)
        S.wait_events(ev0, ev1)
        spans = [e for e in rt.trace_json()["traceEvents"] if e.get("cat") == "dma"]
    finally:
        rt.trace_enable(False)
        rt.trace_clear()
    assert (dsts[0] == 5).all() and (dsts[1] == 6).all()
    a, b = sorted(spans, key=lambda e: e["ts"])
    assert b["ts"] < a["ts"] + a["dur"]  # the second started before the first ended
    assert a["tid"] != b["tid"]


def test_a_refused_async_copy_keeps_no_array_and_read_only_destinations_are_refused():
    S.reset()
    src = np.arange(64, dtype=np.int8)
    dst = np.zeros(64, np.int8)
    with pytest.raises(rt.HaloRuntimeError):
        S.async_dma_copy(dst, src, 16, event=12345)  # not an allocated event
    assert S._in_flight == {}
    ro = np.zeros(64, np.int8)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="dst is read-only"):
        S.dma_copy(ro, src, 16)
    assert not ro.any()


def test_the_bandwidth_model_slows_every_copy_and_reset_clears_it():
    src, dst = np.arange(50_000, dtype=np.uint8), np.zeros(50_000, np.uint8)
    S.set_bandwidth_model(100)  # 50 kB at 100 MB/s: at least 0.5 ms
    assert S.bandwidth_model() == 100
    rt.trace_clear()
    rt.trace_enable(True)
    try:
        S.dma_copy(dst, src, 50_000)
        e = S.alloc_events(1)
        S.async_dma_copy(dst, src, 50_000, event=e)
        S.free_events(e)
        spans = [ev["dur"] for ev in rt.trace_json()["traceEvents"] if ev.get("cat") == "dma"]
    finally:
        rt.trace_enable(False)
    assert len(spans) == 2 and min(spans) >= 500  # microseconds
    np.testing.assert_array_equal(dst, src)
    S.reset()
    assert S.bandwidth_model() == 0
