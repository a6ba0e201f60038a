"""Hexagon user DMA: exact descriptor words, copies against numpy, chains and write-back, every
validation rule with its syndrome and message, misuse sequences, the trace, and the C tests
under ASan+UBSan and TSan."""
import pathlib
import subprocess

import numpy as np
import pytest

import halo.runtime as rt
from halo.runtime import build, lib
from halo.runtime import user_dma as ud

C_DIR = pathlib.Path(__file__).parent / "c"


@pytest.fixture(autouse=True)
def clean_engines():
    ud.reset()
    yield
    ud.reset()


def _run_c(tmp_path, name, sanitize):
    exe = build.build_c_program([C_DIR / f"{name}.c"], tmp_path / name, sanitize=sanitize)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{name}: ok"
    assert "Sanitizer" not in proc.stderr


@pytest.mark.slow
def test_c_rules_under_asan_ubsan(tmp_path):
    _run_c(tmp_path, "user_dma_rules", "address,undefined")


@pytest.mark.slow
def test_c_concurrent_engines_under_tsan(tmp_path):
    _run_c(tmp_path, "user_dma_concurrent", "thread")


# ---- descriptor words ---------------------------------------------------------------------

def test_type0_words_are_bit_exact():
    words = ud.pack(next=0x12345670, length=0xABCDEF, srccomp=1, dstbypass=1, order=1,
                    src=0xDEADBEEF, dst=0x00C0FFEE)
    assert words == [0x12345670, 0x58ABCDEF, 0xDEADBEEF, 0x00C0FFEE]
    assert ud.pack(done=1, srcbypass=1, dstcomp=1) == [0, 0xA4000000, 0, 0]


def test_type1_words_are_bit_exact():
    words = ud.pack(desctype=1, done=1, src_upper=0x12, dst_upper=0x34, wr_alloc=1, rd_alloc=5,
                    transform=3, roiwidth=0x140, roiheight=0xF0, srcstride=0x200,
                    dststride=0x180, srcwidthoffset=0x11, dstwidthoffset=0x22)
    assert words == [0, 0x81000000, 0, 0, 0x3B341200, 0x00F00140, 0x01800200, 0x00220011]


def test_unpack_reads_every_field():
    fields = ud.unpack([0x40, 0x7F000010, 1, 2, 0x0000000A, 0x00030004, 0x00060005, 0])
    assert fields["next"] == 0x40 and fields["length"] == 0x10 and fields["desctype"] == 3
    assert [fields[k] for k in ("dstcomp", "srccomp", "dstbypass", "srcbypass", "order",
                                "done")] == [1, 1, 1, 1, 1, 0]
    assert (fields["subtype"], fields["roiwidth"], fields["roiheight"]) == (10, 4, 3)
    assert (fields["srcstride"], fields["dststride"]) == (5, 6)


@pytest.mark.parametrize("field,value,bits", [("length", 1 << 24, 24), ("desctype", 4, 2),
                                              ("done", 2, 1), ("roiheight", 1 << 16, 16),
                                              ("rd_alloc", 8, 3)])
def test_pack_rejects_values_wider_than_their_field(field, value, bits):
    with pytest.raises(rt.HaloRuntimeError) as e:
        ud.pack(nwords=8, **{field: value})
    assert e.value.code == lib.halo_udma_error_field_range
    assert f"field {field} = {value} does not fit in {bits} bits" in e.value.message


# ---- copies -------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,dtype,src_pitch,dst_pitch", [
    ((5, 7), np.uint8, 7, 9), ((64, 100), np.uint16, 128, 100), ((3, 70000), np.uint8, 70001, 70000),
    ((70000, 2), np.int32, 3, 2), ((1, 200000), np.uint8, 200000, 200000),
])
def test_copy_2d_matches_numpy(shape, dtype, src_pitch, dst_pitch):
    rng = np.random.default_rng(1)
    h, w = shape
    src_full = rng.integers(0, 100, size=(h, src_pitch)).astype(dtype)
    dst_full = np.zeros((h, dst_pitch), dtype)
    src, dst = src_full[:, :w], dst_full[:, :w]
    ud.copy_2d(dst, src, engine=3)
    np.testing.assert_array_equal(dst, src)
    assert not dst_full[:, w:].any()


def test_chain_runs_in_order():
    src = np.arange(4096, dtype=np.uint32).astype(np.uint8)
    dst = np.zeros(4096, np.uint8)
    with ud.Mapping(src) as s, ud.Mapping(dst) as d, ud.Descriptors(3) as descs:
        # descriptors 0 and 1 write the same bytes: the later one in the chain must win
        descs.set(0, next=descs.va(1), desctype=1, src=s.va, dst=d.va, roiwidth=16,
                  roiheight=4, srcstride=32, dststride=16)
        descs.set(1, next=descs.va(2), desctype=1, src=s.va_of(1000), dst=d.va, roiwidth=8,
                  roiheight=1, srcstride=8, dststride=8)
        descs.set(2, desctype=1, src=s.va_of(2000), dst=d.va_of(3000), roiwidth=100,
                  roiheight=1, srcstride=0, dststride=0)
        engine = ud.Engine(5)
        engine.start(descs.va(0))
        assert engine.wait() == 0
        expect = np.zeros(4096, np.uint8)
        expect[:64] = src[:128].reshape(4, 32)[:, :16].ravel()
        expect[:8] = src[1000:1008]
        expect[3000:3100] = src[2000:2100]
        np.testing.assert_array_equal(dst, expect)
        assert [int(w[1]) >> 31 for w in descs.words] == [1, 1, 1]


def test_stride_zero_means_65536():
    src = (np.arange(65536 * 2 + 64) % 251).astype(np.uint8)
    dst = np.zeros(65536 * 2 + 72, np.uint8)
    with ud.Mapping(src) as s, ud.Mapping(dst) as d, ud.Descriptors(1) as descs:
        descs.set(0, desctype=1, src=s.va, dst=d.va_of(8), roiwidth=64, roiheight=3,
                  srcstride=0, dststride=0)
        ud.Engine(0).start(descs.va(0))
        assert ud.Engine(0).wait() == 0
        for r in range(3):
            np.testing.assert_array_equal(dst[8 + 65536 * r:8 + 65536 * r + 64],
                                          src[65536 * r:65536 * r + 64])
        assert descs.words[0].tolist() == [0, 0x81000000, s.va, d.va + 8, 0, 0, 0, 0]


def test_write_back_of_both_types():
    src = np.arange(256, dtype=np.uint8)
    dst = np.zeros(256, np.uint8)
    with ud.Mapping(src) as s, ud.Mapping(dst) as d, ud.Descriptors(2) as descs:
        descs.set(0, next=descs.va(1), desctype=1, order=1, src=s.va, dst=d.va, roiwidth=4,
                  roiheight=2, srcstride=8, dststride=4, wr_alloc=1)
        descs.words[1, :4] = ud.pack(length=100, src=s.va_of(100), dst=d.va_of(100))
        ud.Engine(1).start(descs.va(0))
        ud.Engine(1).wait()
        assert descs.words[0].tolist() == [descs.va(1), 0xC1000000, s.va, d.va, 0x01000000, 0,
                                           0x00040008, 0]
        assert descs.words[1, :4].tolist() == [0, 0x80000000, s.va + 100, d.va + 100]
        np.testing.assert_array_equal(dst[:8], [0, 1, 2, 3, 8, 9, 10, 11])
        np.testing.assert_array_equal(dst[100:200], src[100:200])


def test_transfers_are_traced():
    rt.trace_clear()
    rt.trace_enable(True)
    try:
        src = np.ones((4, 16), np.uint8)
        dst = np.zeros((4, 16), np.uint8)
        ud.copy_2d(dst, src, engine=2)
        spans = [e for e in rt.trace_json()["traceEvents"] if e.get("cat") == "dma"]
        assert len(spans) == 1
        assert spans[0]["name"] == "udma type1 2-D"
        assert spans[0]["args"]["bytes"] == 64
        tracks = {e["tid"]: e["args"]["name"] for e in rt.trace_json()["traceEvents"]
                  if e["name"] == "thread_name"}
        assert tracks[spans[0]["tid"]] == "user DMA engine 2"
    finally:
        rt.trace_enable(False)
        rt.trace_clear()


# ---- rules: each broken once ----------------------------------------------------------------

def _aligned(n, alignment):
    raw = np.zeros(n + alignment, np.uint8)
    skip = -raw.ctypes.data % alignment
    return raw[skip:skip + n]


OK0 = dict(length=64)
OK1 = dict(desctype=1, roiwidth=64, roiheight=4, srcstride=64, dststride=64)
RULES = [
    # (name, fields, code, syndrome, message fragment)
    ("desctype", dict(OK0, desctype=2), "type", 2, "has desctype 2 (0 = 1-D, 1 = 2-D)"),
    ("subtype", dict(OK1, subtype=8), "type", 2, "2-D sub-type 8; only 0"),
    ("done set", dict(OK0, done=1), "roi", 6, "already has its done bit set"),
    ("width > srcstride", dict(OK1, srcstride=32, roiwidth=33), "roi", 6,
     "roiwidth 33 exceeds srcstride 32"),
    ("width > dststride", dict(OK1, dststride=16), "roi", 6, "dststride 16"),
    ("width offsets", dict(OK1, srcwidthoffset=2), "roi", 6, "width offsets 2 / 0 must be 0"),
    ("dlbc without bypass", dict(OK0, dstcomp=1), "bypass", 4,
     "dst DLBC compression requires dst bypass"),
    ("dlbc granule", dict(OK0, srccomp=1, srcbypass=1), "comp", 5, "multiple of 256 bytes"),
    ("dlbc disabled", dict(OK0, length=256, srccomp=1, srcbypass=1), "comp", 5,
     "DLBC enable = 0"),
]


@pytest.mark.parametrize("name,fields,code,syndrome,fragment", RULES, ids=[r[0] for r in RULES])
def test_rule_breaks_with_syndrome(name, fields, code, syndrome, fragment):
    src, dst = _aligned(1024, 256), _aligned(1024, 256)
    with ud.Mapping(src) as s, ud.Mapping(dst) as d, ud.Descriptors(1) as descs:
        desc = ud.pack(nwords=8, src=s.va, dst=d.va, **fields)
        descs.words[0] = desc
        engine = ud.Engine(4)
        engine.start(descs.va(0))
        with pytest.raises(rt.HaloRuntimeError) as e:
            engine.wait()
        assert e.value.code == getattr(lib, f"halo_udma_error_{code}")
        assert fragment in e.value.message
        assert f"syndrome {syndrome}: {ud.SYNDROMES[syndrome]}" in e.value.message
        assert engine.syndrome() == (1 | 4 << 4 | syndrome << 8, descs.va(0))
        assert not dst.any()
        assert engine.pause() == descs.va(0) | 2
        assert engine.poll() == 0


def test_misaligned_type1_descriptor():
    with ud.Descriptors(2) as descs:
        descs.words[0, 4:] = descs.words[1, :4] = 0
        descs.words.ravel()[4:12] = ud.pack(desctype=1)
        engine = ud.Engine(0)
        engine.start(descs.va(0) + 16)
        with pytest.raises(rt.HaloRuntimeError, match="not 32-byte aligned") as e:
            engine.wait()
        assert e.value.code == lib.halo_udma_error_alignment


def test_unmapped_and_rolling_over_addresses():
    src = np.zeros(64, np.uint8)
    with ud.Mapping(src) as s, ud.Descriptors(1, desctype=0) as descs:
        engine = ud.Engine(0)
        descs.set(0, length=64, src=s.va, dst=0x200)
        engine.start(descs.va(0))
        with pytest.raises(rt.HaloRuntimeError, match="dst range 0x200 \\+ 64 bytes is not mapped"):
            engine.wait()
        assert engine.syndrome() == (1 | 3 << 8, 0x200)
        engine.pause()
        descs.set(0, length=0x100, src=0xFFFFFFF0, dst=s.va)
        engine.start(descs.va(0))
        with pytest.raises(rt.HaloRuntimeError, match="src addresses roll over 32 bits"):
            engine.wait()
        engine.pause()
        engine.start(0x4000)
        with pytest.raises(rt.HaloRuntimeError, match="descriptor 0x4000 is not in mapped memory") as e:
            engine.wait()
        assert e.value.code == lib.halo_udma_error_bus_descriptor


# ---- misuse -------------------------------------------------------------------------------

def test_engine_index_is_checked():
    with pytest.raises(rt.HaloRuntimeError, match="user DMA engine 8 does not exist") as e:
        ud.Engine(8).poll()
    assert e.value.code == lib.halo_udma_error_bad_engine


def test_error_state_ignores_commands_until_pause():
    engine = ud.Engine(6)
    engine.start(0x4000)  # unmapped: the engine stops in ERROR
    with pytest.raises(rt.HaloRuntimeError):
        engine.wait()
    for command in (lambda: engine.start(0x4000), lambda: engine.link(0, 0x4000),
                    lambda: engine.resume(0x4000)):
        with pytest.raises(rt.HaloRuntimeError, match="ignored .* ERROR state .* dmpause") as e:
            command()
        assert e.value.code == lib.halo_udma_error_in_error_state
    assert engine.pause() == 0x4000 | 2
    assert engine.wait() == 0


def test_mapping_misuse():
    a = np.zeros(100, np.uint8)
    with ud.Mapping(a):
        with pytest.raises(rt.HaloRuntimeError, match="overlaps the mapping"):
            ud.Mapping(a[10:20])
    with pytest.raises(rt.HaloRuntimeError, match="was not mapped"):
        rt.check(lib.halo_udma_unmap(rt.ffi.cast("void *", a.ctypes.data)))
    with pytest.raises(ValueError, match="2-D arrays of one shape and dtype"):
        ud.copy_2d(np.zeros((2, 3)), np.zeros((3, 2)))


def test_copy_2d_needs_enough_descriptors():
    with pytest.raises(rt.HaloRuntimeError, match="row width 65 exceeds src stride 64") as e:
        rt.check(lib.halo_udma_copy_2d_descriptors(65, 2, 64, 65))
    assert e.value.code == lib.halo_udma_error_copy_args
