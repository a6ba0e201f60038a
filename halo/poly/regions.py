"""Regions with isl: the box of a Func (or image) that a statement reads or writes.

For each access the iteration domain is the set of the loops around it inside the statement
(loops outside it, lets outside it and every other symbol are parameters); the region is the
image of the access's index expressions over that domain, and the box is the per-dimension
min / max of the union of images, as PwAffs of the parameters turned back into Exprs.
Non-affine sub-expressions of an index are replaced by a fresh dimension bounded by interval
arithmetic, with a warning that names the Func and the expression.
"""
import warnings
from dataclasses import dataclass

import islpy as isl

from ..errors import BoundsError, HaloWarning
from ..ir import nodes as n
from ..ir.printer import expr_to_str
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import free_variables, substitute
from . import intervals
from .isl_bridge import AffineSpace, is_affine, is_condition

_I32 = Int(32)


@dataclass
class Access:
    args: tuple
    loops: list  # (name, min, extent)
    conds: list
    where: str   # name of the Func whose definition makes the access


class _Collect:
    def __init__(self, name, calls, provides, skip_producer, skip_nested_producers=False):
        self.skip_nested = skip_nested_producers
        self.name = name
        self.calls = calls
        self.provides = provides
        self.skip_producer = skip_producer
        self.out = []
        self.where = "?"

    def stmt(self, s, subst, loops, conds):
        t = type(s)
        if t is n.LetStmt:
            self.expr(s.value, subst, loops, conds)
            inner = dict(subst)
            inner[s.name] = substitute(subst, s.value)
            self.stmt(s.body, inner, loops, conds)
        elif t is n.For:
            self.expr(s.min, subst, loops, conds)
            self.expr(s.extent, subst, loops, conds)
            inner = {k: v for k, v in subst.items() if k != s.name}
            loop = (s.name, substitute(subst, s.min), substitute(subst, s.extent))
            self.stmt(s.body, inner, loops + [loop], conds)
        elif t is n.Block:
            for c in s.stmts:
                self.stmt(c, subst, loops, conds)
        elif t is n.IfThenElse:
            self.expr(s.cond, subst, loops, conds)
            c = substitute(subst, s.cond)
            self.stmt(s.then_case, subst, loops, conds + [c])
            if s.else_case is not None:
                self.stmt(s.else_case, subst, loops, conds + [n.Not(c.type, c)])
        elif t is n.ProducerConsumer:
            if s.is_producer and (s.name == self.skip_producer or self.skip_nested):
                return
            saved = self.where
            if s.is_producer:
                self.where = s.name
            self.stmt(s.body, subst, loops, conds)
            self.where = saved
        elif t is n.Realize:
            for mn, ext in s.bounds:
                self.expr(mn, subst, loops, conds)
                self.expr(ext, subst, loops, conds)
            self.stmt(s.body, subst, loops, conds)
        elif t is n.Provide:
            for a in s.args:
                self.expr(a, subst, loops, conds)
            self.expr(s.value, subst, loops, conds)
            if self.provides and s.name == self.name:
                self.out.append(Access(tuple(substitute(subst, a) for a in s.args), loops, conds, self.where))
        elif t is n.Evaluate:
            self.expr(s.value, subst, loops, conds)
        elif t is n.AssertStmt:
            self.expr(s.cond, subst, loops, conds)
        else:
            for f in s.child_fields():
                v = getattr(s, f)
                if isinstance(v, n.Stmt):
                    self.stmt(v, subst, loops, conds)

    def expr(self, e, subst, loops, conds):
        t = type(e)
        if t is n.Let:
            self.expr(e.value, subst, loops, conds)
            inner = dict(subst)
            inner[e.name] = substitute(subst, e.value)
            self.expr(e.body, inner, loops, conds)
            return
        if t is n.Call:
            for a in e.args:
                self.expr(a, subst, loops, conds)
            if self.calls and e.name == self.name and e.call_type in ("func", "image"):
                self.out.append(Access(tuple(substitute(subst, a) for a in e.args), loops, conds, self.where))
            return
        if isinstance(e, n.Node):
            for f in e.child_fields():
                v = getattr(e, f)
                if isinstance(v, n.Expr):
                    self.expr(v, subst, loops, conds)


def accesses(stmt, name, calls=True, provides=False, skip_producer=None, outer_lets=None,
             skip_nested_producers=False):
    """Every access to `name` in `stmt`; `outer_lets` ({name: Expr}) are lets around `stmt` to see
    through, so that results are exact in terms of what those lets are made of. With
    skip_nested_producers, accesses made inside the produce blocks of other Funcs are left out."""
    c = _Collect(name, calls, provides, skip_producer, skip_nested_producers)
    c.stmt(stmt, dict(outer_lets or {}), [], [])
    return c.out


class Namer:
    """One isl-safe name per IR name for a whole compilation, so parameters agree across sets."""

    def __init__(self):
        self.ctx = isl.Context()
        self.to_isl = {}
        self.to_ir = {}

    def __call__(self, ir_name):
        s = self.to_isl.get(ir_name)
        if s is None:
            s = f"n{len(self.to_isl)}"
            self.to_isl[ir_name] = s
            self.to_ir[s] = ir_name
        return s


class _Space(AffineSpace):
    def __init__(self, namer, dims, exprs):
        self.namer = namer
        super().__init__(namer.ctx, dims, exprs)

    def _name(self, ir, safe):
        s = self.namer(ir)
        self.isl_name[ir] = s
        self.ir_name[s] = ir


class _Prepare:
    """Replace the non-affine parts of index expressions by fresh bounded dimensions."""

    def __init__(self, scope, func, warn):
        self.scope = scope
        self.func = func
        self.warn = warn
        self.fresh = []

    def __call__(self, e, what):
        if is_affine(e):
            return e
        t = type(e)
        if t in (n.Add, n.Sub, n.Min, n.Max) and e.type.is_integer():
            return t(e.type, self(e.a, what), self(e.b, what))
        if t is n.Mul and e.type.is_integer() and (type(e.a) is n.IntImm or type(e.b) is n.IntImm):
            return t(e.type, self(e.a, what), self(e.b, what))
        if t in (n.Div, n.Mod) and e.type.is_integer() and type(e.b) is n.IntImm and e.b.value > 0:
            return t(e.type, self(e.a, what), e.b)
        if t is n.Select and e.type.is_integer() and is_condition(e.cond):
            return n.Select(e.type, e.cond, self(e.true_value, what), self(e.false_value, what))
        if t is n.Cast and e.type.is_integer() and e.type.bits >= 32 and e.value.type.is_integer() \
                and e.value.type.bits >= 32:
            return self(e.value, what)
        b = intervals.bounds(e, self.scope)
        if b is None:
            raise BoundsError(
                f"cannot bound the region of {self.func} read by {what}: the index expression {expr_to_str(e)} "
                f"is not affine and has no finite interval bounds; clamp it (hl.clamp(..., lo, hi)) or give "
                f"{self.func} explicit bounds")
        lo, hi = self(b[0], what), self(b[1], what)
        name = f"__nonaffine{len(self.fresh)}"
        self.fresh.append((name, lo, hi))
        if self.warn is not None:
            self.warn(f"Func {what}: the index {expr_to_str(e)} of its access to {self.func} is not affine; "
                      f"halo bounds it by interval arithmetic as [{expr_to_str(lo)}, {expr_to_str(hi)}]")
        return n.Variable(_I32, name)


def _level_conditions(conds, level_names):
    """Conditions grouped by the innermost level they mention (-1: none)."""
    by_level = {}
    for c in conds:
        used = free_variables(c)
        level = max((i for i, nm in enumerate(level_names) if nm in used), default=-1)
        by_level.setdefault(level, []).append(c)
    return by_level


def _eliminate(namer, pa, level, want_min):
    """The min (or max) of PwAff `pa` over one loop level: (name, min, extent, conditions)."""
    name, mn, ext, conds = level
    var_id = namer(name)
    if pa.get_space().find_dim_by_name(isl.dim_type.param, var_id) < 0:
        return pa
    sp_pa = pa.get_space()
    others = [n.Variable(_I32, namer.to_ir[sp_pa.get_dim_name(isl.dim_type.param, i)])
              for i in range(sp_pa.dim(isl.dim_type.param))]
    sp = _Space(namer, [name], [mn, ext] + list(conds) + others)
    v = sp.var(name)
    lo = sp.pwaff(mn)
    dom = sp.universe() & v.ge_set(lo) & v.lt_set(lo + sp.pwaff(ext))
    for c in conds:
        dom = dom & sp.set(c)
    aligned = pa.align_params(sp.space.params())
    idx = aligned.get_space().find_dim_by_name(isl.dim_type.param, var_id)
    moved = aligned.move_dims(isl.dim_type.in_, 0, isl.dim_type.param, idx, 1)
    values = isl.Map.from_pw_aff(moved).intersect_domain(dom).range()
    return (values.dim_min(0) if want_min else values.dim_max(0)).coalesce()


def _access_box(namer, acc, func, warn):
    """[(min PwAff, max PwAff)] of one access, eliminating its loops innermost first."""
    scope = {}
    prep = _Prepare(scope, func, warn)
    levels = []
    for nm, mn, ext in acc.loops:
        mn2 = mn if is_affine(mn) else prep(mn, acc.where)
        ext2 = ext if is_affine(ext) else prep(ext, acc.where)
        levels.append((nm, mn2, ext2))
        scope[nm] = (mn2, simplify(n.Sub(_I32, n.Add(_I32, mn2, ext2), n.IntImm(_I32, 1))))
    args = [prep(a, acc.where) for a in acc.args]
    for nm, lo, hi in prep.fresh:
        levels.append((nm, lo, simplify(n.Add(_I32, n.Sub(_I32, hi, lo), n.IntImm(_I32, 1)))))
    conds = [c for c in acc.conds if is_condition(c)]
    by_level = _level_conditions(conds, [l[0] for l in levels])
    names = {l[0] for l in levels}
    out = []
    for a in args:
        # A clamp with loop-invariant bounds is monotone: its min over the loops is the clamp of
        # the min of its argument (likewise the max), so the loops are eliminated from the
        # argument alone, a much smaller problem (boundary conditions clamp every access).
        clamps = []
        while _invariant_clamp(a, names):
            a, lo_b, hi_b = _clamp_split(a)
            clamps.append((lo_b, hi_b))
        lo = hi = _Space(namer, [], [a]).pwaff(a).project_domain_on_params()
        for i in range(len(levels) - 1, -1, -1):
            level = levels[i] + (by_level.get(i, []),)
            lo = _eliminate(namer, lo, level, True)
            hi = _eliminate(namer, hi, level, False)
        for lo_b, hi_b in reversed(clamps):
            lo, hi = _apply_clamp(namer, lo, lo_b, hi_b), _apply_clamp(namer, hi, lo_b, hi_b)
        out.append((lo, hi))
    return out


def _clamp_split(e):
    if type(e) is n.Max and type(e.a) is n.Min:
        return e.a.a, e.b, e.a.b
    return e.a.a, e.a.b, e.b


def _invariant_clamp(e, loop_names):
    if not ((type(e) is n.Max and type(e.a) is n.Min) or (type(e) is n.Min and type(e.a) is n.Max)):
        return False
    _, lo, hi = _clamp_split(e)
    return not (free_variables(lo).keys() & loop_names or free_variables(hi).keys() & loop_names) \
        and is_affine(lo) and is_affine(hi)


def _apply_clamp(namer, pa, lo, hi):
    sp = _Space(namer, [], [lo, hi])
    lo_p = sp.pwaff(lo).project_domain_on_params()
    hi_p = sp.pwaff(hi).project_domain_on_params()
    pa = pa.align_params(lo_p.get_space()).align_params(hi_p.get_space())
    lo_p, hi_p = lo_p.align_params(pa.get_space()), hi_p.align_params(pa.get_space())
    return pa.min(hi_p).max(lo_p).coalesce()


def _zero_like(pa):
    return isl.PwAff.zero_on_domain(isl.LocalSpace.from_space(pa.get_domain_space()))


def _extents_nonneg(namer, pa):
    """The parameter context of `pa` in which every buffer extent is >= 0."""
    sp = pa.get_domain_space()
    ctx = isl.Set.universe(sp.params())
    for i in range(sp.dim(isl.dim_type.param)):
        name = namer.to_ir.get(sp.get_dim_name(isl.dim_type.param, i), "")
        if ".extent." in name:
            ls = isl.LocalSpace.from_space(sp.params())
            v = isl.Aff.var_on_domain(ls, isl.dim_type.param, i)
            ctx = ctx & isl.PwAff.from_aff(v).nonneg_set()
    return ctx


def _union(a, b, want_min):
    a2 = a.align_params(b.get_space())
    b2 = b.align_params(a2.get_space())
    a2 = a2.align_params(b2.get_space())
    return (a2.union_min(b2) if want_min else a2.union_max(b2)).coalesce()


def _loop_context(namer, loops):
    """The set of parameter values where every loop in `loops` has its variable in range."""
    exprs = [e for _, mn, ext in loops for e in (mn, ext)] + [n.Variable(_I32, nm) for nm, _, _ in loops]
    if not all(is_affine(e) for e in exprs):
        loops = [l for l in loops if is_affine(l[1]) and is_affine(l[2])]
    sp = _Space(namer, [], exprs)
    ctx = sp.universe()
    for nm, mn, ext in loops:
        v = sp.var(nm)
        lo = sp.pwaff(mn)
        ctx = ctx & v.ge_set(lo) & v.lt_set(lo + sp.pwaff(ext))
    return ctx.params()


def box(namer, accs, func, warn=None, context_loops=()):
    """[(min, max, extent, extent_bound)] per dimension covering every access (Exprs, and the
    largest extent as an int when isl proves one), or None if there are none.

    The box of a union is the hull of the boxes, and a min over nested loops is the min over
    the outer loop of the min over the inner one; so each access's box is found one loop at a
    time, each a small parametric problem, instead of one image over every loop at once."""
    if not accs:
        return None
    total = None
    for acc in accs:
        b = _access_box(namer, acc, func, warn)
        total = b if total is None else [(_union(l0, l1, True), _union(h0, h1, False))
                                         for (l0, h0), (l1, h1) in zip(total, b)]
    out = []
    back = _Space(namer, [], [])
    for mn, mx in total:
        mn_a = mn.align_params(mx.get_space())
        mx_a = mx.align_params(mn_a.get_space())
        mn_a = mn_a.align_params(mx_a.get_space())
        ext = (mx_a - mn_a).coalesce().add_constant_val(isl.Val.int_from_si(namer.ctx, 1))
        # an iteration with nothing to compute has an empty region, never a negative size;
        # buffer extents are never negative, which lets isl drop the max where it cannot matter
        ext = ext.max(_zero_like(ext))
        ext = ext.gist_params(_extents_nonneg(namer, ext)).coalesce()
        widest = ext
        if context_loops:
            ctx = _loop_context(namer, context_loops)
            widest = ext.align_params(ctx.get_space()).intersect_params(ctx.align_params(ext.get_space()))
        try:
            bound = widest.max_val()
            bound = bound.to_python() if bound.is_int() else None
        except isl.Error:  # isl finds no integer maximum of a non-integral expression
            bound = None
        out.append((simplify(_to_expr(back, mn, namer)), simplify(_to_expr(back, mx, namer)),
                    simplify(_to_expr(back, ext, namer)), bound))
    return out


def _to_expr(sp, pwaff, namer):
    sp.ir_name = dict(namer.to_ir)
    return sp.expr(pwaff)


def warner():
    """A warning function that says each message once per compilation; `.messages` lists them
    (so a cached compilation can say them again)."""
    seen = []

    def warn(msg):
        if msg not in seen:
            seen.append(msg)
            warnings.warn(msg, HaloWarning, stacklevel=2)
    warn.messages = seen
    return warn
