"""Inline reductions, as Halide's: hl.sum(e), hl.product, hl.maximum, hl.minimum over the RDom
that `e` uses (or one given first: hl.sum(r, e)) make an anonymous Func over e's free Vars with
one update over the RDom, and return a call of it; hl.argmax / hl.argmin return a tuple
(coordinate per RDom dimension..., value) as Halide's bindings do.

The result has e's type (a sum of uint8 wraps in uint8, as in Halide)."""
from ..errors import DefinitionError, TypeMismatchError
from ..ir import nodes as n
from ..ir.operators import as_expr, cast, const, max_, min_, select
from ..ir.types import Int
from ..ir.visitor import Mutator
from .func import Func
from .names import unique_name
from .var import RDom, Var

_NO_POSITION = Int(32).max_value()  # argmax's "no point was better than the start value"


class _FreeVars(Mutator):
    """The free Vars of an expression (in the order met) and its RDom; with an explicit RDom,
    RVars of another RDom become fresh Vars the Func is called with (as in Halide)."""

    def __init__(self, rdom, name):
        self.rdom, self.explicit, self.name = rdom, rdom is not None, name
        self.params, self.args = [], []  # the Func's pure Vars, and what it is called with

    def visit_Var(self, v):
        if v.name not in (p.name for p in self.params):
            self.params.append(v)
            self.args.append(v)
        return v

    def visit_RVar(self, v):
        if self.explicit and v.rdom is not self.rdom:
            fresh = next((p for p, a in zip(self.params, self.args) if a is v), None)
            if fresh is None:
                fresh = Var()
                self.params.append(fresh)
                self.args.append(v)
            return fresh
        if self.rdom is None:
            self.rdom = v.rdom
        elif v.rdom is not self.rdom:
            raise DefinitionError(f'Inline reduction "{self.name}" refers to reduction variables from multiple '
                                  f"reduction domains: {v.name}, {self.rdom.vars[0].name}; use one RDom with "
                                  f"several dimensions")
        return v


def _parts(args, name, what):
    """(RDom, expression, the Func's pure Vars, its call arguments) of hl.<what>([rdom,] e)."""
    if len(args) == 2 and isinstance(args[0], RDom):
        rdom, e = args
    elif len(args) == 1:
        rdom, e = None, args[0]
    else:
        raise DefinitionError(f"hl.{what} takes (expr[, name]) or (rdom, expr[, name]), got {len(args)} arguments")
    finder = _FreeVars(rdom, name)
    e = finder.mutate(as_expr(e))
    if finder.rdom is None:
        raise DefinitionError(f"Expression passed to {what} must reference a reduction domain: {e} uses no RVar; "
                              f"write it over an RDom, e.g. hl.{what}(inp[r.x, y]) with r = hl.RDom([(0, 3)])")
    if not finder.params:  # halo's Funcs have at least one dimension: a constant one stands in
        finder.params, finder.args = [Var()], [const(0)]
    return finder.rdom, e, finder.params, finder.args


def _func(what, name):
    """The reduction's Func: the name given, or a fresh one (Halide's sum$3)."""
    return Func(name if name is not None else unique_name(f"{what}$"))


def _reduce(what, name, args, start, step):
    rdom, e, params, call_args = _parts(args, name or what, what)
    if e.type.is_bool() and what in ("sum", "product"):
        raise TypeMismatchError(f"hl.{what} of the bool expression {e}: halo does not add or multiply bools; cast "
                                f"it first, e.g. hl.{what}(hl.cast(hl.Int(32), ...))")
    f = _func(what, name)
    f[params] = start(e.type)
    f[params] = step(f[params], e)
    return f[call_args]


def sum(*args, name=None):
    """The sum of `e` over its RDom, in e's type."""
    args, name = _named(args, name)
    return _reduce("sum", name, args, lambda t: cast(t, 0), lambda acc, e: acc + e)


def product(*args, name=None):
    """The product of `e` over its RDom, in e's type."""
    args, name = _named(args, name)
    return _reduce("product", name, args, lambda t: cast(t, 1), lambda acc, e: acc * e)


def maximum(*args, name=None):
    """The largest value of `e` over its RDom (the type's min, -inf for floats, when empty)."""
    args, name = _named(args, name)
    return _reduce("maximum", name, args, lambda t: t.min(), max_)


def minimum(*args, name=None):
    """The smallest value of `e` over its RDom (the type's max, +inf for floats, when empty)."""
    args, name = _named(args, name)
    return _reduce("minimum", name, args, lambda t: t.max(), min_)


def argmax(*args, name=None):
    """(coordinates..., value) of the first point of the RDom where `e` is largest."""
    args, name = _named(args, name)
    return _arg_best("argmax", name, args, lambda a, b: a > b, lambda t: t.min())


def argmin(*args, name=None):
    """(coordinates..., value) of the first point of the RDom where `e` is smallest."""
    args, name = _named(args, name)
    return _arg_best("argmin", name, args, lambda a, b: a < b, lambda t: t.max())


def _arg_best(what, name, args, better, start):
    """Halide keeps (coordinates, value) in one Tuple-valued Func and takes a point only when it
    is strictly better than the best so far, starting from coordinates 0 and the type's min (max).
    Without Tuples the same result comes from two Funcs: the best value by that rule, then the
    first point, in iteration order (r.x innermost), that has it, provided one was better than
    the start at all (else the coordinates stay 0, as Halide's do)."""
    rdom, e, params, call_args = _parts(args, name or what, what)
    best = _func(what, name)
    best[params] = start(e.type)
    best[params] = select(better(e, best[params]), e, best[params])
    position, stride = const(0), const(1)
    strides = []
    for r in rdom.vars:  # the point's place in iteration order
        position = position + (r - cast(Int(32), r.min)) * stride
        strides.append(stride)
        stride = stride * cast(Int(32), r.extent)
    first = _func(f"{what}_at", None if name is None else f"{name}_at")
    first[params] = const(_NO_POSITION)
    found = (e == best[params]) & better(best[params], start(e.type))
    first[params] = min_(first[params], select(found, position, const(_NO_POSITION)))
    at, value = first[call_args], best[call_args]
    coords = tuple(select(at == _NO_POSITION, 0, cast(Int(32), r.min) + (at / s) % cast(Int(32), r.extent))
                   for r, s in zip(rdom.vars, strides))
    return coords + (value,)


def _named(args, name):
    """Halide's bindings take the name as a last positional argument too: hl.sum(e, "total")."""
    if args and isinstance(args[-1], str):
        return args[:-1], args[-1]
    return args, name
