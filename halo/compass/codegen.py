"""Kernel -> C against the Compass runtime (runtime_c/halo_compass_dma.h). Expressions, loops,
ifs and stores are printed by halo's C printer (codegen/c.py); this adds the buffers, the
copies, the events and their cleanup.

The C function takes each pointer as `void *` with its array's size in elements, then the
scalars. A rule of a copy that the compiler could not decide is checked before the copy, with
the compile-time message. Events a kernel leaves allocated are freed when it returns (as the
target resets its event state at each kernel's entry), on success and on error alike, and
before any memory the kernel allocated is released. A loop that computes (stores to memory)
and neither copies nor touches events is recorded in the runtime's trace as a compute span."""
from ..codegen.c import CGenerator, _FORK_ABORT, _Function, _c_string
from ..codegen.c_prelude import prelude
from ..ir import nodes as n
from ..ir.find import contains
from ..ir.names import Derived
from ..ir.simplify import simplify
from ..ir.types import runtime_type
from ..lang.names import c_function_name
from . import check
from .nodes import SYNC_STMTS
from .parse import is_f16

STACK_BYTES = 16 * 1024  # larger local buffers come from the heap


def c_type(t):
    return "_Float16" if is_f16(t) else t.c_name()


def fn_name(kernel):
    return c_function_name(f"compass_{kernel.name}")


def size_name(buffer):
    return Derived(buffer, "size")


def dtype_code(t):
    code, bits = runtime_type(t)
    return (code << 8) | bits


class _Body(_Function):
    def __init__(self, gen, kernel):
        super().__init__(gen, {b.name: b.type for b in kernel.buffers})
        self.k = kernel
        self.line_no = kernel.line
        self.traced_depth = 0

    def _scalar(self, e):
        if type(e) is n.Cast and is_f16(e.type):
            return f"((_Float16)({self.expr(e.value)}))"
        return super()._scalar(e)

    def event(self, name):
        return self.names(Derived(name, "event"))

    def live(self, name):
        return self.names(Derived(name, "event_live"))

    # ---- buffers ----
    def declare(self):
        for b in self.k.buffers:
            ct, h = c_type(b.type), self.host(b.name)
            if b.kind == "param":
                self.line(f"{ct} *{h} = ({ct} *){self.names(b.name)};")
            elif b.kind == "view":
                size = check.size_of(self.k, b.name)
                have = self.names(size_name(b.base))
                msg = (f"{self.k.where(b.line)}: S.match_buffer({b.base}, ...) {b.name} needs %lld elements, but "
                       f"the array given for {b.base} has %lld (rule: a buffer stays inside its memory)")
                self.open(f"if ({self.expr(size)} > {have}) {{")
                self.line(f'_halo_code = halo_error(_halo_uc, halo_error_buffer_too_small, "{_c_string(msg)}", '
                          f"(long long)({self.expr(size)}), (long long){have});")
                self.line("goto _halo_cleanup;")
                self.close()
                self.line(f"{ct} *{h} = {self.host(b.base)};")
            else:
                size = simplify(b.size()).value
                if size * b.type.bytes() <= STACK_BYTES:
                    self.line(f"{ct} {h}[{size}] __attribute__((aligned(128))) = {{0}};")
                else:
                    slot = self.nallocs
                    self.nallocs += 1
                    self.line(f"{ct} *{h} = ({ct} *)halo_malloc(_halo_uc, sizeof({ct}) * {size});")
                    self.line(f"_halo_allocs[{slot}] = {h}; _halo_kinds[{slot}] = -1;")
                    self.line(f"if (!{h}) " + self.fail("halo_error_out_of_memory"))
        for e in self.k.events:
            self.decls.append(f"int {self.event(e)} = -1, {self.live(e)} = 0;")

    # ---- statements ----
    def s_At(self, s):
        self.line_no = s.line
        self.stmt(s.body)

    def s_For(self, s):
        computes = not contains(s.body, lambda x: type(x) in SYNC_STMTS) and contains(
            s.body, lambda x: type(x) is n.Store and self.k.buffer(x.buffer).kind != "var")
        if not computes or self.traced_depth:
            super().s_For(s)
            return
        t0 = self.names(Derived(s.name, "trace_t0"))
        self.open()
        self.line(f"const uint64_t {t0} = halo_trace_enabled() ? halo_time_ns() : 0;")
        self.traced_depth += 1
        super().s_For(s)
        self.traced_depth -= 1
        label = _c_string(f"{self.k.name} line {self.line_no}")
        self.line(f'if ({t0}) halo_trace_record("compute", "{label}", "compute", 0, {t0}, halo_time_ns());')
        self.close()

    def s_DmaCopy(self, s):
        from ..runtime.compass import SCOPES
        where = self.k.where(self.line_no)
        for rule in check.copy_rules(self.k, s):
            cond = simplify(rule.cond)
            if type(cond) is n.IntImm and cond.value:
                continue
            self.stmt(n.AssertStmt(cond, "halo_error_bad_argument", rule.c_format(where), rule.args))
        dst, src = self.k.buffer(s.dst.buffer), self.k.buffer(s.src.buffer)
        args = [f"(void *)({self.host(dst.name)} + ({self.expr(s.dst.offset)}))", str(SCOPES[dst.scope]),
                str(dtype_code(dst.type)),
                f"(const void *)({self.host(src.name)} + ({self.expr(s.src.offset)}))", str(SCOPES[src.scope]),
                str(dtype_code(src.type))]
        args += [f"(int64_t)({self.expr(v)})" for v in (s.width, s.src_stride, s.times, s.dst_stride)]
        if s.event is None:
            call = f"halo_compass_dma_copy({', '.join(args)})"
        else:
            call = f"halo_compass_async_dma_copy({', '.join(args)}, {self.event(s.event)})"
        self.open()
        self.line(f"int _halo_r = {call};")
        self.line("if (_halo_r != 0) " + self.fail("_halo_r"))
        self.close()

    def s_AllocEvents(self, s):
        self.open()
        self.line(f"int _halo_e[{len(s.events)}];")
        self.line(f"int _halo_r = halo_compass_alloc_events({len(s.events)}, _halo_e);")
        self.line("if (_halo_r != 0) " + self.fail("_halo_r"))
        for i, e in enumerate(s.events):
            self.line(f"{self.event(e)} = _halo_e[{i}]; {self.live(e)} = 1;")
        self.close()

    def _settle(self, s, fn):
        self.open()
        self.line(f"const int _halo_e[{len(s.events)}] = {{{', '.join(self.event(e) for e in s.events)}}};")
        self.line(f"int _halo_r = {fn}(_halo_e, {len(s.events)});")
        self.line("if (_halo_r != 0) " + self.fail("_halo_r"))
        self.close()

    def s_WaitEvents(self, s):
        self._settle(s, "halo_compass_wait_events")

    def s_FreeEvents(self, s):
        self._settle(s, "halo_compass_free_events")
        self.line(" ".join(f"{self.live(e)} = 0;" for e in s.events))

    def finish(self):
        out = super().finish()
        label = out.index("_halo_cleanup:")
        # success falls through the cleanup too: it frees what the kernel left allocated
        frees = [f"  if ({self.live(e)}) {{ {self.live(e)} = 0; int _halo_r = halo_compass_free_events(&{self.event(e)}, 1); "
                 f"if (_halo_code == 0) _halo_code = _halo_r; }}" for e in self.k.events]
        return out[:label - 1] + out[label:label + 1] + frees + out[label + 1:]


def signature(kernel, gen):
    parts = ["void *_halo_uc"]
    for p in kernel.params:
        if p.is_pointer:
            parts += [f"void *{gen.names(p.name)}", f"int64_t {gen.names(size_name(p.name))}"]
        else:
            parts.append(f"{p.type.c_name()} {gen.names(p.name)}")
    return f"int {fn_name(kernel)}({', '.join(parts)})"


def generate(kernel):
    """(C source, the function's declaration)."""
    gen = CGenerator(fn_name(kernel))
    body = _Body(gen, kernel)
    body.declare()
    body.stmt(kernel.body)
    sig = signature(kernel, gen)
    src = [prelude(), '#include "halo_compass_dma.h"'] + _FORK_ABORT + [sig + " {"] + body.finish() + ["}", ""]
    return "\n".join(src), sig
