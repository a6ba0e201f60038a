"""The pipeline's environment, a pure function of the frozen pipeline: which Funcs are realized
and which inlined, where each is computed and stored, the realization order (producers first),
and each realized stage's definition with the inlined Funcs expanded.

Inlining binds a call's arguments with lets (trivial ones, a variable plus a constant, are
substituted), so an inlined body appears once per call, not once per use of each argument.
"""
from dataclasses import dataclass, replace
from functools import lru_cache

from ..errors import DefinitionError, ScheduleError
from ..ir import nodes as n
from ..ir.find import find_calls
from ..ir.names import Derived
from ..ir.simplify import simplify
from ..ir.visitor import Mutator, substitute
from ..lang.frozen import INLINED, ROOT


@dataclass(frozen=True, eq=False)
class Env:
    pipeline: object      # PipelineDef
    order: tuple          # realized Func names, producers first
    compute: dict         # realized name -> Level
    store: dict           # realized name -> Level
    definitions: dict     # realized name -> (Definition, ...) with inlined calls expanded
    guard_tails: frozenset  # Funcs whose Auto split tails are GuardWithIf (outputs of DMA pipelines,
                            # specialized outputs)

    def function(self, name):
        return self.pipeline.functions[name]

    def is_output(self, name):
        return name in self.pipeline.outputs


def _compute_level(f, is_output):
    if is_output:
        if f.compute is not None and not f.compute.is_root():
            raise ScheduleError(
                f"Func {f.name} is an output of the pipeline; it cannot be compute_at {f.compute} or "
                f"inlined (outputs are always computed at the root)")
        return ROOT
    if f.compute is None:
        # Halide computes a Func with updates at the innermost loop of its consumer by default;
        # halo computes it at the root, which gives the same result without recomputation.
        return ROOT if f.has_updates() else INLINED
    return f.compute


def _trivial(e):
    """Arguments substituted into an inlined body rather than bound by a let."""
    if type(e) in (n.Variable, n.IntImm):
        return True
    return type(e) in (n.Add, n.Sub) and type(e.a) is n.Variable and type(e.b) is n.IntImm


class _Inline(Mutator):
    def __init__(self, functions, inlined):
        self.functions = functions
        self.inlined = inlined
        self.bodies = {}  # (inlined name, element) -> its value with its own callees inlined
        self.arg_names = {}  # (Func.var, argument) -> the name of the let that binds it

    def arg_name(self, base, value):
        """One name per argument value: a let name then means one thing wherever it appears (an
        inlined body, and the lets of its own callees, is reused at every call site)."""
        key = (base, n.Key(value))
        name = self.arg_names.get(key)
        if name is None:
            name = self.arg_names[key] = Derived(base, "arg", len(self.arg_names))
        return name

    def visit_Call(self, e):
        e = self.generic_visit(e)
        if e.call_type != n.FUNC or e.name not in self.inlined:
            return e
        f = self.functions[e.name]
        key = (e.name, e.value_index)
        body = self.bodies.get(key)
        if body is None:
            body = self.bodies[key] = self.mutate(f.definitions[0].values[e.value_index])
        mapping, lets = {}, []
        for var, arg in zip(f.args, e.args):
            if _trivial(arg):
                mapping[var] = arg
            else:
                name = self.arg_name(f"{f.name}.{var}", arg)
                mapping[var] = n.Variable(arg.type, name)
                lets.append((name, arg))
        out = _RenameArgs(self).mutate(substitute(mapping, body))
        for name, value in reversed(lets):
            out = n.Let(out.type, name, value, out)
        # simplified (and interned) here: the taps of inlined stencils that read the same point
        # become one node, which every later pass then visits once
        return simplify(out)


class _RenameArgs(Mutator):
    """The lets of a reused body renamed after their values at this call site."""

    def __init__(self, inline):
        self.inline = inline

    def visit_Let(self, e):
        value = self.mutate(e.value)
        name = self.inline.arg_name(e.name.base, value) if isinstance(e.name, Derived) and e.name.what == "arg" \
            else e.name
        body = e.body if name == e.name else substitute({e.name: n.Variable(e.value.type, name)}, e.body)
        return n.Let(e.type, name, value, self.mutate(body))


@lru_cache(maxsize=64)
def _env(pipeline):
    functions = pipeline.functions
    compute = {nm: _compute_level(f, nm in pipeline.outputs) for nm, f in functions.items()}
    inlined = {nm for nm, lvl in compute.items() if lvl.is_inlined()}
    for nm in sorted(inlined):
        if functions[nm].store is not None:
            raise ScheduleError(
                f"Func {nm} is inlined (computed where it is used), so store_at / store_root has no storage "
                f"to place; also give it compute_root() or compute_at(...)")
    inline = _Inline(functions, inlined)

    def expanded(d):
        return replace(d, args=tuple(inline.mutate(a) for a in d.args),
                       values=tuple(inline.mutate(v) for v in d.values),
                       predicates=tuple(inline.mutate(p) for p in d.predicates),
                       specializations=tuple(replace(sp, definition=expanded(sp.definition))
                                             for sp in d.specializations))
    definitions = {nm: tuple(expanded(d) for d in f.definitions) for nm, f in functions.items() if nm not in inlined}
    realized = set(definitions)
    compute = {nm: lvl for nm, lvl in compute.items() if nm in realized}
    store = {nm: functions[nm].store or compute[nm] for nm in realized}
    order = _realization_order(definitions, pipeline.outputs)
    dma_pipeline = any(functions[nm].dma is not None for nm in realized)
    # A specialized output's requirements would hold in one branch only: its tails are guarded
    specialized = {o for o in pipeline.outputs if any(d.is_specialized() for d in definitions[o])}
    guard_tails = frozenset(pipeline.outputs if dma_pipeline else specialized)
    return Env(pipeline, order, compute, store, definitions, guard_tails)


def environment(pipeline):
    """The Env of a frozen pipeline (computed once per pipeline)."""
    return _env(pipeline)


def _realization_order(definitions, outputs):
    """Producers before consumers (a topological order of the call graph)."""
    deps = {}
    for nm, defs in definitions.items():
        called = set()
        for d in defs:
            for e in d.args + d.values + d.predicates:
                called.update(c.name for c in find_calls(e, (n.FUNC,)) if c.name != nm)
        deps[nm] = called
    order, state = [], {}

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
    return tuple(order)
