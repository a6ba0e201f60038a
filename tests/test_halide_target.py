"""Targets written as Halide writes them, checked against Halide (the PyPI package `halide`):
the same strings parse to the same targets and print the same, the same strings are refused,
features are added, removed and tested the same way, natural vector sizes agree; halo's own
devices and short forms keep working."""
import pytest

import halo
from halo import ScheduleError

try:
    import halide
except ImportError:
    halide = None

needs_halide = pytest.mark.skipif(halide is None, reason="needs the PyPI package halide (pip install halide)")

HALIDE_STRINGS = [
    "x86-64-linux", "x86-64-linux-avx2", "linux-x86-64-avx2", "64-x86-linux-sse41-avx", "x86-32-linux",
    "x86-64-linux-avx2-avx2", "x86-64-linux-tune_znver3-avx-avx2-f16c-fma-sse41", "x86-64-windows-avx512_skylake",
    "x86-64-linux-hexagon_dma-no_runtime", "x86-64-linux-debug-jit-no_asserts-user_context",
    "arm-64-android-arm_dot_prod", "arm-32-linux-armv7s", "hexagon-32-noos-hvx-hvx_128", "hexagon-32-qurt-hvx_128",
    "hexagon-32-noos-hvx_v66", "hexagon-32-noos-hvx_v66-hvx_v68-hvx", "hexagon-64-noos-hvx", "powerpc-64-linux-vsx",
    "wasm-32-wasmrt-wasm_simd128", "riscv-64-linux",
]
REFUSED_BY_BOTH = ["x86-64-linux-bogus", "x86-64", "x86", "linux", "avx2", "x86-arm-64-linux", "x86-16-linux",
                   "x86-64-linux--avx2", "X86-64-Linux", "x86-64-linux-host", "x86-64-linux-64"]


@needs_halide
@pytest.mark.parametrize("text", HALIDE_STRINGS)
def test_halide_target_strings_parse_and_print_as_in_halide(text):
    ours, theirs = halo.Target(text), halide.Target(text)
    assert str(ours) == str(theirs) == ours.to_string()
    assert (ours.arch.name, ours.os.name, ours.bits) == (theirs.arch.name, theirs.os.name, theirs.bits)
    assert halo.Target(str(ours)) == ours
    for name in halo.TargetFeature.__members__:
        if hasattr(halide.TargetFeature, name):
            assert ours.has_feature(halo.TargetFeature[name]) == theirs.has_feature(getattr(halide.TargetFeature, name)), name


@needs_halide
@pytest.mark.parametrize("text", REFUSED_BY_BOTH)
def test_halide_refuses_what_halo_refuses(text):
    with pytest.raises(halide.HalideError):
        halide.Target(text)
    with pytest.raises(ScheduleError, match=f"target {text!r}: "):
        halo.Target(text)


@needs_halide
@pytest.mark.parametrize("text", ["x86-64-linux", "x86-64-linux-avx", "x86-64-linux-avx2", "x86-64-linux-avx512",
                                  "x86-64-linux-avx512_knl", "x86-64-linux-avx512_skylake", "x86-64-linux-avx512_zen4",
                                  "arm-64-linux", "hexagon-32-noos-hvx", "powerpc-64-linux", "riscv-64-linux",
                                  "wasm-32-wasmrt", "wasm-32-wasmrt-wasm_simd128"])
def test_natural_vector_size_as_in_halide(text):
    for t in ("UInt(8)", "Int(16)", "UInt(32)", "Int(64)", "Float(32)", "Float(64)", "Bool()"):
        ours = halo.Target(text).natural_vector_size(eval("halo." + t))
        assert ours == halide.Target(text).natural_vector_size(eval("halide." + t)), t


@needs_halide
def test_features_added_removed_and_tested_as_in_halide():
    for hl in (halo, halide):
        F = hl.TargetFeature
        t = hl.Target("x86-64-linux-avx2")
        u = t.with_feature(F.SSE41).with_feature(F.HexagonDma).without_feature(F.AVX2)
        assert str(u) == "x86-64-linux-hexagon_dma-sse41" and str(t) == "x86-64-linux-avx2"
        assert u.has_feature(F.SSE41) and not u.has_feature(F.AVX2)
        assert u.features_all_of([F.SSE41, F.HexagonDma]) and not u.features_all_of([F.SSE41, F.AVX2])
        assert u.features_any_of([F.AVX2, F.SSE41]) and not u.features_any_of([F.AVX2, F.NoRuntime])
        assert t.without_feature(F.Debug) == t
        assert F.HVX == F.HVX_128 and str(hl.Target("hexagon-32-noos").with_feature(F.HVX)) == \
            "hexagon-32-noos-hvx-hvx_128"
        assert hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 64, [F.AVX2]) == t
        assert hl.Target("host") == hl.get_host_target() != hl.Target()
        assert str(hl.Target()) == "arch_unknown-0-os_unknown"


@needs_halide
def test_the_host_target_is_halides_without_the_processor_tune():
    ours, theirs = halo.get_host_target(), halide.get_host_target()
    assert (ours.arch.name, ours.os.name, ours.bits) == (theirs.arch.name, theirs.os.name, theirs.bits)
    expected = "-".join(p for p in str(theirs).split("-") if not p.startswith("tune_"))
    assert str(ours) == expected


def test_halo_devices_and_short_forms():
    F = halo.TargetFeature
    assert halo.Target("host-sm8250").device == "sm8250" and halo.Target("host").device == "sm8150"
    assert halo.Target("host-sm8350").has_feature(F.SM8350)
    t = halo.Target("hexagon-v67-hvx128-sm8250")
    assert (t.arch, t.bits, t.os, t.isa, t.hvx_bytes, t.device) == ("hexagon", 32, "noos", "v67", 128, "sm8250")
    assert t == halo.Target("hexagon-32-noos-hvx_128-hvx_v67-sm8250") == halo.Target(str(t))
    assert str(t) == "hexagon-32-noos-hvx-hvx_128-hvx_v67-sm8250"
    assert halo.Target("hexagon-32-noos").with_feature(F.HVX_v66).isa == "v66"
    assert halo.Target("x86-64-linux").with_feature(F.SM8250).localmem_capacity() == 768 * 1024
    assert {t: 1}[halo.Target("hexagon-v67-hvx128-sm8250")] == 1  # hashable: compiled pipelines are cached by target


@pytest.mark.parametrize("make, fragment", [
    (lambda: halo.Target("x86-64-linux-cuda"), "target feature cuda (CUDA) is Halide's, but halo refuses it"),
    (lambda: halo.Target("x86-64-linux-large_buffers"), "generated code indexes buffers in 32 bits"),
    (lambda: halo.Target("host-sm8150-sm8250"), "more than one device (sm8150, sm8250)"),
    (lambda: halo.Target("x86-64-linux-hvx"), "the Hexagon features hvx need the hexagon architecture"),
    (lambda: halo.Target("x86-64-linux-bogus"), "features halo uses: hvx (hvx128, hvx_128), hvx_v65 (v65)"),
    (lambda: halo.Target("x86-64-linux-bogus"), "features it accepts and ignores (README): arm_dot_prod, arm_fp16, armv7s,"),
    (lambda: halo.Target("host").with_feature("avx2"), "with_feature: 'avx2' is not a hl.TargetFeature"),
    (lambda: halo.Target("host").with_feature(halo.TargetFeature.Metal), "target feature metal (Metal)"),
    (lambda: halo.Target(halo.TargetOS.Linux, halo.TargetArch.X86, 48), "bits 32 or 64"),
])
def test_target_misuse(make, fragment):
    with pytest.raises(ScheduleError) as e:
        make()
    assert fragment in str(e.value)


def test_a_target_is_immutable():
    with pytest.raises(AttributeError, match="a Target is immutable; use with_feature / without_feature"):
        halo.Target("host").bits = 32


def test_realize_refuses_a_target_this_machine_cannot_run():
    x = halo.Var("x")
    f = halo.Func("f")
    f[x] = x
    other = "arm-64-linux" if halo.get_host_target().arch != "arm" else "x86-64-linux"
    with pytest.raises(ScheduleError, match=f"target {other} cannot run on this machine"):
        f.realize([4], target=other)
    assert "int32_t" in f._pipeline().generate_c(target=other).source  # C is written for any target
