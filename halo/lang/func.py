"""Func and Stage: definitions (pure and update) and the scheduling directives on them.

Directives only record data (schedule.py); nothing is applied until lowering. A directive that
can be checked on its own (unknown dimension, name reuse, bad factor) is checked here, at the
call, so the error points at the line that wrote it.
"""
from ..errors import DefinitionError, HaloError, ScheduleError, TypeMismatchError
from ..ir import nodes as n
from ..ir.operators import as_expr, cast
from ..ir.types import Int, Type
from ..ir.visitor import Mutator, Visitor
from dataclasses import replace

from .exprlike import ExprLike
from .frozen import INLINED, ROOT, Definition, Function, Level, RVarDef, Specialization, callees
from .names import changed, unique_name, user_name
from .param import Dimension, default_constraints, host_alignment
from .tuple import TupleRef, tuple_values
from .schedule import (Dim, DmaSpec, FuncSchedule, LoopLevel, MemoryType, Split, StageSchedule, StorageDim,
                       TailStrategy)
from .var import RVar, Var
from .wrappers import redirected, wrapper


def _var_name(v, what):
    if isinstance(v, (Var, RVar)):
        return v.name
    if isinstance(v, n.Variable):
        return v.name
    if isinstance(v, str):
        return v
    if hasattr(v, "vars") and len(v.vars) == 1:  # a 1-D RDom stands for its only RVar
        return v.vars[0].name
    raise ScheduleError(f"{what} needs a Var or RVar, got {v!r}")


def _shown(factor):
    """A split factor as messages show it (a Param by its name)."""
    if isinstance(factor, int):
        return str(factor)
    try:
        return str(plain(factor))
    except HaloError:
        return repr(factor)


def _positive_factor(factor, func_name, directive):
    f = as_expr(factor)
    if not f.type.is_integer():
        raise ScheduleError(f"{func_name}: {directive} factor must be an integer, got {f.type} ({f})")
    if isinstance(f, n.IntImm) and f.value <= 0:
        raise ScheduleError(f"{func_name}: {directive} factor must be positive, got {f.value}")
    return cast(Int(32), f)


class _Normalize(Mutator):
    """Var / RVar objects become plain Variables; records the RVars met."""

    def __init__(self):
        self.rvars = {}
        self.params = {}

    def visit_Variable(self, e):
        if hasattr(e, "param"):
            self.params[e.name] = e.param
            return n.Variable(e.type, e.name)
        if isinstance(e, RVar):
            self.rvars[e.name] = e
            return n.Variable(e.type, e.name)
        if type(e) is not n.Variable:
            return n.Variable(e.type, e.name)
        return e

    visit_Var = visit_RVar = visit_ParamRef = visit_Variable


class _VarUses(Visitor):
    """Names of the pure Vars (Var objects, not Params or symbols) an expression uses."""

    def __init__(self):
        self.names = []

    def visit_Variable(self, e):
        if isinstance(e, Var) and e.name not in self.names:
            self.names.append(e.name)

    visit_Var = visit_Variable


def _normalize(exprs, params=None):
    """Exprs with Var / RVar / Param references made plain Variables; returns the RVars met and
    records the Params met into `params`."""
    norm = _Normalize()
    out = tuple(norm.mutate(as_expr(e)) for e in exprs)
    if params is not None:
        params.update(norm.params)
    return out, norm.rvars


def plain(e):
    """`e` with Var / RVar / Param references made plain Variables."""
    return _normalize((e,))[0][0]


class _PendingUpdate:
    """`f[x] += v` on a Func with no definition yet: the pure definition becomes the operator's
    identity (Halide rule); `ref` is the f[x] it was made from, the only place it may define."""

    def __init__(self, op, value, ref):
        self.op, self.value, self.ref = op, value, ref


class _UndefinedRef(ExprLike):
    """f[...] of a Func with no definition yet: only `f[...] += v` (and -=, *=, /=, or
    `f[...] = f[...] + v`) may use it, as in Halide."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def _pending(op):
        def fn(self, value):
            return _PendingUpdate(op, value, self)
        return fn

    __iadd__ = __add__ = _pending("+")
    __isub__ = __sub__ = _pending("-")
    __imul__ = __mul__ = _pending("*")
    __itruediv__ = __truediv__ = _pending("/")

    def __halo_expr__(self):
        raise DefinitionError(
            f'Can\'t call Func "{self.func.name()}" because it has not yet been defined. Define it first, e.g. '
            f"{self.func.name()}[x, y] = ...")


class Stage:
    """One definition of a Func (index 0 is the pure definition) and its loop schedule."""

    def __init__(self, func, index, args, values, rvars, predicates):
        self.func = func
        self.index = index
        self.args = args
        self.values = values  # one Expr per element of the Func
        self.rvars = rvars  # RVar objects, innermost first
        self.predicates = predicates
        pure_names = func._pure_names if index else [a.name for a in args]
        dims = [Dim(r.name, is_rvar=True, is_pure=False) for r in rvars]
        for i, a in enumerate(args):
            if index == 0 or (isinstance(a, n.Variable) and i < len(pure_names) and a.name == pure_names[i]):
                dims.append(Dim(a.name))
        self.schedule = StageSchedule(dims=dims)
        self.specializations = []  # (condition Expr, Stage), checked in order
        self.failure = None        # specialize_fail's message

    # ---- specializations (Halide's Stage::specialize) ----
    def specialize(self, condition):
        """A copy of this stage (with the schedule it has now) that runs instead of it when
        `condition` holds, and can be scheduled on its own: the first specialization whose
        condition holds runs; when none does, this stage's own schedule."""
        cond = as_expr(condition)
        (plain_cond,), rvars = _normalize((cond,), self.func._params)
        where = f"In schedule for {self.name()}: specialize({plain_cond})"
        if not cond.type.is_bool() or cond.type.lanes != 1:
            raise ScheduleError(f"{where}: the condition must be a boolean Expr of Params and buffer properties "
                                f"(e.g. p > 3, inp.width() >= 64), got type {cond.type}")
        uses = _VarUses()
        uses.visit(cond)
        depends = uses.names + list(rvars)
        if depends:
            raise ScheduleError(f"{where}: Specialization condition ({plain_cond}) for {self.func.name()} depends on Var or "
                                f"RVar {depends[0]}. Specialization conditions may not depend on any Vars or RVars; "
                                f"use Params and buffer properties")
        from ..ir.find import find_calls
        if find_calls(plain_cond, (n.FUNC, n.IMAGE)):
            raise ScheduleError(f"{where}: the condition reads a Func or image; specialization conditions may use "
                                f"only Params and buffer properties (inp.width(), inp.dim(1).extent(), ...)")
        if self.failure is not None:
            raise ScheduleError(f"{where}: Cannot add new specializations after specialize_fail().")
        for c, st in self.specializations:
            if n.equal(c, plain_cond):  # Halide: the same condition gives the same specialization
                return st
        spec = Stage(self.func, self.index, self.args, self.values, self.rvars, self.predicates)
        spec.schedule = StageSchedule(list(self.schedule.dims), list(self.schedule.splits))
        changed()
        self.specializations.append((plain_cond, spec))
        return spec

    def specialize_fail(self, message):
        """When no specialization's condition holds, the pipeline fails with `message` (at run
        time) instead of running this stage's own schedule."""
        if not isinstance(message, str):
            raise ScheduleError(f"In schedule for {self.name()}: specialize_fail needs a message (a str), "
                                f"got {message!r}")
        if self.failure is not None:
            raise ScheduleError(f"In schedule for {self.name()}: specialize_fail({message!r}): Only one "
                                f"specialize_fail() may be defined per Stage.")
        changed()
        self.failure = message
        return self

    # ---- naming ----
    def name(self):
        f = self.func.name()
        return f if self.index == 0 else f"{f}.update({self.index - 1})"

    def dim_names(self):
        return [d.var for d in self.schedule.dims]

    def _find_dim(self, name, directive):
        for i, d in enumerate(self.schedule.dims):
            if d.var == name:
                return i
        split_into = [s for s in self.schedule.splits if s.old == name and not s.is_fuse]
        hint = ""
        if split_into:
            s = split_into[-1]
            hint = f"; it was already split into {s.outer} and {s.inner}"
        raise ScheduleError(
            f"In schedule for {self.name()}: {directive}: could not find dimension {name}{hint}. "
            f"Dimensions are (innermost first): {', '.join(self.dim_names())}")

    def _check_new_name(self, name, directive, allowed=()):
        if name in allowed:
            return
        if name in self.dim_names():
            raise ScheduleError(
                f"In schedule for {self.name()}: {directive}: the name {name} is already a dimension of "
                f"{self.name()}; choose a new name")

    # ---- loop directives ----
    def split(self, old, outer, inner, factor, tail=TailStrategy.Auto):
        return self._split(old, outer, inner, factor, tail, None)

    def _split(self, old, outer, inner, factor, tail, made_by):
        """A split; `made_by` is the directive that asked for it when not split() itself."""
        o, on, inn = _var_name(old, "split"), _var_name(outer, "split"), _var_name(inner, "split")
        directive = f"split({o}, {on}, {inn}, {_shown(factor)})"
        i = self._find_dim(o, directive)
        if on == inn:
            raise ScheduleError(f"In schedule for {self.name()}: {directive}: outer and inner names must differ")
        self._check_new_name(on, directive, allowed=(o,))
        self._check_new_name(inn, directive, allowed=(o,))
        f = _positive_factor(factor, self.name(), "split")
        # a Param in the factor is an argument of the pipeline, like one in a definition
        (f,), _ = _normalize((f,), self.func._params)
        dim = self.schedule.dims[i]
        if not isinstance(tail, TailStrategy):
            raise ScheduleError(f"In schedule for {self.name()}: {directive}: tail must be a hl.TailStrategy")
        if self.index > 0 and tail in (TailStrategy.RoundUp, TailStrategy.ShiftInwards):
            raise ScheduleError(
                f"In schedule for {self.name()}: {directive}: TailStrategy.{tail.value} would compute some points "
                f"of an update definition twice or past the end, which changes its result; legal here: "
                f"TailStrategy.GuardWithIf (the default for updates)")
        self._touch()
        self.schedule.splits.append(Split(o, on, inn, f, tail, directive=made_by or directive))
        self.schedule.dims[i:i + 1] = [Dim(inn, dim.kind, dim.is_rvar, dim.is_pure),
                                       Dim(on, "serial", dim.is_rvar, dim.is_pure)]
        return self

    def fuse(self, inner, outer, fused):
        i_n, o_n, f_n = _var_name(inner, "fuse"), _var_name(outer, "fuse"), _var_name(fused, "fuse")
        directive = f"fuse({i_n}, {o_n}, {f_n})"
        ii = self._find_dim(i_n, directive)
        oi = self._find_dim(o_n, directive)
        if oi != ii + 1:
            raise ScheduleError(
                f"In schedule for {self.name()}: {directive}: {o_n} must be the loop directly outside {i_n}; "
                f"reorder first (dimensions innermost first: {', '.join(self.dim_names())})")
        self._check_new_name(f_n, directive, allowed=(i_n, o_n))
        di, do = self.schedule.dims[ii], self.schedule.dims[oi]
        if di.is_rvar != do.is_rvar:
            raise ScheduleError(f"In schedule for {self.name()}: {directive}: cannot fuse a Var with an RVar")
        self._touch()
        self.schedule.splits.append(Split(f_n, o_n, i_n, None, is_fuse=True))
        self.schedule.dims[ii:oi + 1] = [Dim(f_n, "serial", di.is_rvar, di.is_pure and do.is_pure)]
        return self

    def tile(self, x, y, *rest, tail=TailStrategy.Auto):
        """tile(x, y, xo, yo, xi, yi, xf, yf) or tile(x, y, xi, yi, xf, yf) (x and y become the outer loops),
        or Halide's list form tile([x, y, ...], [xo, yo, ...], [xi, yi, ...], [xf, yf, ...][, tail])."""
        if isinstance(x, (list, tuple)):
            return self._tile_lists(x, y, *rest, tail=tail)
        if len(rest) == 6:
            xo, yo, xi, yi, xf, yf = rest
        elif len(rest) == 4:
            xi, yi, xf, yf = rest
            xo, yo = x, y
        elif len(rest) == 7 and isinstance(rest[6], TailStrategy):
            xo, yo, xi, yi, xf, yf, tail = rest
        else:
            raise ScheduleError(
                f"In schedule for {self.name()}: tile takes (x, y, xo, yo, xi, yi, xfactor, yfactor) or "
                f"(x, y, xi, yi, xfactor, yfactor)")
        names = ", ".join(_var_name(v, "tile") for v in (x, y, xo, yo, xi, yi))
        made_by = f"tile({names}, {_shown(xf)}, {_shown(yf)})"
        self._split(x, xo, xi, xf, tail, made_by)
        self._split(y, yo, yi, yf, tail, made_by)
        return self.reorder(xi, yi, xo, yo)

    def _tile_lists(self, previous, outers, inners, factors, *positional_tail, tail=TailStrategy.Auto):
        tail = positional_tail[0] if positional_tail else tail
        if not len(previous) == len(outers) == len(inners) == len(factors) or not previous:
            raise ScheduleError(f"In schedule for {self.name()}: tile([vars], [outers], [inners], [factors]) needs four "
                                f"lists of one length")
        names = lambda vs: ", ".join(_var_name(v, "tile") for v in vs)
        made_by = (f"tile([{names(previous)}], [{names(outers)}], [{names(inners)}], "
                   f"[{', '.join(map(_shown, factors))}])")
        for v, o, i, f in zip(previous, outers, inners, factors):
            self._split(v, o, i, f, tail, made_by)
        return self.reorder(*inners, *outers)

    def reorder(self, *vars_):
        if len(vars_) == 1 and isinstance(vars_[0], (list, tuple)):
            vars_ = vars_[0]
        names = [_var_name(v, "reorder") for v in vars_]
        directive = f"reorder({', '.join(names)})"
        if len(set(names)) != len(names):
            raise ScheduleError(f"In schedule for {self.name()}: {directive}: a dimension is listed twice")
        idx = [self._find_dim(nm, directive) for nm in names]
        slots = sorted(idx)
        dims = list(self.schedule.dims)
        new_dims = list(dims)
        for slot, src in zip(slots, idx):
            new_dims[slot] = dims[src]
        old_r = [d.var for d in dims if d.is_rvar and not d.is_pure]
        new_r = [d.var for d in new_dims if d.is_rvar and not d.is_pure]
        if self.index > 0 and old_r != new_r:
            raise ScheduleError(
                f"In schedule for {self.name()}: {directive} changes the order of the RVars ({', '.join(old_r)} "
                f"becomes {', '.join(new_r)}), which may change the meaning of the update; reorder Vars "
                f"around the RVars instead")
        self._touch()
        self.schedule.dims = new_dims
        return self

    def _set_kind(self, var, kind, factor, tail, directive):
        name = _var_name(var, directive)
        if factor is not None:
            inner = unique_name(f"{name}_{kind[:3]}")
            self._split(name, name, inner, factor, tail, f"{directive}({name}, {_shown(factor)})")
            name = inner
        i = self._find_dim(name, f"{directive}({name})")
        d = self.schedule.dims[i]
        if kind == "parallel" and d.is_rvar and not d.is_pure:
            raise ScheduleError(
                f"In schedule for {self.name()}: parallel({name}): {name} is an RVar; running its iterations in "
                f"parallel could race on the same point. Parallelize a pure Var instead: "
                f"{', '.join(x.var for x in self.schedule.dims if x.is_pure) or '(none in this stage)'}")
        self._touch()
        self.schedule.dims[i] = Dim(d.var, kind, d.is_rvar, d.is_pure)
        return self

    def vectorize(self, var, factor=None, tail=TailStrategy.Auto):
        return self._set_kind(var, "vectorized", factor, tail, "vectorize")

    def unroll(self, var, factor=None, tail=TailStrategy.Auto):
        return self._set_kind(var, "unrolled", factor, tail, "unroll")

    def parallel(self, var, task_size=None, tail=TailStrategy.Auto):
        if task_size is None:
            return self._set_kind(var, "parallel", None, tail, "parallel")
        name = _var_name(var, "parallel")
        inner = unique_name(f"{name}_in")
        self._split(name, name, inner, task_size, tail, f"parallel({name}, {_shown(task_size)})")
        return self._set_kind(name, "parallel", None, tail, "parallel")

    def serial(self, var):
        return self._set_kind(var, "serial", None, TailStrategy.Auto, "serial")

    def rename(self, old, new):
        o, nw = _var_name(old, "rename"), _var_name(new, "rename")
        i = self._find_dim(o, f"rename({o}, {nw})")
        self._check_new_name(nw, f"rename({o}, {nw})")
        d = self.schedule.dims[i]
        self._touch()
        self.schedule.splits.append(Split(o, nw, "", None, is_rename=True))
        self.schedule.dims[i] = Dim(nw, d.kind, d.is_rvar, d.is_pure)
        return self

    def unscheduled(self):
        """This update is left unscheduled on purpose (silences Halide's warning about it)."""
        changed()
        self.schedule.unscheduled = True
        return self

    def _touch(self):
        changed()
        self.schedule.touched = True

    def __repr__(self):
        return f"<Stage {self.name()}>"


class Func:
    """A function over integer coordinates, defined by f[x, y] = expr and optional updates."""

    def __init__(self, *args):
        name = None
        self._declared_type = None
        self._declared_dims = None
        if args and isinstance(args[0], Type):
            self._declared_type = args[0]
            if len(args) > 1 and isinstance(args[1], int):
                self._declared_dims = args[1]
                name = args[2] if len(args) > 2 else None
            else:
                name = args[1] if len(args) > 1 else None
        elif args:
            name = args[0]
        self._name = user_name(name, "Func", "f")
        self._stages = []
        self._pure_names = []
        self._schedule = FuncSchedule()
        self._dma = None  # set by DMA directives
        self._params = {}  # name -> Param used in the definitions
        self._pipe = None
        self._output_constraints = None
        self._host_alignment = 1

    # ---- definition ----
    def name(self):
        return self._name

    def defined(self):
        return bool(self._stages)

    def dimensions(self):
        if self._stages:
            return len(self._pure_names)
        return self._required(self._declared_dims, "dimensions", "dimension")

    def type(self):
        if not self._stages:
            return self._required(self._declared_type, "type", "type")
        types = self.types()
        if len(types) > 1:
            raise DefinitionError(
                f"Can't call Func::type on Func {self._name} because it returns a Tuple of {len(types)} values; "
                f"use {self._name}.types()")
        return types[0]

    def types(self):
        """The type of each element (one for a Func of one value), as Halide's Func.types()."""
        if self._stages:
            return [v.type for v in self._stages[0].values]
        return [self._required(self._declared_type, "types", "type")]

    output_types = types  # the older name in Halide's bindings

    def outputs(self):
        """How many values the Func has (more than one: a Tuple)."""
        if not self._stages:
            self._required(self._declared_type, "outputs", "type")
            return 1
        return len(self._stages[0].values)

    def value(self):
        if self.outputs() > 1:
            raise DefinitionError(f"Can't call Func::value() on Func {self._name}, because it has multiple values; "
                                  f"use {self._name}.values()")
        return self._pure("value()").values[0]

    def values(self):
        """The pure definition's values."""
        return tuple(self._pure("values()").values)

    def _required(self, declared, method, what):
        if declared is None:
            raise DefinitionError(f'Can\'t call Func::{method} on Func "{self._name}" because it is undefined or has '
                                  f'no {what} requirements; define it first or declare it: hl.Func(type, dimensions, '
                                  f'name)')
        return declared

    def has_update_definition(self):
        return len(self._stages) > 1

    def num_update_definitions(self):
        return max(0, len(self._stages) - 1)

    def args(self):
        return [Var(nm) for nm in self._pure_names]

    def __getitem__(self, args):
        if not isinstance(args, tuple):
            args = (args,)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        if not self._stages:
            return _UndefinedRef(self, args)
        from .param import make_call
        types = self.types()
        call = make_call(self, self._name, types[0], len(self._pure_names), args, "Func")
        if len(types) > 1:
            return TupleRef(self, call.args)
        return n.Call(call.type, call.name, call.args, n.FUNC, self)

    def __setitem__(self, args, value):
        if not isinstance(args, tuple):
            args = (args,)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        if isinstance(value, _PendingUpdate):
            self._check_pending(value, args)
            if not self._stages:
                init = as_expr(value.value)
                pure_args = [a if isinstance(a, Var) else Var() for a in args]
                if any(not isinstance(a, Var) for a in args):
                    pure_args = [Var(f"{self._name}_v{i}") for i in range(len(args))]
                # Halide's initial value: the identity of the operator
                identity = cast(self._declared_type or init.type, 1 if value.op in "*/" else 0)
                self._define_pure(tuple(pure_args), (identity,))
            current = self[args]
            ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                   "/": lambda a, b: a / b}
            value = ops[value.op](current, value.value)
        if isinstance(value, _UndefinedRef):
            value.__halo_expr__()
        values = tuple_values(value)
        changed()
        if not self._stages:
            self._define_pure(args, values)
        else:
            self._define_update(args, values)

    def _check_pending(self, pending, args):
        """An unevaluated `f[x] += v` defines f at x, once, as in Halide."""
        ref = pending.ref
        same = ref.func is self and len(ref.args) == len(args) and all(
            n.equal(as_expr(a), as_expr(b)) for a, b in zip(ref.args, args))
        if not same:
            raise DefinitionError(f"Cannot use an unevaluated reference to '{ref.func.name()}' to define an update at "
                                  f"a different location.")
        if self._stages:
            raise DefinitionError(f"Cannot use an unevaluated reference to '{self._name}' to define an update when a "
                                  f"pure definition already exists.")

    def _define_pure(self, args, values):
        for i, a in enumerate(args):
            if not isinstance(a, Var):
                raise DefinitionError(
                    f"pure definition of Func {self._name}: argument {i} is {a!r}, not a Var; the first "
                    f"definition of a Func takes distinct Vars (use an update definition for other arguments)")
        names = [a.name for a in args]
        if len(set(names)) != len(names):
            raise DefinitionError(f"pure definition of Func {self._name}: the Vars {', '.join(names)} are not distinct")
        if self._declared_dims is not None and len(args) != self._declared_dims:
            raise DefinitionError(
                f'Func "{self._name}" is constrained to have exactly {self._declared_dims} dimensions, but is defined '
                f'with {len(args)} dimensions')
        if self._declared_type is not None and len(values) != 1:
            raise DefinitionError(
                f"Func {self._name} was declared with one value of type {self._declared_type} but defined with a "
                f"Tuple of {len(values)}; declare it without a type, or define one value")
        raws = []
        for value in values:
            v = as_expr(value) if not isinstance(value, (int, float)) or self._declared_type is None \
                else as_expr(value, like=n.IntImm(self._declared_type, 0))
            if self._declared_type is not None and v.type != self._declared_type:
                raise TypeMismatchError(
                    f'Func "{self._name}" is constrained to only hold values of type {self._declared_type} but is '
                    f'defined with values of type {v.type}; '
                    f"cast the value: hl.cast(hl.{_ctor_name(self._declared_type)}, ...)")
            raws.append(v)
        vs, rvars = _normalize(raws, self._params)
        if rvars:
            raise DefinitionError(
                f"pure definition of Func {self._name} uses RVar {next(iter(rvars))}; reductions belong in an "
                f"update definition (define {self._name} first, then {self._name}[...] = ... with the RDom)")
        uses = _VarUses()
        for v, raw in zip(vs, raws):
            self._check_no_self_call(v, "pure definition")
            uses.visit(raw)
        free = [u for u in uses.names if u not in names]
        self._check_free_vars(free, names, "its pure definition")
        self._pure_names = names
        stage_args = tuple(n.Variable(Int(32), nm) for nm in names)
        self._stages.append(Stage(self, 0, stage_args, vs, [], []))

    def _define_update(self, args, values):
        index = len(self._stages)
        if len(args) != len(self._pure_names):
            raise DefinitionError(
                f"update {index - 1} of Func {self._name} has {len(args)} arguments but {self._name} has "
                f"{len(self._pure_names)} dimensions")
        pure = self._stages[0].values
        if len(values) != len(pure):
            raise DefinitionError(
                f"In update definition {index - 1} of Func {self._name}: Number of tuple elements for update "
                f"definition must match number of tuple elements for pure definition ({len(values)} here, "
                f"{len(pure)} in the pure definition)")
        vs = []
        for i, (value, p) in enumerate(zip(values, pure)):
            v = as_expr(value, like=p) if isinstance(value, (int, float)) else as_expr(value)
            if v.type != p.type:
                what = f"update {index - 1} of Func {self._name} has type" if len(pure) == 1 else \
                    f"In update definition {index - 1} of Func {self._name}: Tuple element {i} of update definition " \
                    f"has type"
                raise TypeMismatchError(
                    f"{what} {v.type} but {self._name} has type {p.type} (from its pure definition); cast the "
                    f"value: hl.cast(hl.{_ctor_name(p.type)}, ...)")
            vs.append(v)
        norm_args, rv_a = _normalize(args, self._params)
        nv, rv_v = _normalize(vs, self._params)
        for i, a in enumerate(norm_args):
            if not a.type.is_integer():
                raise DefinitionError(f"update {index - 1} of Func {self._name}: argument {i} has type {a.type}; "
                                      f"coordinates must be integers")
        norm_args = tuple(cast(Int(32), a) for a in norm_args)
        rvars = dict(rv_a)
        rvars.update(rv_v)
        rdoms = {id(r.rdom): r.rdom for r in rvars.values()}
        if len(rdoms) > 1:
            raise DefinitionError(
                f"update {index - 1} of Func {self._name} uses RVars of {len(rdoms)} different RDoms "
                f"({', '.join(r.name for r in rdoms.values())}); use one RDom with several dimensions")
        pure_here = {a.name for i, a in enumerate(norm_args)
                     if type(a) is n.Variable and a.name == self._pure_names[i]}
        uses = _VarUses()
        for e in tuple(as_expr(a) for a in args) + tuple(vs):
            uses.visit(e)
        for u in uses.names:
            if u in pure_here:
                continue
            if u in self._pure_names:
                raise DefinitionError(
                    f"update {index - 1} of Func {self._name} uses Var {u}, which must then appear as the bare "
                    f"argument in its own position ({self._name}[..., {u}, ...]); it appears otherwise here")
            raise DefinitionError(
                f"update {index - 1} of Func {self._name} uses Var {u}, which is neither one of its pure "
                f"arguments ({', '.join(self._pure_names)}) nor an RVar")
        ordered = []
        if rdoms:
            rdom = next(iter(rdoms.values()))
            for r in rdom.ranges:
                _normalize((r.min, r.extent), self._params)
            ordered = [r for r in rdom.vars if r.name in rvars]
            predicates = [_normalize((p,), self._params)[0][0] for p in rdom.predicates]
        else:
            predicates = []
        self._stages.append(Stage(self, index, norm_args, nv, ordered, predicates))

    def _check_no_self_call(self, v, what):
        from ..ir.find import find_calls
        for c in find_calls(v, (n.FUNC,)):
            if c.target is self:
                raise DefinitionError(f"the {what} of Func {self._name} calls {self._name} itself; "
                                      f"recursion is only allowed in update definitions")

    def _check_free_vars(self, free, names, where):
        if free:
            raise DefinitionError(
                f"Func {self._name} uses Var {free[0]} in {where}, but {free[0]} is not one of its arguments "
                f"({', '.join(names)})")

    def update(self, i=0):
        if not 0 <= i < len(self._stages) - 1:
            raise ScheduleError(
                f"Func {self._name} has {len(self._stages) - 1} update definition(s); update({i}) does not exist")
        return self._stages[i + 1]

    def stages(self):
        return list(self._stages)

    def _pure(self, directive):
        if not self._stages:
            raise ScheduleError(f"Func {self._name}: {directive} before {self._name} has a definition")
        return self._stages[0]

    def specialize(self, condition):
        return self._pure("specialize").specialize(condition)

    def specialize_fail(self, message):
        self._pure("specialize_fail").specialize_fail(message)
        return self

    # ---- loop directives forward to the pure definition (as in Halide) ----
    def split(self, *a, **k):
        self._pure("split").split(*a, **k)
        return self

    def fuse(self, *a):
        self._pure("fuse").fuse(*a)
        return self

    def tile(self, *a, **k):
        self._pure("tile").tile(*a, **k)
        return self

    def reorder(self, *a):
        self._pure("reorder").reorder(*a)
        return self

    def vectorize(self, *a, **k):
        self._pure("vectorize").vectorize(*a, **k)
        return self

    def unroll(self, *a, **k):
        self._pure("unroll").unroll(*a, **k)
        return self

    def parallel(self, *a, **k):
        self._pure("parallel").parallel(*a, **k)
        return self

    def serial(self, *a):
        self._pure("serial").serial(*a)
        return self

    def rename(self, *a):
        self._pure("rename").rename(*a)
        return self

    # ---- placement and storage ----
    def _level(self, func, var, directive):
        if isinstance(func, LoopLevel):
            level = func
        else:
            level = LoopLevel(*_level_of(func, var, directive, f"Func {self._name}: "))
        if level.func is self:
            raise ScheduleError(f"Func {self._name}: {directive} cannot refer to a loop of {self._name} itself")
        return level

    def compute_root(self):
        changed()
        self._schedule.compute_level = LoopLevel.root()
        return self

    def compute_at(self, func, var=None):
        changed()
        self._schedule.compute_level = self._level(func, var, "compute_at")
        return self

    def compute_inline(self):
        if self.has_update_definition():
            raise ScheduleError(
                f"Func {self._name}: compute_inline: a Func with update definitions cannot be inlined; "
                f"legal: compute_root() or compute_at(consumer, var)")
        changed()
        self._schedule.compute_level = LoopLevel.inlined()
        self._schedule.explicit_inline = True
        return self

    def store_root(self):
        changed()
        self._schedule.store_level = LoopLevel.root()
        return self

    def store_at(self, func, var=None):
        changed()
        self._schedule.store_level = self._level(func, var, "store_at")
        return self

    def store_in(self, memory_type):
        if not isinstance(memory_type, MemoryType):
            raise ScheduleError(
                f"Func {self._name}: store_in needs a hl.MemoryType ({', '.join(m.name for m in MemoryType)}), "
                f"got {memory_type!r}")
        changed()
        self._schedule.memory_type = memory_type
        return self

    def bound(self, var, min_, extent):
        name = _var_name(var, "bound")
        if name not in self._pure_names:
            raise ScheduleError(
                f"Func {self._name}: bound({name}, ...): {name} is not a pure dimension of {self._name}; "
                f"its dimensions are {', '.join(self._pure_names)}")
        mn, ext = cast(Int(32), as_expr(min_)), cast(Int(32), as_expr(extent))
        changed()
        self._schedule.bounds[name] = (mn, ext)
        return self

    def _storage_dims(self):
        if self._schedule.storage_dims is None:
            self._schedule.storage_dims = [StorageDim(v) for v in self._pure_names]
        return self._schedule.storage_dims

    def _storage_dim(self, var, directive):
        name = _var_name(var, directive)
        for d in self._storage_dims():
            if d.var == name:
                return d
        raise ScheduleError(
            f"Func {self._name}: {directive}({name}): {name} is not a storage dimension of {self._name}; "
            f"its dimensions are {', '.join(self._pure_names)}")

    def fold_storage(self, var, factor, fold_forward=True):
        d = self._storage_dim(var, "fold_storage")
        f = as_expr(factor)
        if not isinstance(f, n.IntImm) or f.value <= 0:
            raise ScheduleError(
                f"Func {self._name}: fold_storage({d.var}, {factor}): the fold factor must be a positive integer constant")
        self._replace_storage_dim(d, fold_factor=f.value, fold_forward=bool(fold_forward))
        return self

    def align_storage(self, var, alignment):
        d = self._storage_dim(var, "align_storage")
        if not isinstance(alignment, int) or alignment <= 0:
            raise ScheduleError(
                f"Func {self._name}: align_storage({d.var}, {alignment!r}): alignment must be a positive integer")
        self._replace_storage_dim(d, alignment=alignment)
        return self

    def _replace_storage_dim(self, d, **changes):
        changed()
        dims = self._storage_dims()
        dims[dims.index(d)] = replace(d, **changes)

    def reorder_storage(self, *vars_):
        if len(vars_) == 1 and isinstance(vars_[0], (list, tuple)):
            vars_ = vars_[0]
        names = [_var_name(v, "reorder_storage") for v in vars_]
        dims = self._storage_dims()
        by_name = {d.var: d for d in dims}
        for nm in names:
            if nm not in by_name:
                raise ScheduleError(
                    f"Func {self._name}: reorder_storage: {nm} is not a storage dimension; dimensions are "
                    f"{', '.join(self._pure_names)}")
        if len(set(names)) != len(names):
            raise ScheduleError(f"Func {self._name}: reorder_storage: a dimension is listed twice")
        slots = sorted(i for i, d in enumerate(dims) if d.var in names)
        new = list(dims)
        for slot, nm in zip(slots, names):
            new[slot] = by_name[nm]
        changed()
        self._schedule.storage_dims = new
        return self

    def async_(self):
        changed()
        self._schedule.is_async = True
        return self

    def in_(self, consumers=()):
        """The wrapper Func that `consumers` (a Func, a list of them, or every Func when none is
        given) call instead of this one, as Halide's Func.in_."""
        return wrapper(self, list(consumers) if isinstance(consumers, (list, tuple)) else [consumers])

    # ---- DMA ----
    def dma(self, backend, direction=None, **options):
        """Move this Func's data with DMA backend `backend` instead of computing it: a read when
        it is a pure wrapper of an input (in_copy[x, y] = input[x, y]), a write when it is an
        output that is a pure wrapper of a Func in local memory (out[x, y] = work[x, y])."""
        from .. import backends
        backends.get(backend)
        if direction not in (None, "read", "write"):
            raise ScheduleError(f"Func {self._name}: dma(direction={direction!r}): legal directions are "
                                f"'read' (DDR to local) and 'write' (local to DDR)")
        if self._dma is not None:
            raise ScheduleError(f"Func {self._name} already has a DMA directive ({self._dma.backend}); "
                                f"give each Func one")
        changed()
        self._dma = DmaSpec(backend, direction, tuple(sorted(options.items())))
        return self

    def hexagon_ubwcdma_read(self):
        return self.dma("ubwcdma", "read")

    def hexagon_ubwcdma_write(self):
        return self.dma("ubwcdma", "write")

    def hexagon_user_dma(self):
        return self.dma("user_dma")

    def copy_to_host(self):
        """The slow alternative to hexagon_ubwcdma_read (a host memcpy)."""
        return self.dma("host_copy", "read")

    def copy_to_device(self):
        """The slow alternative to hexagon_ubwcdma_write (a host memcpy)."""
        return self.dma("host_copy", "write")

    def output_buffer(self):
        """The buffer this Func is realized into, when it is an output: dim(i).set_stride(...) etc."""
        f = self

        class _Output:
            def dim(self, i):
                dims = f.dimensions()
                if not 0 <= i < dims:
                    raise DefinitionError(f"Func {f.name()} has {dims} dimensions; dim({i}) does not exist")
                return Dimension(f.name(), i, f.output_constraints())

            def dimensions(self):
                return f.dimensions()

            def set_host_alignment(self, value):
                f._host_alignment = host_alignment(value, f.name())
                return self

            def host_alignment(self):
                return f._host_alignment
        return _Output()

    def output_constraints(self):
        if self._output_constraints is None:
            self._output_constraints = default_constraints(self.dimensions())
        return self._output_constraints

    # ---- the frozen view lowering reads ----
    def _callees(self):
        exprs = []
        for st in self._stages:
            exprs += list(st.args) + list(st.values) + list(st.predicates)
        return callees(redirected(self, exprs))

    def _frozen(self, detach):
        """This Func as a frozen Function (calls detached from their live callees)."""
        s = self._schedule
        defs = [self._frozen_definition(st, detach) for st in self._stages]
        return Function(
            self._name, tuple(self.types()), tuple(self._pure_names), tuple(defs), _frozen_level(s.compute_level),
            _frozen_level(s.store_level), s.memory_type,
            None if s.storage_dims is None else tuple(s.storage_dims),
            tuple((v, detach.mutate(mn), detach.mutate(ext)) for v, (mn, ext) in s.bounds.items()),
            s.is_async, self._dma,
            tuple({k: None if v is None else detach.mutate(v) for k, v in c.items()} for c in self.output_constraints()),
            self._host_alignment)

    def _frozen_definition(self, st, detach):
        rvars = tuple(RVarDef(r.name, detach.mutate(plain(r.min)), detach.mutate(plain(r.extent)))
                      for r in st.rvars)
        args, values, preds = (tuple(detach.mutate(e) for e in redirected(self, es))
                               for es in (st.args, st.values, st.predicates))
        specs = tuple(Specialization(detach.mutate(c), self._frozen_definition(sp, detach))
                      for c, sp in st.specializations)
        return Definition(self._name, st.index, args, values, preds, rvars, tuple(st.schedule.dims),
                          tuple(st.schedule.splits), specs, st.failure)

    # ---- compiling and running (through halo.pipeline) ----
    def _pipeline(self):
        """The Pipeline of this Func as its only output, made once: it keeps the frozen
        pipeline and what it compiled until a definition or schedule changes (realize() then
        costs about a bare call)."""
        if self._pipe is None:
            from ..pipeline import Pipeline
            self._pipe = Pipeline(self)
        return self._pipe

    def print_loop_nest(self):
        """Print the loop nest the schedule makes, in Halide's concise form."""
        print(self._pipeline().loop_nest())

    def compile_to_lowered_stmt(self, path, target=None):
        return self._pipeline().compile_to_lowered_stmt(path, target)

    def compile_to_c(self, path, args=None, fn_name=None, target=None):
        return self._pipeline().compile_to_c(path, args, fn_name, target)

    def compile_to(self, outputs, arguments=None, fn_name=None, target=None):
        return self._pipeline().compile_to(outputs, arguments, fn_name, target)

    def report(self, sizes=None, target=None):
        return self._pipeline().report(sizes, target)

    def compile_jit(self, target=None):
        return self._pipeline().compile_jit(target)

    def realize(self, dst=(), target=None):
        """realize(sizes[, target]) -> Buffer, or realize(buffer[, target]) -> None, as in Halide."""
        return self._pipeline().realize(dst, target)

    def __repr__(self):
        return f"<Func {self._name}>"


def _ctor_name(t):
    return {"int": f"Int({t.bits})", "uint": f"UInt({t.bits})", "float": f"Float({t.bits})"}.get(t.code, "Bool()")


def _level_of(func, var, directive, who=""):
    """(Func, loop variable name, stage index or None) of a loop named as (Func or Stage, Var)."""
    if isinstance(func, Stage):
        stage, func = func.index, func.func
    else:
        stage = None
    if not isinstance(func, Func):
        raise ScheduleError(f"{who}{directive} needs (Func, Var) or a LoopLevel, got {func!r}")
    return func, _var_name(var, directive), stage


def _frozen_level(level):
    if level is None:
        return None
    if level.is_root():
        return ROOT
    if level.is_inlined():
        return INLINED
    return Level("at", level.func.name(), level.var, level.stage)
