"""async_() on compute producers: the producer's iterations of the loop it is computed in run
on their own thread, ahead of the consumer's, through two semaphores:

    semaphore g.ready = 0, g.space = S
    fork { for y: acquire(g.space); produce g; release(g.ready) }
    and  { for y: acquire(g.ready); consume g; release(g.space) }

The producer runs one iteration ahead (S = 2, ping-pong) when the fold holds the windows of two
consecutive iterations at once: from the first row iteration y reads to the last row iteration
y + 1 writes, whatever the step of the loop (a tile of 4 rows moves the window 4 rows). Schedules that could deadlock or
overwrite live data are refused here with the reason.
"""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.visitor import Mutator
from .schedule_functions import _describe, loop_name
from .storage_folding import _widest, pair_width


def _split_body(body, name):
    """(header path, producer stmt, consumer stmt) of a loop body that computes Func `name`."""
    path = []
    s = body
    while type(s) in (n.LetStmt, n.IfThenElse) and (type(s) is n.LetStmt or s.else_case is None):
        path.append(s)
        s = s.body if type(s) is n.LetStmt else s.then_case
    stmts = s.stmts if type(s) is n.Block else (s,)
    produce = [x for x in stmts if type(x) is n.ProducerConsumer and x.is_producer and x.name == name]
    consume = [x for x in stmts if type(x) is n.ProducerConsumer and not x.is_producer and x.name == name]
    if len(produce) != 1 or len(consume) != 1 or len(stmts) != 2:
        return None
    return path, produce[0], consume[0]


def _rewrap(path, inner):
    for node in reversed(path):
        inner = node.with_(body=inner) if type(node) is n.LetStmt else node.with_(then_case=inner)
    return inner


class _Async(Mutator):
    def __init__(self, plans):
        self.plans = plans  # loop name -> (func, slots)

    def visit_For(self, s):
        body = self.mutate(s.body)
        plan = self.plans.get(s.name)
        if plan is None:
            return s if body is s.body else s.with_(body=body)
        func, slots = plan
        parts = _split_body(body, func)
        if parts is None:
            raise ScheduleError(f"Func {func}: async_(): its compute loop {_describe(s.name)} has other statements "
                                f"around the producer; this is a bug in halo's lowering")
        path, produce, consume = parts
        ready, space = f"{func}.ready", f"{func}.space"
        producer = s.with_(body=_rewrap(path, n.block(n.Acquire(space, const(1)), produce, n.Release(ready, const(1)))))
        consumer = s.with_(body=_rewrap(path, n.block(n.Acquire(ready, const(1)), consume, n.Release(space, const(1)))))
        return n.Semaphore(ready, const(0), n.Semaphore(space, const(slots), n.Fork(producer, consumer)))


def _inside_async_producer(env, name, asyncs):
    """The async Func whose produce block `name` is computed in, if any."""
    lvl = env.compute[name]
    while not lvl.is_root() and not lvl.is_inlined():
        outer = lvl.func.name()
        if outer in asyncs:
            return outer
        lvl = env.compute.get(outer)
        if lvl is None:
            break
    return None


def async_producers(stmt, env, namer, windows, folds, dma_locals=(), target=None):
    """Forks for the async Funcs that are computed (those moved by DMA overlap through their
    transfers instead: inject_dma)."""
    asyncs = [nm for nm, f in env.funcs.items() if f._schedule.is_async and nm not in dma_locals]
    plans = {}
    for name in asyncs:
        func = env.funcs[name]
        compute, store = env.compute[name], env.store[name]
        what = f"Func {name}: async_()"
        if compute.is_root():
            raise ScheduleError(f"{what}: a Func computed at the root has no consumer loop to run ahead of; "
                                f"compute it at a loop of its consumer (compute_at)")
        loop = loop_name(compute, env, name)
        sloop = None if store.is_root() else loop_name(store, env, name)
        if sloop == loop:
            raise ScheduleError(f"{what}: {name} is stored inside the loop it is computed in, so producer and "
                                f"consumer share one buffer per iteration; store it outside (store_root() or "
                                f"store_at(...)) and fold it (fold_storage)")
        if name not in folds:
            raise ScheduleError(f"{what} requires fold_storage: {name} is shared across iterations of "
                                f"{_describe(loop)}, and without a fold the producer running ahead has nowhere "
                                f"to write (the UBWCDMA limitation: async requires fold_storage)")
        outer = _inside_async_producer(env, name, asyncs)
        if outer is not None:
            raise ScheduleError(f"{what}: {name} is computed inside the async producer {outer}; nested async "
                                f"producers can deadlock (Halide #5201, #8004). Make only one of them async")
        if loop in plans:
            raise ScheduleError(f"{what}: {plans[loop][0]} is already async at {_describe(loop)}; halo runs one "
                                f"async producer per loop")
        (i, F), = folds[name].items()
        d = func._pure_names[i]
        w = windows[name][d]
        pair = pair_width(namer, w)
        if pair is None or pair > F:
            raise ScheduleError(
                f"{what}: fold_storage({d}, {F}) leaves the producer no room to run ahead: one iteration reads "
                f"{_widest(namer, w)} along {d} while the next one is produced, {pair if pair is not None else 'an unbounded number'} "
                f"in all, so a fold of at least {pair if pair is not None else '(unknown)'} lets it work one "
                f"iteration ahead (ping-pong)")
        slots = 2
        if func.has_update_definition():
            raise ScheduleError(f"{what}: async producers with update definitions are not supported; compute "
                                f"the updates in a separate Func")
        if target is not None and not target.has_threads:
            raise ScheduleError(
                f"{what}: the {target} target has no threads (the freestanding Hexagon runtime runs on "
                f"qemu-hexagon's user mode, without QuRT), so {name} cannot be produced beside its "
                f"consumer; drop async_() on {name} for this target (the results are the same), or move "
                f"the data with DMA (hexagon_ubwcdma_read().async_() overlaps without threads)")
        plans[loop] = (name, slots)
    if not plans:
        return stmt
    return _Async(plans).mutate(stmt)
