"""Target: where generated code runs and, for DMA pipelines, which Snapdragon device's local
memory it must fit in. Written like Halide's target strings: "host", "host-sm8250",
"hexagon-v68-hvx128-sm8350"."""
from dataclasses import dataclass

from ..errors import ScheduleError

# Hexagon local memory (locked L2) per device, from the UBWCDMA documentation.
DEVICES = {"sm8150": 384 * 1024, "sm8250": 768 * 1024, "sm8350": 768 * 1024}
# Hardware threads that may each hold their own copy of a local buffer (cDSP HVX contexts).
HEXAGON_THREADS = 4


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
        for p in parts[1:]:
            if p in DEVICES:
                device = p
            else:
                features.append(p)
        return Target(arch, device, tuple(features))

    def localmem_capacity(self):
        return DEVICES[self.device]

    def __str__(self):
        return "-".join([self.arch, *self.features, self.device])
