"""Wrapper Funcs, as Halide's Func.in_ / ImageParam.in_: `f.in_(g)` is a Func
`f_in_g(x, y) = f(x, y)` that g calls instead of f; `f.in_()` one that every Func but itself
calls instead. A wrapper is an ordinary Func to schedule (the natural DMA copy:
`inp.in_().compute_at(out, tx).hexagon_ubwcdma_read()`). Calls are redirected when the pipeline
is frozen, so the consumers' definitions stay as written."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.visitor import Mutator

GLOBAL = None  # the key of a wrapper every consumer uses


def wrapper(callee, consumers):
    """The wrapper of `callee` (a Func or ImageParam) for `consumers` (Funcs; () for all), made
    once per consumer set as in Halide: a second f.in_(g) is the same Func."""
    from .func import Func
    from .names import changed
    from .var import Var
    for c in consumers:
        if not isinstance(c, Func):
            raise ScheduleError(f"{callee.name()}.in_: in_ takes Funcs (the consumers that call the wrapper), got "
                                f"{c!r}")
    what = f"{callee.name()}.in_({', '.join(c.name() for c in consumers)})"
    for c in consumers:
        if c is callee:
            raise ScheduleError(f"{what}: a Func cannot be its own consumer; legal: another Func, or in_() for all")
    if isinstance(callee, Func) and not callee.defined():
        raise ScheduleError(f"{what}: {callee.name()} has no definition yet; define it before asking for a wrapper")
    # {consumer Func, or GLOBAL: wrapper}; Funcs hash by identity
    table = callee.__dict__.setdefault("_wrappers", {})
    keys = list(consumers) or [GLOBAL]
    w = next((table[k] for k in keys if k in table), None)
    if w is None:
        name = f"{callee.name()}_in_{consumers[0].name()}" if consumers else f"{callee.name()}_global_wrapper"
        w = Func(name)
        dims = callee.dimensions()
        vs = [Var(f"{name}_v{i}") for i in range(dims)]
        w[vs] = callee[vs]
    changed()
    for k in keys:
        table[k] = w
    return w


class _Redirect(Mutator):
    """Calls of a wrapped Func or image become calls of the wrapper `consumer` should use."""

    def __init__(self, consumer):
        self.consumer = consumer

    def visit_Call(self, e):
        e = self.generic_visit(e)
        table = getattr(e.target, "_wrappers", None) if e.call_type in (n.FUNC, n.IMAGE) else None
        if not table:
            return e
        w = table.get(self.consumer, table.get(GLOBAL))
        if w is None or w is self.consumer:
            return e
        return n.Call(e.type, w.name(), e.args, n.FUNC, w, e.value_index)


def redirected(consumer, exprs):
    """`exprs` (of Func `consumer`) with wrapped callees replaced by their wrappers."""
    r = _Redirect(consumer)
    return tuple(r.mutate(e) for e in exprs)
