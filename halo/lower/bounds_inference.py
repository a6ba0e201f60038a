"""Bounds inference: define each Func's region symbols (`f.s<k>.<var>.min/max`) at its compute
site, from the region its consumers there require (isl, exact for affine indices).

Stage 0 covers what consumers need plus what the Func's own updates touch (writes at non-pure
coordinates and reads of itself); update stages cover what consumers need.
"""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import substitute
from ..poly import regions
from .schedule_functions import V, _at, loop_name, region_max, region_min

_I32 = Int(32)


def _find_producer(s, name):
    if type(s) is n.ProducerConsumer and s.is_producer and s.name == name:
        return s
    for f in s.child_fields():
        v = getattr(s, f)
        if isinstance(v, n.Stmt):
            r = _find_producer(v, name)
            if r is not None:
                return r
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, n.Stmt):
                    r = _find_producer(x, name)
                    if r is not None:
                        return r
    return None


def _region_lets(env, name, body, namer, warn, output_region=None):
    """[(symbol, Expr)] for every stage of Func `name`, computed over `body`."""
    func = env.funcs[name]
    pure = func._pure_names
    if output_region is not None:
        required = output_region
    else:
        accs = regions.accesses(body, name, calls=True, skip_producer=name)
        b = regions.box(namer, accs, name, warn)
        if b is None:
            raise ScheduleError(f"Func {name} is not used where it is computed; this is a bug in halo's lowering")
        required = [(mn, mx) for mn, mx, _, _ in b]
    for i, v in enumerate(pure):
        if v in func._schedule.bounds:
            mn, ext = func._schedule.bounds[v]
            required[i] = (mn, simplify(mn + ext - 1))
    lets = []
    nstages = len(env.stages[name])
    for k in range(1, nstages):
        for i, v in enumerate(pure):
            lets.append((region_min(name, k, v), required[i][0]))
            lets.append((region_max(name, k, v), required[i][1]))
    full = list(required)
    if nstages > 1:
        produce = _find_producer(body, name)
        mapping = {sym: val for sym, val in lets}
        updates = n.block(*produce.body.stmts[1:]) if type(produce.body) is n.Block else None
        if updates is not None:
            updates = substitute(mapping, updates)
            accs = regions.accesses(updates, name, calls=True, provides=True)
            b = regions.box(namer, accs, name, warn)
            if b is not None:
                full = []
                for i, v in enumerate(pure):
                    if v in func._schedule.bounds:
                        full.append(required[i])
                    else:
                        full.append((simplify(n.Min(_I32, required[i][0], b[i][0])),
                                     simplify(n.Max(_I32, required[i][1], b[i][1]))))
    for i, v in enumerate(pure):
        lets.insert(2 * i, (region_min(name, 0, v), full[i][0]))
        lets.insert(2 * i + 1, (region_max(name, 0, v), full[i][1]))
    return lets


def _wrap_lets(lets, body):
    for sym, val in reversed(lets):
        body = n.LetStmt(sym, val, body)
    return body


def bounds_inference(stmt, env, namer, warn):
    outputs = {o.name() for o in env.outputs}
    by_site = {}
    for name in reversed(env.order):  # consumers first
        lvl = env.compute[name]
        site = None if lvl.is_root() else loop_name(lvl, env, name)
        by_site.setdefault(site, []).append(name)

    def make_wrap(names):
        def wrap(body):
            lets = []
            for name in names:
                out_region = None
                if name in outputs:
                    out_region = [(V(f"{name}.min.{i}"),
                                   n.Sub(_I32, n.Add(_I32, V(f"{name}.min.{i}"), V(f"{name}.extent.{i}")), const(1)))
                                  for i in range(len(env.funcs[name]._pure_names))]
                lets.extend(_region_lets(env, name, body, namer, warn, out_region))
            return _wrap_lets(lets, body)
        return wrap

    for site, names in by_site.items():
        if site is not None:
            stmt = _at(stmt, site, make_wrap(names))
    return _at(stmt, None, make_wrap(by_site.get(None, [])))
