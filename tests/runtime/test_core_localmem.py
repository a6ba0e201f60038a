"""Local memory (locked cache and VTCM) through cffi: device capacities, exact accounting,
exhaustion and fragmentation messages, bad frees, device and capacity switching."""
import pytest
from hypothesis import given, settings, strategies as st

import halo.runtime as rt

KINDS = {"locked_cache": 0, "vtcm": 1}


@pytest.fixture(autouse=True)
def default_device():
    rt.set_device("SM8150")
    for kind in KINDS:
        rt.localmem_reset_high_water(kind)
    yield
    rt.set_device("SM8150")


def _alloc(kind, nbytes):
    return rt.lib.halo_localmem_alloc(rt.ffi.NULL, KINDS[kind], nbytes)


def _free(kind, ptr):
    rt.check(rt.lib.halo_localmem_free(rt.ffi.NULL, KINDS[kind], ptr))


@pytest.mark.parametrize("name,capacity", [("SM8150", 384 * 1024), ("SM8250", 768 * 1024),
                                           ("SM8350", 768 * 1024)])
def test_device_capacities(name, capacity):
    rt.set_device(name)
    assert rt.device() == name
    assert rt.localmem_capacity("locked_cache") == capacity
    assert rt.localmem_capacity("vtcm") == capacity


def test_default_device_is_sm8150_in_a_fresh_process():
    import subprocess
    import sys
    code = "import halo.runtime as rt; print(rt.device(), rt.localmem_capacity('vtcm'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "SM8150 393216\n"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_accounting_is_align_128(kind):
    ptrs = []
    expected = 0
    for nbytes in (1, 127, 128, 129, 1000, 4096):
        ptrs.append(_alloc(kind, nbytes))
        assert int(rt.ffi.cast("uintptr_t", ptrs[-1])) % 128 == 0
        expected += (nbytes + 127) // 128 * 128
        assert rt.localmem_in_use(kind) == expected
    assert expected == 128 + 128 + 128 + 256 + 1024 + 4096
    other = "vtcm" if kind == "locked_cache" else "locked_cache"
    assert rt.localmem_in_use(other) == 0
    for p in ptrs:
        _free(kind, p)
    assert rt.localmem_in_use(kind) == 0
    assert rt.localmem_high_water(kind) == expected
    rt.localmem_reset_high_water(kind)
    assert rt.localmem_high_water(kind) == 0


def test_exhaustion_names_request_use_and_capacity():
    p = _alloc("vtcm", 300000)
    assert p != rt.ffi.NULL
    q = _alloc("vtcm", 100000)
    assert q == rt.ffi.NULL
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.check(rt.lib.halo_last_error_code())
    assert e.value.code == -5
    assert e.value.message == ("halo_localmem_alloc: VTCM exhausted: requested 100000 bytes "
                               "(100096 aligned to 128), 300032 of 393216 bytes in use on SM8150")
    # what is left still fits exactly
    rest = _alloc("vtcm", 393216 - 300032)
    assert rest != rt.ffi.NULL
    assert rt.localmem_in_use("vtcm") == 393216
    _free("vtcm", rest)
    _free("vtcm", p)


def test_fragmentation_is_reported():
    rt.check(rt.lib.halo_localmem_set_capacity(KINDS["locked_cache"], 1024))
    a, b, c, d = (_alloc("locked_cache", 256) for _ in range(4))
    _free("locked_cache", a)
    _free("locked_cache", c)
    assert _alloc("locked_cache", 512) == rt.ffi.NULL
    assert rt.ffi.string(rt.lib.halo_last_error_message()).decode() == (
        "halo_localmem_alloc: locked cache fragmented: requested 512 bytes (512 aligned to 128), "
        "512 of 1024 bytes in use, largest free block 256 bytes on SM8150")
    _free("locked_cache", b)
    e = _alloc("locked_cache", 512)  # a and b merged: first fit lands at a
    assert e == a
    _free("locked_cache", e)
    _free("locked_cache", d)


def test_bad_frees_are_errors():
    p = _alloc("vtcm", 256)
    lib, ffi = rt.lib, rt.ffi
    assert lib.halo_localmem_free(ffi.NULL, KINDS["locked_cache"], p) == -6
    assert ffi.string(lib.halo_last_error_message()).decode() == (
        f"halo_localmem_free: 0x{int(ffi.cast('uintptr_t', p)):x} is not a live locked cache "
        "allocation")
    assert lib.halo_localmem_free(ffi.NULL, 1, ffi.cast("uint8_t *", p) + 128) == -6
    stack = ffi.new("char[]", 64)
    assert lib.halo_localmem_free(ffi.NULL, 1, stack) == -6
    assert lib.halo_localmem_free(ffi.NULL, 1, p) == 0
    assert lib.halo_localmem_free(ffi.NULL, 1, p) == -6
    assert lib.halo_localmem_free(ffi.NULL, 1, ffi.NULL) == 0
    assert lib.halo_localmem_free(ffi.NULL, 7, p) == -3
    assert rt.localmem_in_use("vtcm") == 0


def test_zero_bytes_and_unknown_kind_are_rejected():
    lib, ffi = rt.lib, rt.ffi
    assert lib.halo_localmem_alloc(ffi.NULL, 1, 0) == ffi.NULL
    assert ffi.string(lib.halo_last_error_message()) == \
        b"halo_localmem_alloc: zero-byte VTCM allocation"
    assert lib.halo_localmem_alloc(ffi.NULL, 2, 128) == ffi.NULL
    assert lib.halo_last_error_code() == -3
    assert lib.halo_localmem_capacity(2) == 0


def test_device_switch_refused_while_allocated():
    p = _alloc("locked_cache", 1000)
    with pytest.raises(rt.HaloRuntimeError) as e:
        rt.set_device("SM8350")
    assert e.value.message == ("halo_localmem_set_device(SM8350): local memory still allocated "
                               "(1024 bytes locked cache, 0 bytes VTCM)")
    assert rt.device() == "SM8150"
    _free("locked_cache", p)
    rt.set_device("SM8350")
    big = _alloc("locked_cache", 700 * 1024)
    assert big != rt.ffi.NULL
    _free("locked_cache", big)
    with pytest.raises(ValueError, match="device must be one of"):
        rt.set_device("SM9999")
    assert rt.lib.halo_localmem_set_device(9) == -3


def test_custom_capacity():
    rt.set_localmem_capacity("vtcm", 4096)
    assert rt.localmem_capacity("vtcm") == 4096
    assert rt.localmem_capacity("locked_cache") == 384 * 1024
    p = _alloc("vtcm", 4096)
    assert p != rt.ffi.NULL
    with pytest.raises(rt.HaloRuntimeError, match="VTCM still has 4096 bytes allocated"):
        rt.set_localmem_capacity("vtcm", 8192)
    _free("vtcm", p)
    with pytest.raises(rt.HaloRuntimeError, match="100 bytes is not a multiple of 128"):
        rt.set_localmem_capacity("vtcm", 100)
    rt.set_localmem_capacity("vtcm", 0)
    assert _alloc("vtcm", 1) == rt.ffi.NULL
    assert rt.lib.halo_last_error_code() == -5
    with pytest.raises(ValueError, match="local memory kind must be one of"):
        rt.localmem_in_use("l2")


def _first_fit(used, granules, need):
    """The granule a first-fit allocation of `need` granules starts at (a plain scan), or None."""
    run = 0
    for g in range(granules):
        run = 0 if used[g] else run + 1
        if run == need:
            return g - need + 1
    return None


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 24 * 128), st.integers(0, 1 << 30)), max_size=40))
def test_allocations_land_where_a_granule_scan_puts_them(steps):
    """Random allocations and frees in a 32-granule VTCM against a model that scans granule by
    granule: every address, every refusal and the bytes in use agree (the arena steps from
    run to run and joins free neighbours)."""
    granules = 32
    rt.check(rt.lib.halo_localmem_set_capacity(KINDS["vtcm"], granules * 128))
    try:
        used, live = [False] * granules, []
        base = None
        for alloc, nbytes, pick in steps:
            if alloc or not live:
                need = (nbytes + 127) // 128
                want = _first_fit(used, granules, need)
                p = _alloc("vtcm", nbytes)
                rt.lib.halo_clear_error()
                if want is None:
                    assert p == rt.ffi.NULL
                    continue
                at = int(rt.ffi.cast("uintptr_t", p))
                base = at - want * 128 if base is None else base
                assert at == base + want * 128
                used[want:want + need] = [True] * need
                live.append((p, want, need))
            else:
                p, g, need = live.pop(pick % len(live))
                _free("vtcm", p)
                used[g:g + need] = [False] * need
            assert rt.localmem_in_use("vtcm") == sum(used) * 128
    finally:
        for p, _, _ in live:
            _free("vtcm", p)
        rt.set_device("SM8150")
