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

Every copy is checked by its backend (memory types, dimensions, element size) here, and the
DmaStart nodes carry that checked Copy and everything the code generator needs: where the
region starts in the local buffer and its strides (in terms of the local buffer's layout
symbols, which storage flattening defines).
"""
from dataclasses import dataclass

from .. import backends
from ..errors import InternalError, ScheduleError
from ..ir import nodes as n
from ..ir.dma import READ, WRITE, Copy
from ..ir.find import collect_stmts, find_loop, is_pair, path_to
from ..ir.names import BufferField, RegionBound
from ..ir.printer import expr_to_str
from ..ir.simplify import simplify
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, substitute
from ..poly.boxes import box_touched
from ..poly.windows import placement, windows
from ..lang.target import HEXAGON_THREADS
from ..backends.compass import EVENTS as COMPASS_EVENTS

_I32 = Int(32)
_BOOL = Bool()


def _c(v):
    return n.IntImm(_I32, v)


def V(name):
    return n.Variable(_I32, name)


@dataclass(frozen=True)
class _Plan:
    copy: Copy
    loop: object   # the For the local buffer is computed in (None at the root)


def _wrapper_source(d, call_type):
    """The callee if definition `d` is a pure wrapper (f[x, y] = g[x, y]) of a call of
    `call_type`."""
    if len(d.values) != 1:
        return None
    v = d.values[0]
    if type(v) is not n.Call or v.call_type != call_type or len(v.args) != len(d.args):
        return None
    if not all(type(a) is n.Variable and a.name == b.name for a, b in zip(v.args, d.args)):
        return None
    return v


def _not_wrapper(f, direction):
    want = "input[x, y]" if direction == READ else "a Func in local memory"
    return ScheduleError(
        f"Func {f.name} is scheduled for DMA ({f.dma.backend}) but is not a pure wrapper: its value is "
        f"{', '.join(str(v) for v in f.definitions[0].values)}. Expected a single call of {want} with the same arguments in the same order, "
        f"e.g. {f.name}[{', '.join(f.args)}] = {'input' if direction == READ else 'work'}[{', '.join(f.args)}]")


def _realize(stmt, name):
    found = collect_stmts(stmt, lambda s: type(s) is n.Realize and s.name == name)
    return found[0] if found else None


def _plan(ctx, stmt, name):
    env = ctx.env
    f = env.function(name)
    spec = f.dma
    backend = backends.get(spec.backend)
    direction = spec.direction or (WRITE if env.is_output(name) else READ)
    d = env.function(name).definitions[0]
    if direction == READ:
        src = _wrapper_source(d, n.IMAGE) if not f.has_updates() else None
        if src is None:
            raise _not_wrapper(f, READ)
        if env.is_output(name):
            raise ScheduleError(f"Func {name} is an output; a DMA read fills a local buffer. Use "
                                f"{name}.dma(..., 'write') to write it to DDR")
        local, ddr, is_async = name, src.name, f.is_async
    else:
        if not env.is_output(name):
            raise ScheduleError(
                f"Func {name}: a DMA write drains a tile to a DDR output, but {name} is not an output of the "
                f"pipeline; schedule the write on the output Func (out[x, y] = {name}[x, y])")
        src = _wrapper_source(d, n.FUNC) if not f.has_updates() else None
        if src is None:
            raise _not_wrapper(f, WRITE)
        local, ddr = src.name, name
        lvl = env.compute.get(local)
        if lvl is None or lvl.is_root() or lvl.func != name:
            raise ScheduleError(
                f"Func {name}: a DMA write moves one tile of {local} at a time, so {local} must be computed per "
                f"tile of {name}: {local}.compute_at({name}, tile_var)")
        is_async = env.function(local).is_async
    lf = env.function(local)
    if len(lf.types) > 1:
        raise ScheduleError(
            f"Func {name}: {spec.backend} DMA moves one buffer, but {local} is a Tuple of {len(lf.types)} values "
            f"(buffers {', '.join(b for b, _ in lf.buffers())}); DMA a one-valued Func per element instead "
            f"({local}_0[{', '.join(lf.args)}] = {local}[{', '.join(lf.args)}][0], ...)")
    p = placement(stmt, local)
    loop = p.loop if p is not None else None
    realize = _realize(stmt, local)
    folds = realize.storage.folds if realize is not None else ()
    slots = 1
    if is_async:
        what = f"Func {local}: async_() with {spec.backend} DMA"
        if loop is None or not p.stored_outside:
            raise ScheduleError(
                f"{what} needs {local} stored outside the loop it is computed in (store_at / store_root) so "
                f"two transfers can be in flight; it is stored where it is computed")
        if not folds:
            raise ScheduleError(
                f"{what} requires fold_storage: the next transfer needs a slot of {local} that the current "
                f"iteration is not using (the UBWCDMA limitation: async requires fold_storage), e.g. "
                f"fold_storage(x, 2 * tile_width)")
        fold = folds[0]
        dim = lf.args[fold.dim]
        if fold.pair is None or fold.pair > fold.factor:
            w = windows(stmt, local, lf.args)[dim]
            pair = fold.pair
            raise ScheduleError(
                f"{what}: fold_storage({dim}, {fold.factor}) is too small for the ping-pong: one iteration of "
                f"{loop.name.describe()} uses {local} from {expr_to_str(w.min)} to {expr_to_str(w.max)} along "
                f"{dim} while the next one's arrives, {pair if pair is not None else 'an unbounded number of'} in "
                f"all; the smallest legal fold factor is {pair if pair is not None else 'unknown'}")
        slots = 2
    if len(folds) > 1:
        raise ScheduleError(f"Func {local} is folded in {len(folds)} dimensions; a DMA'd buffer may fold one")
    fold = (folds[0].dim, folds[0].factor) if folds else None
    copy = Copy(name, spec.backend, direction, ddr, local, lf.memory, len(f.args), lf.types[0], is_async,
                spec.options, slots, fold)
    backend.check(copy, ctx.target)
    return _Plan(copy, loop)


def _inside_parallel(stmt, local):
    path = path_to(stmt, lambda s: is_pair(s, local)) or []
    return any(type(s) is n.For and s.kind == n.PARALLEL for s in path)


def _check_compass_events(stmt, plans):
    """Compass events are a target-wide pool: the transfers a schedule keeps in flight at once,
    times the threads that run them, must fit."""
    compass = [p for p in plans if p.copy.backend == "compass"]
    if not compass:
        return
    parallel = any(_inside_parallel(stmt, p.copy.local) for p in compass)
    per_thread = sum(p.copy.in_flight for p in compass)
    need = per_thread * (HEXAGON_THREADS if parallel else 1)
    if need > COMPASS_EVENTS:
        detail = ", ".join(f"{p.copy.func}: {p.copy.in_flight}" for p in compass)
        raise ScheduleError(
            f"the schedule keeps {need} Compass DMA transfers in flight ({detail} per thread"
            f"{f', x {HEXAGON_THREADS} threads of a parallel loop' if parallel else ''}), but the target has "
            f"{COMPASS_EVENTS} events; use fewer async copies or no parallel loop around them")


# ---- the transfers ----------------------------------------------------------------------------

def _start(copy, slot, mins, extents):
    """Start a transfer of the region, unless it is empty (a tile wholly past the end of a
    guarded split has nothing to move)."""
    mins = tuple(simplify(m) for m in mins)
    extents = tuple(simplify(e) for e in extents)
    local = copy.local
    offset = None
    for i, mn in enumerate(mins):
        start = n.Mod(_I32, mn, _c(copy.fold[1])) if copy.fold and copy.fold[0] == i else \
            n.Sub(_I32, mn, V(BufferField(local, "min", i)))
        term = n.Mul(_I32, start, V(BufferField(local, "stride", i)))
        offset = term if offset is None else n.Add(_I32, offset, term)
    strides = tuple(V(BufferField(local, "stride", i)) for i in range(copy.dims))
    size = None
    for i in range(copy.dims):
        ext = V(BufferField(local, "extent", i))
        size = ext if size is None else n.Mul(_I32, size, ext)
    start = n.DmaStart(copy, simplify(slot), 0, mins, extents, simplify(offset), strides, size)
    nonempty = None
    for e in extents:
        if type(e) is n.IntImm and e.value > 0:
            continue
        cond = n.GT(_BOOL, e, _c(0))
        nonempty = cond if nonempty is None else n.And(_BOOL, nonempty, cond)
    return start if nonempty is None else n.IfThenElse(nonempty, start, None)


def _region(name, dims):
    mins = tuple(V(RegionBound(name, 0, d, "min")) for d in dims)
    extents = tuple(n.Add(_I32, n.Sub(_I32, V(RegionBound(name, 0, d, "max")), V(RegionBound(name, 0, d, "min"))),
                          _c(1)) for d in dims)
    return mins, extents


def _slot(plan, ahead):
    """The handle slot of iteration v + ahead of the plan's loop: (v + ahead - min) % slots."""
    loop = plan.loop
    if plan.copy.in_flight == 1:
        return _c(0)
    return n.Mod(_I32, n.Sub(_I32, n.Add(_I32, V(loop.name), _c(ahead)), loop.min), _c(plan.copy.in_flight))


class _Inject(Mutator):
    def __init__(self, ctx, plans):
        self.ctx = ctx
        self.reads = {p.copy.local: p for p in plans if p.copy.direction == READ}
        self.writes = {p.copy.local: p for p in plans if p.copy.direction == WRITE}
        self.async_loops = {}
        for p in plans:
            if p.copy.in_flight > 1:
                self.async_loops.setdefault(p.loop.name, []).append(p)

    def visit_Expr(self, e):
        return e

    def visit_ProducerConsumer(self, s):
        body = self.mutate(s.body)
        read = self.reads.get(s.name)
        if s.is_producer and read is not None:
            c = read.copy
            if c.in_flight > 1:
                return s.with_(body=n.DmaWait(c, _slot(read, 0)))
            mins, extents = _region(s.name, self.ctx.env.function(s.name).args)
            return s.with_(body=n.DmaHandles(c, 1, n.block(_start(c, _c(0), mins, extents), n.DmaWait(c, _c(0)))))
        write = self.writes.get(s.name)
        if not s.is_producer and write is not None:
            return s.with_(body=self._write(write, body))
        return s if body is s.body else s.with_(body=body)

    def _write(self, plan, body):
        c = plan.copy
        box = box_touched(body, c.func, calls=False, provides=True, isl=self.ctx.isl)
        if box is None:
            raise InternalError(f"Func {c.func}: nothing of {c.func} is written in this tile")
        mins = tuple(lo for lo, _ in box.dims)
        extents = tuple(box.extents())
        if c.in_flight > 1:
            return _start(c, _slot(plan, 0), mins, extents)
        return n.DmaHandles(c, 1, n.block(_start(c, _c(0), mins, extents), n.DmaWait(c, _c(0))))

    def visit_For(self, s):
        body = self.mutate(s.body)
        out = s if body is s.body else s.with_(body=body)
        # writes first: their handles enclose the loop; reads wrap outside them
        for plan in sorted(self.async_loops.get(s.name, []), key=lambda p: p.copy.direction == READ):
            out = self._async(plan, s, out)
        return out

    def _async(self, plan, s, stmt):
        """Ping-pong around loop `s` (now `stmt`, possibly already wrapped by another plan)."""
        loop = find_loop(stmt, s.name)
        c = plan.copy
        if c.direction == READ:
            env = self.ctx.env
            p = placement(loop, c.local)
            mins, extents = _region(c.local, env.function(c.local).args)
            now = [simplify(substitute(p.lets, e)) for e in mins + extents]
            nxt = [simplify(substitute({s.name: n.Add(_I32, V(s.name), _c(1))}, e)) for e in now]
            first = [simplify(substitute({s.name: s.min}, e)) for e in now]
            k = len(mins)
            prefetch = n.IfThenElse(
                n.LT(_BOOL, n.Add(_I32, V(s.name), _c(1)), simplify(n.Add(_I32, s.min, s.extent))),
                _start(c, _slot(plan, 1), tuple(nxt[:k]), tuple(nxt[k:])), None)
            new_loop = loop.with_(body=_after_wait(loop.body, c.local, prefetch))
            prologue = n.IfThenElse(n.GT(_BOOL, s.extent, _c(0)), _start(c, _c(0), tuple(first[:k]), tuple(first[k:])),
                                    None)
            return n.DmaHandles(c, 2, n.block(prologue, _replace_loop(stmt, s.name, new_loop)))
        # async write: wait for the write that last used this slot before producing into it
        new_loop = loop.with_(body=_before_pair(loop.body, c.local, n.DmaWait(c, _slot(plan, 0))))
        drain = [n.DmaWait(c, _c(i)) for i in range(c.in_flight)]
        return n.DmaHandles(c, c.in_flight, n.block(_replace_loop(stmt, s.name, new_loop), *drain))


class _ReplaceLoop(Mutator):
    def __init__(self, name, new):
        self.name, self.new = name, new

    def visit_For(self, s):
        return self.new if s.name == self.name else self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def _replace_loop(stmt, name, new):
    return _ReplaceLoop(name, new).mutate(stmt)


class _AfterWait(Mutator):
    """`stmt` right after the wait inside the produce block of `local`."""

    def __init__(self, local, stmt):
        self.local, self.stmt = local, stmt

    def visit_ProducerConsumer(self, s):
        if s.is_producer and s.name == self.local:
            return s.with_(body=n.block(s.body, self.stmt))
        return self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def _after_wait(body, local, stmt):
    return _AfterWait(local, stmt).mutate(body)


class _BeforePair(Mutator):
    """`stmt` just before the produce / consume pair of `local` (the pair stays one node)."""

    def __init__(self, local, stmt):
        self.local, self.stmt = local, stmt

    def visit_Block(self, s):
        if is_pair(s, self.local):
            return n.Block((self.stmt, s))
        return self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def _before_pair(body, local, stmt):
    return _BeforePair(local, stmt).mutate(body)


def inject_dma(stmt, ctx):
    names = [nm for nm in ctx.env.order if ctx.env.function(nm).dma is not None]
    if not names:
        return stmt
    plans = [_plan(ctx, stmt, nm) for nm in names]
    _check_compass_events(stmt, plans)
    return _Inject(ctx, plans).mutate(stmt)
