"""The rules of one copy, and the checks that need nothing but the kernel's text.

Each rule of a copy is a `Rule`: a condition that holds when the copy is legal, and its message.
The same Rule is decided when the kernel is compiled (its condition is a constant), by the path
walk of hazards.py (the loop values make it one) or, when it depends on sizes known only at run
time, by the generated C, which returns the same message."""
import warnings
from dataclasses import dataclass

from ..errors import HaloWarning, KernelError
from ..ir import nodes as n
from ..ir import operators as op
from ..ir.names import Derived
from ..ir.simplify import simplify
from ..ir.types import Int
from .nodes import SRAM_SCOPES, At, DmaCopy, WaitEvents, dtype_name

INT64 = Int(64)


@dataclass(frozen=True)
class Rule:
    """`cond` holds for a legal copy; `text` has one {} per Expr of `args` (their values)."""
    cond: n.Expr
    text: str
    args: tuple
    rule: str

    def message(self, where, values):
        return f"{where}: {self.text.format(*values)} (rule: {self.rule})"

    def c_format(self, where):
        """The message as a printf format (each value a long long)."""
        return self.message(where, ["%lld"] * len(self.args)).replace("%", "%%").replace("%%lld", "%lld")


def size_of(kernel, buffer):
    """A buffer's element count: its shape's product, or the run-time size of a param."""
    b = kernel.buffer(buffer)
    size = b.size()
    return n.Variable(INT64, Derived(buffer, "size")) if size is None else op.cast(INT64, size)


def call_text(copy):
    fn = "S.dma_copy" if copy.event is None else "S.async_dma_copy"
    return f"{fn}(dst={_ref(copy.dst)}, src={_ref(copy.src)})"


def _ref(ref):
    off = simplify(ref.offset)
    return ref.buffer if type(off) is n.IntImm and off.value == 0 else f"{ref.buffer} + {off}"


def _wide(e):
    return op.cast(INT64, e)


def copy_rules(kernel, copy):
    """The value rules of a copy, in the order the runtime applies them."""
    w, t = _wide(copy.width), _wide(copy.times)
    ss, ds = _wide(copy.src_stride), _wide(copy.dst_stride)
    c = call_text(copy)
    rules = [Rule((w >= 0) & (t >= 0), f"{c}: width {{}} and times {{}} must not be negative",
                  (w, t), "width >= 0 and times >= 0"),
             Rule((ss >= w) & (ds >= w), f"{c}: src_stride {{}} and dst_stride {{}} must be at least "
                                        f"width {{}}", (ss, ds, w),
                  "src_stride >= width and dst_stride >= width (a stride equal to width need not be "
                  "given)")]
    for side, ref, stride in (("dst", copy.dst, ds), ("src", copy.src, ss)):
        off = _wide(ref.offset)
        end = off + (t - 1) * stride + w
        size = size_of(kernel, ref.buffer)
        empty = (w <= 0) | (t <= 0)
        rules.append(Rule(empty | ((off >= 0) & (end <= size)),
                          f"{c}: the {side} side covers elements {{}} .. {{}} of {ref.buffer}, which has "
                          f"{{}} elements", (off, end - 1, size),
                          "a copy stays inside its buffers (rows of width every stride, times times)"))
    return rules


def check(kernel):
    """Raises KernelError for the first copy that breaks a dtype, scope or constant value rule;
    warns of waits on events that no copy uses."""
    bound = set()
    for line, s in _copies_and_waits(kernel.body, kernel.line):
        if type(s) is DmaCopy:
            if s.event is not None:
                bound.add(s.event)
            _check_copy(kernel, line, s)
    for line, s in _copies_and_waits(kernel.body, kernel.line):
        if type(s) is WaitEvents:
            for e in s.events:
                if e not in bound:
                    warnings.warn(HaloWarning(
                        f"{kernel.where(line)}: S.wait_events({', '.join(s.events)}) waits on {e}, but no "
                        f"S.async_dma_copy is bound to {e} (rule: wait on the events of the copies you "
                        f"started)"), stacklevel=4)


def _check_copy(kernel, line, copy):
    dst, src = kernel.buffer(copy.dst.buffer), kernel.buffer(copy.src.buffer)
    c, w = call_text(copy), kernel.where(line)
    if dst.type != src.type:
        raise KernelError(f'{w}: {c}: The data type mismatch: "dst" {dst.name} is "{dtype_name(dst.type)}*" vs. '
                          f'"src" {src.name} is "{dtype_name(src.type)}*". (rule: dst and src have the same '
                          f"dtype)")
    for side, b in (("dst", dst), ("src", src)):
        if b.scope == "constant":
            raise KernelError(f'{w}: {c}: the scope of "{side}" {b.name} can not be "constant" (rule: constant '
                              f"memory is never a DMA operand)")
    if dst.scope in SRAM_SCOPES and src.scope in SRAM_SCOPES:
        raise KernelError(f'{w}: {c}: Does not support copy data from scope "{src.scope}" ({src.name}) to '
                          f'scope "{dst.scope}" ({dst.name}). (rule: no copy between lsram / shared and '
                          f"lsram / shared: lsram<->shared, lsram<->lsram, shared<->shared)")
    for rule in copy_rules(kernel, copy):
        cond = simplify(rule.cond)
        if type(cond) is n.IntImm and not cond.value:
            values = [simplify(a) for a in rule.args]
            raise KernelError(rule.message(w, [v.value if type(v) is n.IntImm else v for v in values]))


def _copies_and_waits(s, line):
    """(line, statement) of every copy and wait in `s`, in source order."""
    t = type(s)
    if t is At:
        yield from _copies_and_waits(s.body, s.line)
    elif t in (DmaCopy, WaitEvents):
        yield line, s
    elif t is n.Block:
        for c in s.stmts:
            yield from _copies_and_waits(c, line)
    elif t is n.For:
        yield from _copies_and_waits(s.body, line)
    elif t is n.IfThenElse:
        yield from _copies_and_waits(s.then_case, line)
        if s.else_case is not None:
            yield from _copies_and_waits(s.else_case, line)
