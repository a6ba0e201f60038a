"""Lowering: the passes in order, each a function (Stmt, LoweringContext) -> Stmt in its own
module. What a pass learns is written into the IR for the passes after it.

vectorize_loops runs after partitioning and simplification (the simplifier works on scalars),
narrowing just before it (on the scalar bodies it vectorizes), CSE last (it only shortens what
the code generator prints).
"""
import sys
import time
from dataclasses import dataclass

from ..ir import nodes as n
from ..ir.cse import cse
from ..ir.find import collect_stmts
from ..ir.names import element_buffer
from ..ir.simplify import shared_simplifier, simplify
from ..lang.frozen import PipelineDef, freeze
from ..lang.target import Target
from .aligned_accesses import aligned_accesses
from .allocation_bounds import allocation_bounds
from .async_producers import async_producers
from .bounds_inference import bounds_inference
from .buffer_checks import buffer_checks
from .context import LoweringContext
from .dense_clamped_loads import dense_clamped_loads
from .hoist_loop_invariants import hoist_loop_invariants
from .hvx_instructions import select_hvx_instructions
from .inject_dma import inject_dma
from .local_memory import check_local_memory
from .merge_interleaves import merge_interleaves
from .narrow_arithmetic import narrow_arithmetic
from .partition_loops import partition_loops
from .schedule_functions import schedule_functions
from .single_iteration_loops import single_iteration_loops
from .sliding_window import sliding_window
from .split_fold_transfers import split_fold_transfers
from .storage_flattening import storage_flattening
from .storage_folding import storage_folding
from .unroll_loops import unroll_loops
from .vectorize_loops import vectorize_loops
from .x86_instructions import select_x86_instructions


def _simplify(stmt, ctx):
    return simplify(stmt)


def _cse(stmt, ctx):
    return cse(stmt, ctx.names)


PASSES = [
    ("schedule_functions", schedule_functions),
    ("bounds_inference", bounds_inference),
    ("allocation_bounds", allocation_bounds),
    ("storage_folding", storage_folding),
    ("sliding_window", sliding_window),
    ("inject_dma", inject_dma),
    ("async_producers", async_producers),
    ("buffer_checks", buffer_checks),
    ("simplify", _simplify),
    ("split_fold_transfers", split_fold_transfers),
    ("storage_flattening", storage_flattening),
    ("local_memory", check_local_memory),
    ("partition_loops", partition_loops),
    ("unroll_loops", unroll_loops),
    ("final_simplify", _simplify),
    ("hoist_loop_invariants", hoist_loop_invariants),
    ("single_iteration_loops", single_iteration_loops),
    ("narrow_arithmetic", narrow_arithmetic),
    ("vectorize_loops", vectorize_loops),
    ("dense_clamped_loads", dense_clamped_loads),
    ("merge_interleaves", merge_interleaves),
    ("hvx_instructions", select_hvx_instructions),
    ("x86_instructions", select_x86_instructions),
    ("aligned_accesses", aligned_accesses),
    ("cse", _cse),
]

PASS_NAMES = [name for name, _ in PASSES]


@dataclass
class Lowered:
    stmt: object
    ctx: object     # the LoweringContext
    steps: list     # (pass name, Stmt) when dumps were asked for
    placed: object  # the statement after DMA injection: the last with Realize nodes
    times: list     # (pass name, CPU seconds)

    @property
    def warnings(self):
        return list(self.ctx.warn.messages)

    def step(self, name):
        return next(s for nm, s in self.steps if nm == name)

    def realizations(self):
        """{Func: Realize} of every realized Func (bounds and storage as lowering proved them)."""
        return {r.name: r for r in collect_stmts(self.placed, lambda s: type(s) is n.Realize)} if self.placed else {}

    def buffers(self):
        """{buffer: (Realize, element type)} of every realized Func's buffers (a Tuple-valued Func
        has one per element)."""
        return {element_buffer(r.name, i, len(r.types)): (r, t)
                for r in self.realizations().values() for i, t in enumerate(r.types)}

    def copies(self):
        """{Func: dma.Copy} of every DMA'd Func, as its backend checked it."""
        return {h.copy.func: h.copy for h in collect_stmts(self.stmt, lambda s: type(s) is n.DmaHandles)}

    @property
    def extent_bounds(self):
        """{Func: [largest extent per dimension, or None]}."""
        return {nm: list(r.storage.extent_bounds) for nm, r in self.realizations().items()}

    @property
    def folds(self):
        """{Func: {dimension index: fold factor}} of the folded Funcs."""
        return {nm: {f.dim: f.factor for f in r.storage.folds} for nm, r in self.realizations().items()
                if r.storage.folds}


# Python frames the walkers use per Func: each Func nests a realize, a produce and a consume
# (and its loops) around the rest of the pipeline, and every walker recurses per nesting level.
_FRAMES_PER_FUNC = 50


def _make_room(pipeline):
    """Raise the recursion limit (never lower it: threads share it) for a pipeline of many
    Funcs, so lowering and code generation of 100 root stages do not hit it."""
    needed = 1000 + _FRAMES_PER_FUNC * len(pipeline.functions)
    if sys.getrecursionlimit() < needed:
        sys.setrecursionlimit(needed)


def lower(pipeline, target=None, dump=False, stop_after=None):
    """Lower a frozen pipeline (a lang.frozen.PipelineDef, or the output Funcs to freeze) for
    `target`. With dump=True every pass's result is kept in .steps; stop_after names the last
    pass to run."""
    if stop_after is not None and stop_after not in PASS_NAMES:
        raise ValueError(f"no lowering pass named {stop_after!r}; the passes are {', '.join(PASS_NAMES)}")
    if not isinstance(pipeline, PipelineDef):
        pipeline, _ = freeze(list(pipeline))
    _make_room(pipeline)
    ctx = LoweringContext(pipeline, Target.parse(target))
    ctx.isl.assume(ctx.facts)
    stmt, steps, placed, times = None, [], None, []
    with shared_simplifier(ctx.facts):
        for name, fn in PASSES:
            t0 = time.process_time()
            stmt = fn(stmt, ctx)
            times.append((name, time.process_time() - t0))
            if dump:
                steps.append((name, stmt))
            if name == "inject_dma":
                placed = stmt
            if stop_after == name:
                break
    return Lowered(stmt, ctx, steps, placed, times)
