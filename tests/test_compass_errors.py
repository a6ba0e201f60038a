"""Compass kernels that break a rule: each is refused with a message that names the kernel, the
line, the buffers or events and the rule (checked by exact fragments), when it is decorated or,
where the rule needs the call's scalars, when it is called. Nothing here compiles C except the
last test (marked slow), which checks the generated code's own run-time check."""
import inspect
import warnings

import numpy as np
import pytest

import halo.compass as S
from halo.errors import DataHazardError, HaloRuntimeError, HaloWarning, KernelError

T = 16


def line_of(fn, text):
    """The absolute source line of the first line of `fn` containing `text`."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, l in enumerate(lines) if text in l)


def refused(fn, error=KernelError):
    with pytest.raises(error) as info:
        S.prim_func(fn)
    return str(info.value)


# ---- dtypes and scopes ----

def test_dtype_mismatch():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int16", scope="lsram")
        S.dma_copy(buf, a, T)
    msg = refused(k)
    assert f"prim_func k ({__file__}:{line_of(k, 'S.dma_copy')})" in msg
    assert 'S.dma_copy(dst=buf, src=a): The data type mismatch: "dst" buf is "int16*" vs. "src" a is "int32*".' in msg
    assert "(rule: dst and src have the same dtype)" in msg


@pytest.mark.parametrize("dst_scope,src_scope", [("lsram", "shared"), ("shared", "lsram"), ("lsram", "lsram"),
                                                 ("shared", "shared")])
def test_forbidden_scope_pairs(dst_scope, src_scope):
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope=dst_scope)
        y = S.alloc_buffer((T,), "int8", scope=src_scope)
        S.dma_copy(x, y, T)
    msg = refused(k)
    assert f'Does not support copy data from scope "{src_scope}" (y) to scope "{dst_scope}" (x).' in msg
    assert "rule: no copy between lsram / shared and lsram / shared" in msg


def test_constant_pointer_is_no_operand():
    def k(a: S.ptr("int8", "constant")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.dma_copy(x, a, T)
    assert 'the scope of "src" a can not be "constant"' in refused(k)


def test_unknown_dtype():
    with pytest.raises(KernelError, match=r"S.ptr: dtype 'int64' is not one of the DSL's int8, uint8"):
        S.ptr("int64", "global")


def test_alloc_buffer_scope():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="global")
    assert "S.alloc_buffer x: scope 'global' is not one of lsram, shared" in refused(k)


# ---- width, stride, times, bounds ----

def test_negative_width():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.dma_copy(x, a, -1)
    assert "width -1 and times 1 must not be negative (rule: width >= 0 and times >= 0)" in refused(k)


def test_src_stride_below_width():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.dma_copy(x, a, 8, src_stride=4, times=2)
    assert "src_stride 4 and dst_stride 8 must be at least width 8 (rule: src_stride >= width" in refused(k)


def test_dst_stride_below_width():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.async_dma_copy(x, a, 4, dst_stride=3, times=2, event=e)
    # the event is checked first: it does not exist yet
    assert "e is not an event here" in refused(k)

    def k2(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        e = S.alloc_events(1)
        S.async_dma_copy(x, a, 4, dst_stride=3, times=2, event=e)
        S.free_events(e)
    assert "S.async_dma_copy(dst=x, src=a): src_stride 4 and dst_stride 3 must be at least width 4" in refused(k2)


def test_copy_past_the_destination():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.dma_copy(x, a, 8, times=3)
    msg = refused(k)
    assert "the dst side covers elements 0 .. 23 of x, which has 16 elements" in msg
    assert "(rule: a copy stays inside its buffers" in msg


def test_strided_copy_past_the_source_view():
    def k(a: S.ptr("int8", "global")):
        src = S.match_buffer(a, (30,))
        x = S.alloc_buffer((24,), "int8", scope="lsram")
        S.dma_copy(x, src, width=5, src_stride=8, times=4, dst_stride=6)
    S.prim_func(k)  # 3 * 8 + 5 = 29 elements of 30: inside

    def k2(a: S.ptr("int8", "global")):
        src = S.match_buffer(a, (28,))
        x = S.alloc_buffer((24,), "int8", scope="lsram")
        S.dma_copy(x, src, width=5, src_stride=8, times=4, dst_stride=6)
    assert "the src side covers elements 0 .. 28 of src, which has 28 elements" in refused(k2)


def test_copy_past_the_end_in_a_later_iteration():
    def k(a: S.ptr("int8", "global")):
        src = S.match_buffer(a, (64,))
        x = S.alloc_buffer((16,), "int8", scope="lsram")
        for t in range(5):
            S.dma_copy(x, src[t * 16:], 16)
    msg = refused(k)
    assert f"({__file__}:{line_of(k, 'S.dma_copy')})" in msg
    assert "S.dma_copy(dst=x, src=src + (t * 16)): the src side covers elements 64 .. 79 of src, which has 64" in msg


def test_bounds_that_need_the_calls_scalars_are_checked_at_the_call():
    def k(a: S.ptr("int8", "global"), n: S.i32):
        src = S.match_buffer(a, (64,))
        x = S.alloc_buffer((16,), "int8", scope="lsram")
        for t in range(n):
            S.dma_copy(x, src[t * 16:], 16)
    kernel = S.prim_func(k)  # n is not known yet
    with pytest.raises(KernelError, match=r"the src side covers elements 64 \.\. 79 of src, which has 64 elements"):
        kernel.interpret(np.zeros(64, np.int8), 5)
    kernel.interpret(np.zeros(64, np.int8), 4)


def test_async_copy_needs_an_event():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        S.async_dma_copy(x, a, T)
    assert 'S.async_dma_copy: The arg "event" must be provided.' in refused(k)


def test_sync_copy_takes_no_event():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        e = S.alloc_events(1)
        S.dma_copy(x, a, T, event=e)
    assert "S.dma_copy is synchronous and takes no event" in refused(k)


# ---- events ----

def test_more_events_than_the_target_has():
    def k(a: S.ptr("int8", "global")):
        e0, e1, e2, e3, e4 = S.alloc_events(5)
    assert "S.alloc_events(5) for e0, e1, e2, e3, e4: Only remain 4 events, but allocate 5. (rule: the " \
           "Compass target has 4 events" in refused(k)


def test_events_run_out_over_two_allocations():
    def k(a: S.ptr("int8", "global")):
        e0, e1, e2 = S.alloc_events(3)
        e3, e4 = S.alloc_events(2)
    assert "Only remain 1 events, but allocate 2." in refused(k)


def test_events_allocated_in_a_loop_and_never_freed_run_out():
    def k(a: S.ptr("int8", "global")):
        for i in range(5):
            e = S.alloc_events(1)
    assert "S.alloc_events(1) for e: Only remain 0 events, but allocate 1." in refused(k)


def test_event_used_before_it_is_allocated():
    def k(a: S.ptr("int8", "global")):
        S.wait_events(ev0)
    assert "ev0 is not an event here: it is used before S.alloc_events gave it (rule: events come from " \
           "S.alloc_events before they are used)" in refused(k)


def test_event_allocated_on_one_path_only():
    def k(a: S.ptr("int8", "global"), n: S.i32):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        if a[0] > 0:
            e = S.alloc_events(1)
        S.async_dma_copy(x, a, T, event=e)
        S.free_events(e)
    msg = refused(k)
    assert "S.async_dma_copy(dst=x, src=a) uses event e before S.alloc_events on some path" in msg


def test_event_used_after_it_is_freed():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        e = S.alloc_events(1)
        S.free_events(e)
        S.async_dma_copy(x, a, T, event=e)
    msg = refused(k)
    assert f"uses event e after S.free_events at line {line_of(k, 'S.free_events')}: The released event can " \
           "not be used anymore." in msg


@pytest.mark.filterwarnings("ignore::halo.errors.HaloWarning")
def test_wait_after_free():
    def k(a: S.ptr("int8", "global")):
        e = S.alloc_events(1)
        S.free_events(e)
        S.wait_events(e)
    assert "S.wait_events(e) uses event e after S.free_events" in refused(k)


def test_event_freed_twice():
    def k(a: S.ptr("int8", "global")):
        e = S.alloc_events(1)
        S.free_events(e)
        S.free_events(e)
    assert f"S.free_events(e) frees event e, which S.free_events at line {line_of(k, 'S.free_events')} already " \
           "freed on some path (rule: an event is freed once)" in refused(k)


def test_event_listed_twice_in_one_free():
    def k(a: S.ptr("int8", "global")):
        e0, e1 = S.alloc_events(2)
        S.free_events(e0, e1, e0)
    assert "S.free_events(e0, e1, e0) lists event e0 twice" in refused(k)


def test_alloc_events_unpacked_into_the_wrong_count():
    def k(a: S.ptr("int8", "global")):
        e0 = S.alloc_events(2)
    assert "S.alloc_events(2) gives a tuple of 2 events: unpack it into as many names" in refused(k)


def test_event_never_freed_is_a_warning():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        e = S.alloc_events(1)
        S.async_dma_copy(x, a, T, event=e)
        S.wait_events(e)
    with pytest.warns(HaloWarning) as record:
        S.prim_func(k)
    assert [str(w.message) for w in record] == [
        f"prim_func k ({__file__}:{line_of(k, 'S.alloc_events')}): event e is never freed on some path (rule: "
        "S.free_events every event S.alloc_events gave; halo frees it when the kernel returns)"]


def test_waiting_on_an_event_no_copy_uses_is_a_warning():
    def k(a: S.ptr("int8", "global")):
        x = S.alloc_buffer((T,), "int8", scope="lsram")
        e0, e1 = S.alloc_events(2)
        S.async_dma_copy(x, a, T, event=e0)
        S.wait_events(e0, e1)
        S.free_events(e0, e1)
    with pytest.warns(HaloWarning) as record:
        S.prim_func(k)
    assert [str(w.message).split(": ", 1)[1] for w in record] == [
        "S.wait_events(e0, e1) waits on e1, but no S.async_dma_copy is bound to e1 (rule: wait on the events of "
        "the copies you started)"]


# ---- data hazards ----

def test_reading_the_destination_before_the_wait():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf, a, T, event=ev)
        a[0] = buf[3]
        S.wait_events(ev)
        S.free_events(ev)
    msg = refused(k, DataHazardError)
    copy, access = line_of(k, "S.async_dma_copy"), line_of(k, "a[0] = buf[3]")
    assert f"prim_func k ({__file__}:{access}): data hazard: line {access} (a[0] = buf[3]) reads buf[3] while " \
           f"S.async_dma_copy(dst=buf, src=a) started at line {copy} on event ev may still be writing buf[0..15]; " \
           f"missing S.wait_events(ev) between line {copy} and line {access} (rule: no reading its destination " \
           "before the event of an S.async_dma_copy is waited on)" in msg


def test_writing_the_source_before_the_wait():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(a, buf, T, event=ev)
        for i in range(T):
            buf[i] = 0
        S.free_events(ev)
    msg = refused(k, DataHazardError)
    assert "writes buf[0..15] while S.async_dma_copy(dst=a, src=buf)" in msg
    assert "may still be reading buf[0..15]; missing S.wait_events(ev)" in msg
    assert "(rule: no writing its source before the event" in msg


def test_writing_the_destination_before_the_wait():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf, a, T, event=ev)
        buf[15] = 1
        S.free_events(ev)
    assert "writes buf[15] while S.async_dma_copy(dst=buf, src=a)" in refused(k, DataHazardError)


def test_a_synchronous_copy_reading_an_async_destination():
    def k(a: S.ptr("int32", "global"), b: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf[8:], a, 8, event=ev)
        S.dma_copy(b, buf[4:], 8)
        S.free_events(ev)
    msg = refused(k, DataHazardError)
    assert "S.dma_copy(dst=b, src=buf + 4) reads buf[4..11] while S.async_dma_copy(dst=buf + 8, src=a)" in msg


def test_disjoint_halves_and_the_gaps_of_a_strided_copy_are_no_hazard():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((2 * T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf, a, 4, dst_stride=8, times=2, event=ev)
        buf[4] = 1
        buf[T] = buf[T + 1]
        S.free_events(ev)
    S.prim_func(k)


def test_hazard_across_iterations_of_a_ping_pong_loop():
    def k(a: S.ptr("int32", "global")):
        src = S.match_buffer(a, (4 * T,))
        buf = S.alloc_buffer((2 * T,), "int32", scope="lsram")
        ev0, ev1 = S.alloc_events(2)
        S.async_dma_copy(buf, src, T, event=ev0)
        for t in range(4):
            if t < 3:
                S.async_dma_copy(buf[((t + 1) % 2) * T:], src[(t + 1) * T:], T, event=ev1)
            S.wait_events(ev0)  # always ev0: the copies on ev1 are never waited for
            for i in range(T):
                src[t * T + i] = buf[(t % 2) * T + i]
        S.free_events(ev0, ev1)
    msg = refused(k, DataHazardError)
    loop, copy = line_of(k, "for t in range"), line_of(k, "event=ev1")
    # the copy of iteration 1 is complete when iteration 2 starts the next on ev1; the last one is not
    assert f"reads buf[16..31] while S.async_dma_copy(dst=buf + (((t + 1) % 2) * 16), src=src + ((t * 16) + 16)) " \
           f"started at line {copy} in iteration t = 2 of the loop at line {loop} (the access is in iteration " \
           f"t = 3) on event ev1 may still be writing buf[16..31]; missing S.wait_events(ev1)" in msg


def test_hazard_found_only_in_a_later_iteration():
    def k(a: S.ptr("int32", "global")):
        src = S.match_buffer(a, (4 * T,))
        buf = S.alloc_buffer((2 * T,), "int32", scope="lsram")
        ev0, ev1 = S.alloc_events(2)
        for t in range(4):
            if t % 2 == 0:
                S.async_dma_copy(buf, src[t * T:], T, event=ev0)
            else:
                S.async_dma_copy(buf[T:], src[t * T:], T, event=ev1)
            S.wait_events(ev0)
            if t > 1:
                src[0] = buf[T]
        S.free_events(ev0, ev1)
    msg = refused(k, DataHazardError)
    loop, copy = line_of(k, "for t in range"), line_of(k, "event=ev1")
    assert f"reads buf[16] while S.async_dma_copy(dst=buf + 16, src=src + (t * 16)) started at line {copy} in " \
           f"iteration t = 1 of the loop at line {loop} (the access is in iteration t = 2) on event ev1" in msg


def test_a_wait_on_one_branch_only_leaves_the_other_path_hazardous():
    def k(a: S.ptr("int32", "global"), b: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf, a, T, event=ev)
        if b[0] > 0:
            S.wait_events(ev)
        b[1] = buf[0]
        S.free_events(ev)
    assert "reads buf[0] while S.async_dma_copy(dst=buf, src=a)" in refused(k, DataHazardError)


def test_returning_before_a_copy_into_the_callers_array_is_waited_for():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(a, buf, T, event=ev)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HaloWarning)
        msg = refused(k, DataHazardError)
    assert "the kernel returns while S.async_dma_copy(dst=a, src=buf) (event ev) may still be writing a, the " \
           "caller's array; add S.wait_events(ev) before the end of the kernel" in msg


def test_the_next_copy_on_the_same_event_waits_for_the_previous_one():
    def k(a: S.ptr("int32", "global")):
        buf = S.alloc_buffer((T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf, a, T, event=ev)
        S.async_dma_copy(a, buf, T, event=ev)  # starts once the first is done: it reads buf safely
        S.free_events(ev)
    S.prim_func(k)


# ---- the language ----

def test_unsupported_statement():
    def k(a: S.ptr("int8", "global")):
        while a[0] > 0:
            a[0] = a[0] - 1
    assert "While statements are not part of the DSL" in refused(k)


def test_store_of_another_type_needs_a_cast():
    def k(a: S.ptr("int8", "global"), n: S.i32):
        a[0] = a[1] * n
    assert "a[0] holds int8, but the value is int32: convert it with S.cast(value, 'int8')" in refused(k)


def test_dsl_calls_outside_a_kernel():
    with pytest.raises(KernelError, match="S.dma_copy has a meaning only inside an @S.prim_func kernel"):
        S.dma_copy(None, None, 1)


def test_wrong_array_dtype_at_the_call():
    def k(a: S.ptr("int8", "global")):
        a[0] = 1
    kernel = S.prim_func(k)
    with pytest.raises(KernelError, match=r"argument a must be a writeable C-contiguous numpy array of int8 "
                                          r"\(S.ptr\('int8', 'global'\)\), not int16 array"):
        kernel.interpret(np.zeros(4, np.int16))


@pytest.mark.slow
def test_the_generated_code_checks_what_only_the_run_knows():
    def k(a: S.ptr("int8", "global"), b: S.ptr("int8", "global")):
        src = S.match_buffer(a, (64,))
        x = S.alloc_buffer((16,), "int8", scope="lsram")
        S.dma_copy(x, src[a[0]:], 16)  # the offset is data: no walk can know it
        S.dma_copy(b, x, 16)
    kernel = S.prim_func(k)
    a, b = np.arange(64, dtype=np.int8), np.zeros(16, np.int8)
    a[0] = 40
    kernel(a, b)
    np.testing.assert_array_equal(b, a[40:56])
    a[0] = 50
    with pytest.raises(HaloRuntimeError) as info:
        kernel(a, b)
    line = line_of(k, "src[a[0]:]")
    assert f"prim_func k ({__file__}:{line}): S.dma_copy(dst=x, src=src + int32(a[0])): the src side covers " \
           "elements 50 .. 65 of src, which has 64 elements (rule: a copy stays inside its buffers" in info.value.message
    with pytest.raises(HaloRuntimeError, match=r"the src side covers elements 50 \.\. 65 of src, which has 64"):
        kernel.interpret(a, b)


def test_names_in_the_runtimes_namespace_are_refused():
    def k(a: S.ptr("int8", "global")):
        halo_code = 1
        a[0] = halo_code
    assert "kernel local 'halo_code': names starting with halo_ or _halo are the runtime's; rename it" in refused(k)


def test_a_hazard_that_depends_on_a_scalar_offset_is_decided_at_the_call():
    def k(a: S.ptr("int32", "global"), b: S.ptr("int32", "global"), off: S.i32):
        buf = S.alloc_buffer((2 * T,), "int32", scope="lsram")
        ev = S.alloc_events(1)
        S.async_dma_copy(buf[off:], a, 4, event=ev)
        b[0] = buf[0]
        S.free_events(ev)
    kernel = S.prim_func(k)
    a, b = np.arange(1, T + 1, dtype=np.int32), np.full(1, 5, np.int32)
    kernel.interpret(a, b, 8)  # the copy lands in buf[8..11]: buf[0] is not being written
    assert b[0] == 0
    with pytest.raises(DataHazardError, match=r"reads buf\[0\] while S.async_dma_copy\(dst=buf \+ off, src=a\)"):
        kernel.interpret(a, b, 0)
