"""Target: where generated code runs and, for DMA pipelines, which Snapdragon device's local
memory it must fit in. Written like Halide's target strings: "host", "host-sm8250",
"hexagon-v68-hvx128", "hexagon-v67-hvx128-sm8350"."""
from dataclasses import dataclass

from ..errors import ScheduleError

# Hexagon local memory (locked L2) per device, from the UBWCDMA documentation.
DEVICES = {"sm8150": 384 * 1024, "sm8250": 768 * 1024, "sm8350": 768 * 1024}
# Hardware threads that may each hold their own copy of a local buffer (cDSP HVX contexts).
HEXAGON_THREADS = 4
# Hexagon ISA versions clang-19 knows; qemu-hexagon 7.2 executes up to v67.
HEXAGON_ISAS = ("v65", "v66", "v67", "v68", "v69", "v73")
DEFAULT_HEXAGON_ISA = "v68"
# The ISAs qemu-hexagon 7.2 executes (the newer ones only compile).
QEMU_HEXAGON_ISAS = ("v65", "v66", "v67")
HVX_FEATURES = {"hvx128": 128}
# The host's natural vector width (AVX2 / two NEON registers).
HOST_VECTOR_BYTES = 32


ARCHS = ("host", "hexagon")


@dataclass(frozen=True)
class Target:
    """Target("hexagon-v67-hvx128-sm8250") parses a target string, as Halide's Target(str)
    does; Target(arch, device, features) takes the parts, checked the same way."""
    arch: str = "host"
    device: str = "sm8150"
    features: tuple = ()

    def __post_init__(self):
        if self.arch in ARCHS:
            text = "-".join([self.arch, *self.features, self.device])
        elif (self.device, self.features) == ("sm8150", ()):
            text = self.arch
        else:
            raise ScheduleError(f"Target({self.arch!r}, ...): give a target string alone, or an architecture "
                                f"({', '.join(ARCHS)}) with a device and features")
        parsed = Target._parse_parts(text)
        object.__setattr__(self, "arch", parsed[0])
        object.__setattr__(self, "device", parsed[1])
        object.__setattr__(self, "features", parsed[2])

    @staticmethod
    def parse(text):
        if isinstance(text, Target):
            return text
        if text is None:
            return Target()
        return Target(str(text))

    @staticmethod
    def _parse_parts(text):
        """(arch, device, features) of a target string, or a ScheduleError naming what is wrong."""
        if not isinstance(text, str):
            raise ScheduleError(f"a target is a string such as 'host-sm8250' or 'hexagon-v67-hvx128', "
                                f"not {type(text).__name__} {text!r}")
        parts = [p for p in text.lower().split("-") if p]
        if not parts:
            return "host", "sm8150", ()
        arch, device, features = parts[0], "sm8150", []
        if arch not in ARCHS:
            raise ScheduleError(f"target {text!r}: unknown architecture {arch!r}; legal: {', '.join(ARCHS)}")
        legal = HEXAGON_ISAS + tuple(HVX_FEATURES) if arch == "hexagon" else ()
        for p in parts[1:]:
            if p in DEVICES:
                device = p
            elif p in legal:
                features.append(p)
            else:
                raise ScheduleError(
                    f"target {text!r}: unknown feature {p!r} for {arch}; legal: "
                    f"{', '.join(legal + tuple(DEVICES))}"
                    + ("" if arch == "hexagon" else " (ISA versions and hvx128 need the hexagon architecture)"))
        isas = [f for f in features if f in HEXAGON_ISAS]
        if len(isas) > 1:
            raise ScheduleError(f"target {text!r}: more than one Hexagon ISA version ({', '.join(isas)})")
        return arch, device, tuple(features)

    @property
    def isa(self):
        """The Hexagon ISA version ("v68" unless the target names one); None for the host."""
        if self.arch != "hexagon":
            return None
        return next((f for f in self.features if f in HEXAGON_ISAS), DEFAULT_HEXAGON_ISA)

    @property
    def hvx_bytes(self):
        """The HVX vector length in bytes, or 0 without HVX."""
        return next((HVX_FEATURES[f] for f in self.features if f in HVX_FEATURES), 0)

    @property
    def has_threads(self):
        """Whether generated code may start threads: the Hexagon build is freestanding and has
        none (qemu-hexagon's user mode gives no QuRT)."""
        return self.arch == "host"

    def natural_vector_size(self, t):
        """Lanes of type `t` in one machine vector (Halide's Target::natural_vector_size)."""
        width = self.hvx_bytes or (HOST_VECTOR_BYTES if self.arch == "host" else 8)
        return max(1, width // t.bytes())

    def localmem_capacity(self):
        return DEVICES[self.device]

    def __str__(self):
        return "-".join([self.arch, *self.features, self.device])
