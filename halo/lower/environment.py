"""The pipeline environment: every Func reachable from the outputs, which are inlined, the
realization order (producers first) and each stage's definition with inlined Funcs substituted.
"""
from dataclasses import dataclass

from ..errors import DefinitionError, ScheduleError
from ..ir import nodes as n
from ..ir.visitor import Mutator, find_calls, substitute
from ..lang.schedule import LoopLevel


@dataclass
class StageDef:
    func: str
    index: int
    args: tuple
    value: n.Expr
    predicates: list
    rvars: list  # RVar objects, innermost first
    schedule: object  # StageSchedule
    pure_names: list


@dataclass
class Env:
    outputs: list      # Func
    funcs: dict        # name -> Func, realized (not inlined) ones
    order: list        # names, producers first
    stages: dict       # name -> [StageDef]
    compute: dict      # name -> LoopLevel
    store: dict        # name -> LoopLevel
    images: dict       # name -> ImageParam or Buffer
    params: dict       # name -> Param
    guard_tails: set   # Funcs whose Auto split tails are GuardWithIf (outputs of DMA pipelines)


def _all_funcs(outputs):
    seen = {}
    images = {}
    stack = list(outputs)
    while stack:
        f = stack.pop()
        if f.name() in seen:
            if seen[f.name()] is not f:
                raise DefinitionError(
                    f"two different Funcs in this pipeline are named {f.name()}; give them distinct names")
            continue
        if not f.defined():
            raise DefinitionError(f"Func {f.name()} is used in the pipeline but never defined")
        seen[f.name()] = f
        for st in f.stages():
            for e in tuple(st.args) + (st.value,) + tuple(st.predicates):
                for c in find_calls(e):
                    if c.call_type == "func":
                        stack.append(c.target)
                    else:
                        other = images.get(c.name)
                        if other is not None and other is not c.target:
                            raise DefinitionError(
                                f"two different images in this pipeline are named {c.name}; give them distinct names")
                        images[c.name] = c.target
    return seen, images


def _compute_level(f, is_output):
    s = f._schedule
    if is_output:
        if s.compute_level is not None and not s.compute_level.is_root():
            raise ScheduleError(
                f"Func {f.name()} is an output of the pipeline; it cannot be compute_at {s.compute_level} or "
                f"inlined (outputs are always computed at the root)")
        return LoopLevel.root()
    if s.compute_level is None:
        # Halide computes a Func with updates at the innermost loop of its consumer by default;
        # halo computes it at the root, which gives the same result without recomputation.
        return LoopLevel.root() if f.has_update_definition() else LoopLevel.inlined()
    return s.compute_level


class _Inline(Mutator):
    def __init__(self, inlined):
        self.inlined = inlined

    def visit_Call(self, e):
        args = tuple(self.mutate(a) for a in e.args)
        if e.call_type == "func" and e.name in self.inlined:
            f = self.inlined[e.name]
            st = f.stages()[0]
            body = self.mutate(st.value)
            return substitute({a.name: v for a, v in zip(st.args, args)}, body)
        return e if all(a is b for a, b in zip(args, e.args)) else e.with_(args=args)


def build_env(outputs):
    funcs, images = _all_funcs(outputs)
    out_names = {f.name() for f in outputs}
    compute = {nm: _compute_level(f, nm in out_names) for nm, f in funcs.items()}
    inlined = {nm: funcs[nm] for nm, lvl in compute.items() if lvl.is_inlined()}
    for nm, f in inlined.items():
        if f._schedule.store_level is not None:
            raise ScheduleError(
                f"Func {nm} is inlined (computed where it is used), so store_at / store_root has no storage "
                f"to place; also give it compute_root() or compute_at(...)")
    realized = {nm: f for nm, f in funcs.items() if nm not in inlined}
    inline = _Inline(inlined)
    stages = {}
    for nm, f in realized.items():
        defs = []
        for st in f.stages():
            defs.append(StageDef(nm, st.index, tuple(inline.mutate(a) for a in st.args), inline.mutate(st.value),
                                 [inline.mutate(p) for p in st.predicates], st.rvars, st.schedule,
                                 list(f._pure_names)))
        stages[nm] = defs
    store = {}
    for nm, f in realized.items():
        lvl = f._schedule.store_level
        store[nm] = compute[nm] if lvl is None else lvl
    order = _realization_order(realized, stages, [f.name() for f in outputs])
    params = {}
    for f in funcs.values():
        for nm, prm in f._params.items():
            if params.get(nm, prm) is not prm:
                raise DefinitionError(f"two different Params in this pipeline are named {nm}; give them distinct names")
            params[nm] = prm
    guard_tails = {o.name() for o in outputs} if any(f._dma is not None for f in realized.values()) else set()
    return Env(list(outputs), realized, order, stages, compute, store, images, params, guard_tails)


def _realization_order(realized, stages, outputs):
    """Producers before consumers (a topological order of the call graph)."""
    deps = {}
    for nm, defs in stages.items():
        called = set()
        for d in defs:
            for e in d.args + (d.value,) + tuple(d.predicates):
                for c in find_calls(e, ("func",)):
                    if c.name != nm:
                        called.add(c.name)
        deps[nm] = called
    order = []
    state = {}

    def visit(nm):
        if state.get(nm) == "done":
            return
        if state.get(nm) == "active":
            raise DefinitionError(f"the pipeline has a cycle through Func {nm}")
        state[nm] = "active"
        for d in sorted(deps[nm]):
            visit(d)
        state[nm] = "done"
        order.append(nm)

    for o in outputs:
        visit(o)
    return order
