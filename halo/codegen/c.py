"""C code generation: one C function per pipeline (plus one task function per parallel loop),
written for the C compiler: restrict pointers, unit-stride inner loops, C vector types for
vectorized loops (c_vectors.py; `ivdep` on the ones that stay scalar), helpers for halo's integer
semantics that inline away.

Every fallible step (an assert, an allocation, a parallel loop) frees what the function has
allocated before it returns an error code, so a failing pipeline leaks nothing.
"""
import math
import re
from dataclasses import dataclass

from ..ir import nodes as n
from ..ir.visitor import Visitor, free_variables
from .c_prelude import prelude, suffix
from ..lower.vectorize_loops import WIDE_LANES
from .c_vectors import VectorEmitter

_STACK_LIMIT = 32 * 1024
_LOCAL_KINDS = {"LockedCache": "halo_localmem_locked_cache", "VTCM": "halo_localmem_vtcm"}  # bytes: constant-size Auto allocations up to this live on the stack


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
    """IR names -> unique C identifiers."""

    def __init__(self):
        self.map = {}
        self.used = set()

    def __call__(self, name):
        c = self.map.get(name)
        if c is None:
            base = "_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
            c = base
            i = 1
            while c in self.used:
                c = f"{base}_{i}"
                i += 1
            self.map[name] = c
            self.used.add(c)
        return c


class _BufferUses(Visitor):
    def __init__(self):
        self.loads, self.allocs, self.ddr = {}, set(), set()

    def visit_DmaStart(self, s):
        self.loads.setdefault(s.local, s.local_type)
        self.ddr.add(s.ddr)
        self.generic_visit(s)

    def visit_Load(self, e):
        self.loads.setdefault(e.buffer, e.type.element_of())
        self.visit(e.index)

    def visit_Store(self, s):
        self.loads.setdefault(s.buffer, s.value.type.element_of())
        self.visit(s.index)
        self.visit(s.value)

    def visit_Allocate(self, s):
        self.allocs.add(s.name)
        self.visit(s.size)
        self.visit(s.body)


class _Function:
    """Emits one C function body."""

    def __init__(self, gen, names, buffer_types):
        self.gen = gen
        self.names = names
        self.buffer_types = buffer_types  # buffer name -> element Type
        self.lines = []
        self.depth = 1
        self.nallocs = 0
        self.forks = []  # enclosing forks: {"flag": int* expr, "sems": [C names], "thread": C name}
        self.dma_scopes = []  # enclosing DmaHandles

    def line(self, text):
        self.lines.append("  " * self.depth + text)

    def host(self, buffer):
        return self.names(buffer + ".host")

    def fail(self, code_expr):
        """Leave the function with an error: wake and stop the other side of every enclosing fork
        (joining the producer thread on the main side), free what was allocated, return."""
        parts = ["{ int _halo_code = (" + code_expr + ");"]
        # Transfers still in flight would write into memory about to be freed: finish them.
        for scope in reversed(self.dma_scopes):
            for k in range(2 * scope["count"]):
                waits = " ".join(scope["backend"].c_wait(None, f"&{scope['handles']}[{k}]"))
                parts.append(f" if ({scope['pending']}[{k}]) {{ int _r; {scope['pending']}[{k}] = 0; {waits} (void)_r; }}")
        for fork in reversed(self.forks):
            sems = ", ".join(fork["sems"])
            parts.append(f" halo__fork_abort({fork['flag']}, _halo_code, {len(fork['sems'])}, {sems});")
            if fork["thread"]:
                parts.append(f" halo_thread_join(&{fork['thread']});")
        parts.append(f" halo__free_all(_halo_uc, _halo_allocs, _halo_kinds, {self._allocs_marker()});"
                     f" return _halo_code; }}")
        return "".join(parts)

    def _allocs_marker(self):
        return "_HALO_NALLOCS"

    # ---- expressions ----
    def expr(self, e):
        t = type(e)
        ty = e.type
        if ty.lanes > 1:
            return self.gen.vectors.expr(e, self)
        if t is n.IntImm:
            if ty.is_bool():
                return "true" if e.value else "false"
            if ty.code == "int" and ty.bits == 32:
                return str(e.value) if e.value != -2**31 else "(-2147483647 - 1)"
            if ty.code == "int" and ty.bits == 64:
                return f"((int64_t){e.value}LL)" if e.value != -2**63 else "((int64_t)(-9223372036854775807LL - 1))"
            suffix_ = "ULL" if ty.is_uint() else ""
            return f"(({ty.c_name()}){e.value}{suffix_})"
        if t is n.FloatImm:
            return _float_literal(e.value, ty)
        if t is n.Variable:
            return self.names(e.name)
        if t is n.Cast:
            v = self.expr(e.value)
            if ty.is_bool():
                return f"(({v}) != 0)"
            return f"(({ty.c_name()})({v}))"
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
            return f"({self.expr(e.a)} && {self.expr(e.b)})"
        if t is n.Or:
            return f"({self.expr(e.a)} || {self.expr(e.b)})"
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
            return f"({self.expr(e.cond)} ? {self.expr(e.true_value)} : {self.expr(e.false_value)})"
        if t is n.Load:
            return f"{self.host(e.buffer)}[{self.expr(e.index)}]"
        if t is n.Let:
            name = self.names(e.name)
            return f"({{ const {e.value.type.c_name()} {name} = {self.expr(e.value)}; {self.expr(e.body)}; }})"
        if t is n.Call and e.call_type == "intrinsic":
            return self.intrinsic(e)
        raise ValueError(f"cannot generate C for {e}")

    def intrinsic(self, e):
        args = [self.expr(a) for a in e.args]
        at = e.args[0].type
        if e.name == "likely":
            return f"__builtin_expect(!!({args[0]}), 1)"
        if e.name in ("abs", "absd"):
            return f"halo_{e.name}_{suffix(at)}({', '.join(args)})"
        f = {"floor": "floor", "ceil": "ceil", "round": "nearbyint", "sqrt": "sqrt", "exp": "exp", "log": "log"}[e.name]
        if at.bits == 32:
            f += "f"
        return f"{f}({args[0]})"

    # ---- statements ----
    def stmt(self, s):
        t = type(s)
        if t is n.Block:
            for c in s.stmts:
                self.stmt(c)
        elif t is n.LetStmt:
            self.line("{")
            self.depth += 1
            if s.value.type.lanes > 1:
                self.line(self.gen.vectors.declare(s.name, s.value, self))
            else:
                self.line(f"const {s.value.type.c_name()} {self.names(s.name)} = {self.expr(s.value)};")
            self.stmt(s.body)
            self.depth -= 1
            self.line("}")
        elif t is n.For:
            self.for_loop(s)
        elif t is n.IfThenElse and type(s.cond) is n.Call and s.cond.name == WIDE_LANES:
            # chosen when the C is compiled: see vectorize_loops
            self.lines.append("#if HALO_WIDE_VECTOR_LANES")
            self.stmt(s.then_case)
            self.lines.append("#else")
            self.stmt(s.else_case)
            self.lines.append("#endif")
        elif t is n.IfThenElse:
            self.line(f"if ({self.expr(s.cond)}) {{")
            self.depth += 1
            self.stmt(s.then_case)
            self.depth -= 1
            if s.else_case is not None:
                self.line("} else {")
                self.depth += 1
                self.stmt(s.else_case)
                self.depth -= 1
            self.line("}")
        elif t is n.Store and s.value.type.lanes > 1:
            self.line(self.gen.vectors.store(s, self))
        elif t is n.Store:
            self.line(f"{self.host(s.buffer)}[{self.expr(s.index)}] = {self.expr(s.value)};")
        elif t is n.Allocate:
            self.allocate(s)
        elif t is n.ProducerConsumer:
            self.line(f"/* {'produce' if s.is_producer else 'consume'} {s.name} */")
            if s.is_producer and not _moves_data(s.body):
                self.traced(s)
            else:
                self.stmt(s.body)
        elif t is n.Evaluate:
            if not n.is_no_op(s):
                self.line(f"(void)({self.expr(s.value)});")
        elif t is n.Semaphore:
            name = self.names(s.name)
            self.line("{")
            self.depth += 1
            self.line(f"halo_semaphore_t {name}_storage;")
            self.line(f"halo_semaphore_t *{name} = &{name}_storage;")
            self.line(f"halo_semaphore_init({name}, {self.expr(s.count)});")
            self.stmt(s.body)
            self.line(f"halo_semaphore_destroy({name});")
            self.depth -= 1
            self.line("}")
        elif t is n.Acquire:
            self.line(f"halo_semaphore_acquire({self.names(s.name)}, {self.expr(s.count)});")
            flag = self.forks[-1]["flag"]
            self.line(f"if (__atomic_load_n({flag}, __ATOMIC_ACQUIRE)) "
                      + self.fail(f"__atomic_load_n({flag}, __ATOMIC_ACQUIRE)"))
        elif t is n.Release:
            self.line(f"halo_semaphore_release({self.names(s.name)}, {self.expr(s.count)});")
        elif t is n.Fork:
            self.fork(s)
        elif t is n.DmaHandles:
            self.dma_handles(s)
        elif t is n.DmaStart:
            self.dma_start(s)
        elif t is n.DmaWait:
            self.dma_wait(s)
        elif t is n.AssertStmt:
            args = "".join(f", (int)({self.expr(a)})" for a in s.args)
            msg = s.message.replace("\\", "\\\\").replace('"', '\\"')
            self.line(f"if (!({self.expr(s.cond)})) "
                      + self.fail(f'halo_error(_halo_uc, {s.code}, "{msg}"{args})'))
        else:
            raise ValueError(f"cannot generate C for {type(s).__name__}")

    def for_loop(self, s):
        var = self.names(s.name)
        if s.kind == n.PARALLEL:
            self.parallel(s)
            return
        lo, end = self.names(s.name + ".loop_min"), self.names(s.name + ".loop_end")
        self.line("{")
        self.depth += 1
        self.line(f"const int32_t {lo} = {self.expr(s.min)};")
        self.line(f"const int32_t {end} = {lo} + {self.expr(s.extent)};")
        if s.kind == n.VECTORIZED:
            self.line("HALO_IVDEP")
        self.line(f"for (int32_t {var} = {lo}; {var} < {end}; {var}++) {{")
        self.depth += 1
        self.stmt(s.body)
        self.depth -= 1
        self.line("}")
        self.depth -= 1
        self.line("}")

    def allocate(self, s):
        name = self.host(s.name)
        ct = s.type.c_name()
        self.buffer_types[s.name] = s.type
        size = s.size
        const_bytes = size.value * s.type.bytes() if type(size) is n.IntImm else None
        on_stack = s.memory in ("Stack", "Register") or (
            s.memory == "Auto" and const_bytes is not None and const_bytes <= _STACK_LIMIT)
        self.line("{")
        self.depth += 1
        if on_stack:
            if const_bytes is None:
                raise ValueError(f"store_in(Stack) for {s.name} needs a constant size, got {size}")
            self.line(f"{ct} {name}[{max(size.value, 1)}] __attribute__((aligned(128)));")
            self.stmt(s.body)
        else:
            slot = self.nallocs
            self.nallocs += 1
            # an iteration with nothing to compute may have an empty (negative) region: 0 bytes
            nbytes = f"sizeof({ct}) * (size_t)halo_max_i64((int64_t)({self.expr(size)}), 0)"
            kind = _LOCAL_KINDS.get(s.memory)
            if kind is None:
                self.line(f"{ct} *restrict {name} = ({ct} *)halo_malloc(_halo_uc, {nbytes});")
                code = "halo_error_out_of_memory"
            else:
                # the local allocators refuse 0 bytes; an empty region still gets one granule
                nbytes = f"sizeof({ct}) * (size_t)halo_max_i64((int64_t)({self.expr(size)}), 1)"
                self.line(f"{ct} *restrict {name} = ({ct} *)halo_localmem_alloc(_halo_uc, {kind}, {nbytes});")
                code = "halo_error_localmem_exhausted"
            self.line(f"_halo_allocs[{slot}] = {name};")
            self.line(f"_halo_kinds[{slot}] = {-1 if kind is None else kind};")
            self.line(f"if (!{name}) " + self.fail(code))
            self.stmt(s.body)
            if kind is None:
                self.line(f"halo_free(_halo_uc, {name});")
            else:
                self.line(f"halo_localmem_free(_halo_uc, {kind}, {name});")
            self.line(f"_halo_allocs[{slot}] = NULL;")
        self.depth -= 1
        self.line("}")

    def parallel(self, s):
        task = self.gen.task(s.body, self, s.name)
        self.line("{")
        self.depth += 1
        self.line(f"struct {task.struct} _c;")
        for cname, _ in task.captures:
            self.line(f"_c.{cname} = {cname};")
        for i, fork in enumerate(self.forks):
            self.line(f"_c._halo_flag_{i} = {fork['flag']};")
        lo = self.names(s.name + ".loop_min")
        self.line(f"const int32_t {lo} = {self.expr(s.min)};")
        self.line(f"int _r = halo_do_par_for(_halo_uc, {task.fn}, {lo}, {self.expr(s.extent)}, (uint8_t *)&_c);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.depth -= 1
        self.line("}")

    def traced(self, s):
        """A produce block recorded as a compute span when the runtime's trace is on (one branch
        per block when it is off)."""
        t0 = self.names(s.name + ".trace_t0")
        self.line("{")
        self.depth += 1
        self.line(f"const uint64_t {t0} = halo_trace_enabled() ? halo_time_ns() : 0;")
        self.stmt(s.body)
        self.line(f'if ({t0}) halo_trace_record("compute", "{s.name}", "compute", 0, {t0}, halo_time_ns());')
        self.depth -= 1
        self.line("}")

    # ---- DMA ----
    def _dma_scope(self, name):
        for scope in reversed(self.dma_scopes):
            if scope["name"] == name:
                return scope
        raise ValueError(f"DMA transfer of {name} outside its handles (a bug in halo's lowering)")

    def dma_handles(self, s):
        backend = get_backend(s.backend)
        self.gen.backends_used.add(s.backend)
        h, pend = self.names(s.name + ".dma_handle"), self.names(s.name + ".dma_pending")
        self.line("{")
        self.depth += 1
        # two handles per slot: a transfer that wraps around a fold is split in two
        self.line(f"{backend.c_handle_type()} {h}[{2 * s.count}];")
        self.line(f"memset({h}, 0, sizeof({h}));")
        self.line(f"int {pend}[{2 * s.count}] = {{0}};")
        self.dma_scopes.append({"name": s.name, "backend": backend, "handles": h, "pending": pend,
                                "count": s.count})
        self.stmt(s.body)
        self.dma_scopes.pop()
        self.depth -= 1
        self.line("}")

    def dma_start(self, s):
        scope = self._dma_scope(s.name)
        count = scope["count"]
        self.line("{")
        self.depth += 1
        self.line(f"const int _halo_slot = {self.expr(s.slot)};")
        mins = [self.expr(m) for m in s.mins]
        extents = [self.expr(e) for e in s.extents]
        offset = self.expr(s.local_offset)
        if s.fold_dim is None:
            self._dma_part(s, scope, mins, extents, offset, "_halo_slot")
        else:
            # The region may run past the end of the fold: the part that does is a second
            # transfer to the start of the fold, on the slot's second handle.
            d, F = s.fold_dim, s.fold_factor
            stride = self.expr(s.local_strides[d])
            self.line(f"const int32_t _halo_fs = halo_mod_i32({mins[d]}, {F});")
            self.line(f"const int32_t _halo_fe = {extents[d]};")
            self.line(f"const int32_t _halo_f1 = _halo_fe < {F} - _halo_fs ? _halo_fe : {F} - _halo_fs;")
            first = list(extents)
            first[d] = "_halo_f1"
            self._dma_part(s, scope, mins, first, offset, "_halo_slot")
            self.line("if (_halo_fe > _halo_f1) {")
            self.depth += 1
            second_min = list(mins)
            second_min[d] = f"({mins[d]} + _halo_f1)"
            second_ext = list(extents)
            second_ext[d] = "(_halo_fe - _halo_f1)"
            self._dma_part(s, scope, second_min, second_ext, f"({offset}) - _halo_fs * ({stride})",
                           f"_halo_slot + {count}")
            self.depth -= 1
            self.line("}")
        self.depth -= 1
        self.line("}")

    def _dma_part(self, s, scope, mins, extents, offset, slot):
        backend = scope["backend"]
        t = s.local_type
        dims = len(mins)
        self.line("{")
        self.depth += 1
        self.line(f"halo_dimension_t _halo_ld[{dims}];")
        self.line("halo_buffer_t _halo_lb;")
        self.line("memset(&_halo_lb, 0, sizeof(_halo_lb));")
        local = self.host(s.local)
        self.line(f"_halo_lb.host = (uint8_t *)({local} + ({offset}));")
        code = {"int": 0, "uint": 1, "float": 2, "bool": 1}[t.code]
        self.line(f"_halo_lb.type.code = {code}; _halo_lb.type.bits = {t.bits}; _halo_lb.type.lanes = 1;")
        self.line(f"_halo_lb.dimensions = {dims}; _halo_lb.dim = _halo_ld;")
        for i, (mn, ext, st) in enumerate(zip(mins, extents, s.local_strides)):
            self.line(f"_halo_ld[{i}].min = {mn}; _halo_ld[{i}].extent = {ext}; "
                      f"_halo_ld[{i}].stride = {self.expr(st)}; _halo_ld[{i}].flags = 0;")
        self.line(f"void *_halo_local_base = (void *){local};")
        self.line(f"int64_t _halo_local_bytes = (int64_t)({self.expr(s.local_size)}) * {t.bytes()};")
        self.line("(void)_halo_local_base; (void)_halo_local_bytes;")
        self.line(f"const int _halo_h = {slot};")
        self.line("int _r;")
        ddr = f"(halo_buffer_t *){self.names(s.ddr + '.buffer')}"
        for l in backend.c_start(_copy_of(s), ddr, "&_halo_lb", f"&{scope['handles']}[_halo_h]"):
            self.line(l)
        self.line("if (_r != 0) " + self.fail("_r"))
        self.line(f"{scope['pending']}[_halo_h] = 1;")
        self.depth -= 1
        self.line("}")

    def dma_wait(self, s):
        """Wait for both handles of the slot (the second is used when a region wraps a fold)."""
        scope = self._dma_scope(s.name)
        self.line("{")
        self.depth += 1
        self.line(f"const int _halo_slot = {self.expr(s.slot)};")
        for second in (False, True):
            h = f"_halo_slot + {scope['count']}" if second else "_halo_slot"
            self.line(f"if ({scope['pending']}[{h}]) {{")
            self.depth += 1
            self.line("int _r;")
            self.line(f"{scope['pending']}[{h}] = 0;")
            for l in scope["backend"].c_wait(None, f"&{scope['handles']}[{h}]"):
                self.line(l)
            self.line("if (_r != 0) " + self.fail("_r"))
            self.depth -= 1
            self.line("}")
        self.depth -= 1
        self.line("}")

    def fork(self, s):
        k = self.gen.fork_count
        self.gen.fork_count += 1
        err, thread = f"_halo_fork{k}_err", f"_halo_fork{k}_thread"
        sems = sorted(_semaphores(s.first) | _semaphores(s.rest))
        csems = [self.names(x) for x in sems]
        task = self.gen.task(s.first, self, None, sems)
        self.line("{")
        self.depth += 1
        self.line(f"int {err} = 0;")
        self.line(f"halo_thread_t {thread};")
        self.line(f"struct {task.struct} _c;")
        for cname, _ in task.captures:
            self.line(f"_c.{cname} = {cname};")
        for i, fork in enumerate(self.forks):
            self.line(f"_c._halo_flag_{i} = {fork['flag']};")
        self.line(f"_c._halo_flag = &{err};")
        self.line(f"int _r = halo_thread_start(&{thread}, _halo_uc, {task.fn}, (uint8_t *)&_c);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.forks.append({"flag": f"&{err}", "sems": csems, "thread": thread})
        self.stmt(s.rest)
        self.forks.pop()
        self.line(f"_r = halo_thread_join(&{thread});")
        self.line(f"if (_r == 0) _r = __atomic_load_n(&{err}, __ATOMIC_ACQUIRE);")
        self.line("if (_r != 0) " + self.fail("_r"))
        self.depth -= 1
        self.line("}")

    def finish(self):
        """The body text, with the allocation table declared."""
        count = max(self.nallocs, 1)
        head = [f"  void *_halo_allocs[{count}] = {{0}};", f"  int _halo_kinds[{count}] = {{0}};"]
        body = [l.replace("_HALO_NALLOCS", str(count)) for l in self.lines]
        return head + body


class _Sems(Visitor):
    def __init__(self):
        self.names = set()

    def visit_Acquire(self, s):
        self.names.add(s.name)

    def visit_Release(self, s):
        self.names.add(s.name)


class _Moves(Visitor):
    def __init__(self):
        self.found = False

    def visit_DmaStart(self, s):
        self.found = True

    def visit_DmaWait(self, s):
        self.found = True


def _moves_data(s):
    v = _Moves()
    v.visit(s)
    return v.found


def _copy_of(s):
    """The backends.Copy a DmaStart describes, for the backend's C emitters."""
    from halo.backends import Copy
    return Copy(s.name, s.direction, s.ddr, s.local, s.memory, len(s.mins), s.local_type.bits, False, s.options)


def get_backend(name):
    from halo import backends
    return backends.get(name)


def _semaphores(s):
    v = _Sems()
    v.visit(s)
    return v.names


def _nonneg(e):
    """A cheap proof that an integer expression is never negative (unsigned leaves only)."""
    t = type(e)
    if t is n.IntImm:
        return e.value >= 0
    if t is n.Cast:
        return e.value.type.is_uint() or e.value.type.is_bool()
    if t is n.Load:
        return e.type.is_uint()
    if t in (n.Add, n.Mul, n.Min, n.Max, n.Div):
        return _nonneg(e.a) and _nonneg(e.b)
    return e.type.is_uint()


def _float_literal(v, ty):
    if math.isnan(v):
        return "NAN" if ty.bits == 32 else "(double)NAN"
    if math.isinf(v):
        return ("INFINITY" if v > 0 else "(-INFINITY)") if ty.bits == 32 else f"((double){'' if v > 0 else '-'}INFINITY)"
    if ty.bits == 32:
        return f"{v!r}f" if "e" in repr(v) or "." in repr(v) else f"{v!r}.0f"
    return repr(v) if ("e" in repr(v) or "." in repr(v)) else f"{v!r}.0"


@dataclass
class _Task:
    fn: str
    struct: str
    captures: list  # (c name, c type)


class CGenerator:
    def __init__(self, fn_name):
        self.fn_name = fn_name
        self.fork_count = 0
        self.backends_used = set()
        self.transfers = []
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
        free = free_variables(body)
        uses = _BufferUses()
        uses.visit(body)
        captures = []
        for name, t in sorted(free.items()):
            if name == index_var or name.endswith(".host"):
                continue
            captures.append((self.names(name), t.c_name()))
        for sem in sems:
            captures.append((self.names(sem), "halo_semaphore_t *"))
        for ddr in sorted(uses.ddr):
            captures.append((self.names(ddr + ".buffer"), "void *"))
        for fork in outer.forks:
            for cname in fork["sems"]:
                if (cname, "halo_semaphore_t *") not in captures:
                    captures.append((cname, "halo_semaphore_t *"))
        for buf, t in sorted(uses.loads.items()):
            if buf in uses.allocs:
                continue
            et = outer.buffer_types.get(buf, t)
            captures.append((self.names(buf + ".host"), et.c_name() + " *"))
        inner = _Function(self, self.names, dict(outer.buffer_types))
        inner.line(f"struct {struct} *_c = (struct {struct} *)_halo_closure;")
        for cname, ct in captures:
            if ct == "halo_semaphore_t *":
                inner.line(f"{ct}{cname} HALO_UNUSED = _c->{cname};")
            elif ct.endswith("*"):
                inner.line(f"{ct}restrict {cname} HALO_UNUSED = _c->{cname};")
            else:
                inner.line(f"const {ct} {cname} HALO_UNUSED = _c->{cname};")
        if index_var is not None:
            inner.line(f"const int32_t {self.names(index_var)} = _halo_index;")
        else:
            inner.line("(void)_halo_index;")
        # A parallel task inside a fork reports failures to that fork too; the forked side
        # itself gets its own flag.
        inner.forks = [dict(f, flag=f"_c->_halo_flag_{i}", thread=None) for i, f in enumerate(outer.forks)]
        if sems:
            inner.forks.append({"flag": "_c->_halo_flag", "sems": [self.names(x) for x in sems], "thread": None})
        inner.stmt(body)
        inner.line("return 0;")
        text = [f"static int {fn}(void *_halo_uc, int _halo_index, uint8_t *_halo_closure) {{"]
        text += inner.finish()
        text.append("}")
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
                parts.append(f"halo_buffer_t *{self.names(a.name + '.buffer')}")
            else:
                parts.append(f"{a.type.c_name()} {self.names(a.name)}")
        return f"int {self.fn_name}({', '.join(parts)})"

    def generate(self, stmt, args):
        """(source, header) for the pipeline function `stmt` with arguments `args`."""
        buffer_types = {a.name: a.type for a in args if isinstance(a, BufferArg)}
        main = _Function(self, self.names, buffer_types)
        for a in args:
            if not isinstance(a, BufferArg):
                continue
            b = self.names(a.name + ".buffer")
            tc = {"int": 0, "uint": 1, "float": 2, "bool": 1}[a.type.code]
            bits = 1 if a.type.is_bool() else a.type.bits
            main.line(f"if ({b} == NULL) return halo_error(_halo_uc, halo_error_bad_buffer, "
                      f"\"buffer {a.name} is NULL\");")
            main.line(f"if ({b}->type.code != {tc} || {b}->type.bits != {bits} || {b}->dimensions != {a.dimensions}) "
                      f"return halo_error(_halo_uc, halo_error_bad_buffer, \"buffer {a.name} must be {a.type} with "
                      f"{a.dimensions} dimensions; got type code %d, %d bits, %d dimensions\", "
                      f"(int){b}->type.code, (int){b}->type.bits, (int){b}->dimensions);")
            # a DMA'd buffer's host pointer and an unread field go unused
            main.line(f"{a.type.c_name()} *restrict {self.names(a.name + '.host')} HALO_UNUSED = "
                      f"({a.type.c_name()} *){b}->host;")
            for d in range(a.dimensions):
                for field in ("min", "extent", "stride"):
                    main.line(f"const int32_t {self.names(f'{a.name}.{field}.{d}')} HALO_UNUSED = {b}->dim[{d}].{field};")
        main.stmt(stmt)
        main.line("return 0;")
        sig = self.signature(args)
        body = main.finish()
        src = [prelude(),
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
        for name in sorted(self.backends_used):
            src += get_backend(name).c_includes()
        src += self.vectors.definitions
        src += self.structs
        # Tasks may start tasks defined after them (a fork inside a parallel loop).
        src += [f"static int {self.fn_name}_task_{i}(void *, int, uint8_t *);" for i in range(len(self.tasks))]
        src += [t for t in self.tasks]
        src += [sig + " {"] + body + ["}", ""]
        header = "\n".join([
            f"#ifndef HALO_PIPELINE_{self.fn_name.upper()}_H",
            f"#define HALO_PIPELINE_{self.fn_name.upper()}_H",
            '#include "halo_runtime.h"',
            "#ifdef __cplusplus", 'extern "C" {', "#endif",
            sig + ";",
            "#ifdef __cplusplus", "}", "#endif", "#endif", ""])
        return "\n".join(src), header


