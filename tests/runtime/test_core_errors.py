"""Errors through cffi: halo_error's formatting, the per-thread last message, names, and
halo.runtime.check / HaloRuntimeError."""
import threading

import pytest

import halo.runtime as rt


def _error(code, fmt, *args):
    return rt.lib.halo_error(rt.ffi.NULL, code, fmt, *args)


def test_error_records_message_and_code():
    ffi, lib = rt.ffi, rt.lib
    lib.halo_clear_error()
    assert ffi.string(lib.halo_last_error_message()) == b""
    assert lib.halo_last_error_code() == 0
    rc = _error(-402, b"%s=%d %u %ld %lu %lld %llu %zu %x %c %% %i",
                ffi.new("char[]", b"tile"), ffi.cast("int", -3), ffi.cast("unsigned", 7),
                ffi.cast("long", -8), ffi.cast("unsigned long", 9), ffi.cast("long long", -10),
                ffi.cast("unsigned long long", 11), ffi.cast("size_t", 12),
                ffi.cast("unsigned", 255), ffi.cast("int", ord("q")), ffi.cast("int", 13))
    assert rc == -402
    assert ffi.string(lib.halo_last_error_message()) == b"tile=-3 7 -8 9 -10 11 12 ff q % 13"
    assert lib.halo_last_error_code() == -402
    lib.halo_clear_error()
    assert ffi.string(lib.halo_last_error_message()) == b""


def test_messages_are_per_thread():
    ffi, lib = rt.ffi, rt.lib
    _error(-3, b"main thread")
    seen = []

    def other():
        seen.append(ffi.string(lib.halo_last_error_message()))
        _error(-4, b"other thread")
        seen.append(ffi.string(lib.halo_last_error_message()))

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [b"", b"other thread"]
    assert ffi.string(lib.halo_last_error_message()) == b"main thread"
    assert lib.halo_last_error_code() == -3


def test_long_messages_are_truncated_to_1023_chars():
    ffi, lib = rt.ffi, rt.lib
    _error(-1, b"%s", ffi.new("char[]", b"x" * 5000))
    assert ffi.string(lib.halo_last_error_message()) == b"x" * 1023


@pytest.mark.parametrize("code,name", [
    (0, "halo_success"), (-1, "halo_error_generic"), (-2, "halo_error_out_of_memory"),
    (-3, "halo_error_bad_argument"), (-4, "halo_error_bad_state"),
    (-5, "halo_error_localmem_exhausted"), (-6, "halo_error_bad_free"), (-7, "halo_error_thread"),
    (-8, "halo_error_trace"), (-400, "halo_error_buffer_too_small"),
    (-401, "halo_error_bad_buffer"), (-402, "halo_error_bad_param"),
    (-403, "halo_error_split_too_small"), (-404, "halo_error_specialize_fail"), (-150, "halo_error_ubwcdma"),
    (-299, "halo_error_user_dma"), (-300, "halo_error_compass_dma"),
    (-499, "halo_error_pipeline"), (-9, "halo_error_unknown"), (5, "halo_error_unknown"),
])
def test_error_names(code, name):
    assert rt.ffi.string(rt.lib.halo_error_name(code)).decode() == name


def test_check_raises_with_the_message_and_clears_it():
    assert rt.check(0) == 0
    rc = _error(-5, b"need %d bytes", rt.ffi.cast("int", 4096))
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(rc)
    assert (e.value.code, e.value.message, e.value.name) == (
        -5, "need 4096 bytes", "halo_error_localmem_exhausted")
    assert str(e.value) == "halo_error_localmem_exhausted (-5): need 4096 bytes"
    assert rt.lib.halo_last_error_code() == 0


def test_check_never_reports_a_stale_message():
    _error(-3, b"an older failure")
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(-401)
    assert (e.value.code, e.value.message) == (-401, "halo_error_bad_buffer")


def test_snprintf_truncates_and_returns_full_length():
    ffi, lib = rt.ffi, rt.lib
    buf = ffi.new("char[]", 6)
    assert lib.halo_snprintf(buf, 6, b"[%05d|%-3s]", ffi.cast("int", -42),
                             ffi.new("char[]", b"ab")) == 11
    assert ffi.string(buf) == b"[-004"
