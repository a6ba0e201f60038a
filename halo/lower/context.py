"""The one context every lowering pass reads: the frozen pipeline, its environment and the
schedule's requirements, the target, the name supply, the warnings lowering gives, and the
per-compilation isl state (which assumes the requirements)."""
import warnings as _warnings
from dataclasses import dataclass, field

from ..errors import HaloWarning
from ..ir.names import NameSupply
from ..poly.isl_bridge import IslContext
from .environment import environment
from .requirements import constraints, facts, requirements


class Warnings:
    """Each message once per compilation; `.messages` lists them so a cached compilation can
    give them again."""

    def __init__(self):
        self.messages = []

    def __call__(self, msg):
        if msg not in self.messages:
            self.messages.append(msg)
            _warnings.warn(msg, HaloWarning, stacklevel=3)


@dataclass
class LoweringContext:
    pipeline: object   # PipelineDef
    target: object     # Target
    names: NameSupply = field(default_factory=NameSupply)
    warn: Warnings = field(default_factory=Warnings)
    isl: IslContext = field(default_factory=IslContext)

    def warn_all(self, messages):
        for m in messages:
            self.warn(m)

    @property
    def env(self):
        return environment(self.pipeline)

    @property
    def requirements(self):
        """What the schedule needs of the output buffers (asserted first, assumed after)."""
        return requirements(self.env)

    @property
    def constraints(self):
        """The declared constraints of the input and output buffers (asserted first)."""
        return constraints(self.env)

    @property
    def facts(self):
        """What every pass may assume: the requirements and the constant constraints."""
        return facts(self.env)
