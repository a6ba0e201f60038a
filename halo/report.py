"""The compile-time report of a pipeline: every local buffer with its size as a formula of the
split factors and folds (halo.budget) and as numbers, the folds, the DMA copies with their backends, and, for a frame size, the transfers and bytes
per frame (counted by walking the loops that enclose the transfers; no data is moved)."""
from dataclasses import dataclass

from .ir import nodes as n
from .ir.find import contains
from .ir.intrinsics import LIKELY
from .ir.memory import LOCAL_MEMORIES
from .ir.names import BufferField
from .ir.printer import expr_to_str
from .lower.local_memory import local_buffers


def evaluate(e, env):
    """The integer value of an index expression under `env` ({name: int})."""
    t = type(e)
    if t is n.IntImm:
        return e.value
    if t is n.Variable:
        return env[e.name]
    if t is n.Cast:
        return evaluate(e.value, env)
    if t is n.Let:
        return evaluate(e.body, {**env, e.name: evaluate(e.value, env)})
    if t is n.Select:
        return evaluate(e.true_value, env) if evaluate(e.cond, env) else evaluate(e.false_value, env)
    if t is n.Not:
        return not evaluate(e.a, env)
    if t is n.Call and e.name == LIKELY:
        return evaluate(e.args[0], env)
    a, b = evaluate(e.a, env), evaluate(e.b, env)
    if t is n.Add:
        return a + b
    if t is n.Sub:
        return a - b
    if t is n.Mul:
        return a * b
    if t is n.Div:
        return a // b if b else 0
    if t is n.Mod:
        return a % b if b else 0
    if t is n.Min:
        return min(a, b)
    if t is n.Max:
        return max(a, b)
    compare = {n.EQ: a == b, n.NE: a != b, n.LT: a < b, n.LE: a <= b, n.GT: a > b, n.GE: a >= b}
    if t in compare:
        return compare[t]
    if t is n.And:
        return a and b
    if t is n.Or:
        return a or b
    raise ValueError(f"cannot evaluate {expr_to_str(e)} for the report")


@dataclass
class Traffic:
    transfers: int = 0
    elements: int = 0


def _has_dma(s):
    return contains(s, lambda x: type(x) is n.DmaStart)


def traffic(stmt, env):
    """{func: Traffic} of the DMA transfers one run makes, for the buffer sizes in `env`."""
    out = {}

    def walk(s, env):
        t = type(s)
        if t is n.DmaStart:
            # a region that wraps around a fold is one transfer of the schedule in two parts
            tr = out.setdefault(s.copy.func, Traffic())
            count = 1
            for e in s.extents:
                count *= max(evaluate(e, env), 0)
            if count:
                tr.transfers += 0 if s.part else 1
                tr.elements += count
            return
        if not _has_dma(s):
            return
        if t is n.LetStmt:
            inner = dict(env)
            inner[s.name] = evaluate(s.value, env)
            walk(s.body, inner)
        elif t is n.For:
            lo = evaluate(s.min, env)
            for v in range(lo, lo + evaluate(s.extent, env)):
                inner = dict(env)
                inner[s.name] = v
                walk(s.body, inner)
        elif t is n.IfThenElse:
            if evaluate(s.cond, env):
                walk(s.then_case, env)
            elif s.else_case is not None:
                walk(s.else_case, env)
        elif t is n.AssertStmt:
            return
        else:
            for k in s.children():
                if isinstance(k, n.Stmt):
                    walk(k, env)

    walk(stmt, env)
    return out


def report(lowered, target, sizes=None, formulas=None):
    """Text of the report; `sizes` ({buffer name: [extent per dimension]}) adds per-frame figures;
    `formulas` ({buffer: halo.budget.BufferFormula or None}) the symbolic sizes."""
    lines = [f"target {target}: local memory capacity {target.localmem_capacity()} bytes per kind"]
    bufs = local_buffers(lowered.stmt)
    realized = lowered.buffers()
    lines.append("local buffers:")
    if not bufs:
        lines.append("  (none)")
    for b in bufs:
        if b.bytes is None:
            lines.append(f"  {b.name} in {b.memory.value}: {expr_to_str(b.size)} elements, sized at run time, "
                         f"x {b.copies}")
            continue
        r, element_type = realized[b.name]
        extents = list(r.storage.extent_bounds)
        for f in r.storage.folds:
            extents[f.dim] = f.factor
        formula = " x ".join(str(e) for e in extents) + f" x {element_type.bytes()} B"
        symbolic = (formulas or {}).get(b.name)
        if symbolic is not None:
            formula = f"{symbolic.unaligned} B, 128) = align({formula}"
        lines.append(f"  {b.name} in {b.memory.value}: align({formula}, 128) = {b.bytes} B x {b.copies} "
                     f"cop{'y' if b.copies == 1 else 'ies'} = {b.total} B")
    for memory in LOCAL_MEMORIES:
        total = sum(b.total for b in bufs if b.memory is memory and b.bytes is not None)
        if total:
            lines.append(f"  {memory.value} total: {total} of {target.localmem_capacity()} bytes")
    lines.append("folds:")
    folds = lowered.folds
    if not folds:
        lines.append("  (none)")
    for name, fs in sorted(folds.items()):
        dims = lowered.ctx.env.function(name).args
        for i, f in sorted(fs.items()):
            lines.append(f"  {name}.{dims[i]} modulo {f}")
    lines.append("DMA copies:")
    copies = lowered.copies()
    if not copies:
        lines.append("  (none)")
    for name, c in sorted(copies.items()):
        arrow = f"{c.ddr} -> {c.local}" if c.direction == "read" else f"{c.local} -> {c.ddr}"
        opts = "".join(f", {k}={v}" for k, v in c.options)
        lines.append(f"  {name}: {c.direction} {arrow} with {c.backend}{opts}, {c.in_flight} in flight"
                     f"{' (ping-pong)' if c.in_flight > 1 else ''}")
    if sizes and copies:
        env = {}
        for buf, extents in sizes.items():
            stride = 1
            for d, e in enumerate(extents):
                env[BufferField(buf, "min", d)] = 0
                env[BufferField(buf, "extent", d)] = e
                env[BufferField(buf, "stride", d)] = stride
                stride *= e
        tr = traffic(lowered.stmt, env)
        lines.append("per frame (" + ", ".join(f"{b} {'x'.join(map(str, e))}" for b, e in sizes.items()) + "):")
        for name, c in sorted(copies.items()):
            t = tr.get(name, Traffic())
            lines.append(f"  {name}: {t.transfers} transfers, {t.elements * c.type.bytes()} bytes")
    return "\n".join(lines)
