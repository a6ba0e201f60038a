"""Local-memory budgets as formulas (sympy): each local buffer's size as a function of the
schedule's split factors (tile sizes, strips, vector widths) and folds, and the largest tile whose
buffers fit a device.

Bounds inference works on the schedule's constants, so the formulas are recovered from the
compiler itself: the pipeline is lowered again with one split factor halved at a time, each
extent that is not a fold is fitted as an affine function of the factors (exact for the affine
accesses image pipelines make), and the fit is checked against one more lowering with every factor
quartered. A buffer the fit does not predict there gets no formula (None)."""
import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import sympy

from .errors import HaloError
from .ir import nodes as n
from .ir.memory import LOCAL_ALIGN
from .lower import lower
from .lower.local_memory import local_buffers

# the statement the capacity check reads (the passes after it do not change allocations)
MEASURE_PASS = "storage_flattening"


@dataclass(frozen=True)
class BufferFormula:
    """A local buffer's size: `extents` (sympy, elements per dimension) x `element_bytes`, aligned
    to the local-memory granule, times the `copies` live at once."""
    name: str
    memory: object
    extents: tuple
    element_bytes: int
    copies: int

    @property
    def unaligned(self):
        return sympy.factor(sympy.Mul(*self.extents) * self.element_bytes)

    @property
    def bytes(self):
        return LOCAL_ALIGN * sympy.ceiling(self.unaligned / LOCAL_ALIGN)

    @property
    def total(self):
        return self.copies * self.bytes


@dataclass(frozen=True)
class _Measured:
    memory: object
    extents: tuple     # ints; a folded dimension has its fold factor
    folds: tuple       # dimensions that are folded
    element_bytes: int
    copies: int


def measure(lowered):
    """{buffer: _Measured} of the constant-size local buffers of a lowering."""
    realized = lowered.buffers()
    out = {}
    for b in local_buffers(lowered.stmt):
        if b.bytes is None:
            continue
        r, element_type = realized[b.name]
        extents = list(r.storage.extent_bounds)
        for f in r.storage.folds:
            extents[f.dim] = f.factor
        out[b.name] = _Measured(b.memory, tuple(extents), tuple(f.dim for f in r.storage.folds), element_type.bytes(),
                                b.copies)
    return out


def fit(lower_at, base, fold_symbol=None):
    """{buffer: BufferFormula or None} of the buffers `lower_at(base)` allocates. `lower_at(values)`
    lowers the schedule with {Symbol: int} values; `base` holds the symbols to vary and their
    values as scheduled. With `fold_symbol(buffer, dim)`, folded extents are that symbol."""
    ref = measure(lower_at(base))
    steps = {}
    for s, v in base.items():
        if v < 2:
            continue
        try:
            steps[s] = (v - v // 2, measure(lower_at({**base, s: v // 2})))
        except HaloError:
            continue  # this schedule refuses a smaller factor: the formula keeps its value
    check_values = {**base, **{s: max(1, base[s] // 4) for s in steps}}
    try:
        check = measure(lower_at(check_values))
    except HaloError:
        check = {}
    folds = {}
    out = {}
    for name, m in ref.items():
        extents = []
        for d, e in enumerate(m.extents):
            if d in m.folds and fold_symbol:
                symbol = fold_symbol(name, d)
                folds[symbol] = e
                extents.append(symbol)
                continue
            expr = sympy.Integer(e)
            for s, (dv, other) in steps.items():
                if name not in other:
                    expr = None
                    break
                expr += sympy.Rational(e - other[name].extents[d], dv) * (s - base[s])
            extents.append(expr)
        formula = None
        if None not in extents and name in check and check[name].copies == m.copies:
            predicted = tuple(sympy.expand(x).subs({**check_values, **folds}) for x in extents)
            if predicted == check[name].extents:
                formula = BufferFormula(name, m.memory, tuple(sympy.expand(x) for x in extents), m.element_bytes,
                                        m.copies)
        out[name] = formula
    return out


def _stage_name(definition):
    return definition.name()


def _constant_factor(split):
    """The split's factor when it is a constant (not a fuse, a rename or a Param's expression)."""
    if split.is_fuse or split.is_rename or type(split.factor) is not n.IntImm:
        return None
    return split.factor.value


def pipeline_symbols(pipeline):
    """({Symbol: value} of every constant split factor of a frozen pipeline, named
    split(<stage>.<var>), and fold_symbol(buffer, dim) naming folds fold(<func>.<var>))."""
    base = {}
    for fn in pipeline.functions.values():
        for d in fn.definitions:
            for sp in d.splits:
                if _constant_factor(sp) is None:
                    continue
                name = f"split({_stage_name(d)}.{sp.old})"
                while sympy.Symbol(name, positive=True, integer=True) in base:
                    name += "'"
                base[sympy.Symbol(name, positive=True, integer=True)] = _constant_factor(sp)

    # a Tuple's element buffers (t.0, t.1) share their Func's fold
    owner = {b: fn for fn in pipeline.functions.values() for b, _ in fn.buffers()}

    def fold_symbol(buffer, dim):
        fn = owner[buffer]
        return sympy.Symbol(f"fold({fn.name}.{fn.args[dim]})", positive=True, integer=True)
    return base, fold_symbol


def with_split_factors(pipeline, values):
    """A copy of the frozen pipeline whose split factors are `values` ({Symbol: int}, named as
    pipeline_symbols names them)."""
    by_name = {s.name: v for s, v in values.items()}
    functions = {}
    for name, fn in pipeline.functions.items():
        definitions = []
        for d in fn.definitions:
            splits, seen = [], set()
            for sp in d.splits:
                key = f"split({_stage_name(d)}.{sp.old})"
                while key in seen:
                    key += "'"
                if _constant_factor(sp) is not None:
                    seen.add(key)
                    sp = dataclasses.replace(sp, factor=sp.factor.with_(value=by_name.get(key, sp.factor.value)))
                splits.append(sp)
            definitions.append(dataclasses.replace(d, splits=tuple(splits)))
        functions[name] = dataclasses.replace(fn, definitions=tuple(definitions))
    tag = ",".join(f"{k}={v}" for k, v in sorted(by_name.items()))
    return dataclasses.replace(pipeline, functions=MappingProxyType(functions), digest=f"{pipeline.digest}[{tag}]")


def pipeline_formulas(pipeline, target, lowered=None):
    """{buffer: BufferFormula or None} of a frozen pipeline's local buffers, in its split factors
    and folds (`lowered`: the pipeline's lowering as scheduled, when there is one)."""
    base, fold_symbol = pipeline_symbols(pipeline)

    def lower_at(values):
        if values == base and lowered is not None:
            return lowered
        return lower(with_split_factors(pipeline, values), target, stop_after=MEASURE_PASS)
    return fit(lower_at, base, fold_symbol)
