"""async_() on compute producers: the producer's iterations of the loop it is computed in run
on their own thread, ahead of the consumer's, through two semaphores:

    semaphore g.ready = 0, g.space = S
    fork { for y: acquire(g.space); produce g; release(g.ready) }
    and  { for y: acquire(g.ready); consume g; release(g.space) }

The producer runs one iteration ahead (S = 2, ping-pong) when the fold holds the windows of two
consecutive iterations at once (storage folding proved how wide those are: Fold.pair), whatever
the step of the loop. Schedules that could deadlock or overwrite live data are refused here with
the reason. (Funcs moved by DMA overlap through their transfers instead: inject_dma.)
"""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.find import collect_stmts, header, rewrap
from ..ir.names import Derived
from ..ir.visitor import Mutator
from ..poly.windows import placement, widest, windows

SLOTS = 2


def _split_body(body, name):
    """(header path, producer stmt, consumer stmt) of a loop body that computes Func `name`."""
    path, s = header(body)  # the loop's split lets and guards, and the Func's region lets
    stmts = s.stmts if type(s) is n.Block else (s,)
    produce = [x for x in stmts if type(x) is n.ProducerConsumer and x.is_producer and x.name == name]
    consume = [x for x in stmts if type(x) is n.ProducerConsumer and not x.is_producer and x.name == name]
    if len(produce) != 1 or len(consume) != 1 or len(stmts) != 2:
        return None
    return path, produce[0], consume[0]


class _Async(Mutator):
    def __init__(self, plans):
        self.plans = plans  # loop name -> func

    def visit_Expr(self, e):
        return e

    def visit_For(self, s):
        body = self.mutate(s.body)
        func = self.plans.get(s.name)
        if func is None:
            return s if body is s.body else s.with_(body=body)
        parts = _split_body(body, func)
        if parts is None:
            raise ScheduleError(
                f"Func {func}: async_(): other Funcs computed at {s.name.describe()} enclose its producer; an "
                f"async producer must be the first Func computed at its loop. Compute the others at another "
                f"loop, or make the first of them async instead")
        path, produce, consume = parts
        ready, space = Derived(func, "ready"), Derived(func, "space")
        one = n.IntImm(n._INT32, 1)
        producer = s.with_(body=rewrap(path, n.block(n.Acquire(space, one), produce, n.Release(ready, one))))
        consumer = s.with_(body=rewrap(path, n.block(n.Acquire(ready, one), consume, n.Release(space, one))))
        return n.Semaphore(ready, n.IntImm(n._INT32, 0),
                           n.Semaphore(space, n.IntImm(n._INT32, SLOTS), n.Fork(producer, consumer)))


def _inside_async_producer(env, name, asyncs):
    """The async Func whose produce block `name` is computed in, if any."""
    lvl = env.compute[name]
    while not lvl.is_root() and not lvl.is_inlined():
        if lvl.func in asyncs:
            return lvl.func
        lvl = env.compute.get(lvl.func)
        if lvl is None:
            break
    return None


def async_producers(stmt, ctx):
    env = ctx.env
    dma_locals = {h.copy.local for h in collect_stmts(stmt, lambda s: type(s) is n.DmaHandles)}
    asyncs = [nm for nm in env.order if env.function(nm).is_async and nm not in dma_locals]
    plans = {}
    for name in asyncs:
        f = env.function(name)
        what = f"Func {name}: async_()"
        if env.compute[name].is_root():
            raise ScheduleError(f"{what}: a Func computed at the root has no consumer loop to run ahead of; "
                                f"compute it at a loop of its consumer (compute_at)")
        p = placement(stmt, name)
        loop = p.loop.name
        if not p.stored_outside:
            raise ScheduleError(f"{what}: {name} is stored inside the loop it is computed in, so producer and "
                                f"consumer share one buffer per iteration; store it outside (store_root() or "
                                f"store_at(...)) and fold it (fold_storage)")
        realize = collect_stmts(stmt, lambda s: type(s) is n.Realize and s.name == name)[0]
        if not realize.storage.folds:
            raise ScheduleError(f"{what} requires fold_storage: {name} is shared across iterations of "
                                f"{loop.describe()}, and without a fold the producer running ahead has nowhere "
                                f"to write (the UBWCDMA limitation: async requires fold_storage)")
        outer = _inside_async_producer(env, name, asyncs)
        if outer is not None:
            raise ScheduleError(f"{what}: {name} is computed inside the async producer {outer}; nested async "
                                f"producers can deadlock (Halide #5201, #8004). Make only one of them async")
        if loop in plans:
            raise ScheduleError(f"{what}: {plans[loop]} is already async at {loop.describe()}; halo runs one "
                                f"async producer per loop")
        fold = realize.storage.folds[0]
        d = f.args[fold.dim]
        pair = fold.pair
        if pair is None or pair > fold.factor:
            w = windows(stmt, name, f.args)[d]
            raise ScheduleError(
                f"{what}: fold_storage({d}, {fold.factor}) leaves the producer no room to run ahead: one iteration "
                f"reads {widest(ctx.isl, w)} along {d} while the next one is produced, "
                f"{pair if pair is not None else 'an unbounded number'} in all, so a fold of at least "
                f"{pair if pair is not None else '(unknown)'} lets it work one iteration ahead (ping-pong)")
        if f.has_updates():
            raise ScheduleError(f"{what}: async producers with update definitions are not supported; compute "
                                f"the updates in a separate Func")
        if not ctx.target.has_threads:
            raise ScheduleError(
                f"{what}: the {ctx.target} target has no threads (the freestanding Hexagon runtime runs on "
                f"qemu-hexagon's user mode, without QuRT), so {name} cannot be produced beside its "
                f"consumer; drop async_() on {name} for this target (the results are the same), or move "
                f"the data with DMA (hexagon_ubwcdma_read().async_() overlaps without threads)")
        plans[loop] = name
    if not plans:
        return stmt
    return _Async(plans).mutate(stmt)
