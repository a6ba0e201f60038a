"""The first loop nest: each realized Func's stages as loops over symbolic bounds, producers
injected at their compute_at loops and their storage (Realize) at their store_at loops.

A pure dimension v of stage k of Func f ranges over RegionBound(f, k, v, "min" / "max"), which
bounds inference defines later. Splits define the original variables with lets placed inside
the innermost loop they depend on, so a producer computed at a loop sees every variable it can.
Every loop is a LoopVar that remembers the name the schedule calls it by.
"""
from dataclasses import replace

from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.find import inside_loop
from ..ir.names import BufferField, LoopVar, RegionBound
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import accessed_names, free_variables, substitute
from ..lang.schedule import TailStrategy
from .requirements import is_parallel_outer, tail_strategy

_I32 = Int(32)
_BOOL = Bool()


def V(name):
    return n.Variable(_I32, name)


def const(v):
    return n.IntImm(_I32, v)


def split_plan(d, pure_names):
    """The definition's splits with the internal variable names they use, and the final map from
    the names the schedule uses to internal names. A split may reuse the old name for the outer
    loop (split(x, x, xi, 8)); the schedule keeps calling it x, but it is a new variable with a
    new internal name (x.0). Returns ([(split, old, outer, inner)], {user name: internal name});
    for a fuse, `old` is the fused variable."""
    current = {nm: nm for nm in pure_names}
    current.update({r.name: r.name for r in d.rvars})
    used = set(current)
    fresh = iter(range(1 << 30))

    def new_name(user):
        name = user
        while name in used:
            name = f"{user}.{next(fresh)}"
        used.add(name)
        return name

    plan = []
    for s in d.splits:
        if s.is_rename:
            old = current.pop(s.old)
            new = current[s.outer] = new_name(s.outer)
            plan.append((s, old, new, None))
        elif s.is_fuse:
            inner, outer = current.pop(s.inner), current.pop(s.outer)
            fused = current[s.old] = new_name(s.old)
            plan.append((s, fused, outer, inner))
        else:
            old = current.pop(s.old)
            outer, inner = new_name(s.outer), new_name(s.inner)
            current[s.outer], current[s.inner] = outer, inner
            plan.append((s, old, outer, inner))
    return plan, current


def _user_names(plan, pure_names, rvars):
    """Internal name -> the name the schedule uses for it."""
    users = {nm: nm for nm in pure_names}
    users.update({r.name: r.name for r in rvars})
    for s, old, outer, inner in plan:
        if s.is_rename:
            users[outer] = s.outer
        elif s.is_fuse:
            users[old] = s.old
        else:
            users[outer], users[inner] = s.outer, s.inner
    return users


def build_stage(d, pure_names, guard_tails):
    """The loop nest of one stage, with Provide innermost."""
    f, k = d.func, d.index
    plan, current = split_plan(d, pure_names)
    users = _user_names(plan, pure_names, d.rvars)
    loopvar = lambda internal: LoopVar(f, k, internal, users.get(internal, internal))
    bounds = {}  # internal var -> (min Expr, extent Expr)
    for r in d.rvars:
        bounds[r.name] = (simplify(r.min), simplify(r.extent))
    for i, a in enumerate(d.args):
        if type(a) is n.Variable and a.name == pure_names[i]:
            mn = V(RegionBound(f, k, a.name, "min"))
            bounds[a.name] = (mn, n.Add(_I32, n.Sub(_I32, V(RegionBound(f, k, a.name, "max")), mn), const(1)))
    lets = []     # (internal name, value) defining non-loop vars from loop vars
    guards = []
    checks = []   # of symbolic split factors, before the loops
    for s, old, outer, inner in plan:
        if s.is_rename:
            bounds[outer] = bounds[old]
            lets.append((old, V(loopvar(outer))))
            continue
        if s.is_fuse:
            fused = old
            (imn, iext), (omn, oext) = bounds[inner], bounds[outer]
            bounds[fused] = (const(0), simplify(n.Mul(_I32, iext, oext)))
            fv = V(loopvar(fused))
            inner_i, outer_i = n.Mod(_I32, fv, iext), n.Div(_I32, fv, iext)
            if type(simplify(iext)) is not n.IntImm:
                # fv % e and fv / e of a symbolic e have no interval of their own: the clamps (no-ops,
                # the values are always inside) tell bounds inference the ranges the loops had
                inner_i = n.Max(_I32, n.Min(_I32, inner_i, n.Sub(_I32, iext, const(1))), const(0))
                outer_i = n.Max(_I32, n.Min(_I32, outer_i, n.Sub(_I32, oext, const(1))), const(0))
            lets.append((inner, n.Add(_I32, imn, inner_i)))
            lets.append((outer, n.Add(_I32, omn, outer_i)))
            continue
        mn, ext = bounds[old]
        ext_const = ext.value if type(ext) is n.IntImm else None
        tail = tail_strategy(s, d, ext_const, is_parallel_outer(d, s), guard_tails)
        factor = s.factor
        bounds[inner] = (const(0), factor)
        bounds[outer] = (const(0), simplify(n.Div(_I32, n.Add(_I32, ext, n.Sub(_I32, factor, const(1))), factor)))
        base = n.Mul(_I32, V(loopvar(outer)), factor)
        if tail is TailStrategy.ShiftInwards:
            base = n.Min(_I32, base, n.Sub(_I32, ext, factor))
        if type(factor) is not n.IntImm:
            # outer * factor of a symbolic factor has no interval of its own: a no-op clamp (for
            # factors >= 1, checked below) gives bounds inference the tile starts' range
            if tail is not TailStrategy.ShiftInwards:
                base = n.Min(_I32, base, n.Sub(_I32, ext, const(1)))
            base = n.Max(_I32, base, const(0))
            checks.append(n.AssertStmt(
                n.GE(_BOOL, factor, const(1)), "halo_error_split_too_small",
                f"{d.name()}.{s.directive}: the split factor is %d; it must be at least 1", (factor,)))
        lets.append((old, simplify(n.Add(_I32, n.Add(_I32, base, V(loopvar(inner))), mn))))
        if tail is TailStrategy.GuardWithIf and not (ext_const is not None and type(factor) is n.IntImm
                                                      and ext_const % factor.value == 0):
            guards.append(n.LT(_BOOL, V(loopvar(old)), simplify(n.Add(_I32, mn, ext))))
    dims = d.dims  # innermost first
    loop_names = [loopvar(current[dim.var]) for dim in dims]
    depth_of = {nm: i for i, nm in enumerate(reversed(loop_names))}  # 0 = outermost
    let_values = {loopvar(nm): val for nm, val in lets}

    # Each let / guard goes inside the innermost loop it depends on (transitively).
    def depth(expr, seen=()):
        out = -1
        for nm in free_variables(expr):
            if nm in depth_of:
                out = max(out, depth_of[nm])
            elif nm in let_values and nm not in seen:
                out = max(out, depth(let_values[nm], seen + (nm,)))
        return out

    placed = {}
    for nm, val in _topo(list(let_values.items())):
        placed.setdefault(depth(val), []).append(("let", nm, val))
    for g in guards:
        placed.setdefault(depth(g), []).append(("guard", g))

    to_loops = _var_map(d, pure_names, loopvar)
    body = n.Provide(f, tuple(substitute(to_loops, a) for a in d.args),
                     tuple(substitute(to_loops, v) for v in d.values))
    for p in d.predicates:
        body = n.IfThenElse(substitute(to_loops, p), body, None)
    nloops = len(loop_names)
    for level in range(nloops - 1, -2, -1):
        for item in reversed(placed.get(level, [])):
            body = n.LetStmt(item[1], item[2], body) if item[0] == "let" else n.IfThenElse(item[1], body, None)
        if level >= 0:
            dim = dims[nloops - 1 - level]
            mn, ext = bounds[current[dim.var]]
            body = n.For(loop_names[nloops - 1 - level], mn, ext, dim.kind, body)
    return n.block(*checks, body)


def _var_map(d, pure_names, loopvar):
    m = {nm: V(loopvar(nm)) for nm in pure_names}
    m.update({r.name: V(loopvar(r.name)) for r in d.rvars})
    return m


def _topo(lets):
    """Lets ordered so that each comes after the lets it uses."""
    names = {nm for nm, _ in lets}
    done, out = set(), []
    pending = list(lets)
    while pending:
        progressed = False
        for item in list(pending):
            deps = {v for v in free_variables(item[1]) if v in names and v != item[0]}
            if deps <= done:
                out.append(item)
                done.add(item[0])
                pending.remove(item)
                progressed = True
        if not progressed:
            out.extend(pending)
            break
    return out


def _literal(text):
    """`text` as an assertion's message prints it (the message is a format)."""
    return text.replace("%", "%%")


def build_specialized(d, pure_names, guard_tails):
    """A stage with its specializations (Halide's): the first whose condition holds runs with its
    own schedule; when none does, the stage's own schedule, or specialize_fail's error."""
    if d.failure is None:
        out = build_stage(d, pure_names, guard_tails)
    else:
        out = n.AssertStmt(n.IntImm(_BOOL, 0), "halo_error_specialize_fail",
                           f"A schedule specialized with specialize_fail() was chosen: {_literal(d.failure)}", ())
    for sp in reversed(d.specializations):
        out = n.IfThenElse(sp.condition, build_specialized(sp.definition, pure_names, guard_tails), out)
    return out


def build_func(env, name):
    f = env.function(name)
    guard = name in env.guard_tails
    body = n.block(*[build_specialized(d, f.args, guard) for d in env.definitions[name]])
    # an output's region is its buffer
    return substitute(dict(_output_regions(env, name)), body) if env.is_output(name) else body


# ---- injecting producers -------------------------------------------------------------------

def loop_of(env, level):
    """The LoopVar of a Level "at", or None when that Func has no such loop."""
    defs = env.definitions.get(level.func, ())
    candidates = defs if level.stage is None else [d for d in defs if d.index == level.stage]
    for d in candidates:
        if any(dim.var == level.var for dim in d.dims):
            plan, current = split_plan(d, env.function(level.func).args)
            users = _user_names(plan, env.function(level.func).args, d.rvars)
            internal = current[level.var]
            return LoopVar(level.func, d.index, internal, users.get(internal, internal))
    return None


class _LoopSites:
    """The loops of the nest (with kinds) and, for Func `func`, the loops around each use."""

    def __init__(self, stmt, func):
        self.func = func
        self.paths_to_calls = []
        self.kinds = {}  # site -> loop kind
        self.loops = {}  # site -> the loops that are that site
        self._walk(stmt, [])

    def _walk(self, s, path):
        t = type(s)
        if t is n.For:
            site = _site(s.name)
            self.kinds[site] = s.kind
            self.loops.setdefault(site, []).append(s.name)
            self._exprs((s.min, s.extent), path)
            self._walk(s.body, path + [site])
            return
        if t is n.ProducerConsumer and s.is_producer and s.name == self.func:
            return
        for x in s.children():
            if isinstance(x, n.Stmt):
                self._walk(x, path)
            else:
                self._exprs((x,), path)

    def _exprs(self, exprs, path):
        # names are distinct across Funcs and images, and nothing is flattened yet, so an
        # accessed name is a call of the Func (the cached names spare a walk per Func)
        for e in exprs:
            if self.func in accessed_names(e):
                self.paths_to_calls.append(path)

    def legal(self):
        """Loops that enclose every use, outermost first."""
        if not self.paths_to_calls:
            return []
        common = self.paths_to_calls[0]
        for p in self.paths_to_calls[1:]:
            i = 0
            while i < len(common) and i < len(p) and common[i] == p[i]:
                i += 1
            common = common[:i]
        return common


def _site(loop):
    """Loops a stage's schedule calls by one name are one site: each specialization of the stage
    has its own loop for it, and a producer computed at the site is computed in each (Halide)."""
    return replace(loop, var=loop.user or loop.var) if isinstance(loop, LoopVar) else loop


def _stage_of_use(loop, level, legal):
    """A level that names no stage means, as in Halide, the loop over its var in the stage that
    uses the Func (Halide's compute_at(f, x) for a Func read only by f's update is that update's
    x), not the pure definition's."""
    if level.stage is not None or loop in legal:
        return loop
    return next((lp for lp in legal if lp.func == level.func and (lp.user or lp.var) == level.var), loop)


def _legal_text(legal):
    return ", ".join(["root"] + [loop.describe() for loop in legal])


def _why(level, loop, sites):
    if loop is None:
        return f"{level.func} has no loop over {level.var}" + ("" if level.stage is None else " in that stage")
    if loop not in sites.kinds:
        return f"the loop {loop.describe()} is not in the pipeline"
    return f"the loop {loop.describe()} does not enclose every use of {sites.func}"


def _storage(f):
    """The Realize's storage layout before bounds are known: order and alignment."""
    dims = f.storage_dims or ()
    order = tuple(f.args.index(sd.var) for sd in dims) if dims else tuple(range(len(f.args)))
    align = {sd.var: sd.alignment for sd in dims if sd.alignment}
    return n.Storage(order, tuple(align.get(v) for v in f.args))


def _site_of(env, level):
    loop = loop_of(env, level)
    return None if loop is None else _site(loop)


def inject(stmt, env, name):
    """Place Func `name`: its Realize at the store level, its produce at the compute level."""
    sites = _LoopSites(stmt, name)
    legal = sites.legal()
    compute, store = env.compute[name], env.store[name]
    f = env.function(name)
    compute_loop = None if compute.is_root() else _stage_of_use(_site_of(env, compute), compute, legal)
    store_loop = None if store.is_root() else _stage_of_use(_site_of(env, store), store, legal)
    if not compute.is_root() and compute_loop not in legal:
        raise ScheduleError(
            f"Func {name} cannot be computed at {compute}: {_why(compute, compute_loop, sites)}. "
            f"Legal locations for this function are: {_legal_text(legal)}")
    if not store.is_root():
        allowed = legal if compute_loop is None else legal[:legal.index(compute_loop) + 1]
        if store_loop not in allowed:
            raise ScheduleError(
                f"Func {name} cannot be stored at {store}: storage must be at or outside the compute level "
                f"({compute}) and inside a loop that encloses every use. Legal store locations are: "
                f"{_legal_text(allowed)}")
    if compute_loop is not None and store_loop != compute_loop:
        inside = legal[legal.index(store_loop) + 1 if store_loop else 0:legal.index(compute_loop) + 1]
        for loop in inside:
            if sites.kinds.get(loop) == n.PARALLEL:
                raise ScheduleError(
                    f"Func {name} is stored outside the parallel loop {loop.describe()} but computed inside it; "
                    f"the iterations would race on its storage. Store it inside that loop "
                    f"(store_at({loop.describe()}) or a loop inside it) or make the loop serial")
    produce = n.ProducerConsumer(name, True, build_func(env, name))

    def compute_wrap(body):
        return n.block(produce, n.ProducerConsumer(name, False, body))

    def store_wrap(body):
        return n.Realize(name, f.types, f.memory, (), _storage(f), body)

    def at_site(stmt, site, wrap):
        for loop in sites.loops[site] if site is not None else (None,):
            stmt = inside_loop(stmt, loop, wrap)
        return stmt

    if compute_loop == store_loop:
        return at_site(stmt, compute_loop, lambda b: store_wrap(compute_wrap(b)))
    stmt = at_site(stmt, compute_loop, compute_wrap)
    return at_site(stmt, store_loop, store_wrap)


def _output_regions(env, name):
    """The region an output computes: its buffer."""
    f = env.function(name)
    lets = []
    for i, v in enumerate(f.args):
        mn = V(BufferField(name, "min", i))
        mx = n.Sub(_I32, n.Add(_I32, mn, V(BufferField(name, "extent", i))), const(1))
        for k in range(len(env.definitions[name])):
            lets.append((RegionBound(name, k, v, "min"), mn))
            lets.append((RegionBound(name, k, v, "max"), mx))
    return lets


def schedule_functions(stmt, ctx):
    """The initial loop nest of the whole pipeline (`stmt` is ignored: this pass starts it)."""
    env = ctx.env
    out = n.block(*[n.ProducerConsumer(o, True, build_func(env, o)) for o in env.pipeline.outputs])
    for name in reversed(env.order):
        if not env.is_output(name):
            out = inject(out, env, name)
    return out

