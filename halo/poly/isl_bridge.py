"""Expr <-> isl. Expressions become piecewise quasi-affine functions (isl PwAff) over a space
whose set dimensions are loop variables and whose parameters are every other symbol; isl
results come back as Exprs through isl's own AST expression builder.

Sets and maps are built from IR with isl's API (never by pasting strings). Names are mapped to
isl-safe identifiers and back.
"""
import islpy as isl

from ..ir import nodes as n
from ..ir.types import Bool, Int
from ..ir.visitor import free_variables

_I32 = Int(32)


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


class AffineSpace:
    """An isl set space over `dims` (loop variables) with every other free name as a parameter."""

    def __init__(self, ctx, dims, exprs):
        self.ctx = ctx
        self.dims = list(dims)
        names = {}
        for e in exprs:
            names.update(free_variables(e))
        self.params = sorted(nm for nm in names if nm not in self.dims)
        self.isl_name = {}
        self.ir_name = {}
        for i, nm in enumerate(self.dims):
            self._name(nm, f"d{i}")
        for i, nm in enumerate(self.params):
            self._name(nm, f"p{i}")
        self.space = isl.Space.create_from_names(
            ctx, set=[self.isl_name[d] for d in self.dims], params=[self.isl_name[p] for p in self.params])
        self.ls = isl.LocalSpace.from_space(self.space)

    def _name(self, ir, safe):
        self.isl_name[ir] = safe
        self.ir_name[safe] = ir

    def universe(self):
        return isl.Set.universe(self.space)

    def const(self, v):
        return isl.PwAff.from_aff(isl.Aff.zero_on_domain(self.ls).set_constant_val(isl.Val.int_from_si(self.ctx, v)))

    def var(self, name):
        if name in self.dims:
            return isl.PwAff.from_aff(isl.Aff.var_on_domain(self.ls, isl.dim_type.set, self.dims.index(name)))
        return isl.PwAff.from_aff(isl.Aff.var_on_domain(self.ls, isl.dim_type.param, self.params.index(name)))

    def pwaff(self, e):
        t = type(e)
        if t is n.IntImm:
            return self.const(e.value)
        if t is n.Variable:
            return self.var(e.name)
        if t is n.Cast:
            return self.pwaff(e.value)
        if t is n.Add:
            return self.pwaff(e.a) + self.pwaff(e.b)
        if t is n.Sub:
            return self.pwaff(e.a) - self.pwaff(e.b)
        if t is n.Mul:
            if type(e.a) is n.IntImm:
                return self.pwaff(e.b).scale_val(isl.Val.int_from_si(self.ctx, e.a.value))
            return self.pwaff(e.a).scale_val(isl.Val.int_from_si(self.ctx, e.b.value))
        if t is n.Min:
            return self.pwaff(e.a).min(self.pwaff(e.b))
        if t is n.Max:
            return self.pwaff(e.a).max(self.pwaff(e.b))
        if t is n.Div:
            return self.pwaff(e.a).scale_down_val(isl.Val.int_from_si(self.ctx, e.b.value)).floor()
        if t is n.Mod:
            return self.pwaff(e.a).mod_val(isl.Val.int_from_si(self.ctx, e.b.value))
        if t is n.Shr:
            return self.pwaff(e.a).scale_down_val(isl.Val.int_from_si(self.ctx, 1 << e.b.value)).floor()
        if t is n.Shl:
            return self.pwaff(e.a).scale_val(isl.Val.int_from_si(self.ctx, 1 << e.b.value))
        if t is n.BitAnd:
            return self.pwaff(e.a).mod_val(isl.Val.int_from_si(self.ctx, e.b.value + 1))
        if t is n.Select:
            cond = self.set(e.cond)
            a = self.pwaff(e.true_value).intersect_domain(cond)
            b = self.pwaff(e.false_value).intersect_domain(cond.complement())
            return a.union_add(b)
        raise ValueError(f"not affine: {e}")

    def set(self, c):
        t = type(c)
        if t is n.IntImm:
            return self.universe() if c.value else isl.Set.empty(self.space)
        if t is n.And:
            return self.set(c.a) & self.set(c.b)
        if t is n.Or:
            return self.set(c.a) | self.set(c.b)
        if t is n.Not:
            return self.set(c.a).complement()
        a, b = self.pwaff(c.a), self.pwaff(c.b)
        if t is n.EQ:
            return a.eq_set(b)
        if t is n.NE:
            return a.ne_set(b)
        if t is n.LT:
            return a.lt_set(b)
        if t is n.LE:
            return a.le_set(b)
        if t is n.GT:
            return a.gt_set(b)
        return a.ge_set(b)

    def expr(self, pwaff):
        """A PwAff over the parameters, back as an Expr."""
        build = isl.AstBuild.from_context(isl.Set.universe(pwaff.get_domain_space().params()))
        return self.ast_to_expr(build.expr_from_pw_aff(pwaff))

    def ast_to_expr(self, a):
        kind = a.get_type()
        if kind == isl.ast_expr_type.int:
            return n.IntImm(_I32, a.get_val().to_python())
        if kind == isl.ast_expr_type.id:
            return n.Variable(_I32, self.ir_name[a.get_id().get_name()])
        op = a.get_op_type()
        args = [self.ast_to_expr(a.get_op_arg(i)) for i in range(a.get_op_n_arg())]
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


_BOOL = Bool()
