"""The path walk: every path of a kernel, followed with the values it can know (loop variables,
scalars given to the call, array sizes), checks event lifetimes, the value rules of each copy
(check.copy_rules) and data hazards.

A data hazard is an access to memory an asynchronous copy may still be moving: reading its
destination, or writing its source or destination, before the copy's event is waited on (by
S.wait_events, by S.free_events, or by the next copy on the same event, which the runtime
starts only when the previous one is done). A loop that copies or touches events is followed
iteration by iteration, so a copy started in one iteration and touched in the next is found;
any other loop is followed once over its whole range. Where a condition's value is not known
(buffer data) both branches are followed and their states joined: a copy still in flight on one
of them is in flight after the `if`."""
import warnings
from dataclasses import dataclass, field

from ..errors import DataHazardError, HaloWarning, KernelError
from ..ir import nodes as n
from ..ir.find import contains
from ..ir.names import Derived
from . import check, values
from .nodes import SYNC_STMTS, AllocEvents, At, DmaCopy, FreeEvents, WaitEvents

NONE, LIVE, FREED = "not allocated", "allocated", "freed"


class NeedsValues(Exception):
    """The walk needs a scalar the call has not given yet (it is walked again at the call)."""


@dataclass(frozen=True)
class Flight:
    """An asynchronous copy in flight: its statement, line, and the loop iterations it started in."""
    copy: DmaCopy
    line: int
    dst: tuple  # (root buffer, offset, stride, width, times) intervals
    src: tuple
    iteration: tuple  # ((loop variable, value), ...)


@dataclass
class State:
    flights: tuple = ()
    events: dict = field(default_factory=dict)   # event -> frozenset of NONE / LIVE / FREED
    freed_at: dict = field(default_factory=dict)  # event -> line of its last S.free_events
    alloc_at: dict = field(default_factory=dict)  # event -> line of its last S.alloc_events
    leaked: int = 0                               # events allocated again while allocated
    vars: dict = field(default_factory=dict)      # scalar local -> interval

    def copy(self):
        return State(self.flights, dict(self.events), dict(self.freed_at), dict(self.alloc_at), self.leaked,
                     dict(self.vars))


def join(a, b):
    flights = a.flights + tuple(f for f in b.flights if f not in a.flights)
    events = {e: a.events.get(e, frozenset({NONE})) | b.events.get(e, frozenset({NONE}))
              for e in a.events.keys() | b.events.keys()}
    names = a.vars.keys() | b.vars.keys()
    return State(flights, events, {**b.freed_at, **a.freed_at}, {**b.alloc_at, **a.alloc_at},
                 max(a.leaked, b.leaked),
                 {v: values.hull(a.vars.get(v), b.vars.get(v)) for v in names})


def walk(kernel, scalars=None, sizes=None, event_limit=4):
    """Walks every path. scalars / sizes: name -> value of the call (None: not known yet, then
    NeedsValues may be raised). Raises KernelError / DataHazardError; warns of events never freed."""
    _Walker(kernel, scalars, sizes, event_limit).run()


class _Walker:
    def __init__(self, kernel, scalars, sizes, limit):
        self.k = kernel
        self.known = scalars is not None
        self.scalars = scalars or {}
        self.sizes = sizes or {}
        self.limit = limit
        self.loops = {}    # loop variable -> interval
        self.concrete = []  # loop variables followed one iteration at a time, outermost first
        self.loop_lines = {}
        self.line = kernel.line
        self.text = ""

    def run(self):
        state = self.stmt(self.k.body, State())
        for f in state.flights:
            if self.k.buffer(f.dst[0]).kind == "param":
                raise DataHazardError(
                    f"{self.k.where(f.line)}: data hazard: the kernel returns while {check.call_text(f.copy)} "
                    f"(event {f.copy.event}) may still be writing {f.dst[0]}, the caller's array; add "
                    f"S.wait_events({f.copy.event}) before the end of the kernel (rule: wait for every copy "
                    f"into the caller's memory before returning)")
        for e, states in state.events.items():
            if LIVE in states:
                warnings.warn(HaloWarning(
                    f"{self.k.where(state.alloc_at[e])}: event {e} is never freed on some path (rule: "
                    f"S.free_events every event S.alloc_events gave; halo frees it when the kernel "
                    f"returns)"), stacklevel=5)

    # ---- values ----
    def lookup(self, e, state):
        if type(e) is n.Load:
            return state.vars.get(e.buffer) if self.k.buffer(e.buffer).kind == "var" else None
        name = e.name
        if name in self.loops:
            return self.loops[name]
        if isinstance(name, Derived):
            size = self.sizes.get(name.base)
            return None if size is None else values.point(size)
        v = self.scalars.get(name)
        return None if v is None else values.point(v)

    def value(self, e, state):
        return values.evaluate(e, lambda leaf: self.lookup(leaf, state))

    def concrete_value(self, e, state, what):
        v = self.value(e, state)
        if values.is_point(v):
            return v[0]
        if not self.known:
            raise NeedsValues()
        raise KernelError(f"{self.k.where(self.line)}: {what} must not depend on buffer data (it is "
                          f"{e}) (rule: the copies and events of a kernel follow from its loops and "
                          f"scalars)")

    # ---- statements ----
    def stmt(self, s, state):
        t = type(s)
        if t is At:
            self.line, self.text = s.line, s.text
            return self.stmt(s.body, state)
        if t is n.Block:
            for c in s.stmts:
                state = self.stmt(c, state)
            return state
        if t is n.Evaluate:
            return state
        if t is n.Store:
            return self.store(s, state)
        if t is n.IfThenElse:
            return self.if_(s, state)
        if t is n.For:
            return self.for_(s, state)
        if t is DmaCopy:
            return self.copy(s, state)
        if t is AllocEvents:
            return self.alloc(s, state)
        if t in (WaitEvents, FreeEvents):
            return self.settle(s, state)
        raise KernelError(f"{self.k.where(self.line)}: the path walk has no rule for {type(s).__name__}")

    def store(self, s, state):
        self.reads(s.value, state)
        self.reads(s.index, state)
        if self.k.buffer(s.buffer).kind == "var":
            state.vars[s.buffer] = self.value(s.value, state)
            return state
        idx = self.value(s.index, state)
        self.access(state, s.buffer, idx, write=True)
        return state

    def reads(self, e, state):
        for load in _loads(e):
            if self.k.buffer(load.buffer).kind != "var":
                self.access(state, load.buffer, self.value(load.index, state), write=False)

    def if_(self, s, state):
        self.reads(s.cond, state)
        c = self.value(s.cond, state)
        line = self.line
        if c == values.TRUE:
            return self.stmt(s.then_case, state)
        if c == values.FALSE:
            return state if s.else_case is None else self.stmt(s.else_case, state)
        then = self.stmt(s.then_case, state.copy())
        self.line = line
        other = state if s.else_case is None else self.stmt(s.else_case, state)
        return join(then, other)

    def for_(self, s, state):
        line = self.line
        lo = self.value(s.min, state)
        ext = self.value(s.extent, state)
        self.loop_lines[s.name] = line
        if contains(s.body, lambda x: type(x) in SYNC_STMTS):
            start = self.concrete_value(s.min, state, "the start of a loop with copies or events")
            count = self.concrete_value(s.extent, state, "the extent of a loop with copies or events")
            self.concrete.append(s.name)
            for i in range(start, start + count):
                self.loops[s.name] = values.point(i)
                state = self.stmt(s.body, state)
            self.concrete.pop()
            self.loops.pop(s.name, None)
            return state
        if lo is None or ext is None:
            if not self.known:
                raise NeedsValues()
            self.loops[s.name] = None
            entry = state.copy()
            entry.vars = {v: None for v in state.vars}
            state = join(entry, self.stmt(s.body, entry.copy()))
        elif ext[1] <= 0:
            return state
        else:
            self.loops[s.name] = (lo[0], lo[1] + ext[1] - 1)
            # locals the body assigns take every value of the loop: unknown
            entry = state.copy()
            for v in _assigned(s.body):
                if self.k.buffer(v).kind == "var":
                    entry.vars[v] = None
            after = self.stmt(s.body, entry)
            state = after if ext[0] > 0 else join(state, after)
        self.loops.pop(s.name, None)
        return state

    # ---- copies and events ----
    def event_state(self, state, e):
        return state.events.get(e, frozenset({NONE}))

    def usable(self, state, e, call):
        states = self.event_state(state, e)
        if NONE in states:
            raise KernelError(f"{self.k.where(self.line)}: {call} uses event {e} before S.alloc_events "
                              f"on some path (rule: events come from S.alloc_events before they are used)")
        if FREED in states:
            raise KernelError(f"{self.k.where(self.line)}: {call} uses event {e} after S.free_events at "
                              f"line {state.freed_at.get(e)}: The released event can not be used anymore. "
                              f"(rule: an event is not used after it is freed)")

    def side(self, ref, stride, copy, state):
        root = self.k.root(ref.buffer).name
        return (root, self.value(ref.offset, state), self.value(stride, state),
                self.value(copy.width, state), self.value(copy.times, state))

    def copy(self, s, state):
        call = check.call_text(s)
        where = self.k.where(self.line)
        for rule in check.copy_rules(self.k, s):
            if self.value(rule.cond, state) == values.FALSE:
                raise KernelError(rule.message(where, [self._shown(a, state) for a in rule.args]))
        if s.event is not None:
            self.usable(state, s.event, call)
            # the runtime starts this copy once the event's previous copy is done
            state.flights = tuple(f for f in state.flights if f.copy.event != s.event)
        self.reads(s.dst.offset, state)
        self.reads(s.src.offset, state)
        src = self.side(s.src, s.src_stride, s, state)
        dst = self.side(s.dst, s.dst_stride, s, state)
        self.conflicts(state, src, write=False, what=f"{call} reads")
        self.conflicts(state, dst, write=True, what=f"{call} writes")
        if s.event is not None:
            it = tuple((v, self.loops[v][0]) for v in self.concrete)
            state.flights = state.flights + (Flight(s, self.line, dst, src, it),)
        return state

    def _shown(self, e, state):
        v = self.value(e, state)
        return v[0] if values.is_point(v) else e

    def alloc(self, s, state):
        live = state.leaked + sum(LIVE in st for st in state.events.values())
        again = sum(LIVE in self.event_state(state, e) for e in s.events)
        if live + len(s.events) > self.limit:
            raise KernelError(
                f"{self.k.where(self.line)}: S.alloc_events({len(s.events)}) for {', '.join(s.events)}: Only "
                f"remain {max(self.limit - live, 0)} events, but allocate {len(s.events)}. (rule: the "
                f"Compass target has {self.limit} events; free events before allocating more)")
        state.leaked += again
        for e in s.events:
            state.events[e] = frozenset({LIVE})
            state.alloc_at[e] = self.line
        return state

    def settle(self, s, state):
        free = type(s) is FreeEvents
        call = f"S.{'free' if free else 'wait'}_events({', '.join(s.events)})"
        for i, e in enumerate(s.events):
            if free and e in s.events[:i]:
                raise KernelError(f"{self.k.where(self.line)}: {call} lists event {e} twice (rule: each "
                                  f"event is freed once)")
            states = self.event_state(state, e)
            if free and FREED in states:
                raise KernelError(f"{self.k.where(self.line)}: {call} frees event {e}, which S.free_events "
                                  f"at line {state.freed_at.get(e)} already freed on some path (rule: an "
                                  f"event is freed once)")
            self.usable(state, e, call)
        state.flights = tuple(f for f in state.flights if f.copy.event not in s.events)
        if free:
            for e in s.events:
                state.events[e] = frozenset({FREED})
                state.freed_at[e] = self.line
        return state

    # ---- hazards ----
    def access(self, state, buffer, idx, write):
        root = self.k.root(buffer).name
        hit = (root, idx, values.point(1), values.point(1), values.point(1))
        what = f"line {self.line} ({self.text}) {'writes' if write else 'reads'}"
        self.conflicts(state, hit, write, what)

    def conflicts(self, state, region, write, what):
        for f in state.flights:
            for side, touched in (("dst", f.dst), ("src", f.src)):
                if side == "src" and not write or touched[0] != region[0]:
                    continue
                if not _overlap(touched, region):
                    continue
                if not self.known and None in (_span(touched)[0], _span(region)[0]):
                    raise NeedsValues()  # the call's scalars may place them apart
                kind = ("writing its source" if side == "src" else "writing its destination") if write \
                    else "reading its destination"
                raise DataHazardError(
                    f"{self.k.where(self.line)}: data hazard: {what} {region[0]}{_show(region)} while "
                    f"{check.call_text(f.copy)} started at line {f.line}{self._iterations(f)} on event "
                    f"{f.copy.event} may still be {'writing' if side == 'dst' else 'reading'} "
                    f"{touched[0]}{_show(touched)}; missing S.wait_events({f.copy.event}) between line "
                    f"{f.line} and line {self.line} (rule: no {kind} before the event of an "
                    f"S.async_dma_copy is waited on)")

    def _iterations(self, f):
        now = {v: self.loops[v][0] for v in self.concrete}
        diff = [(v, i) for v, i in f.iteration if v in now and now[v] != i]
        if not diff:
            return ""
        v, i = diff[0]
        return (f" in iteration {v} = {i} of the loop at line {self.loop_lines[v]} (the access is in "
                f"iteration {v} = {now[v]})")


def _show(region):
    _, off, stride, width, times = region
    if off is None or width is None or times is None or stride is None:
        return "[?]"
    if width == values.point(1) and times == values.point(1):
        return f"[{off[0]}]" if values.is_point(off) else f"[{off[0]}..{off[1]}]"
    last = off[1] + (times[1] - 1) * stride[1] + width[1] - 1
    return f"[{off[0]}..{last}]"


def _overlap(a, b):
    """Whether two footprints (rows of width every stride, times times) may share an element."""
    lo_a, hi_a = _span(a)
    lo_b, hi_b = _span(b)
    if lo_a is None or lo_b is None:
        return True
    if hi_a < lo_b or hi_b < lo_a:
        return False
    # a single strided copy against a range: some row must meet it
    for rows, other in ((a, (lo_b, hi_b)), (b, (lo_a, hi_a))):
        _, off, stride, width, times = rows
        if all(values.is_point(v) for v in (off, stride, width, times)) and stride[0] > width[0] > 0:
            o, st, w, t = off[0], stride[0], width[0], times[0]
            first = max(0, -(-(other[0] - w + 1 - o) // st))
            last = min(t - 1, (other[1] - o) // st)
            if first > last:
                return False
    return True


def _span(region):
    _, off, stride, width, times = region
    if off is None or width is None or times is None or stride is None:
        return None, None
    if width[1] <= 0 or times[1] <= 0:
        return 0, -1
    return off[0], off[1] + (times[1] - 1) * max(stride[1], 0) + width[1] - 1


def _loads(e):
    out = []
    stack = [e]
    while stack:
        x = stack.pop()
        if type(x) is n.Load:
            out.append(x)
        stack.extend(x.children())
    return out


def _assigned(s):
    out = set()
    stack = [s]
    while stack:
        x = stack.pop()
        if type(x) is n.Store:
            out.add(x.buffer)
        elif isinstance(x, n.Stmt):
            stack.extend(c for c in x.children() if isinstance(c, n.Stmt))
    return out

