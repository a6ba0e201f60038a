"""Port of Halide's python_bindings/test/correctness/target.py, as the installed Halide (21)
behaves: it has no OpenGLCompute, and refuses x86 features on an ARM target, so the "crazy
features" round trip uses features of its architecture. halo refuses GPU features (README), so
the checks that build GPU targets run in Halide only."""
import pytest

from .conftest import differs


def test_target(hl):
    t1 = hl.get_host_target()
    assert t1 == hl.Target("")
    assert t1.supported()

    t1 = hl.Target()
    ts = t1.to_string()
    assert ts == "arch_unknown-0-os_unknown"
    assert not hl.Target.validate_target_string(ts)
    assert str(t1) == "arch_unknown-0-os_unknown"
    assert repr(t1) == f"<{hl.__name__}.Target arch_unknown-0-os_unknown>"
    assert t1.os == hl.TargetOS.OSUnknown
    assert t1.arch == hl.TargetArch.ArchUnknown
    assert t1.bits == 0

    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41])
    assert t1.to_string() == "x86-32-linux-sse41"
    assert hl.Target.validate_target_string(t1.to_string())

    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32)
    assert t1.to_string() == "x86-32-linux"
    assert hl.Target.validate_target_string(t1.to_string())

    t1 = hl.Target(hl.TargetOS.Android, hl.TargetArch.ARM, 32,
                   [hl.TargetFeature.JIT, hl.TargetFeature.ARMv7s, hl.TargetFeature.NoNEON, hl.TargetFeature.Debug])
    ts = t1.to_string()
    assert ts == "arm-32-android-armv7s-debug-jit-no_neon"
    assert hl.Target.validate_target_string(ts)

    for bad in ("host-unknowntoken", "x86-23", "x86-0", "0-arch_unknown-os_unknown-sse41", "opencl-host"):
        assert not hl.Target.validate_target_string(bad), bad

    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41])
    t2 = t1.with_feature(hl.TargetFeature.NoAsserts).with_feature(hl.TargetFeature.NoBoundsQuery)
    assert t2.to_string() == "x86-32-linux-no_asserts-no_bounds_query-sse41"

    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41, hl.TargetFeature.NoAsserts])
    t2 = t1.without_feature(hl.TargetFeature.NoAsserts).without_feature(hl.TargetFeature.NoBoundsQuery)
    assert t2.to_string() == "x86-32-linux-sse41"

    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41])
    assert t1.natural_vector_size(hl.UInt(8)) == 16
    assert t1.natural_vector_size(hl.Int(16)) == 8
    assert t1.natural_vector_size(hl.UInt(32)) == 4
    assert t1.natural_vector_size(hl.Float(32)) == 4

    assert not hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, []).has_gpu_feature()

    with pytest.raises(TypeError, match="incompatible constructor arguments"):
        hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, ["this is a string"])


def test_target_set_feature(hl):
    differs(hl, "hl.Target is immutable (compiled pipelines are cached by target): use with_feature")
    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41])
    assert t1.has_feature(hl.TargetFeature.SSE41)
    assert not t1.has_feature(hl.TargetFeature.AVX)
    t1.set_feature(hl.TargetFeature.AVX)
    t1.set_feature(hl.TargetFeature.SSE41, False)
    assert t1.has_feature(hl.TargetFeature.AVX)
    assert not t1.has_feature(hl.TargetFeature.SSE41)
    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.SSE41])
    t1.set_features([hl.TargetFeature.SSE41], False)
    t1.set_features([hl.TargetFeature.AVX, hl.TargetFeature.AVX2], True)
    assert t1.has_feature(hl.TargetFeature.AVX) and t1.has_feature(hl.TargetFeature.AVX2)
    assert not t1.has_feature(hl.TargetFeature.SSE41)


def test_target_gpu_and_large_buffers(hl):
    differs(hl, "halo refuses GPU features and large_buffers (it indexes in 32 bits)")
    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 32, [hl.TargetFeature.OpenCL])
    assert t1.has_gpu_feature()
    t1 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 64, [hl.TargetFeature.LargeBuffers])
    t2 = hl.Target(hl.TargetOS.Linux, hl.TargetArch.X86, 64, [])
    assert t1.has_large_buffers()
    assert t1.maximum_buffer_size() == 9223372036854775807
    assert not t2.has_large_buffers()
    assert t2.maximum_buffer_size() == 2147483647
