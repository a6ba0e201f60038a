"""DMA injection: Funcs scheduled with a DMA directive are moved, not computed.

- A read (in_copy[x, y] = input[x, y], hexagon_ubwcdma_read()): each realization of in_copy at
  its compute level is filled by one transfer of exactly its region from the input buffer.
  With async_() (and a fold holding two windows) the transfer of iteration v + 1 is started
  before iteration v is consumed, and waited on just before use: DMA overlaps compute without
  a thread.
- A write (out[x, y] = work[x, y] on an output, hexagon_ubwcdma_write()): out's loops inside
  the loop where work is computed become one transfer of that tile from work's local buffer.
  With work.async_() the write of tile v is waited on only before its slot of work is
  produced again, so writes overlap the computing of the next tiles.

Every copy is checked by its backend (memory types, dimensions, element size) at compile time.
"""
from .. import backends
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.printer import expr_to_str
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, substitute
from ..poly import regions
from .schedule_functions import V, _describe, loop_name, region_max, region_min
from .storage_folding import pair_width

_I32 = Int(32)
_BOOL = Bool()


class DmaPlan:
    def __init__(self, func, copy, backend, loop, slots):
        self.func = func          # the Func that carries the directive
        self.copy = copy          # backends.Copy
        self.backend = backend
        self.loop = loop          # compute loop of the local buffer (None at root)
        self.slots = slots        # transfers in flight (1: synchronous, 2: ping-pong)


def _wrapper_source(func, call_type):
    """The callee if `func` is a pure wrapper (f[x, y] = g[x, y]) of a call of `call_type`."""
    if func.has_update_definition():
        return None
    st = func.stages()[0]
    v = st.value
    if type(v) is not n.Call or v.call_type != call_type or len(v.args) != len(st.args):
        return None
    if not all(type(a) is n.Variable and a.name == b.name for a, b in zip(v.args, st.args)):
        return None
    return v


def _not_wrapper(func, direction):
    want = "input[x, y]" if direction == "read" else "a Func in local memory"
    return ScheduleError(
        f"Func {func.name()} is scheduled for DMA ({func._dma.backend}) but is not a pure wrapper: its value is "
        f"{func.stages()[0].value}. Expected a single call of {want} with the same arguments in the same order, "
        f"e.g. {func.name()}[{', '.join(func._pure_names)}] = "
        f"{'input' if direction == 'read' else 'work'}[{', '.join(func._pure_names)}]")


def plan_dma(env, namer, windows, folds, target):
    """{func name: DmaPlan}, after checking every DMA directive."""
    plans = {}
    outputs = {o.name() for o in env.outputs}
    for name, func in env.funcs.items():
        spec = func._dma
        if spec is None:
            continue
        backend = backends.get(spec.backend)
        direction = spec.direction
        if direction is None:
            direction = "write" if name in outputs else "read"
        if direction == "read":
            src = _wrapper_source(func, "image")
            if src is None:
                raise _not_wrapper(func, "read")
            if name in outputs:
                raise ScheduleError(f"Func {name} is an output; a DMA read fills a local buffer. Use "
                                    f"{name}.dma(..., 'write') to write it to DDR")
            local_func, ddr, async_ = func, src.name, func._schedule.is_async
        else:
            if name not in outputs:
                raise ScheduleError(
                    f"Func {name}: a DMA write drains a tile to a DDR output, but {name} is not an output of the "
                    f"pipeline; schedule the write on the output Func (out[x, y] = {name}[x, y])")
            src = _wrapper_source(func, "func")
            if src is None:
                raise _not_wrapper(func, "write")
            local_func, ddr = src.target, name
            lvl = env.compute.get(local_func.name())
            if lvl is None or lvl.is_inlined() or lvl.is_root() or lvl.func is not func:
                raise ScheduleError(
                    f"Func {name}: a DMA write moves one tile of {local_func.name()} at a time, so "
                    f"{local_func.name()} must be computed per tile of {name}: "
                    f"{local_func.name()}.compute_at({name}, tile_var)")
            async_ = local_func._schedule.is_async
        lname = local_func.name()
        memory = local_func._schedule.memory_type.value
        compute, store = env.compute[lname], env.store[lname]
        loop = None if compute.is_root() else loop_name(compute, env, lname)
        slots = 1
        if async_:
            sloop = None if store.is_root() else loop_name(store, env, lname)
            what = f"Func {lname}: async_() with {spec.backend} DMA"
            if loop is None or sloop == loop:
                raise ScheduleError(
                    f"{what} needs {lname} stored outside the loop it is computed in (store_at / store_root) so "
                    f"two transfers can be in flight; it is stored where it is computed")
            if lname not in folds:
                raise ScheduleError(
                    f"{what} requires fold_storage: the next transfer needs a slot of {lname} that the current "
                    f"iteration is not using (the UBWCDMA limitation: async requires fold_storage), e.g. "
                    f"fold_storage(x, 2 * tile_width)")
            (i, F), = folds[lname].items()
            d = local_func._pure_names[i]
            w = windows[lname][d]
            pair = pair_width(namer, w)
            if pair is None or pair > F:
                raise ScheduleError(
                    f"{what}: fold_storage({d}, {F}) is too small for the ping-pong: one iteration of "
                    f"{_describe(loop)} uses {lname} from {expr_to_str(w.min)} to {expr_to_str(w.max)} along {d} "
                    f"while the next one's arrives, {pair if pair is not None else 'an unbounded number of'} in all; "
                    f"the smallest legal fold factor is {pair if pair is not None else 'unknown'}")
            slots = 2
        copy = backends.Copy(name, direction, ddr, lname, memory, len(func._pure_names), func.type().bits,
                             async_, spec.options, slots)
        backend.check(copy, target)
        plans[name] = DmaPlan(name, copy, spec.backend, loop, slots)
    _check_compass_events(env, plans)
    return plans


def _inside_parallel(env, name):
    """Whether Func `name` is computed inside a parallel loop (so each thread has its own copy)."""
    lvl = env.compute[name]
    while lvl is not None and not lvl.is_root() and not lvl.is_inlined():
        stage = env.stages[lvl.func.name()][lvl.stage or 0]
        dims = [d.var for d in stage.schedule.dims]
        if lvl.var in dims and any(d.kind == n.PARALLEL for d in stage.schedule.dims[dims.index(lvl.var):]):
            return True
        lvl = env.compute.get(lvl.func.name())
    return False


def _check_compass_events(env, plans):
    """Compass events are a target-wide pool (4): the transfers a schedule keeps in flight at
    once, times the threads that run them, must fit."""
    from ..lang.target import HEXAGON_THREADS
    compass = [p for p in plans.values() if p.backend == "compass"]
    if not compass:
        return
    parallel = any(_inside_parallel(env, p.copy.local) for p in compass)
    per_thread = sum(p.slots for p in compass)
    need = per_thread * (HEXAGON_THREADS if parallel else 1)
    if need > 4:
        detail = ", ".join(f"{p.copy.func}: {p.slots}" for p in compass)
        raise ScheduleError(
            f"the schedule keeps {need} Compass DMA transfers in flight ({detail} per thread"
            f"{f', x {HEXAGON_THREADS} threads of a parallel loop' if parallel else ''}), but the target has 4 "
            f"events; use fewer async copies or no parallel loop around them")


def _region(name, dims):
    mins = tuple(V(region_min(name, 0, d)) for d in dims)
    extents = tuple(simplify(n.Add(_I32, n.Sub(_I32, V(region_max(name, 0, d)), V(region_min(name, 0, d))),
                                   const(1))) for d in dims)
    return mins, extents


def _header(body):
    """Lets at the top of a loop body, each in terms of the loop variable, and the inner stmt."""
    lets = {}
    node = body
    while type(node) in (n.LetStmt, n.IfThenElse) and (type(node) is n.LetStmt or node.else_case is None):
        if type(node) is n.LetStmt:
            lets[node.name] = simplify(substitute(lets, node.value))
            node = node.body
        else:
            node = node.then_case
    return lets


def _start(plan, slot, mins, extents):
    """Start a transfer of the region, unless it is empty (a tile wholly past the end of a
    guarded split has nothing to move)."""
    c = plan.copy
    start = n.DmaStart(c.func, plan.backend, c.direction, c.ddr, c.local, slot, mins, extents,
                       None, c.options, c.memory)
    nonempty = None
    for e in extents:
        if type(e) is n.IntImm and e.value > 0:
            continue
        cond = n.GT(_BOOL, e, const(0))
        nonempty = cond if nonempty is None else n.And(_BOOL, nonempty, cond)
    return start if nonempty is None else n.IfThenElse(nonempty, start, None)


class _Inject(Mutator):
    def __init__(self, env, namer, plans):
        self.env = env
        self.namer = namer
        self.reads = {p.copy.local: p for p in plans.values() if p.copy.direction == "read"}
        self.writes = {p.copy.local: p for p in plans.values() if p.copy.direction == "write"}
        self.async_loops = {}
        for p in plans.values():
            if p.slots > 1:
                self.async_loops.setdefault(p.loop, []).append(p)

    def visit_ProducerConsumer(self, s):
        body = self.mutate(s.body)
        read = self.reads.get(s.name)
        if s.is_producer and read is not None:
            if read.slots > 1:
                return s.with_(body=n.DmaWait(read.copy.func, read.backend, _slot_of(read, 0)))
            mins, extents = _region(s.name, self.env.funcs[s.name]._pure_names)
            return s.with_(body=n.DmaHandles(read.copy.func, read.backend, 1, n.block(
                _start(read, const(0), mins, extents), n.DmaWait(read.copy.func, read.backend, const(0)))))
        write = self.writes.get(s.name)
        if not s.is_producer and write is not None:
            return s.with_(body=self._write(write, body))
        return s if body is s.body else s.with_(body=body)

    def _write(self, plan, body):
        out = plan.copy.func
        accs = regions.accesses(body, out, calls=False, provides=True)
        box = regions.box(self.namer, accs, out)
        if box is None:
            raise ScheduleError(f"Func {out}: nothing of {out} is written in this tile; this is a bug in halo")
        mins = tuple(mn for mn, _, _, _ in box)
        extents = tuple(ext for _, _, ext, _ in box)
        if plan.slots > 1:
            return _start(plan, _slot_of(plan, 0), mins, extents)
        return n.DmaHandles(out, plan.backend, 1, n.block(
            _start(plan, const(0), mins, extents), n.DmaWait(out, plan.backend, const(0))))

    def visit_For(self, s):
        body = self.mutate(s.body)
        out = s if body is s.body else s.with_(body=body)
        # writes first: their handles enclose the loop; reads wrap outside them
        for plan in sorted(self.async_loops.get(s.name, []), key=lambda p: p.copy.direction == "read"):
            out = self._async(plan, s, out)
        return out

    def _async(self, plan, s, stmt):
        """Ping-pong around loop `s` (now `stmt`, possibly already wrapped by another plan)."""
        loop = _find_loop(stmt, s.name)
        c = plan.copy
        if c.direction == "read":
            lets = _header(loop.body)
            mins, extents = _region(c.local, self.env.funcs[c.local]._pure_names)
            now = [simplify(substitute(lets, e)) for e in mins + extents]
            nxt = [simplify(substitute({s.name: n.Add(_I32, V(s.name), const(1))}, e)) for e in now]
            first = [simplify(substitute({s.name: s.min}, e)) for e in now]
            k = len(mins)
            prefetch = n.IfThenElse(
                n.LT(_BOOL, n.Add(_I32, V(s.name), const(1)), simplify(n.Add(_I32, s.min, s.extent))),
                _start(plan, _slot_of(plan, 1, s), tuple(nxt[:k]), tuple(nxt[k:])), None)
            new_loop = loop.with_(body=_after_wait(loop.body, c.local, prefetch))
            prologue = n.IfThenElse(n.GT(_BOOL, s.extent, const(0)),
                                    _start(plan, const(0), tuple(first[:k]), tuple(first[k:])), None)
            return n.DmaHandles(c.func, plan.backend, 2, n.block(prologue, _replace_loop(stmt, s.name, new_loop)))
        # async write: wait for the write that last used this slot before producing into it
        new_loop = loop.with_(body=_before_produce(loop.body, c.local, n.DmaWait(c.func, plan.backend,
                                                                                 _slot_of(plan, 0, s))))
        drain = [n.DmaWait(c.func, plan.backend, const(i)) for i in range(plan.slots)]
        return n.DmaHandles(c.func, plan.backend, plan.slots,
                            n.block(_replace_loop(stmt, s.name, new_loop), *drain))


def _slot_of(plan, ahead, loop=None):
    """The handle slot of iteration v + ahead of the plan's loop: (v + ahead - min) % slots."""
    if loop is None:
        return _SlotPlaceholder(plan, ahead)
    v = n.Add(_I32, V(loop.name), const(ahead))
    return simplify(n.Mod(_I32, n.Sub(_I32, v, loop.min), const(plan.slots)))


class _SlotPlaceholder(n.Variable):
    """Stands for a slot expression until the loop is known (resolved by _ResolveSlots)."""
    __slots__ = ("plan", "ahead")

    def __init__(self, plan, ahead):
        object.__setattr__(self, "type", _I32)
        object.__setattr__(self, "name", f"{plan.copy.func}.slot+{ahead}")
        object.__setattr__(self, "plan", plan)
        object.__setattr__(self, "ahead", ahead)


def _find_loop(stmt, name):
    found = []

    class V_(Mutator):
        def visit_For(self, s):
            if s.name == name:
                found.append(s)
                return s
            return self.generic_visit(s)
    V_().mutate(stmt)
    return found[0]


def _replace_loop(stmt, name, new):
    class M(Mutator):
        def visit_For(self, s):
            return new if s.name == name else self.generic_visit(s)
    return M().mutate(stmt)


def _after_wait(body, local, stmt):
    """Put `stmt` right after the DmaWait inside the produce block of `local`."""
    class M(Mutator):
        def visit_ProducerConsumer(self, s):
            if s.is_producer and s.name == local:
                return s.with_(body=n.block(s.body, stmt))
            return self.generic_visit(s)
    return M().mutate(body)


def _before_produce(body, local, stmt):
    class M(Mutator):
        def visit_Block(self, s):
            out = []
            for x in s.stmts:
                if type(x) is n.ProducerConsumer and x.is_producer and x.name == local:
                    out.append(stmt)
                out.append(self.mutate(x))
            return n.Block(tuple(out))
    return M().mutate(body)


class _ResolveSlots(Mutator):
    def __init__(self, loops):
        self.loops = loops  # loop name -> For

    def visit_For(self, s):
        self.loops[s.name] = s
        return self.generic_visit(s)

    def visit__SlotPlaceholder(self, e):
        return _slot_of(e.plan, e.ahead, self.loops[e.plan.loop])


def inject_dma(stmt, env, namer, plans):
    if not plans:
        return stmt
    out = _Inject(env, namer, plans).mutate(stmt)
    return _ResolveSlots({}).mutate(out)
