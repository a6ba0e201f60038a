"""halo_do_par_for, semaphores and threads through cffi, with Python callbacks as tasks."""
import threading
import time

import pytest

import halo.runtime as rt

TASK = "int(void *, int, uint8_t *)"


@pytest.fixture
def threads4():
    previous = rt.set_num_threads(4)
    yield
    rt.set_num_threads(previous)


def test_set_num_threads_returns_previous():
    lib = rt.lib
    previous = lib.halo_set_num_threads(3)
    try:
        assert lib.halo_get_num_threads() == 3
        assert rt.set_num_threads(5) == 3
        assert lib.halo_get_num_threads() == 5
    finally:
        assert rt.set_num_threads(previous) == 5


def test_every_index_runs_once_on_several_threads(threads4):
    ffi, lib = rt.ffi, rt.lib
    hits = {}
    idents = set()
    lock = threading.Lock()

    @ffi.callback(TASK)
    def task(uc, i, closure):
        with lock:
            hits[i] = hits.get(i, 0) + 1
            idents.add(threading.get_ident())
        time.sleep(0.001)  # long enough that workers get a share
        return 0

    assert lib.halo_do_par_for(ffi.NULL, task, -5, 200, ffi.NULL) == 0
    assert hits == {i: 1 for i in range(-5, 195)}
    assert threading.get_ident() in idents  # the caller takes part
    assert len(idents) > 1


def test_nested_loops_complete(threads4):
    ffi, lib = rt.ffi, rt.lib
    hits = []
    lock = threading.Lock()

    @ffi.callback(TASK)
    def inner(uc, i, closure):
        with lock:
            hits.append(i)
        return 0

    @ffi.callback(TASK)
    def outer(uc, i, closure):
        return lib.halo_do_par_for(uc, inner, i * 50, 50, closure)

    assert lib.halo_do_par_for(ffi.NULL, outer, 0, 16, ffi.NULL) == 0
    assert sorted(hits) == list(range(800))


def test_failure_and_message_reach_the_caller(threads4):
    ffi, lib = rt.ffi, rt.lib

    @ffi.callback(TASK)
    def task(uc, i, closure):
        if i == 61:
            return lib.halo_error(uc, -402, b"row %d is bad", ffi.cast("int", i))
        return 0

    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(lib.halo_do_par_for(ffi.NULL, task, 0, 100, ffi.NULL))
    assert (e.value.code, e.value.message) == (-402, "row 61 is bad")


def test_serial_loop_stops_at_first_failure():
    ffi, lib = rt.ffi, rt.lib
    ran = []

    @ffi.callback(TASK)
    def task(uc, i, closure):
        ran.append(i)
        return -1 if i == 3 else 0

    previous = rt.set_num_threads(1)
    try:
        assert lib.halo_do_par_for(ffi.NULL, task, 0, 10, ffi.NULL) == -1
    finally:
        rt.set_num_threads(previous)
    assert ran == [0, 1, 2, 3]


def test_bad_loop_arguments():
    ffi, lib = rt.ffi, rt.lib
    assert lib.halo_do_par_for(ffi.NULL, ffi.NULL, 0, 3, ffi.NULL) == -3
    assert ffi.string(lib.halo_last_error_message()) == b"halo_do_par_for: null task"


def test_semaphore_blocks_until_released():
    ffi, lib = rt.ffi, rt.lib
    sem = ffi.new("halo_semaphore_t *")
    rt.check(lib.halo_semaphore_init(sem, 1))
    done = threading.Event()

    def waiter():
        assert lib.halo_semaphore_acquire(sem, 3) == 0
        done.set()

    t = threading.Thread(target=waiter)
    t.start()
    rt.check(lib.halo_semaphore_release(sem, 1))
    assert not done.wait(0.2)  # only 2 of 3 available: still blocked
    rt.check(lib.halo_semaphore_release(sem, 1))
    assert done.wait(10)
    t.join()
    assert not lib.halo_semaphore_try_acquire(sem, 1)
    rt.check(lib.halo_semaphore_release(sem, 2))
    assert lib.halo_semaphore_try_acquire(sem, 2)
    assert lib.halo_semaphore_release(sem, -2) == -3
    assert ffi.string(lib.halo_last_error_message()) == b"halo_semaphore_release: negative count -2"
    assert lib.halo_semaphore_init(ffi.NULL, 0) == -3
    rt.check(lib.halo_semaphore_destroy(sem))


def test_threads_return_results_and_messages():
    ffi, lib = rt.ffi, rt.lib
    seen = []

    @ffi.callback(TASK)
    def task(uc, index, closure):
        seen.append((index, threading.get_ident()))
        return ffi.cast("int *", closure)[0] * 2

    values = [ffi.new("int *", v) for v in (4, 5, 6)]
    handles = [ffi.new("halo_thread_t *") for _ in values]
    for h, v in zip(handles, values):
        rt.check(lib.halo_thread_start(h, ffi.NULL, task, ffi.cast("uint8_t *", v)))
    assert [lib.halo_thread_join(h) for h in handles] == [8, 10, 12]
    assert {index for index, _ in seen} == {0}
    assert threading.get_ident() not in {ident for _, ident in seen}
    assert lib.halo_thread_join(handles[0]) == -4  # joined already

    @ffi.callback(TASK)
    def failing(uc, index, closure):
        return lib.halo_error(uc, -401, b"producer failed")

    h = ffi.new("halo_thread_t *")
    rt.check(lib.halo_thread_start(h, ffi.NULL, failing, ffi.NULL))
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(lib.halo_thread_join(h))
    assert (e.value.code, e.value.message) == (-401, "producer failed")
