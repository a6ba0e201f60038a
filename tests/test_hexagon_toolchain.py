"""halo.jit.hexagon: static Hexagon executables (clang-19 + ld.lld-19 + the freestanding runtime)
run under qemu-hexagon, checked bit-exact against numpy; packet counting; compile checks for
v68 / v69; and the messages when a tool is missing."""
import os
import textwrap

import numpy as np
import pytest

from halo.errors import HaloError, HaloRuntimeError
from halo.jit import hexagon
from halo.runtime.build import BuildError, ToolMissingError

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` runs the fast part


def _require(*tools):
    try:
        for tool in tools:
            tool()
    except ToolMissingError as e:
        if os.environ.get("CI"):  # CI installs the toolchain (.ci/setup): missing is a failure
            raise
        pytest.skip(f"Hexagon toolchain incomplete: {e}")


@pytest.fixture(scope="module")
def toolchain():
    _require(hexagon.compiler, hexagon.linker, hexagon.emulator)


@pytest.fixture(scope="module")
def clang():
    _require(hexagon.compiler)


def _build(tmp_path_factory, name, text, **kwargs):
    src = tmp_path_factory.mktemp(name) / f"{name}.c"
    src.write_text(textwrap.dedent(text))
    return hexagon.build_executable([src], **kwargs)


PRELUDE = """\
    #include <stdint.h>
    #include "halo_runtime.h"
    #include "hexagon/halo_hexagon_start.h"
"""

SCALAR = PRELUDE + """\
    static uint8_t in[N], out[N];

    int halo_hexagon_main(void) {
        if (halo_hexagon_read_exact(in, N)) return halo_hexagon_fail("reading the input");
        uint64_t sum = 0;
        for (uint32_t i = 0; i < N; i++) {
            out[i] = (uint8_t)(in[i] * 3 + 1);
            sum += (uint64_t)in[i] * (i + 1) * 0x9E3779B1u;
        }
        uint64_t tail[2] = {sum, sum / 12345}; /* the runtime's __hexagon_udivdi3 */
        if (halo_hexagon_write_all(1, out, N) || halo_hexagon_write_all(1, tail, sizeof tail))
            return halo_hexagon_fail("writing the output");
        return 0;
    }
"""


def test_scalar_program_matches_numpy(toolchain, tmp_path_factory):
    n = 1 << 16
    exe = _build(tmp_path_factory, "scalar", SCALAR, defines={"N": n})
    data = np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8)
    out = hexagon.run(exe, data.tobytes(), timeout=60)
    assert len(out) == n + 16
    expect = ((data.astype(np.uint32) * 3 + 1) & 255).astype(np.uint8)
    assert np.array_equal(np.frombuffer(out[:n], np.uint8), expect)
    total = sum(int(v) * (i + 1) * 0x9E3779B1 for i, v in enumerate(data.tolist())) % 2**64
    assert np.frombuffer(out[n:], "<u8").tolist() == [total, total // 12345]


HVX = PRELUDE + """\
    typedef uint8_t u8x128 __attribute__((vector_size(128)));
    typedef uint8_t u8x128u __attribute__((vector_size(128), aligned(1)));
    typedef uint16_t u16x128 __attribute__((vector_size(256)));

    static _Alignas(128) uint8_t in[N + 2];
    static _Alignas(128) uint8_t out[N];

    static u16x128 load(const uint8_t *p) {
        return __builtin_convertvector(*(const u8x128u *)p, u16x128);
    }

    /* out[i] = (in[i] + 2 in[i+1] + in[i+2] + 2) >> 2: unaligned loads, widen, add, narrow */
    int halo_hexagon_main(void) {
        if (halo_hexagon_read_exact(in, N + 2)) return halo_hexagon_fail("reading the input");
        for (uint32_t i = 0; i < N; i += 128) {
            u16x128 s = load(in + i) + (load(in + i + 1) << 1) + load(in + i + 2) + 2;
            *(u8x128 *)(out + i) = __builtin_convertvector(s >> 2, u8x128);
        }
        if (halo_hexagon_write_all(1, out, N)) return halo_hexagon_fail("writing the output");
        return 0;
    }
"""


@pytest.fixture(scope="module")
def hvx_programs(toolchain, tmp_path_factory):
    n = 128 * 64
    return n, {hvx: _build(tmp_path_factory, f"hvx{hvx}", HVX, hvx=hvx, defines={"N": n})
               for hvx in (128, 0)}


def test_hvx_program_matches_numpy_and_the_scalar_build(hvx_programs):
    n, exes = hvx_programs
    data = np.random.default_rng(2).integers(0, 256, n + 2, dtype=np.uint8)
    wide = data.astype(np.uint16)
    expect = ((wide[:-2] + 2 * wide[1:-1] + wide[2:] + 2) >> 2).astype(np.uint8)
    outs = {hvx: hexagon.run(exe, data.tobytes(), timeout=60) for hvx, exe in exes.items()}
    assert np.array_equal(np.frombuffer(outs[128], np.uint8), expect)
    assert outs[0] == outs[128]


def test_hvx_build_really_uses_vectors(hvx_programs):
    n, exes = hvx_programs
    data = bytes(n + 2)
    counts = {hvx: hexagon.count_packets(exe, data, timeout=60) for hvx, exe in exes.items()}
    assert counts[128].stdout == counts[0].stdout == bytes(n)
    assert counts[128].packets * 4 < counts[0].packets, counts


RUNTIME = PRELUDE + """\
    #include "halo_user_dma.h"

    enum { W = 64, H = 16, SRC_STRIDE = 100 };
    static uint8_t src[SRC_STRIDE * H], dst[W * H];
    static char report[1024];
    static size_t used;

    #define SAY(...) (used += (size_t)halo_snprintf(report + used, sizeof report - used, \\
                                                    __VA_ARGS__))

    int halo_hexagon_main(void) {
        if (halo_hexagon_read_exact(src, sizeof src)) return halo_hexagon_fail("reading");

        uint8_t *a = halo_malloc(NULL, 1000), *b = halo_malloc(NULL, 5000);
        SAY("aligned %d %d\\n", (int)((uintptr_t)a % 128), (int)((uintptr_t)b % 128));
        halo_free(NULL, a);
        SAY("reused %d\\n", halo_malloc(NULL, 1024) == a);
        int local;
        halo_free(NULL, &local);
        SAY("foreign free %s\\n", halo_error_name(halo_last_error_code()));

        halo_error(NULL, halo_error_bad_param, "param %s is %d (%x) %05u|%-4d|%c%%", "k", -42,
                   255u, 7u, 3, 'z');
        SAY("error %s: %s\\n", halo_error_name(halo_last_error_code()),
            halo_last_error_message());
        char small[8];
        int full = halo_snprintf(small, sizeof small, "%llu", 12345678901234ULL);
        SAY("snprintf %d %s\\n", full, small);

        halo_udma_desc1_t *descs = halo_malloc(NULL, 4 * sizeof(halo_udma_desc1_t));
        int n = halo_udma_copy_2d_descriptors(W, H, SRC_STRIDE, W);
        if (n < 1 || n > 4) return halo_hexagon_fail("counting descriptors");
        if (halo_udma_copy_2d_start(0, descs, n, dst, src, W, H, SRC_STRIDE, W) ||
            halo_udma_copy_wait(0))
            return halo_hexagon_fail("user DMA copy");
        SAY("udma %d descriptor(s)\\n", n);

        if (halo_hexagon_write_all(1, report, used) || halo_hexagon_write_all(1, dst, sizeof dst))
            return halo_hexagon_fail("writing");
        return 0;
    }
"""


def test_freestanding_runtime_works_under_qemu(toolchain, tmp_path_factory):
    exe = _build(tmp_path_factory, "runtime", RUNTIME)
    src = np.random.default_rng(3).integers(0, 256, (16, 100), dtype=np.uint8)
    out = hexagon.run(exe, src.tobytes(), timeout=60)
    text, copied = out[:-64 * 16].decode(), np.frombuffer(out[-64 * 16:], np.uint8)
    assert text == ("aligned 0 0\n"
                    "reused 1\n"
                    "foreign free halo_error_bad_free\n"
                    "error halo_error_bad_param: param k is -42 (ff) 00007|3   |z%\n"
                    "snprintf 14 1234567\n"
                    "udma 1 descriptor(s)\n")
    assert np.array_equal(copied.reshape(16, 64), src[:, :64])


def test_failing_program_raises_with_the_halo_message(toolchain, tmp_path_factory):
    exe = _build(tmp_path_factory, "failing", PRELUDE + """\
        int halo_hexagon_main(void) {
            halo_error(NULL, halo_error_bad_param, "width %d is odd", 641);
            return halo_hexagon_fail("checking the frame");
        }
    """)
    with pytest.raises(HaloRuntimeError, match="halo-hexagon: checking the frame: width 641 is odd"
                       ) as info:
        hexagon.run(exe)
    assert info.value.code == 1


def test_program_without_main_says_so(toolchain, tmp_path_factory):
    exe = _build(tmp_path_factory, "nomain", "int halo_test_not_main(void) { return 3; }\n")
    with pytest.raises(HaloRuntimeError, match="defines no halo_hexagon_main") as info:
        hexagon.run(exe)
    assert info.value.code == 127


LOOP = PRELUDE + """\
    static volatile uint32_t sink;

    void __attribute__((noinline)) halo_test_mark(void) { __asm__ volatile("" ::: "memory"); }

    int halo_hexagon_main(void) {
        uint32_t k, x = 1;
        if (halo_hexagon_read_exact(&k, sizeof k)) return halo_hexagon_fail("reading k");
        halo_test_mark();
        for (uint32_t i = 0; i < k; i++) {
            x = x * 1664525u + 1013904223u;
            sink = x;
        }
        halo_test_mark();
        if (halo_hexagon_write_all(1, &x, sizeof x)) return halo_hexagon_fail("writing");
        return 0;
    }
"""


@pytest.fixture(scope="module")
def loop(toolchain):
    """The loop program, built from a (name, text) pair; stdin is the iteration count."""
    return hexagon.build_executable([("loop.c", textwrap.dedent(LOOP))])


def _lcg(n):
    x = 1
    for _ in range(n):
        x = (x * 1664525 + 1013904223) % 2**32
    return np.uint32(x).tobytes()


K = 20000


def test_packet_count_grows_linearly_with_the_work(loop):
    counts = {}
    for n in (0, K, 2 * K, 3 * K):
        result = hexagon.count_packets(loop, np.uint32(n).tobytes(), timeout=60)
        assert result.stdout == _lcg(n)
        counts[n] = result.packets
    # Each further K iterations cost exactly the same whole number of packets per iteration;
    # the first K also pay for the loop's set-up (a few packets) that K = 0 skips.
    step = counts[2 * K] - counts[K]
    assert counts[3 * K] - counts[2 * K] == step and step % K == 0 and step > 0, counts
    assert 0 <= counts[K] - counts[0] - step < 50, counts


def test_packet_count_between_marker_calls(loop):
    total = {n: hexagon.count_packets(loop, np.uint32(n).tobytes(), timeout=60).packets
             for n in (K, 2 * K)}
    between = {}
    for n in (0, K, 2 * K):
        result = hexagon.count_packets(loop, np.uint32(n).tobytes(), timeout=60,
                                       between="halo_test_mark")
        assert result.stdout == _lcg(n)
        between[n] = result.packets
    # the loop alone: everything outside the two calls (reading, writing, exiting) is excluded
    assert between[2 * K] - between[K] == total[2 * K] - total[K]
    assert 0 <= between[0] < 10 and total[K] - between[K] > 20, (between, total)
    with pytest.raises(HaloError, match="called halo_test_missing 0 time"):
        hexagon.count_packets(loop, np.uint32(1).tobytes(), between="halo_test_missing")


def test_missing_tools_are_named_with_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("HALO_HEXAGON_CC", "halo-no-such-clang")
    with pytest.raises(ToolMissingError,
                       match=r"halo-no-such-clang(.|\n)*clang-19(.|\n)*apt-get install"):
        hexagon.build_executable([tmp_path / "unused.c"])
    monkeypatch.setenv("HALO_HEXAGON_LD", "halo-no-such-lld")
    with pytest.raises(ToolMissingError,
                       match=r"halo-no-such-lld(.|\n)*lld-19(.|\n)*apt-get install"):
        hexagon.linker()
    monkeypatch.setenv("HALO_QEMU_HEXAGON", "halo-no-such-qemu")
    with pytest.raises(ToolMissingError,
                       match=r"halo-no-such-qemu(.|\n)*qemu-user(.|\n)*"
                             r"sudo apt-get install clang-19 lld-19 llvm-19 qemu-user"):
        hexagon.run(tmp_path / "unused.elf")


VECTOR_TEXT = """\
    #include <stdint.h>
    typedef uint8_t u8x128 __attribute__((vector_size(128)));
    typedef uint16_t u16x128 __attribute__((vector_size(256)));
    void halo_test_avg(const u8x128 *a, const u8x128 *b, u8x128 *out) {
        u16x128 s = __builtin_convertvector(*a, u16x128) + __builtin_convertvector(*b, u16x128);
        *out = __builtin_convertvector((s + 1) >> 1, u8x128);
    }
"""


@pytest.mark.parametrize("arch", ["v68", "v69"])
def test_compile_check_accepts_clean_vector_code(clang, arch):
    hexagon.compile_check(textwrap.dedent(VECTOR_TEXT), arch=arch)


def test_compile_check_quotes_warnings(clang):
    with pytest.raises(BuildError, match=r"v69(.|\n)*unused variable 'spare'"):
        hexagon.compile_check("int halo_test_warns(void) { int spare; return 0; }\n", arch="v69")
