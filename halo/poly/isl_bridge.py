"""Expr <-> isl, for the questions that need a proof or an exact answer. Expressions become
piecewise quasi-affine functions (isl PwAff) whose set dimensions are the variables asked
about and whose parameters are every other name; answers come back as Exprs through isl's AST
expression builder. Sets and maps are built from IR with isl's API, never by pasting strings.

One IslContext serves a whole compilation: it names every IR name once and remembers every
conversion (sub-expressions are converted once however often they occur)."""
import islpy as isl

from ..ir import nodes as n
from ..ir.types import Bool, Int
from ..ir.visitor import substitute

_I32 = Int(32)
_BOOL = Bool()


def is_affine(e):
    """Whether `e` is piecewise quasi-affine: +, -, * by a constant, floor / and % by a positive
    constant, min, max, select on affine conditions, shifts and masks by constants."""
    t = type(e)
    if t is n.IntImm:
        return e.type.is_integer() or e.type.is_bool()
    if t is n.Variable:
        return e.type.is_integer()
    if t is n.Cast:
        return e.type.is_integer() and e.type.bits >= 32 and e.value.type.is_integer() and \
            e.value.type.bits >= 32 and is_affine(e.value)
    if t in (n.Add, n.Sub, n.Min, n.Max):
        return e.type.is_integer() and is_affine(e.a) and is_affine(e.b)
    if t is n.Mul:
        return e.type.is_integer() and ((type(e.a) is n.IntImm and is_affine(e.b)) or
                                        (type(e.b) is n.IntImm and is_affine(e.a)))
    if t in (n.Div, n.Mod):
        return e.type.is_integer() and type(e.b) is n.IntImm and e.b.value > 0 and is_affine(e.a)
    if t in (n.Shl, n.Shr):
        return e.type.is_int() and type(e.b) is n.IntImm and 0 <= e.b.value < 31 and is_affine(e.a)
    if t is n.BitAnd:
        m = e.b.value if type(e.b) is n.IntImm else None
        return e.type.is_int() and m is not None and m >= 0 and (m & (m + 1)) == 0 and is_affine(e.a)
    if t is n.Select:
        return e.type.is_integer() and is_condition(e.cond) and is_affine(e.true_value) and \
            is_affine(e.false_value)
    if t is n.Let:
        return is_affine(e.value) and is_affine(e.body)
    return False


def is_condition(e):
    t = type(e)
    if t in n.COMPARISONS:
        return is_affine(e.a) and is_affine(e.b)
    if t in (n.And, n.Or):
        return is_condition(e.a) and is_condition(e.b)
    if t is n.Not:
        return is_condition(e.a)
    if t is n.IntImm and e.type.is_bool():
        return True
    return False


class IslContext:
    """isl state for one compilation: the context, one isl name per IR name, and memoised
    conversions keyed by (expression structure, set dimensions)."""

    def __init__(self):
        self.ctx = isl.Context()
        self._isl_name = {}
        self._ir_name = {}
        self._memo = {}
        self.proofs = {}  # what analyses proved, by question (they are asked more than once)
        self._assumed = None  # parameter set every question is asked within (see assume)

    def assume(self, conditions):
        """Every later question is asked where `conditions` hold (the schedule's requirements,
        asserted before anything runs)."""
        universe = isl.Set.universe(self.space(()))
        self._assumed = universe
        for c in conditions:
            self._assumed = self._assumed & self.set(c)

    def _within(self, obj):
        return obj if self._assumed is None else obj.intersect_params(self._assumed)

    def name(self, ir_name):
        s = self._isl_name.get(ir_name)
        if s is None:
            s = f"n{len(self._isl_name)}"
            self._isl_name[ir_name] = s
            self._ir_name[s] = ir_name
        return s

    # ---- Expr -> isl ----
    def space(self, dims, params=()):
        return isl.Space.create_from_names(self.ctx, set=[self.name(d) for d in dims],
                                           params=[self.name(p) for p in params])

    def _const(self, dims, v):
        ls = isl.LocalSpace.from_space(self.space(dims))
        return isl.PwAff.from_aff(isl.Aff.zero_on_domain(ls).set_constant_val(isl.Val.int_from_si(self.ctx, v)))

    def _var(self, dims, name):
        if name in dims:
            ls = isl.LocalSpace.from_space(self.space(dims))
            return isl.PwAff.from_aff(isl.Aff.var_on_domain(ls, isl.dim_type.set, dims.index(name)))
        ls = isl.LocalSpace.from_space(self.space(dims, (name,)))
        return isl.PwAff.from_aff(isl.Aff.var_on_domain(ls, isl.dim_type.param, 0))

    def pwaff(self, e, dims=()):
        """`e` (affine) as a PwAff over set dimensions `dims` (a tuple of names)."""
        key = (n.Key(e), dims)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._convert(e, dims)
        return hit

    def _val(self, v):
        return isl.Val.int_from_si(self.ctx, v)

    def _convert(self, e, dims):
        t = type(e)
        p = lambda x: self.pwaff(x, dims)
        if t is n.IntImm:
            return self._const(dims, e.value)
        if t is n.Variable:
            return self._var(dims, e.name)
        if t is n.Cast:
            return p(e.value)
        if t is n.Add:
            return p(e.a) + p(e.b)
        if t is n.Sub:
            return p(e.a) - p(e.b)
        if t is n.Mul:
            if type(e.a) is n.IntImm:
                return p(e.b).scale_val(self._val(e.a.value))
            return p(e.a).scale_val(self._val(e.b.value))
        if t is n.Min:
            return p(e.a).min(p(e.b))
        if t is n.Max:
            return p(e.a).max(p(e.b))
        if t is n.Div:
            return p(e.a).scale_down_val(self._val(e.b.value)).floor()
        if t is n.Mod:
            return p(e.a).mod_val(self._val(e.b.value))
        if t is n.Shr:
            return p(e.a).scale_down_val(self._val(1 << e.b.value)).floor()
        if t is n.Shl:
            return p(e.a).scale_val(self._val(1 << e.b.value))
        if t is n.BitAnd:
            return p(e.a).mod_val(self._val(e.b.value + 1))
        if t is n.Select:
            cond = self.set(e.cond, dims)
            a = p(e.true_value).intersect_domain(cond)
            b = p(e.false_value).intersect_domain(cond.complement())
            return a.union_add(b)
        if t is n.Let:
            return p(substitute({e.name: e.value}, e.body))
        raise ValueError(f"not affine: {e}")

    def set(self, c, dims=()):
        """The set where condition `c` holds."""
        t = type(c)
        if t is n.IntImm:
            sp = self.space(dims)
            return isl.Set.universe(sp) if c.value else isl.Set.empty(sp)
        if t is n.And:
            return self.set(c.a, dims) & self.set(c.b, dims)
        if t is n.Or:
            return self.set(c.a, dims) | self.set(c.b, dims)
        if t is n.Not:
            return self.set(c.a, dims).complement()
        a, b = self.pwaff(c.a, dims), self.pwaff(c.b, dims)
        return {n.EQ: a.eq_set, n.NE: a.ne_set, n.LT: a.lt_set, n.LE: a.le_set, n.GT: a.gt_set,
                n.GE: a.ge_set}[t](b)

    def box_domain(self, dims, ranges):
        """The set of `dims` with dims[i] in [lo_i, hi_i] (ranges: (lo Expr, hi Expr) per dim)."""
        dom = isl.Set.universe(self.space(dims))
        for d, (lo, hi) in zip(dims, ranges):
            v = self._var(dims, d)
            dom = dom & v.ge_set(self.pwaff(lo, dims)) & v.le_set(self.pwaff(hi, dims))
        return dom

    # ---- isl -> Expr ----
    def expr(self, pwaff):
        """A PwAff over parameters only, back as an Expr."""
        pwaff = pwaff.coalesce()
        build = isl.AstBuild.from_context(isl.Set.universe(pwaff.get_domain_space().params()))
        return self._ast(build.expr_from_pw_aff(pwaff))

    def _ast(self, a):
        kind = a.get_type()
        if kind == isl.ast_expr_type.int:
            return n.IntImm(_I32, a.get_val().to_python())
        if kind == isl.ast_expr_type.id:
            return n.Variable(_I32, self._ir_name[a.get_id().get_name()])
        op = a.get_op_type()
        args = [self._ast(a.get_op_arg(i)) for i in range(a.get_op_n_arg())]
        O = isl.ast_expr_op_type
        if op == O.minus:
            return n.Sub(_I32, n.IntImm(_I32, 0), args[0])
        if op in (O.cond, O.select):
            return n.Select(_I32, args[0], args[1], args[2])
        binary = {O.add: n.Add, O.sub: n.Sub, O.mul: n.Mul, O.div: n.Div, O.fdiv_q: n.Div, O.pdiv_q: n.Div,
                  O.pdiv_r: n.Mod, O.zdiv_r: n.Mod, O.max: n.Max, O.min: n.Min}
        if op in binary:
            out = args[0]
            for b in args[1:]:
                out = binary[op](_I32, out, b)
            return out
        compare = {O.eq: n.EQ, O.le: n.LE, O.lt: n.LT, O.ge: n.GE, O.gt: n.GT}
        if op in compare:
            return compare[op](_BOOL, args[0], args[1])
        logic = {O.and_: n.And, O.and_then: n.And, O.or_: n.Or, O.or_else: n.Or}
        if op in logic:
            return logic[op](_BOOL, args[0], args[1])
        raise ValueError(f"unexpected isl AST operation {op}")

    # ---- questions ----
    def range_over_box(self, e, dims, ranges):
        """(min, max) Exprs of affine `e` over the box of `dims` in `ranges` (exact)."""
        pa = self.pwaff(e, dims)
        values = self._within(isl.Map.from_pw_aff(pa).intersect_domain(self.box_domain(dims, ranges)).range())
        return self.expr(values.dim_min(0)), self.expr(values.dim_max(0))

    def context(self, loops, facts=()):
        """The parameter set where every loop (name, min, extent) of `loops` has its variable in
        range and every condition in `facts` holds (the affine ones)."""
        ctx = self._within(isl.Set.universe(self.space(())))
        for name, mn, ext in loops:
            if not (is_affine(mn) and is_affine(ext)):
                continue
            v = self._var((), name)
            lo = self.pwaff(mn)
            ctx = ctx & v.ge_set(lo) & v.lt_set(lo + self.pwaff(ext))
        for c in facts:
            if is_condition(c):
                ctx = ctx & self.set(c)
        return ctx

    def max_value(self, e, context=None):
        """The largest value of affine `e` over the parameters in `context` (an int), or None when
        isl finds no finite integer maximum."""
        if not is_affine(e):
            return None
        pa = self._within(self.pwaff(e))
        if context is not None:
            pa = pa.intersect_params(context)
        try:
            m = pa.max_val()
        except isl.Error:  # isl finds no integer maximum of a non-integral expression
            return None
        return m.to_python() if m.is_int() else None

    def is_empty(self, cond, dims=()):
        return self._within(self.set(cond, dims)).is_empty()

    def loop_domain(self, var, lo, extent, drop_last=False):
        """The iterations of a loop (all but the last with drop_last) as a set of `var`."""
        dims = (var,)
        v = self._var(dims, var)
        start = self.pwaff(lo, dims)
        end = start + self.pwaff(extent, dims) - self._const(dims, 1 if drop_last else 0)
        return isl.Set.universe(self.space(dims)) & v.ge_set(start) & v.lt_set(end)

    def max_over_loop(self, e, var, lo, extent, drop_last=False):
        """The largest value of affine `e` over the loop's iterations (and every parameter):
        an int, 0 when there are no iterations, None when isl finds no finite maximum."""
        pa = self._within(self.pwaff(e, (var,)).intersect_domain(self.loop_domain(var, lo, extent, drop_last)))
        if pa.is_empty():
            return 0
        try:
            m = pa.max_val()
        except isl.Error:  # isl finds no integer maximum of a non-integral expression
            return None
        return m.to_python() if m.is_int() else None
