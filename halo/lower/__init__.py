"""Lowering: the passes in order, each a function Stmt -> Stmt in its own module.

environment -> schedule_functions -> bounds_inference -> sliding_window -> allocation_bounds ->
storage_folding -> inject_dma -> async_producers -> buffer_checks ->
storage_flattening -> local_memory -> specialize_clamps -> unroll_loops -> simplify -> vectorize_loops
(vectorize_loops runs last: the simplifier works on scalars)
"""
import sys
from dataclasses import dataclass

from ..ir.simplify import simplify
from ..poly import regions
from .allocation_bounds import allocation_bounds
from .async_producers import async_producers
from .bounds_inference import bounds_inference
from .buffer_checks import buffer_checks
from .environment import build_env
from .inject_dma import inject_dma, plan_dma
from .schedule_functions import schedule_functions
from ..lang.target import Target
from .local_memory import check_local_memory
from .sliding_window import sliding_window
from .specialize_clamps import specialize_clamps
from .storage_folding import storage_folding
from .storage_flattening import storage_flattening
from .unroll_loops import unroll_loops
from .vectorize_loops import vectorize_loops

# Inlined stencil chains make deep expression trees, and the passes recurse over them.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


@dataclass
class Lowered:
    stmt: object
    env: object
    extent_bounds: dict  # func -> [largest extent per dimension, or None]
    steps: list          # (pass name, Stmt) when dumps were asked for
    warnings: list       # HaloWarning messages lowering gave
    folds: dict          # func -> {dimension index: fold factor}
    dma: dict            # func -> DmaPlan


def lower(outputs, dump=False, stop_after=None, target=None):
    """Lower the pipeline that computes `outputs`. With dump=True every pass's result is kept in
    .steps (and printed by loop_nest_text); stop_after names the last pass to run."""
    target = Target.parse(target)
    env = build_env(outputs)
    namer = regions.Namer()
    warn = regions.warner()
    steps = []
    extent_bounds = {}
    windows = {}
    folds = {}
    dma = {}
    dma_locals = set()

    def step(name, s):
        if dump:
            steps.append((name, s))
        return s

    passes = [
        ("schedule_functions", lambda s: schedule_functions(env)),
        ("bounds_inference", lambda s: bounds_inference(s, env, namer, warn)),
        ("sliding_window", None),
        ("allocation_bounds", None),
        ("storage_folding", None),
        ("inject_dma", None),
        ("async_producers", lambda s: async_producers(s, env, namer, windows, folds, dma_locals, target)),
        ("buffer_checks", lambda s: buffer_checks(s, env, namer, warn)),
        ("simplify", simplify),
        ("storage_flattening", lambda s: storage_flattening(s, env, extent_bounds, folds)),
        ("local_memory", lambda s: check_local_memory(s, target)),
        ("specialize_clamps", specialize_clamps),
        ("unroll_loops", unroll_loops),
        ("final_simplify", simplify),
        ("vectorize_loops", vectorize_loops),
    ]
    s = None
    for name, fn in passes:
        if name == "sliding_window":
            s, slid, windows = sliding_window(s, env, namer)
        elif name == "allocation_bounds":
            s, extent_bounds = allocation_bounds(s, namer, warn)
        elif name == "storage_folding":
            folds = storage_folding(s, env, namer, windows, extent_bounds)
        elif name == "inject_dma":
            dma = plan_dma(env, namer, windows, folds, target)
            dma_locals = {p.copy.local for p in dma.values()}
            s = inject_dma(s, env, namer, dma)
        else:
            s = fn(s)
        step(name, s)
        if stop_after == name:
            break
    return Lowered(s, env, extent_bounds, steps, list(warn.messages), folds, dma)


def loop_nest_text(outputs):
    """The loop nest before storage flattening: realize / produce / consume and loop structure."""
    low = lower(outputs, stop_after="simplify")
    return str(low.stmt)
