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


@dataclass(frozen=True)
class Target:
    arch: str = "host"
    device: str = "sm8150"
    features: tuple = ()

    @staticmethod
    def parse(text):
        if isinstance(text, Target):
            return text
        if text is None:
            return Target()
        parts = [p for p in str(text).lower().split("-") if p]
        if not parts:
            return Target()
        arch, device, features = parts[0], "sm8150", []
        if arch not in ("host", "hexagon"):
            raise ScheduleError(f"target {text!r}: unknown architecture {arch!r}; legal: host, hexagon")
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
        return Target(arch, device, tuple(features))

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
