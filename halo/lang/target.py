"""Target: where generated code runs and, for DMA pipelines, which Snapdragon device's local
memory it must fit in, written as Halide writes targets: "x86-64-linux-avx2", "host",
"hexagon-32-noos-hvx-hvx_128". halo's devices (sm8150, sm8250, sm8350) and its Hexagon ISA
versions are features too, and halo keeps its short forms: "host-sm8250",
"hexagon-v67-hvx128-sm8250" (a hexagon target may leave out bits and os: 32, noos)."""
import enum
import functools
import os
import platform
import sys

from ..errors import ScheduleError

# Hexagon local memory (locked L2) per device, from the UBWCDMA documentation.
DEVICES = {"sm8150": 384 * 1024, "sm8250": 768 * 1024, "sm8350": 768 * 1024}
DEFAULT_DEVICE = "sm8150"
# Hardware threads that may each hold their own copy of a local buffer (cDSP HVX contexts).
HEXAGON_THREADS = 4
# Hexagon ISA versions clang-19 knows; qemu-hexagon 7.2 executes up to v67.
HEXAGON_ISAS = ("v65", "v66", "v67", "v68", "v69", "v73")
# Halide's hexagon targets default to v62, which clang-19 cannot run under qemu; halo's to v68.
DEFAULT_HEXAGON_ISA = "v68"
# The ISAs qemu-hexagon 7.2 executes (the newer ones only compile).
QEMU_HEXAGON_ISAS = ("v65", "v66", "v67")
HVX_BYTES = 128


class TargetArch(str, enum.Enum):
    """Halide's Target.Arch; a member equals its name in target strings ("hexagon")."""
    ArchUnknown = "arch_unknown"
    X86 = "x86"
    ARM = "arm"
    Hexagon = "hexagon"
    POWERPC = "powerpc"
    RISCV = "riscv"
    WebAssembly = "wasm"


class TargetOS(str, enum.Enum):
    """Halide's Target.OS. halo's C does not depend on it: it is recorded, and a JIT run needs
    the host's."""
    OSUnknown = "os_unknown"
    Linux = "linux"
    Windows = "windows"
    OSX = "osx"
    Android = "android"
    IOS = "ios"
    QuRT = "qurt"
    NoOS = "noos"
    wasmrt = "wasmrt"
    Fuchsia = "fuchsia"


class TargetProcessorTune(str, enum.Enum):
    """Halide's Target.Processor (tune_* in target strings): recorded, no effect (the host C
    compiler tunes with -march=native)."""
    TuneGeneric = "tune_generic"
    TuneAMDFam10 = "tune_amdfam10"
    TuneBdVer1 = "tune_bdver1"
    TuneBdVer2 = "tune_bdver2"
    TuneBdVer3 = "tune_bdver3"
    TuneBdVer4 = "tune_bdver4"
    TuneBtVer1 = "tune_btver1"
    TuneBtVer2 = "tune_btver2"
    TuneK8 = "tune_k8"
    TuneK8_SSE3 = "tune_k8_sse3"
    TuneZnVer1 = "tune_znver1"
    TuneZnVer2 = "tune_znver2"
    TuneZnVer3 = "tune_znver3"
    TuneZnVer4 = "tune_znver4"
    TuneZnVer5 = "tune_znver5"


# What halo does with each feature of a target string:
USED = "used"          # changes what halo generates or checks
CPU = "cpu"            # an instruction-set extension: only natural_vector_size reads it (host C is
#                        compiled with -march=native, Hexagon C by clang-19 for the ISA and HVX)
IGNORED = "ignored"    # accepted so Halide's target strings port, and changes nothing (README)
REFUSED = "refused"    # Halide has it, halo does not implement it: accepting it would drop it silently

# (Halide's enum name, the string in target strings, what halo does with it). halo's own: the
# devices and the Hexagon ISAs Halide does not name (hvx_v67, hvx_v69, hvx_v73).
_FEATURES = [
    ("JIT", "jit", IGNORED), ("Debug", "debug", IGNORED), ("EnableBacktraces", "enable_backtraces", IGNORED),
    ("NoAsserts", "no_asserts", IGNORED), ("NoBoundsQuery", "no_bounds_query", IGNORED),
    ("SSE41", "sse41", CPU), ("AVX", "avx", CPU), ("AVX2", "avx2", CPU), ("AVXVNNI", "avxvnni", CPU),
    ("FMA", "fma", CPU), ("FMA4", "fma4", CPU), ("F16C", "f16c", CPU), ("ARMv7s", "armv7s", CPU),
    ("NoNEON", "no_neon", CPU), ("VSX", "vsx", CPU), ("POWER_ARCH_2_07", "power_arch_2_07", CPU),
    ("CUDA", "cuda", REFUSED), ("CUDACapability30", "cuda_capability_30", REFUSED),
    ("CUDACapability32", "cuda_capability_32", REFUSED), ("CUDACapability35", "cuda_capability_35", REFUSED),
    ("CUDACapability50", "cuda_capability_50", REFUSED), ("CUDACapability61", "cuda_capability_61", REFUSED),
    ("CUDACapability70", "cuda_capability_70", REFUSED), ("CUDACapability75", "cuda_capability_75", REFUSED),
    ("CUDACapability80", "cuda_capability_80", REFUSED), ("CUDACapability86", "cuda_capability_86", REFUSED),
    ("OpenCL", "opencl", REFUSED), ("CLDoubles", "cl_doubles", REFUSED), ("CLHalf", "cl_half", REFUSED),
    ("CLAtomics64", "cl_atomics64", REFUSED), ("EGL", "egl", REFUSED), ("UserContext", "user_context", IGNORED),
    ("Profile", "profile", REFUSED), ("NoRuntime", "no_runtime", IGNORED), ("Metal", "metal", REFUSED),
    ("CPlusPlusMangling", "c_plus_plus_name_mangling", REFUSED), ("LargeBuffers", "large_buffers", REFUSED),
    ("HexagonDma", "hexagon_dma", IGNORED), ("HVX_128", "hvx", USED), ("HVX", "hvx", USED), ("HVX_v62", "hvx_v62", REFUSED),
    ("HVX_v65", "hvx_v65", USED), ("HVX_v66", "hvx_v66", USED), ("HVX_v67", "hvx_v67", USED),
    ("HVX_v68", "hvx_v68", USED), ("HVX_v69", "hvx_v69", USED), ("HVX_v73", "hvx_v73", USED),
    ("FuzzFloatStores", "fuzz_float_stores", REFUSED), ("SoftFloatABI", "soft_float_abi", REFUSED),
    ("MSAN", "msan", REFUSED), ("AVX512", "avx512", CPU), ("AVX512_KNL", "avx512_knl", CPU),
    ("AVX512_Skylake", "avx512_skylake", CPU), ("AVX512_Cannonlake", "avx512_cannonlake", CPU),
    ("AVX512_SapphireRapids", "avx512_sapphirerapids", CPU), ("AVX512_Zen4", "avx512_zen4", CPU),
    ("AVX512_Zen5", "avx512_zen5", CPU), ("TraceLoads", "trace_loads", REFUSED),
    ("TraceStores", "trace_stores", REFUSED), ("TraceRealizations", "trace_realizations", REFUSED),
    ("TracePipeline", "trace_pipeline", REFUSED), ("D3D12Compute", "d3d12compute", REFUSED),
    ("StrictFloat", "strict_float", IGNORED), ("TSAN", "tsan", REFUSED), ("ASAN", "asan", REFUSED),
    ("CheckUnsafePromises", "check_unsafe_promises", REFUSED), ("EmbedBitcode", "embed_bitcode", IGNORED),
    ("EnableLLVMLoopOpt", "enable_llvm_loop_opt", IGNORED), ("WasmMvpOnly", "wasm_mvponly", CPU),
    ("WasmSimd128", "wasm_simd128", CPU), ("WasmThreads", "wasm_threads", CPU),
    ("WasmBulkMemory", "wasm_bulk_memory", CPU), ("WebGPU", "webgpu", REFUSED), ("SVE", "sve", CPU),
    ("SVE2", "sve2", CPU), ("ARMDotProd", "arm_dot_prod", CPU), ("ARMFp16", "arm_fp16", CPU),
    ("LLVMLargeCodeModel", "llvm_large_code_model", IGNORED), ("RVV", "rvv", CPU), ("ARMv8a", "armv8a", CPU),
    ("ARMv81a", "armv81a", CPU), ("ARMv82a", "armv82a", CPU), ("ARMv83a", "armv83a", CPU),
    ("ARMv84a", "armv84a", CPU), ("ARMv85a", "armv85a", CPU), ("ARMv86a", "armv86a", CPU),
    ("ARMv87a", "armv87a", CPU), ("ARMv88a", "armv88a", CPU), ("ARMv89a", "armv89a", CPU),
    ("SanitizerCoverage", "sanitizer_coverage", REFUSED), ("ProfileByTimer", "profile_by_timer", REFUSED),
    ("SPIRV", "spirv", REFUSED), ("Vulkan", "vulkan", REFUSED), ("VulkanInt8", "vk_int8", REFUSED),
    ("VulkanInt16", "vk_int16", REFUSED), ("VulkanInt64", "vk_int64", REFUSED),
    ("VulkanFloat16", "vk_float16", REFUSED), ("VulkanFloat64", "vk_float64", REFUSED),
    ("VulkanV10", "vk_v10", REFUSED), ("VulkanV12", "vk_v12", REFUSED), ("VulkanV13", "vk_v13", REFUSED),
    ("Semihosting", "semihosting", REFUSED), ("AVX10_1", "avx10_1", CPU), ("X86APX", "x86apx", CPU),
    ("Simulator", "simulator", REFUSED),
    ("SM8150", "sm8150", USED), ("SM8250", "sm8250", USED), ("SM8350", "sm8350", USED),
]

# HVX_128 and HVX are one feature with two names, as in Halide (strings print both)
TargetFeature = enum.Enum("TargetFeature", [(name, text) for name, text, _ in _FEATURES], type=str)
TargetFeature.__doc__ = """Halide's Target.Feature, and halo's devices (SM8150, SM8250, SM8350) and the Hexagon
ISAs Halide does not name (HVX_v67, HVX_v69, HVX_v73). A member equals its name in target strings."""
HANDLING = {TargetFeature(text): kind for _, text, kind in _FEATURES}
# halo's short forms of feature names, and Halide's second name of HVX
_ALIASES = {"hvx128": "hvx", "hvx_128": "hvx", **{isa: f"hvx_{isa}" for isa in HEXAGON_ISAS}}
_REFUSED_WHY = {
    "large_buffers": "generated code indexes buffers in 32 bits (the README's supported ranges)",
    "hvx_v62": f"halo's Hexagon ISAs are {', '.join(HEXAGON_ISAS)}",
}
_ISA_OF = {TargetFeature(f"hvx_{isa}"): isa for isa in HEXAGON_ISAS}
_DEVICE_OF = {TargetFeature(d): d for d in DEVICES}
# Halide's x86 vector widths: integer ops are 512 bits wide only from Skylake's AVX-512 subset on
_AVX512_WIDE_INT = ("avx512_skylake", "avx512_cannonlake", "avx512_sapphirerapids", "avx512_zen4", "avx512_zen5")
_AVX512_ANY = ("avx512", "avx512_knl") + _AVX512_WIDE_INT


def _feature_name(f):
    return "hvx-hvx_128" if f is TargetFeature.HVX_128 else f.value


def _legal_tokens():
    used = [f"{f.value} ({', '.join(a for a, t in _ALIASES.items() if t == f.value)})"
            if any(t == f.value for t in _ALIASES.values()) else f.value
            for f, kind in HANDLING.items() if kind == USED]
    ignored = sorted(f.value for f, kind in HANDLING.items() if kind in (CPU, IGNORED))
    return (f"arch: {', '.join(a.value for a in TargetArch)}; bits: 32, 64; os: {', '.join(o.value for o in TargetOS)}; "
            f"processor: tune_*; features halo uses: {', '.join(used)}; features it accepts and ignores (README): "
            f"{', '.join(ignored)}")


class TargetArgumentsError(ScheduleError, TypeError):
    """Target(...) with arguments of the wrong kind: a TypeError, as in Halide's bindings."""


class Target:
    """Target(), Target("x86-64-linux-avx2"), Target(os, arch, bits[, processor_tune][, features]),
    as Halide's Target; immutable (with_feature / without_feature give new ones) and hashable."""

    __slots__ = ("os", "arch", "bits", "processor_tune", "features")

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], str):
            parts = _parse(args[0])
        elif not args:
            parts = (TargetOS.OSUnknown, TargetArch.ArchUnknown, 0, TargetProcessorTune.TuneGeneric, frozenset())
        else:
            parts = _parts(args)
        for slot, value in zip(self.__slots__, parts):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Target is immutable; use with_feature / without_feature (setting {name})")

    @staticmethod
    def parse(text):
        """A Target from a Target, a target string, or None (the host)."""
        if isinstance(text, Target):
            return text
        return get_host_target() if text is None else Target(text)

    # ---- Halide's Target API ----
    @staticmethod
    def validate_target_string(text):
        """Whether `text` is a target string halo accepts that names its arch, bits and os."""
        try:
            t = Target(text)
        except ScheduleError:
            return False
        return t.arch is not TargetArch.ArchUnknown and t.os is not TargetOS.OSUnknown

    def supported(self):
        """Whether halo can generate code for this target (C for any named architecture)."""
        return self.arch is not TargetArch.ArchUnknown

    def has_gpu_feature(self):
        """Always False: halo refuses every GPU feature (README, Targets)."""
        return False

    def has_feature(self, feature):
        return _feature(feature, "has_feature") in self.features

    def features_all_of(self, features):
        return all(_feature(f, "features_all_of") in self.features for f in features)

    def features_any_of(self, features):
        return any(_feature(f, "features_any_of") in self.features for f in features)

    def with_feature(self, feature):
        return self._with(self.features | {_feature(feature, "with_feature")})

    def without_feature(self, feature):
        return self._with(self.features - {_feature(feature, "without_feature")})

    def _with(self, features):
        return Target(self.os, self.arch, self.bits, self.processor_tune, features)

    def to_string(self):
        parts = [self.arch.value, str(self.bits), self.os.value]
        if self.processor_tune is not TargetProcessorTune.TuneGeneric:
            parts.append(self.processor_tune.value)
        return "-".join(parts + sorted(_feature_name(f) for f in self.features))

    __str__ = to_string

    def __repr__(self):
        return f"<halo.Target {self}>"

    def _key(self):
        return (self.os.value, self.arch.value, self.bits, self.processor_tune.value, tuple(sorted(self.features)))

    def __eq__(self, other):
        return isinstance(other, Target) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def natural_vector_size(self, t):
        """Lanes of type `t` in one machine vector, as Halide's Target::natural_vector_size."""
        is_integer = not t.is_float()
        size = t.bytes()
        if self.arch is TargetArch.Hexagon:
            if not is_integer:
                return 1
            if not self.hvx_bytes:
                raise ScheduleError(f"target {self}: natural_vector_size of {t}: a hexagon target without the hvx "
                                    f"feature has no vectors; add hvx (hexagon-32-noos-hvx)")
            return self.hvx_bytes // size
        if self.arch is TargetArch.X86:
            names = {f.value for f in self.features}
            if names.intersection(_AVX512_WIDE_INT if is_integer else _AVX512_ANY):
                return 64 // size
            if "avx2" in names or names.intersection(_AVX512_ANY) or (not is_integer and "avx" in names):
                return 32 // size
            return 16 // size
        if self.arch in (TargetArch.ARM, TargetArch.POWERPC):
            return 16 // size
        if self.arch is TargetArch.WebAssembly and self.has_feature(TargetFeature.WasmSimd128):
            return 16 // size
        return 1

    # ---- what halo reads ----
    @property
    def device(self):
        """The Snapdragon device whose local memory a schedule must fit ("sm8150" unless a device
        feature names another)."""
        named = [d for f, d in _DEVICE_OF.items() if f in self.features]
        return named[0] if named else DEFAULT_DEVICE

    @property
    def isa(self):
        """The Hexagon ISA version: the newest hvx_v* feature, v68 without one; None off Hexagon."""
        if self.arch is not TargetArch.Hexagon:
            return None
        named = [isa for f, isa in _ISA_OF.items() if f in self.features]
        return named[-1] if named else DEFAULT_HEXAGON_ISA

    @property
    def hvx_bytes(self):
        """The HVX vector length in bytes, or 0 without HVX."""
        return HVX_BYTES if TargetFeature.HVX in self.features else 0

    @property
    def has_threads(self):
        """Whether generated code may start threads: the Hexagon build is freestanding and has
        none (qemu-hexagon's user mode gives no QuRT)."""
        return self.arch is not TargetArch.Hexagon

    def localmem_capacity(self):
        return DEVICES[self.device]

    def check_runs_here(self):
        """A ScheduleError unless realize / compile_jit can run code for this target: on the host
        (the host's arch, bits and os) or, for Hexagon, under qemu-hexagon."""
        host = get_host_target()
        if self.arch is TargetArch.Hexagon or (self.arch, self.bits, self.os) == (host.arch, host.bits, host.os):
            return
        raise ScheduleError(
            f"target {self} cannot run on this machine ({host.arch.value}-{host.bits}-{host.os.value}): realize and "
            f"compile_jit run host targets and hexagon ones (under qemu-hexagon); compile_to_c writes C for any target")


def _parts(args):
    """(os, arch, bits, processor_tune, features) of Target(os, arch, bits[, tune][, features])."""
    rest = list(args[3:])
    if rest and isinstance(rest[-1], (list, tuple)) and not all(isinstance(f, TargetFeature) for f in rest[-1]):
        raise TargetArgumentsError(f"Target{args!r}: incompatible constructor arguments: the features must be "
                                   f"hl.TargetFeature values (e.g. hl.TargetFeature.AVX2)")
    tune = rest.pop(0) if rest and isinstance(rest[0], TargetProcessorTune) else TargetProcessorTune.TuneGeneric
    features = rest.pop(0) if rest and isinstance(rest[0], (list, tuple, set, frozenset)) else ()
    if len(args) < 3 or rest or not isinstance(args[0], TargetOS) or not isinstance(args[1], TargetArch) \
            or args[2] not in (0, 32, 64):
        raise ScheduleError(
            f"Target{args!r}: give a target string ('x86-64-linux-avx2', 'host-sm8250', 'hexagon-v67-hvx128'), "
            f"nothing, or (hl.TargetOS, hl.TargetArch, bits 32 or 64[, hl.TargetProcessorTune][, [hl.TargetFeature, ...]])")
    return args[0], args[1], int(args[2]), tune, _target_features(features, "Target(...)")


def _feature(f, where):
    if not isinstance(f, TargetFeature):
        raise ScheduleError(f"{where}: {f!r} is not a hl.TargetFeature (e.g. hl.TargetFeature.AVX2)")
    return f


def _target_features(features, where):
    """`features` as a frozenset of TargetFeatures, refusing what halo does not implement."""
    out = [_feature(f, where) for f in features]
    for f in out:
        if HANDLING[f] == REFUSED:
            why = _REFUSED_WHY.get(f.value, "halo does not implement it, and accepting it would drop it silently")
            raise ScheduleError(f"{where}: target feature {f.value} ({f.name}) is Halide's, but halo refuses it: {why}")
    devices = [f.value for f in out if f in _DEVICE_OF]
    if len(set(devices)) > 1:
        raise ScheduleError(f"{where}: more than one device ({', '.join(devices)}); a target has one of "
                            f"{', '.join(DEVICES)}")
    return frozenset(out)


def _parse(text):
    """(os, arch, bits, processor_tune, features) of a target string, as Halide's Target(str)
    parses it (tokens in any order, "host" first, arch, bits and os all given), or a
    ScheduleError naming the token and what is legal."""
    tokens = text.split("-")
    arch = bits = os_ = tune = None
    features = []
    if tokens and tokens[0] == "host":
        host = get_host_target()
        arch, bits, os_, tune, features = host.arch, host.bits, host.os, host.processor_tune, list(host.features)
        tokens = tokens[1:]
    elif text == "":
        host = get_host_target()
        return host.os, host.arch, host.bits, host.processor_tune, host.features
    seen_arch = seen_bits = seen_os = seen_tune = False
    for tok in tokens:
        what = None
        if tok in TargetArch._value2member_map_ and not seen_arch:
            arch, seen_arch = TargetArch(tok), True
        elif tok in ("32", "64") and not seen_bits:
            bits, seen_bits = int(tok), True
        elif tok in TargetOS._value2member_map_ and not seen_os:
            os_, seen_os = TargetOS(tok), True
        elif tok in TargetProcessorTune._value2member_map_ and not seen_tune:
            tune, seen_tune = TargetProcessorTune(tok), True
        elif _ALIASES.get(tok, tok) in TargetFeature._value2member_map_:
            features.append(TargetFeature(_ALIASES.get(tok, tok)))
        elif tok in ("host",):
            what = "'host' may only come first"
        elif tok in TargetArch._value2member_map_ or tok in ("32", "64") or tok in TargetOS._value2member_map_:
            what = f"{tok!r} repeats the architecture, bits or os"
        else:
            what = f"{tok!r} is not an architecture, bits, os, processor or feature"
        if what:
            raise ScheduleError(f"target {text!r}: {what}. Legal: {_legal_tokens()}")
    if arch is TargetArch.Hexagon:
        bits, os_ = bits or 32, os_ or TargetOS.NoOS  # halo's short form "hexagon-v67-hvx128"
    if arch is None or bits is None or os_ is None:
        raise ScheduleError(f"target {text!r}: give the architecture, bits and os (as in 'x86-64-linux-avx2'), or "
                            f"start with host ('host-sm8250')")
    hexagon_only = [f.value for f in features if f in _ISA_OF or f is TargetFeature.HVX]
    if hexagon_only and arch is not TargetArch.Hexagon:
        # Halide once offloaded HVX loops from a host pipeline; halo builds Hexagon code only for hexagon targets
        raise ScheduleError(f"target {text!r}: the Hexagon features {', '.join(hexagon_only)} need the hexagon "
                            f"architecture (e.g. hexagon-32-noos-hvx or hexagon-v67-hvx128)")
    return os_, arch, bits, tune or TargetProcessorTune.TuneGeneric, _target_features(features, f"target {text!r}")


# Linux /proc/cpuinfo flags of the x86 features Halide's host target detects
_CPU_FLAGS = {"sse41": ("sse4_1",), "avx": ("avx",), "avx2": ("avx2",), "fma": ("fma",), "f16c": ("f16c",),
              "avxvnni": ("avx_vnni",), "avx512": ("avx512f", "avx512cd"),
              "avx512_skylake": ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"),
              # Halide takes ifma to imply vbmi, and Sapphire Rapids to be Cannon Lake with AVX-VNNI and BF16
              "avx512_cannonlake": ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512ifma"),
              "avx512_sapphirerapids": ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512ifma",
                                        "avx_vnni", "avx512_bf16")}
# Halide knows Zen 4 by its family and model (AMD family 0x19, model 0x61), not by flags
_ZEN4 = ("AuthenticAMD", "25", "97")
_ZEN4_FEATURES = ("sse41", "avx", "f16c", "fma", "avx2", "avx512", "avx512_skylake", "avx512_cannonlake",
                  "avx512_zen4")


def _host_x86_features():
    """The feature names of the first CPU in /proc/cpuinfo, as Halide's host detection finds them."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        return ()
    if (fields.get("vendor_id"), fields.get("cpu family"), fields.get("model")) == _ZEN4:
        return _ZEN4_FEATURES
    flags = set(fields.get("flags", "").split())
    return tuple(name for name, need in _CPU_FLAGS.items() if flags.issuperset(need))


@functools.lru_cache(maxsize=None)
def get_host_target():
    """The machine halo runs on, as Halide's get_host_target: arch, bits, os and (on x86 Linux)
    the CPU features of /proc/cpuinfo; no processor tune."""
    machine = platform.machine().lower()
    arch, bits = {"x86_64": (TargetArch.X86, 64), "amd64": (TargetArch.X86, 64), "i686": (TargetArch.X86, 32),
                  "aarch64": (TargetArch.ARM, 64), "arm64": (TargetArch.ARM, 64),
                  "armv7l": (TargetArch.ARM, 32)}.get(machine, (TargetArch.ArchUnknown, 64))
    os_ = {"linux": TargetOS.Linux, "darwin": TargetOS.OSX, "win32": TargetOS.Windows}.get(sys.platform,
                                                                                          TargetOS.OSUnknown)
    features = ()
    if arch is TargetArch.X86 and os_ is TargetOS.Linux:
        features = [TargetFeature(name) for name in _host_x86_features()]
    return Target(os_, arch, bits, features)


def get_target_from_environment():
    """HL_TARGET if set, else the host (Halide's get_target_from_environment)."""
    return Target(os.environ.get("HL_TARGET") or "host")


def get_jit_target_from_environment():
    """HL_JIT_TARGET if set, else the host (Halide's get_jit_target_from_environment)."""
    return Target(os.environ.get("HL_JIT_TARGET") or "host")
