"""The Hexagon target: target strings, C that clang compiles for Hexagon without a warning, and
pipelines built with the freestanding runtime and run under qemu-hexagon, bit for bit equal to
the host run (and to numpy). HVX code (vectorize by 128 bytes) is checked for every expression
kind of tests/test_vectorize.py, for the blur under several schedules (stored and folded
intermediates included: Halide 21 miscompiles some of those), and for the example apps."""
import os

import numpy as np
import pytest

import halo as hl
from halo.errors import ScheduleError
from halo.jit import hexagon
from halo.runtime.build import ToolMissingError

from . import test_vectorize as tv

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` runs the fast part

TARGET = "hexagon-v67-hvx128"


def _tools():
    try:
        hexagon.compiler()
        hexagon.linker()
        hexagon.emulator()
    except ToolMissingError as e:
        return str(e)
    return None


_MISSING = _tools()
# CI installs the toolchain (.ci/setup): there a missing tool fails the tests instead
needs_qemu = pytest.mark.skipif(_MISSING is not None and not os.environ.get("CI"),
                                reason=f"Hexagon toolchain missing: {_MISSING}")


# ---- target strings ----
def test_target_strings():
    t = hl.Target.parse("hexagon-v67-hvx128-sm8250")
    assert (t.arch, t.isa, t.hvx_bytes, t.device) == ("hexagon", "v67", 128, "sm8250")
    assert hl.Target.parse("hexagon-hvx128").isa == "v68"
    assert hl.Target.parse("hexagon-v68").hvx_bytes == 0
    assert hl.Target.parse(TARGET).natural_vector_size(hl.UInt(8)) == 128
    assert hl.Target.parse(TARGET).natural_vector_size(hl.UInt(16)) == 64
    # the host's own width depends on the machine (16 floats with AVX-512)
    assert hl.Target.parse("x86-64-linux-avx-avx2").natural_vector_size(hl.Float(32)) == 8
    assert hl.Target.parse("x86-64-linux-avx512_skylake").natural_vector_size(hl.Float(32)) == 16
    assert not hl.Target.parse(TARGET).has_threads


@pytest.mark.parametrize("text, fragment", [
    ("hexagon-v99", "'v99' is not an architecture, bits, os, processor or feature. Legal: arch: "),
    ("hexagon-v99", "features halo uses: hvx (hvx128, hvx_128), hvx_v65 (v65), hvx_v66 (v66), hvx_v67 (v67)"),
    ("host-hvx128", "the Hexagon features hvx need the hexagon architecture"),
    ("arm-64", "give the architecture, bits and os (as in 'x86-64-linux-avx2'), or start with host"),
])
def test_bad_target_strings(text, fragment):
    for make in (hl.Target.parse, hl.Target):
        with pytest.raises(ScheduleError) as e:
            make(text)
        assert fragment in str(e.value)


def test_the_constructor_parses_a_target_string_as_halides_does():
    # Target("host-sm8250") was once a Target whose arch was the whole string, on SM8150
    assert hl.Target("host-sm8250") == hl.Target.parse("host-sm8250") == hl.get_host_target().with_feature(
        hl.TargetFeature.SM8250)
    assert hl.Target("host-sm8250").localmem_capacity() == 768 * 1024
    assert str(hl.Target("hexagon-v67-hvx128")) == "hexagon-32-noos-hvx-hvx_128-hvx_v67"
    assert hl.Target("hexagon-32-noos-hvx-hvx_128-hvx_v67") == hl.Target("hexagon-v67-hvx128")
    # several ISA versions: the newest, as Halide's code generator picks it
    assert hl.Target("hexagon-v67-v68").isa == "v68"
    with pytest.raises(ScheduleError, match=r"Target\('host-sm8250', 'sm8350'\): give a target string"):
        hl.Target("host-sm8250", "sm8350")


def test_async_compute_producer_refused_on_hexagon():
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    g, f = hl.Func("g"), hl.Func("f")
    g[x, y] = inp[x, y] + 1
    f[x, y] = g[x, y - 1] + g[x, y]
    g.store_root().compute_at(f, y).fold_storage(y, 4).async_()
    with pytest.raises(ScheduleError) as e:
        f.compile_to_c("/dev/null", target=TARGET)
    assert "Func g: async_(): the hexagon-32-noos-hvx-hvx_128-hvx_v67 target has no threads" in str(e.value)
    assert "drop async_() on g for this target" in str(e.value)


# ---- the blur ----
def _blur(schedule):
    x, y = hl.Var("x"), hl.Var("y")
    xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    bx, out = hl.Func("bx"), hl.Func("blur")
    bx[x, y] = hl.cast(hl.UInt(16), inp[x - 1, y]) + inp[x, y] + inp[x + 1, y]
    out[x, y] = hl.cast(hl.UInt(8), (bx[x, y - 1] + bx[x, y] + bx[x, y + 1] + 4) / 9)
    if schedule == "scalar":
        pass
    elif schedule == "inline_hvx":
        out.vectorize(x, 128)
    elif schedule == "root_hvx":
        out.vectorize(x, 128)
        bx.compute_root().vectorize(x, 64)
    elif schedule == "stored_rows_hvx":
        out.split(y, yo, yi, 8).vectorize(x, 128)
        bx.compute_at(out, yo).vectorize(x, 128)
    elif schedule == "folded_hvx":
        out.split(y, yo, yi, 16).vectorize(x, 128)
        bx.store_at(out, yo).compute_at(out, yi).fold_storage(y, 4).vectorize(x, 128)
    elif schedule == "tiled_parallel_hvx":
        out.tile(x, y, xo, yo, xi, yi, 256, 8).parallel(yo).vectorize(xi, 128)
        bx.compute_at(out, xo).vectorize(x, 128)
    elif schedule == "guarded_tail":
        out.split(x, xo, xi, 128, hl.TailStrategy.GuardWithIf).vectorize(xi)
    return inp, out


BLUR_SCHEDULES = ["scalar", "inline_hvx", "root_hvx", "stored_rows_hvx", "folded_hvx", "tiled_parallel_hvx",
                  "guarded_tail"]


@needs_qemu
@pytest.mark.parametrize("schedule", BLUR_SCHEDULES)
def test_blur_under_qemu_matches_host_and_numpy(schedule):
    w, h = 300, 20  # not a multiple of the 128-lane vectors
    a = np.random.default_rng(3).integers(0, 256, (h + 2, w + 2)).astype(np.uint8)
    results = []
    for target in ("host", TARGET):
        inp, out = _blur(schedule)
        buf = hl.Buffer(a)
        buf.set_min([-1, -1])
        inp.set(buf)
        results.append(np.asarray(out.realize([w, h], target=target)))
    p = a.astype(np.uint16)
    bx = p[:, :-2] + p[:, 1:-1] + p[:, 2:]
    want = ((bx[:-2] + bx[1:-1] + bx[2:] + 4) // 9).astype(np.uint8)
    assert np.array_equal(results[0], want)
    assert np.array_equal(results[1], results[0])


@needs_qemu
@pytest.mark.parametrize("isa", ["v68", "v69"])
def test_generated_c_compiles_cleanly_for_newer_isas(isa, tmp_path):
    for schedule in ("folded_hvx", "tiled_parallel_hvx", "guarded_tail"):
        _, out = _blur(schedule)
        c, _ = out.compile_to_c(tmp_path / f"{schedule}.c", target=f"hexagon-{isa}-hvx128")
        text = c.read_text().replace(f'#include "{schedule}.h"\n', "")
        hexagon.compile_check(text, arch=isa)


@needs_qemu
def test_packets_count_the_pipeline_and_hvx_beats_scalar():
    w, h = 512, 16
    a = np.random.default_rng(4).integers(0, 256, (h + 2, w + 2)).astype(np.uint8)
    counts = {}
    for schedule in ("scalar", "inline_hvx"):
        _, out = _blur(schedule)
        buf = hl.Buffer(a)
        buf.set_min([-1, -1])
        compiled = out.compile_jit(target=TARGET)
        res = hl.Buffer(hl.UInt(8), [w, h], "blur")
        counts[schedule] = compiled.packets({"input": buf, "blur": res})
        double = hl.Buffer(hl.UInt(8), [w, h // 2], "blur")
        half = compiled.packets({"input": buf, "blur": double})
        # the count covers the pipeline call alone: half the rows, close to half the packets
        assert 0.45 < half / counts[schedule] < 0.55
    assert counts["inline_hvx"] * 10 < counts["scalar"]


# ---- every vector expression kind under HVX ----
@needs_qemu
def test_float_math_needs_libm_and_says_so():
    x = hl.Var("x")
    inp = hl.ImageParam(hl.Float(32), 1, "inp")
    f = hl.Func("f")
    f[x] = hl.sqrt(inp[x]) + hl.floor(inp[x]) + inp[x] % 2.0
    with pytest.raises(hl.HaloError) as e:
        f.compile_jit(target=TARGET)
    assert ("Pipeline f: the Hexagon build has no math library (the runtime is freestanding), so % on floats, "
            "hl.floor, hl.sqrt cannot run on a hexagon target") in str(e.value)


@needs_qemu
@pytest.mark.parametrize("name", sorted(set(tv.CASES) - {"float_math"}))
def test_vector_expressions_under_qemu(name):
    data = tv._inputs()
    got = []
    for target, lanes in (("host", None), (TARGET, 128)):
        x, y = hl.Var("x"), hl.Var("y")
        imgs = {}
        for k, a in data.items():
            p = hl.ImageParam(tv._type(a.dtype), 2, f"in_{k}")
            p.set(hl.Buffer(np.tile(a, (1, 4))))  # 280 wide: room for 128-lane vectors
            imgs[k] = p
        f = hl.Func("f")
        f[x, y] = tv.CASES[name](x, y, imgs)
        if lanes:
            f.vectorize(x, lanes)
        got.append(np.asarray(f.realize([4 * tv.W - 6, tv.H], target=target)))
    if got[0].dtype.kind == "f":
        np.testing.assert_allclose(got[1], got[0], rtol=1e-6)
    else:
        assert np.array_equal(got[1], got[0])


# ---- the example apps ----
def _app_cases():
    from apps.__main__ import APPS, FORMATS
    return [(name, schedule, fmt, ubwc) for name, app in sorted(APPS.items())
            for schedule in app.schedules for fmt, ubwc in FORMATS[name]]


def _run_both(name, schedule, fmt, ubwc, w, h, vector):
    from apps.__main__ import APPS
    from apps.common import synthetic_planes
    from apps.hexagon import run_with_host
    planes = synthetic_planes(fmt, w, h, seed=5)
    host, hx, _ = run_with_host(APPS[name], schedule, fmt, ubwc, planes, "SM8150", TARGET,
                                count_packets=False, vector=vector)
    return host, hx


@needs_qemu
@pytest.mark.parametrize("name,schedule,fmt,ubwc", _app_cases(),
                         ids=[f"{n}-{s}-{f}{'-ubwc' if u else ''}" for n, s, f, u in _app_cases()])
def test_app_under_qemu_matches_host(name, schedule, fmt, ubwc):
    # 16 lanes, as tests/test_apps.py: the host run's lowering is reused
    host, hx = _run_both(name, schedule, fmt, ubwc, 256, 128, 16)
    assert host.ok
    got = hx.output if isinstance(hx.output, tuple) else (hx.output,)
    for g, want in zip(got, host.output):
        assert np.array_equal(g, want)
    # the same transfers, DDR bytes and local memory as on the host
    assert (hx.transfers, hx.ddr_bytes, hx.local_bytes) == (host.transfers, host.ddr_bytes, host.local_bytes)


@needs_qemu
def test_app_with_hvx_width_vectors_under_qemu():
    host, hx = _run_both("dma_raw_blur_rw_async", "split_async", "raw", False, 256, 96, None)
    assert host.ok and np.array_equal(hx.output, host.output[0])


@needs_qemu
def test_runner_with_hexagon_target(capsys):
    from apps.__main__ import main
    rc = main(["--app", "dma_nv12_rw", "--schedule", "basic", "--format", "linear", "--size", "256x64",
               "--target", TARGET])
    out = capsys.readouterr().out
    assert rc == 0
    assert ("halo example apps on hexagon-32-noos-hvx-hvx_128-hvx_v67 under qemu-hexagon: grace_hopper.jpg (shipped "
            "with matplotlib), 256x64") in out
    row = next(line for line in out.splitlines() if line.startswith("| dma_nv12_rw | basic | nv12 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[3]) > 0 and cells[-2:] == ["yes", "yes"]


def test_runner_rejects_a_bad_target():
    from apps.__main__ import main
    with pytest.raises(SystemExit) as e:
        main(["--target", "hexagon-v99"])
    assert "'v99' is not an architecture, bits, os, processor or feature" in str(e.value)
