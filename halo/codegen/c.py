"""C code generation: a printer of the final IR. One C function per pipeline (plus one task
function per parallel loop and per forked producer), written for the C compiler: restrict
pointers, unit-stride inner loops, C vector types for vectorized loops (c_vectors.py), helpers
for halo's integer semantics that inline away.

Every fallible step (an assert, an allocation, a transfer, a thread) leaves through the
function's one cleanup epilogue: it waits for transfers still in flight, stops and joins the
threads it started, frees what was allocated and returns the error code, so a failing pipeline
leaks nothing. The state the epilogue needs is declared at the top of the function.
"""
import math
import re
from dataclasses import dataclass

from .. import backends
from ..errors import InternalError
from ..ir import nodes as n
from ..ir.find import contains
from ..ir.intrinsics import C_MATH, HOST_ALIGNED, LIKELY, PRINT, PRINT_WHEN, WIDE_VECTOR_LANES
from ..ir.simplify import simplify
from ..ir.names import BufferField, Derived
from ..ir.types import runtime_type
from ..ir.visitor import Visitor, free_variables
from .c_prelude import prelude, suffix
from .c_vectors import VectorEmitter


HOIST_CHARS = 100  # a subexpression printed longer than this gets a name of its own


@dataclass
class BufferArg:
    name: str
    type: object
    dimensions: int
    is_output: bool


@dataclass
class ScalarArg:
    name: str
    type: object


class _Names:
    """IR names (strings or symbols) -> unique C identifiers."""

    def __init__(self):
        self.map = {}
        self.used = set()

    def __call__(self, name):
        c = self.map.get(name)
        if c is None:
            base = "_" + re.sub(r"[^A-Za-z0-9_]", "_", str(name))
            c = base
            i = 1
            while c in self.used:
                c = f"{base}_{i}"
                i += 1
            self.map[name] = c
            self.used.add(c)
        return c


def host(buffer):
    return Derived(buffer, "host")


def buffer_arg(buffer):
    return Derived(buffer, "buffer")


class _BufferUses(Visitor):
    def __init__(self):
        self.elems, self.allocs, self.ddr = {}, set(), set()

    def visit_Expr(self, e):
        if type(e) is n.Load:
            self.elems.setdefault(e.buffer, e.type.element_of())
        self.generic_visit(e)

    def visit_DmaStart(self, s):
        self.elems.setdefault(s.copy.local, s.copy.type)
        self.ddr.add(s.copy.ddr)
        self.generic_visit(s)

    def visit_Store(self, s):
        self.elems.setdefault(s.buffer, s.value.type.element_of())
        self.generic_visit(s)

    def visit_Allocate(self, s):
        self.allocs.add(s.name)
        self.generic_visit(s)


@dataclass
class _DmaScope:
    copy: object
    backend: object
    handles: str
    pending: str
    count: int


@dataclass
class _ForkState:
    flag: str        # C expression: int * of the fork's error flag
    sems: list       # C names of its semaphores
    live: str = None  # C variable: 1 while its thread runs (None: a fork of an enclosing function)
    thread: str = None


class _Function:
    """Emits one C function body."""

    def __init__(self, gen, buffer_types, outer_forks=()):
        self.gen = gen
        self.names = gen.names
        self.buffer_types = buffer_types  # buffer name -> element Type
        self.lines = []
        self.decls = []
        self.depth = 1
        self.nallocs = 0
        self.dma = []         # every DMA scope of this function, in order (for the epilogue)
        self.dma_open = []    # the scopes enclosing the current statement
        self.forks = list(outer_forks)  # forks enclosing the current statement
        self.all_forks = list(outer_forks)
        # Long subexpressions become named temporaries declared before the line that uses them
        # (C lines stay short and readable), except where C evaluates them conditionally (the
        # arms of ?:, the right side of && and ||) or where they read a name bound inside the
        # expression (a let, a gather's lane).
        self.pre = []
        self.conditional = 0
        self.barrier = set()
        self.ntemps = 0
        # the let names declared in each open C block: an expression shared by two statements
        # declares its lets once
        self.declared = [set()]

    def line(self, text):
        for p in self.pre:
            self.lines.append("  " * self.depth + p)
        self.pre = []
        self.lines.append("  " * self.depth + text)

    def open(self, text="{"):
        self.line(text)
        self.depth += 1
        self.declared.append(set())

    def close(self, text="}"):
        self.depth -= 1
        self.declared.pop()
        self.line(text)

    def can_hoist(self, e):
        """Whether `e` may be computed before the line that uses it."""
        return not self.conditional and not (self.barrier and free_variables(e).keys() & self.barrier)

    def fail(self, code_expr):
        return f"{{ _halo_code = ({code_expr}); goto _halo_cleanup; }}"

    def host(self, buffer):
        return self.names(host(buffer))

    # ---- expressions ----
    def expr(self, e):
        t = type(e)
        hoistable = self.can_hoist(e)
        if t is n.Let and hoistable:
            if not any(e.name in d for d in self.declared):
                self.pre.append(self.let_decl(e.name, e.value))
                self.declared[-1].add(e.name)
            return self.expr(e.body)
        text = self.gen.vectors.text(e, self) if e.type.lanes > 1 else self._scalar(e)
        if hoistable and len(text) > HOIST_CHARS and t not in (n.Variable, n.IntImm, n.FloatImm):
            name = f"_halo_t{self.ntemps}"
            self.ntemps += 1
            self.pre.append(f"const {self.gen.vectors.c_type(e) if e.type.lanes > 1 else e.type.c_name()} "
                            f"{name} = {text};")
            return name
        return text

    def let_decl(self, name, value):
        if value.type.lanes > 1:
            return self.gen.vectors.declare(name, value, self)
        return f"const {value.type.c_name()} {self.names(name)} = {self.expr(value)};"

    def cond_expr(self, e):
        """An expression C evaluates only sometimes: nothing is hoisted out of it."""
        self.conditional += 1
        try:
            return self.expr(e)
        finally:
            self.conditional -= 1

    def scoped_expr(self, e, names):
        """An expression inside the scope of `names` (bound in the enclosing expression)."""
        saved = self.barrier
        self.barrier = saved | set(names)
        try:
            return self.expr(e)
        finally:
            self.barrier = saved

    def _scalar(self, e):
        t = type(e)
        ty = e.type
        if t is n.IntImm:
            if ty.is_bool():
                return "true" if e.value else "false"
            if ty.code == "int" and ty.bits == 32:
                return str(e.value) if e.value != -2**31 else "(-2147483647 - 1)"
            if ty.code == "int" and ty.bits == 64:
                return f"((int64_t){e.value}LL)" if e.value != -2**63 else "((int64_t)(-9223372036854775807LL - 1))"
            return f"(({ty.c_name()}){e.value}{'ULL' if ty.is_uint() else ''})"
        if t is n.FloatImm:
            return _float_literal(e.value, ty)
        if t is n.Variable:
            return self.names(e.name)
        if t is n.Cast:
            v = self.expr(e.value)
            return f"(({v}) != 0)" if ty.is_bool() else f"(({ty.c_name()})({v}))"
        if t in (n.Add, n.Sub, n.Mul):
            op = {n.Add: "+", n.Sub: "-", n.Mul: "*"}[t]
            a, b = self.expr(e.a), self.expr(e.b)
            if ty.is_float() or (ty.is_int() and ty.bits >= 32):
                return f"({a} {op} {b})"
            if ty.is_uint() and ty.bits < 32 and t is n.Mul:
                return f"(({ty.c_name()})((uint32_t)({a}) * (uint32_t)({b})))"
            return f"(({ty.c_name()})({a} {op} {b}))"
        if t is n.Div:
            a, b = self.expr(e.a), self.expr(e.b)
            if ty.is_float():
                return f"({a} / {b})"
            if type(e.b) is n.IntImm and e.b.value > 0 and (ty.is_uint() or _nonneg(e.a)):
                return f"(({ty.c_name()})({a} / {b}))"
            return f"halo_div_{suffix(ty)}({a}, {b})"
        if t is n.Mod:
            a, b = self.expr(e.a), self.expr(e.b)
            if ty.is_integer() and type(e.b) is n.IntImm and e.b.value > 0 and (ty.is_uint() or _nonneg(e.a)):
                return f"(({ty.c_name()})({a} % {b}))"
            return f"halo_mod_{suffix(ty)}({a}, {b})"
        if t in (n.Min, n.Max):
            return f"halo_{'min' if t is n.Min else 'max'}_{suffix(ty)}({self.expr(e.a)}, {self.expr(e.b)})"
        if t in n.COMPARISONS:
            op = {n.EQ: "==", n.NE: "!=", n.LT: "<", n.LE: "<=", n.GT: ">", n.GE: ">="}[t]
            return f"({self.expr(e.a)} {op} {self.expr(e.b)})"
        if t is n.And:
            return f"({self.expr(e.a)} && {self.cond_expr(e.b)})"
        if t is n.Or:
            return f"({self.expr(e.a)} || {self.cond_expr(e.b)})"
        if t is n.Not:
            return f"(!{self.expr(e.a)})"
        if t in (n.BitAnd, n.BitOr, n.BitXor):
            op = {n.BitAnd: "&", n.BitOr: "|", n.BitXor: "^"}[t]
            return f"(({ty.c_name()})({self.expr(e.a)} {op} {self.expr(e.b)}))"
        if t is n.BitNot:
            return f"(({ty.c_name()})(~{self.expr(e.a)}))"
        if t is n.Shl:
            ut = "uint64_t" if ty.bits == 64 else "uint32_t"
            return f"(({ty.c_name()})(({ut})({self.expr(e.a)}) << ({self.expr(e.b)})))"
        if t is n.Shr:
            return f"(({ty.c_name()})({self.expr(e.a)} >> ({self.expr(e.b)})))"
        if t is n.Select:
            return f"({self.expr(e.cond)} ? {self.cond_expr(e.true_value)} : {self.cond_expr(e.false_value)})"
        if t is n.Load:
            return f"{self.host(e.buffer)}[{self.expr(e.index)}]"
        if t is n.Let:
            return f"({{ {self.let_decl(e.name, e.value)} {self.scoped_expr(e.body, (e.name,))}; }})"
        if t is n.Call and e.call_type == n.INTRINSIC:
            return self.intrinsic(e)
        raise InternalError(f"cannot generate C for {e}")

    def intrinsic(self, e):
        if e.name in (PRINT, PRINT_WHEN):
            return self.print_call(e)
        if e.name == HOST_ALIGNED:
            buf, align = e.args
            return f"((((uintptr_t){self.host(buf.value)}) & {align.value - 1}u) == 0)"
        args = [self.expr(a) for a in e.args]
        if e.name == LIKELY:
            return f"__builtin_expect(!!({args[0]}), 1)"
        at = e.args[0].type
        if e.name in ("abs", "absd"):
            return f"halo_{e.name}_{suffix(at)}({', '.join(args)})"
        f = C_MATH[e.name]
        return f"{f}{'f' if at.bits == 32 else ''}({', '.join(args)})"

    def print_call(self, e):
        """hl.print / print_when as a statement expression: the value, printed when the condition holds."""
        cond, args = ("1", e.args) if e.name == PRINT else (self.expr(e.args[0]), e.args[1:])
        calls = []
        for a in args:
            if type(a) is n.StringImm:
                calls.append(f'halo_print_str(_halo_uc, "{_c_string(a.value)}");')
            elif a.type.is_float():
                calls.append(f"halo_print_f64(_halo_uc, (double)({self.expr(a)}));")
            elif a.type.is_int():
                calls.append(f"halo_print_i64(_halo_uc, (int64_t)({self.expr(a)}));")
            else:
                calls.append(f"halo_print_u64(_halo_uc, (uint64_t)({self.expr(a)}));")
        value = self.expr(args[0])
        return (f"({{ {e.type.c_name()} _halo_pv = {value}; if ({cond}) {{ {' '.join(calls)} "
                f"halo_print_end(_halo_uc); }} _halo_pv; }})")

    # ---- statements ----
    def stmt(self, s):
        method = getattr(self, "s_" + type(s).__name__, None)
        if method is None:
            raise InternalError(f"cannot generate C for {type(s).__name__}")
        method(s)

    def s_Block(self, s):
        for c in s.stmts:
            self.stmt(c)

    def s_LetStmt(self, s):
        self.open()
        self.line(self.let_decl(s.name, s.value))
        self.stmt(s.body)
        self.close()

    def s_For(self, s):
        if s.kind == n.PARALLEL:
            self.parallel(s)
            return
        var = self.names(s.name)
        lo, end = self.names(Derived(s.name, "loop_min")), self.names(Derived(s.name, "loop_end"))
        self.open()
        self.line(f"const int32_t {lo} = {self.expr(s.min)};")
        self.line(f"const int32_t {end} = {lo} + {self.expr(s.extent)};")
        if s.kind == n.VECTORIZED:
            self.line("HALO_IVDEP")
        self.open(f"for (int32_t {var} = {lo}; {var} < {end}; {var}++) {{")
        self.stmt(s.body)
        self.close()
        self.close()

    def s_IfThenElse(self, s):
        if type(s.cond) is n.Call and s.cond.name == WIDE_VECTOR_LANES:
            # chosen when the C is compiled: see vectorize_loops
            self.lines.append("#if HALO_WIDE_VECTOR_LANES")
            self.stmt(s.then_case)
            self.lines.append("#else")
            self.stmt(s.else_case)
            self.lines.append("#endif")
            return
        self.open(f"if ({self.expr(s.cond)}) {{")
        self.stmt(s.then_case)
        if s.else_case is not None:
            self.close()
            self.open("else {")
            self.stmt(s.else_case)
        self.close()

    def s_Store(self, s):
        if s.value.type.lanes > 1:
            self.line(self.gen.vectors.store(s, self))
        else:
            self.line(f"{self.host(s.buffer)}[{self.expr(s.index)}] = {self.expr(s.value)};")

    def s_Allocate(self, s):
        name = self.host(s.name)
        ct = s.type.c_name()
        self.buffer_types[s.name] = s.type
        size = simplify(n.allocation_size(s.extents))
        const_bytes = size.value * s.type.bytes() if type(size) is n.IntImm else None
        self.open()
        if s.memory.on_stack(const_bytes):
            self.line(f"{ct} {name}[{max(size.value, 1)}] __attribute__((aligned(128)));")
            self.stmt(s.body)
            self.close()
            return
        slot = self.nallocs
        self.nallocs += 1
        kind = s.memory.runtime_kind
        # an iteration with nothing to compute may have an empty region: no bytes, and the local
        # allocators, which refuse 0 bytes, one granule
        floor = 0 if kind is None else 1
        nbytes = f"sizeof({ct}) * (size_t)halo_max_i64((int64_t)({self.expr(size)}), {floor})"
        if kind is None:
            self.line(f"{ct} *restrict {name} = ({ct} *)halo_malloc(_halo_uc, {nbytes});")
            code = "halo_error_out_of_memory"
        else:
            self.line(f"{ct} *restrict {name} = ({ct} *)halo_localmem_alloc(_halo_uc, {kind}, {nbytes});")
            code = "halo_error_localmem_exhausted"
        self.line(f"_halo_allocs[{slot}] = {name}; _halo_kinds[{slot}] = {-1 if kind is None else kind};")
        self.line(f"if (!{name}) " + self.fail(code))
        self.stmt(s.body)
        free = f"halo_free(_halo_uc, {name});" if kind is None else f"halo_localmem_free(_halo_uc, {kind}, {name});"
        self.line(f"{free} _halo_allocs[{slot}] = NULL;")
        self.close()

    def s_ProducerConsumer(self, s):
        self.line(f"/* {'produce' if s.is_producer else 'consume'} {_c_string(s.name).replace('*/', '* /')} */")
        if s.is_producer and not _moves_data(s.body):
            self.traced(s)
        else:
            self.stmt(s.body)

    def s_Evaluate(self, s):
        if not n.is_no_op(s):
            self.line(f"(void)({self.expr(s.value)});")

    def s_Semaphore(self, s):
        name = self.names(s.name)
        self.decls.append(f"halo_semaphore_t {name}_storage;")
        self.decls.append(f"halo_semaphore_t *{name} HALO_UNUSED = &{name}_storage;")
        self.line(f"halo_semaphore_init({name}, {self.expr(s.count)});")
        self.stmt(s.body)
        self.line(f"halo_semaphore_destroy({name});")

    def s_Acquire(self, s):
        self.line(f"halo_semaphore_acquire({self.names(s.name)}, {self.expr(s.count)});")
        flag = self.forks[-1].flag
        self.line(f"if (__atomic_load_n({flag}, __ATOMIC_ACQUIRE)) " +
                  self.fail(f"__atomic_load_n({flag}, __ATOMIC_ACQUIRE)"))

    def s_Release(self, s):
        self.line(f"halo_semaphore_release({self.names(s.name)}, {self.expr(s.count)});")

    def s_AssertStmt(self, s):
        self.open(f"if (!({self.expr(s.cond)})) {{")
        # inside the failure branch: its arguments are computed only when it is taken
        args = "".join(f", ({'long long' if a.type.bits == 64 else 'int'})({self.expr(a)})" for a in s.args)
        self.line(f'_halo_code = halo_error(_halo_uc, {s.code}, "{_c_string(s.message)}"{args});')
        self.line("goto _halo_cleanup;")
        self.close()

    def traced(self, s):
        """A produce block recorded as a compute span when the runtime's trace is on (one branch
        per block when it is off). The function reads the trace switch once: asking the runtime
        takes a call and a lock, once per row for a line buffer's producer."""
        t0 = self.names(Derived(s.name, "trace_t0"))
        tracing = "const bool _halo_tracing = halo_trace_enabled();"
        if tracing not in self.decls:
            self.decls.append(tracing)
        self.open()
        self.line(f"const uint64_t {t0} = _halo_tracing ? halo_time_ns() : 0;")
        self.stmt(s.body)
        self.line(f'if ({t0}) halo_trace_record("compute", "{_c_string(s.name)}", "compute", 0, {t0}, halo_time_ns());')
        self.close()

    # ---- threads ----
    def parallel(self, s):
        task = self.gen.task(s.body, self, s.name)
        self.open()
        self._closure(task)
        lo = self.names(Derived(s.name, "loop_min"))
        self.line(f"const int32_t {lo} = {self.expr(s.min)};")
        self.line(f"int _r = halo_do_par_for(_halo_uc, {task.fn}, {lo}, {self.expr(s.extent)}, (uint8_t *)&_c);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.close()

    def _closure(self, task, fork_flag=None):
        self.line(f"struct {task.struct} _c;")
        for cname, _ in task.captures:
            self.line(f"_c.{cname} = {cname};")
        for i, fork in enumerate(self.forks):
            self.line(f"_c._halo_flag_{i} = {fork.flag};")
        if fork_flag is not None:
            self.line(f"_c._halo_flag = {fork_flag};")

    def s_Fork(self, s):
        k = self.gen.fork_count
        self.gen.fork_count += 1
        err, thread, live = f"_halo_fork{k}_err", f"_halo_fork{k}_thread", f"_halo_fork{k}_live"
        sems = sorted(_semaphores(s.first) | _semaphores(s.rest), key=str)
        csems = [self.names(x) for x in sems]
        task = self.gen.task(s.first, self, None, sems)
        self.decls += [f"int {err} = 0;", f"halo_thread_t {thread};", f"int {live} = 0;"]
        self.open()
        self._closure(task, f"&{err}")
        self.line(f"{err} = 0;")
        self.line(f"int _r = halo_thread_start(&{thread}, _halo_uc, {task.fn}, (uint8_t *)&_c);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.line(f"{live} = 1;")
        fork = _ForkState(f"&{err}", csems, live, thread)
        self.forks.append(fork)
        self.all_forks.append(fork)
        self.stmt(s.rest)
        self.forks.pop()
        self.line(f"{live} = 0;")
        self.line(f"_r = halo_thread_join(&{thread});")
        self.line(f"if (_r == 0) _r = __atomic_load_n(&{err}, __ATOMIC_ACQUIRE);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.close()

    # ---- DMA ----
    def _scope(self, copy):
        for scope in reversed(self.dma_open):
            if scope.copy.func == copy.func:
                return scope
        raise InternalError(f"DMA transfer of {copy.func} outside its handles")

    def s_DmaHandles(self, s):
        backend = backends.get(s.copy.backend)
        self.gen.backends_used.add(s.copy.backend)
        h, pend = self.names(Derived(s.copy.func, "dma_handle")), self.names(Derived(s.copy.func, "dma_pending"))
        # two handles per slot: a transfer that wraps around a fold is split in two
        self.decls.append(f"{backend.c_handle_type()} {h}[{2 * s.count}];")
        self.decls.append(f"int {pend}[{2 * s.count}] = {{0}};")
        scope = _DmaScope(s.copy, backend, h, pend, s.count)
        self.dma.append(scope)
        self.line(f"memset({h}, 0, sizeof({h})); memset({pend}, 0, sizeof({pend}));")
        self.dma_open.append(scope)
        self.stmt(s.body)
        self.dma_open.pop()

    def s_DmaStart(self, s):
        scope = self._scope(s.copy)
        c = s.copy
        self.open()
        self.line(f"halo_dimension_t _halo_ld[{c.dims}];")
        self.line("halo_buffer_t _halo_lb;")
        self.line("memset(&_halo_lb, 0, sizeof(_halo_lb));")
        local = self.host(c.local)
        self.line(f"_halo_lb.host = (uint8_t *)({local} + ({self.expr(s.local_offset)}));")
        code, bits = runtime_type(c.type)
        self.line(f"_halo_lb.type.code = {code}; _halo_lb.type.bits = {bits}; _halo_lb.type.lanes = 1;")
        self.line(f"_halo_lb.dimensions = {c.dims}; _halo_lb.dim = _halo_ld;")
        for i, (mn, ext, st) in enumerate(zip(s.mins, s.extents, s.local_strides)):
            self.line(f"_halo_ld[{i}].min = {self.expr(mn)}; _halo_ld[{i}].extent = {self.expr(ext)}; "
                      f"_halo_ld[{i}].stride = {self.expr(st)}; _halo_ld[{i}].flags = 0;")
        self.line(f"void *_halo_local_base = (void *){local};")
        self.line(f"int64_t _halo_local_bytes = (int64_t)({self.expr(s.local_size)}) * {c.type.bytes()};")
        self.line("(void)_halo_local_base; (void)_halo_local_bytes;")
        self.line(f"const int _halo_h = ({self.expr(s.slot)}){f' + {scope.count}' if s.part else ''};")
        self.line("int _r;")
        ddr = f"(halo_buffer_t *){self.names(buffer_arg(c.ddr))}"
        for text in scope.backend.c_start(c, ddr, "&_halo_lb", f"&{scope.handles}[_halo_h]"):
            self.line(text)
        self.line("if (_r != 0) " + self.fail("_r"))
        self.line(f"{scope.pending}[_halo_h] = 1;")
        self.close()

    def s_DmaWait(self, s):
        """Wait for both handles of the slot (the second is used when a region wraps a fold)."""
        scope = self._scope(s.copy)
        self.open()
        self.line(f"const int _halo_slot = {self.expr(s.slot)};")
        for part in (0, 1):
            h = f"_halo_slot + {scope.count}" if part else "_halo_slot"
            self.open(f"if ({scope.pending}[{h}]) {{")
            self.line("int _r;")
            self.line(f"{scope.pending}[{h}] = 0;")
            for text in scope.backend.c_wait(s.copy, f"&{scope.handles}[{h}]"):
                self.line(text)
            self.line("if (_r != 0) " + self.fail("_r"))
            self.close()
        self.close()

    def finish(self):
        """The body text: the epilogue's state, the statements, the epilogue."""
        count = max(self.nallocs, 1)
        head = ["  int _halo_code = 0;", f"  void *_halo_allocs[{count}] = {{0}};", f"  int _halo_kinds[{count}] = {{0}};"]
        head += ["  " + d for d in self.decls]
        tail = ["  return 0;", "_halo_cleanup:"]
        # Transfers still in flight would write into memory about to be freed: finish them.
        for scope in reversed(self.dma):
            waits = " ".join(scope.backend.c_wait(scope.copy, f"&{scope.handles}[_k]"))
            tail.append(f"  for (int _k = 0; _k < {2 * scope.count}; _k++) if ({scope.pending}[_k]) "
                        f"{{ int _r; {scope.pending}[_k] = 0; {waits} (void)_r; }}")
        # The other side of every fork is woken (it sees the error) and a thread this function
        # started is joined.
        for fork in reversed(self.all_forks):
            sems = ", ".join(fork.sems)
            abort = f"halo__fork_abort({fork.flag}, _halo_code, {len(fork.sems)}, {sems});"
            if fork.live is None:
                tail.append(f"  {abort}")
            else:
                tail.append(f"  if ({fork.live}) {{ {fork.live} = 0; {abort} halo_thread_join(&{fork.thread}); }}")
        tail.append(f"  halo__free_all(_halo_uc, _halo_allocs, _halo_kinds, {count});")
        tail.append("  return _halo_code;")
        return head + self.lines + tail


class _Sems(Visitor):
    def __init__(self):
        self.names = set()

    def visit_Acquire(self, s):
        self.names.add(s.name)

    def visit_Release(self, s):
        self.names.add(s.name)

    def visit_Expr(self, e):
        pass


def _semaphores(s):
    v = _Sems()
    v.visit(s)
    return v.names


def _moves_data(s):
    return contains(s, lambda x: type(x) in (n.DmaStart, n.DmaWait))


def _nonneg(e):
    """A cheap proof that an integer expression is never negative. A cast keeps a proof only
    when its type holds every value it converts (int16(u16 50001) is negative), and signed
    arithmetic narrower than 32 bits may wrap (32 / 64-bit arithmetic does not, Halide's rule)."""
    t = type(e)
    if t is n.IntImm:
        return e.value >= 0
    if e.type.is_uint() or e.type.is_bool():
        return True
    if t is n.Cast:
        src = e.value.type
        if src.is_bool():
            return True
        if src.is_uint():
            return e.type.bits > src.bits
        return src.is_int() and e.type.bits >= src.bits and _nonneg(e.value)
    if t is n.Max:
        return _nonneg(e.a) or _nonneg(e.b)
    if t is n.Min:
        return _nonneg(e.a) and _nonneg(e.b)
    if t is n.Div:
        return _nonneg(e.a) and _nonneg(e.b)
    if t in (n.Add, n.Mul):
        return e.type.bits >= 32 and _nonneg(e.a) and _nonneg(e.b)
    return False


def _float_literal(v, ty):
    if math.isnan(v):
        return "NAN" if ty.bits == 32 else "(double)NAN"
    if math.isinf(v):
        return ("INFINITY" if v > 0 else "(-INFINITY)") if ty.bits == 32 else f"((double){'' if v > 0 else '-'}INFINITY)"
    text = repr(v)
    if "e" not in text and "." not in text:
        text += ".0"
    return text + "f" if ty.bits == 32 else text


def _c_string(text):
    """`text` for the inside of a C string literal: quotes, backslashes, control and non-ASCII
    characters escaped (names are checked by the front end; this holds whatever reaches C)."""
    out = []
    for ch in str(text):
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~" and ch != "?":  # '?': no trigraph can form
            out.append(ch)
        else:
            out.extend(f"\\{b:03o}" for b in ch.encode())
    return "".join(out)


@dataclass
class _Task:
    fn: str
    struct: str
    captures: list  # (c name, c type)


_FORK_ABORT = [
    "static void __attribute__((unused)) halo__fork_abort(int *flag, int code, int n, ...) {",
    "  int expected = 0;",
    "  __atomic_compare_exchange_n(flag, &expected, code, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);",
    "  va_list ap;",
    "  va_start(ap, n);",
    "  for (int i = 0; i < n; i++) halo_semaphore_release(va_arg(ap, halo_semaphore_t *), 1 << 20);",
    "  va_end(ap);",
    "}",
    "HALO_INLINE void halo__free_all(void *uc, void **allocs, const int *kinds, int n) {",
    "  for (int i = 0; i < n; i++) {",
    "    if (!allocs[i]) continue;",
    "    if (kinds[i] < 0) halo_free(uc, allocs[i]);",
    "    else halo_localmem_free(uc, (halo_localmem_kind_t)kinds[i], allocs[i]);",
    "  }",
    "}", ""]


class CGenerator:
    def __init__(self, fn_name):
        self.fn_name = fn_name
        self.fork_count = 0
        self.backends_used = set()
        self.names = _Names()
        self.vectors = VectorEmitter()
        self.tasks = []   # text of task functions, emitted before the main function
        self.structs = []

    def task(self, body, outer, index_var=None, sems=()):
        """A static task function running `body` (with `index_var` bound to the task index),
        and the closure struct that carries what it uses. With `sems`, the task is the forked
        side of a Fork: it also receives the fork's error flag and those semaphores."""
        idx = len(self.tasks)
        fn = f"{self.fn_name}_task_{idx}"
        struct = f"{self.fn_name}_closure_{idx}"
        self.tasks.append(None)
        uses = _BufferUses()
        uses.visit(body)
        captures = []
        for name, t in sorted(free_variables(body).items(), key=lambda kv: str(kv[0])):
            if name != index_var:
                captures.append((self.names(name), t.c_name()))
        for sem in sems:
            captures.append((self.names(sem), "halo_semaphore_t *"))
        for ddr in sorted(uses.ddr):
            captures.append((self.names(buffer_arg(ddr)), "void *"))
        for fork in outer.forks:
            for cname in fork.sems:
                if (cname, "halo_semaphore_t *") not in captures:
                    captures.append((cname, "halo_semaphore_t *"))
        for buf, t in sorted(uses.elems.items()):
            if buf not in uses.allocs:
                captures.append((self.names(host(buf)), outer.buffer_types.get(buf, t).c_name() + " *"))
        # A parallel task inside a fork reports failures to that fork too; the forked side
        # itself gets its own flag.
        inner_forks = [_ForkState(f"_c->_halo_flag_{i}", f.sems) for i, f in enumerate(outer.forks)]
        if sems:
            inner_forks.append(_ForkState("_c->_halo_flag", [self.names(x) for x in sems]))
        inner = _Function(self, dict(outer.buffer_types), inner_forks)
        # Host pointers are restrict parameters of the task's body (see generate), unless the
        # task hands data to another thread through semaphores: a restrict pointer would let
        # the compiler move its stores past the release that publishes them.
        qualifier = "" if sems or _semaphores(body) else "restrict "
        params = ["void *_halo_uc", "int _halo_index", f"struct {struct} *_c"]
        for cname, ct in captures:
            if ct in ("halo_semaphore_t *", "void *"):
                params.append(f"{ct}{cname} HALO_UNUSED")
            elif ct.endswith("*"):
                params.append(f"{ct}{qualifier}{cname} HALO_UNUSED")
            else:
                params.append(f"const {ct} {cname} HALO_UNUSED")
        if index_var is not None:
            inner.line(f"const int32_t {self.names(index_var)} = _halo_index;")
        else:
            inner.line("(void)_halo_index;")
        inner.stmt(body)
        call = ", ".join(["_halo_uc", "_halo_index", "_c"] + [f"_c->{cname}" for cname, _ in captures])
        text = [f"static int {fn}_body({', '.join(params)}) {{", "  (void)_c;"]
        text += inner.finish()
        text += ["}", f"static int {fn}(void *_halo_uc, int _halo_index, uint8_t *_halo_closure) {{",
                 f"  struct {struct} *_c = (struct {struct} *)_halo_closure;",
                 f"  return {fn}_body({call});", "}"]
        fields = "".join(f"  {ct} {cname};\n" for cname, ct in captures)
        fields += "".join(f"  int *_halo_flag_{i};\n" for i in range(len(outer.forks)))
        if sems:
            fields += "  int *_halo_flag;\n"
        self.structs.append(f"struct {struct} {{\n{fields}  int _unused;\n}};")
        self.tasks[idx] = "\n".join(text)
        return _Task(fn, struct, captures)

    def signature(self, args):
        parts = ["void *_halo_uc"]
        for a in args:
            if isinstance(a, BufferArg):
                parts.append(f"halo_buffer_t *{self.names(buffer_arg(a.name))}")
            else:
                parts.append(f"{a.type.c_name()} {self.names(a.name)}")
        return f"int {self.fn_name}({', '.join(parts)})"

    def generate(self, stmt, args):
        """(source, header) for the pipeline function `stmt` with arguments `args`.

        The exported function checks its buffers and calls a static body function that takes
        every host pointer as a restrict parameter: C compilers take no-alias facts from
        parameters only (a restrict local is ignored), and without them a vector store keeps
        the next iteration's loads from being scheduled beside it (on HVX, 0.163 -> 0.127
        packets per pixel for the 3x3 blur)."""
        wrapper = []
        params, call = ["void *_halo_uc"], ["_halo_uc"]
        uses = _BufferUses()
        uses.visit(stmt)
        main = _Function(self, {a.name: a.type for a in args if isinstance(a, BufferArg)})
        for a in args:
            if not isinstance(a, BufferArg):
                params.append(f"{a.type.c_name()} {self.names(a.name)}")
                call.append(self.names(a.name))
                continue
            b = self.names(buffer_arg(a.name))
            code, bits = runtime_type(a.type)
            label = _c_string(a.name)
            wrapper.append(f'  if ({b} == NULL) return halo_error(_halo_uc, halo_error_bad_buffer, "buffer {label} is NULL");')
            wrapper.append(f"  if ({b}->type.code != {code} || {b}->type.bits != {bits} || {b}->dimensions != {a.dimensions}) "
                           f"return halo_error(_halo_uc, halo_error_bad_buffer, \"buffer {label} must be {a.type} with "
                           f"{a.dimensions} dimensions; got type code %d, %d bits, %d dimensions\", "
                           f"(int){b}->type.code, (int){b}->type.bits, (int){b}->dimensions);")
            ct = a.type.c_name()
            # a DMA engine reaches a DMA'd buffer through its halo_buffer_t: no restrict there
            qualifier = "" if a.name in uses.ddr else "restrict "
            # a DMA'd buffer's host pointer and an unread field go unused
            params += [f"halo_buffer_t *{b} HALO_UNUSED", f"{ct} *{qualifier}{self.names(host(a.name))} HALO_UNUSED"]
            call += [b, f"({ct} *){b}->host"]
            for d in range(a.dimensions):
                for field in ("min", "extent", "stride"):
                    main.line(f"const int32_t {self.names(BufferField(a.name, field, d))} HALO_UNUSED = "
                              f"{b}->dim[{d}].{field};")
        main.stmt(stmt)
        body = f"{self.fn_name}_body"
        sig = self.signature(args)
        src = [prelude()] + _FORK_ABORT
        for name in sorted(self.backends_used):
            src += backends.get(name).c_includes()
        src += self.vectors.definitions
        src += self.structs
        # Tasks may start tasks defined after them (a fork inside a parallel loop).
        src += [f"static int {self.fn_name}_task_{i}(void *, int, uint8_t *);" for i in range(len(self.tasks))]
        src += self.tasks
        src += [f"static int {body}({', '.join(params)}) {{"] + main.finish() + ["}", ""]
        src += [sig + " {"] + wrapper + [f"  return {body}({', '.join(call)});", "}", ""]
        header = "\n".join([
            f"#ifndef HALO_PIPELINE_{self.fn_name.upper()}_H",
            f"#define HALO_PIPELINE_{self.fn_name.upper()}_H",
            '#include "halo_runtime.h"',
            "#ifdef __cplusplus", 'extern "C" {', "#endif",
            sig + ";",
            "#ifdef __cplusplus", "}", "#endif", "#endif", ""])
        return "\n".join(src), header
