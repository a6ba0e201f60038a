"""The first loop nest: each realized Func's stages as loops over symbolic bounds, producers
injected at their compute_at loops and their storage (Realize) at their store_at loops.

Loop variables are named `<func>.s<stage>.<var>`. A pure dimension `v` of Func f ranges over the
symbols `f.s<k>.v.min` .. `f.s<k>.v.max`, which bounds inference defines later. Splits define
the original variables with lets placed inside the innermost loop they depend on, so a producer
computed at a loop sees every variable it can.
"""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import free_variables, substitute
from ..lang.func import plain
from ..lang.schedule import TailStrategy

_I32 = Int(32)
_BOOL = Bool()


def V(name):
    return n.Variable(_I32, name)


def region_min(func, stage, var):
    return f"{func}.s{stage}.{var}.min"


def region_max(func, stage, var):
    return f"{func}.s{stage}.{var}.max"


def _tail(split, stage, old_extent_const, parallel_outer, guard_tails=False):
    if split.tail is not TailStrategy.Auto:
        return split.tail
    factor = split.factor.value if type(split.factor) is n.IntImm else None
    if old_extent_const is not None and factor is not None and old_extent_const % factor == 0:
        return TailStrategy.RoundUp
    # ShiftInwards makes the last tile overlap the one before; when the tiles are parallel
    # tasks that is two threads writing the same points (a data race, however benign).
    # In DMA pipelines a shifted last tile would also overlap its neighbour's fold slot and DMA
    # region, so outputs there guard their last tile instead.
    if stage.index == 0 and not parallel_outer and not guard_tails:
        return TailStrategy.ShiftInwards
    return TailStrategy.GuardWithIf


def split_plan(stage):
    """The stage's splits with the internal variable names they use, and the final map from the
    names the schedule uses to internal names. A split may reuse the old name for the outer loop
    (split(x, x, xi, 8)); the schedule keeps calling it x, but it is a new variable, so it gets
    a new internal name (x.0) and every user name maps to the variable it denotes now.
    Returns ([(split, old, outer, inner)], {user name: internal name}); for a fuse, `old` is the
    fused variable."""
    current = {nm: nm for nm in stage.pure_names}
    current.update({r.name: r.name for r in stage.rvars})
    used = set(current)
    fresh = iter(range(1 << 30))

    def new_name(user):
        name = user
        while name in used:
            name = f"{user}.{next(fresh)}"
        used.add(name)
        return name

    plan = []
    for s in stage.schedule.splits:
        if s.is_rename:
            old = current.pop(s.old)
            new = new_name(s.outer)
            current[s.outer] = new
            plan.append((s, old, new, None))
        elif s.is_fuse:
            inner, outer = current.pop(s.inner), current.pop(s.outer)
            fused = new_name(s.old)
            current[s.old] = fused
            plan.append((s, fused, outer, inner))
        else:
            old = current.pop(s.old)
            outer, inner = new_name(s.outer), new_name(s.inner)
            current[s.outer], current[s.inner] = outer, inner
            plan.append((s, old, outer, inner))
    return plan, current


def build_stage(stage, guard_tails=False):
    """The loop nest of one stage, with Provide innermost."""
    f, k = stage.func, stage.index
    prefix = f"{f}.s{k}"
    full = lambda v: f"{prefix}.{v}"
    bounds = {}  # var -> (min Expr, extent Expr)
    rvar_names = {r.name for r in stage.rvars}
    for r in stage.rvars:
        bounds[r.name] = (simplify(plain(r.min)), simplify(plain(r.extent)))
    for i, a in enumerate(stage.args):
        if type(a) is n.Variable and a.name == stage.pure_names[i]:
            mn = V(region_min(f, k, a.name))
            bounds[a.name] = (mn, n.Add(_I32, n.Sub(_I32, V(region_max(f, k, a.name)), mn), const(1)))
    lets = []     # (name, value) defining non-loop vars from loop vars
    guards = []
    plan, current = split_plan(stage)
    for s, old, outer, inner in plan:
        if s.is_rename:
            bounds[outer] = bounds[old]
            lets.append((full(old), V(full(outer))))
            continue
        if s.is_fuse:
            fused = old
            (imn, iext), (omn, oext) = bounds[inner], bounds[outer]
            if type(simplify(iext)) is not n.IntImm:
                raise ScheduleError(
                    f"In schedule for {stage.func}{'' if stage.index == 0 else f'.update({stage.index - 1})'}: "
                    f"fuse({s.inner}, {s.outer}, {s.old}): halo can fuse only when the inner loop has a constant "
                    f"extent (here {simplify(iext)}), so the fused loop stays affine for bounds inference; split "
                    f"{s.inner} by a constant first and fuse the split loops")
            bounds[fused] = (const(0), simplify(n.Mul(_I32, iext, oext)))
            fv = V(full(fused))
            lets.append((full(inner), n.Add(_I32, imn, n.Mod(_I32, fv, iext))))
            lets.append((full(outer), n.Add(_I32, omn, n.Div(_I32, fv, iext))))
            continue
        mn, ext = bounds[old]
        ext_const = ext.value if type(ext) is n.IntImm else None
        parallel_outer = any(d.var == s.outer and d.kind == n.PARALLEL for d in stage.schedule.dims)
        tail = _tail(s, stage, ext_const, parallel_outer, guard_tails)
        factor = s.factor
        bounds[inner] = (const(0), factor)
        bounds[outer] = (const(0), simplify(n.Div(_I32, n.Add(_I32, ext, n.Sub(_I32, factor, const(1))), factor)))
        base = n.Mul(_I32, V(full(outer)), factor)
        if tail is TailStrategy.ShiftInwards:
            base = n.Min(_I32, base, n.Sub(_I32, ext, factor))
        lets.append((full(old), simplify(n.Add(_I32, n.Add(_I32, base, V(full(inner))), mn))))
        if tail is TailStrategy.GuardWithIf and not (ext_const is not None and type(factor) is n.IntImm
                                                      and ext_const % factor.value == 0):
            guards.append(n.LT(_BOOL, V(full(old)), simplify(n.Add(_I32, mn, ext))))
    dims = stage.schedule.dims  # innermost first
    loop_names = [full(current[d.var]) for d in dims]
    depth_of = {nm: i for i, nm in enumerate(reversed(loop_names))}  # 0 = outermost

    # Each let / guard goes inside the innermost loop it depends on (transitively).
    let_values = dict(lets)

    def depth(expr, seen=()):
        d = -1
        for nm in free_variables(expr):
            if nm in depth_of:
                d = max(d, depth_of[nm])
            elif nm in let_values and nm not in seen:
                d = max(d, depth(let_values[nm], seen + (nm,)))
        return d

    placed = {}
    for nm, val in _topo(lets):
        placed.setdefault(depth(val), []).append(("let", nm, val))
    for g in guards:
        placed.setdefault(depth(g), []).append(("guard", g))

    args = tuple(substitute(_pure_map(stage, full, rvar_names), a) for a in stage.args)
    value = substitute(_pure_map(stage, full, rvar_names), stage.value)
    body = n.Provide(f, args, value)
    for p in stage.predicates:
        body = n.IfThenElse(substitute(_pure_map(stage, full, rvar_names), p), body, None)
    nloops = len(loop_names)
    for level in range(nloops - 1, -2, -1):
        for item in reversed(placed.get(level, [])):
            if item[0] == "let":
                body = n.LetStmt(item[1], item[2], body)
            else:
                body = n.IfThenElse(item[1], body, None)
        if level >= 0:
            d = dims[nloops - 1 - level]
            mn, ext = bounds[current[d.var]]
            body = n.For(loop_names[nloops - 1 - level], mn, ext, d.kind, body)
    return body


def _pure_map(stage, full, rvar_names):
    m = {nm: V(full(nm)) for nm in stage.pure_names}
    for r in rvar_names:
        m[r] = V(full(r))
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


def build_func(env, name):
    guard = name in env.guard_tails
    return n.block(*[build_stage(st, guard) for st in env.stages[name]])


# ---- injecting producers -------------------------------------------------------------------

def _header_depth(body):
    """The statements at the top of a loop body that belong to the loop (its lets and guards)."""
    path = []
    s = body
    while True:
        if type(s) is n.LetStmt:
            path.append(s)
            s = s.body
        elif type(s) is n.IfThenElse and s.else_case is None:
            path.append(s)
            s = s.then_case
        else:
            return path, s


def _wrap_inside_header(body, wrap):
    path, inner = _header_depth(body)
    out = wrap(inner)
    for node in reversed(path):
        if type(node) is n.LetStmt:
            out = node.with_(body=out)
        else:
            out = node.with_(then_case=out)
    return out


def loop_name(level, env, func):
    """The loop name of a LoopLevel "at" (or None for root), checked to exist."""
    stages = env.stages[level.func.name()]
    candidates = stages if level.stage is None else [s for s in stages if s.index == level.stage]
    for st in candidates:
        if any(d.var == level.var for d in st.schedule.dims):
            _, current = split_plan(st)
            return f"{level.func.name()}.s{st.index}.{current[level.var]}"
    return None


class _LoopSites:
    """For each loop name, the loop's path (outermost first) and whether it encloses each call."""

    def __init__(self, stmt, func):
        self.func = func
        self.paths_to_calls = []
        self.loops = []
        self._walk(stmt, [])

    def _walk(self, s, path):
        t = type(s)
        if t is n.For:
            self.loops.append(s.name)
            self._exprs((s.min, s.extent), path)
            self._walk(s.body, path + [s.name])
            return
        if t is n.ProducerConsumer and s.is_producer and s.name == self.func:
            return
        for f in s.child_fields():
            v = getattr(s, f)
            if isinstance(v, n.Stmt):
                self._walk(v, path)
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, n.Stmt):
                        self._walk(x, path)
                    elif isinstance(x, n.Expr):
                        self._exprs((x,), path)
                    elif isinstance(x, tuple):
                        self._exprs(x, path)
            elif isinstance(v, n.Expr):
                self._exprs((v,), path)

    def _exprs(self, exprs, path):
        from ..ir.visitor import find_calls
        for e in exprs:
            if isinstance(e, n.Expr) and any(c.name == self.func for c in find_calls(e, ("func",))):
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


def _describe(loop):
    """A loop as the schedule names it: f.x, f.update(0).r (internal renames like x.0 shown as x)."""
    f, stage, var = loop.split(".", 2)
    k = int(stage[1:])
    head, _, tail = var.rpartition(".")
    if head and tail.isdigit():
        var = head
    return f"{f}{'' if k == 0 else f'.update({k - 1})'}.{var}"


def _legal_text(legal):
    names = ["root"] + [_describe(l) for l in legal]
    return ", ".join(names)


def inject(stmt, env, name):
    """Place Func `name`: its Realize at the store level, its produce at the compute level."""
    sites = _LoopSites(stmt, name)
    legal = sites.legal()
    compute = env.compute[name]
    store = env.store[name]
    func = env.funcs[name]
    compute_loop = None if compute.is_root() else loop_name(compute, env, name)
    store_loop = None if store.is_root() else loop_name(store, env, name)
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
            kind = _loop_kind(stmt, loop)
            if kind == n.PARALLEL:
                raise ScheduleError(
                    f"Func {name} is stored outside the parallel loop {_describe(loop)} but computed inside it; "
                    f"the iterations would race on its storage. Store it inside that loop "
                    f"(store_at({_describe(loop)}) or a loop inside it) or make the loop serial")
    produce = n.ProducerConsumer(name, True, build_func(env, name))
    memory = func._schedule.memory_type.value

    def compute_wrap(body):
        return n.block(produce, n.ProducerConsumer(name, False, body))

    def store_wrap(body):
        return n.Realize(name, func.type(), (), memory, body)

    if compute_loop == store_loop:
        both = (lambda b: store_wrap(compute_wrap(b)))
        return _at(stmt, compute_loop, both)
    stmt = _at(stmt, compute_loop, compute_wrap)
    return _at(stmt, store_loop, store_wrap)


def _why(level, loop, sites):
    if loop is None:
        return f"{level.func.name()} has no loop over {level.var}" + \
            ("" if level.stage is None else " in that stage")
    if loop not in sites.loops:
        return f"the loop {_describe(loop)} is not in the pipeline"
    return f"the loop {_describe(loop)} does not enclose every use of {sites.func}"


def _loop_kind(stmt, loop):
    found = []

    def walk(s):
        if type(s) is n.For:
            if s.name == loop:
                found.append(s.kind)
                return
        for f in s.child_fields():
            v = getattr(s, f)
            if isinstance(v, n.Stmt):
                walk(v)
            elif isinstance(v, tuple):
                for x in v:
                    if isinstance(x, n.Stmt):
                        walk(x)
    walk(stmt)
    return found[0] if found else None


def _at(stmt, loop, wrap):
    if loop is None:
        return wrap(stmt)

    def walk(s):
        if type(s) is n.For and s.name == loop:
            return s.with_(body=_wrap_inside_header(s.body, wrap))
        changes = {}
        for f in s.child_fields():
            v = getattr(s, f)
            if isinstance(v, n.Stmt):
                nv = walk(v)
                if nv is not v:
                    changes[f] = nv
            elif isinstance(v, tuple) and v and isinstance(v[0], n.Stmt):
                nv = tuple(walk(x) for x in v)
                if any(a is not b for a, b in zip(nv, v)):
                    changes[f] = nv
        return s.with_(**changes) if changes else s
    return walk(stmt)


def schedule_functions(env):
    """The initial loop nest of the whole pipeline."""
    out = n.block(*[n.ProducerConsumer(o.name(), True, build_func(env, o.name())) for o in env.outputs])
    outputs = {o.name() for o in env.outputs}
    for name in reversed(env.order):
        if name not in outputs:
            out = inject(out, env, name)
    return out
