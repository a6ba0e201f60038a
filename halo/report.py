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


def report_data(lowered, target, sizes=None, formulas=None):
    """The report as plain data (what report() prints, and what a build system reads as JSON);
    `sizes` ({buffer name: [extent per dimension]}) adds per-frame figures; `formulas` ({buffer:
    halo.budget.BufferFormula or None}) the symbolic sizes."""
    realized = lowered.buffers()
    bufs = []
    for b in local_buffers(lowered.stmt):
        entry = {"name": b.name, "memory": b.memory.value, "copies": b.copies, "bytes": b.bytes, "total": b.total}
        if b.bytes is None:
            entry["elements"] = expr_to_str(b.size)
        else:
            r, element_type = realized[b.name]
            extents = list(r.storage.extent_bounds)
            for f in r.storage.folds:
                extents[f.dim] = f.factor
            formula = " x ".join(str(e) for e in extents) + f" x {element_type.bytes()} B"
            symbolic = (formulas or {}).get(b.name)
            if symbolic is not None:
                formula = f"{symbolic.unaligned} B, 128) = align({formula}"
            entry["formula"] = f"align({formula}, 128)"
        bufs.append(entry)
    totals = {m.value: sum(b["total"] for b in bufs if b["memory"] == m.value and b["bytes"] is not None)
              for m in LOCAL_MEMORIES}
    folds = [{"func": name, "dim": lowered.ctx.env.function(name).args[i], "factor": f}
             for name, fs in sorted(lowered.folds.items()) for i, f in sorted(fs.items())]
    copies = lowered.copies()
    dma = [{"name": name, "direction": c.direction, "ddr": c.ddr, "local": c.local, "backend": c.backend,
            "options": {k: v for k, v in c.options}, "in_flight": c.in_flight} for name, c in sorted(copies.items())]
    data = {"target": str(target), "capacity": target.localmem_capacity(), "local_buffers": bufs,
            "totals": {m: t for m, t in totals.items() if t}, "folds": folds, "dma_copies": dma}
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
        data["per_frame"] = {"sizes": {b: list(e) for b, e in sizes.items()},
                             "copies": [{"name": name, "transfers": tr.get(name, Traffic()).transfers,
                                         "bytes": tr.get(name, Traffic()).elements * c.type.bytes()}
                                        for name, c in sorted(copies.items())]}
    return data


def report(lowered, target, sizes=None, formulas=None):
    """Text of the report (report_data's arguments)."""
    return report_text(report_data(lowered, target, sizes, formulas))


def report_text(data):
    lines = [f"target {data['target']}: local memory capacity {data['capacity']} bytes per kind", "local buffers:"]
    if not data["local_buffers"]:
        lines.append("  (none)")
    for b in data["local_buffers"]:
        if b["bytes"] is None:
            lines.append(f"  {b['name']} in {b['memory']}: {b['elements']} elements, sized at run time, x {b['copies']}")
            continue
        lines.append(f"  {b['name']} in {b['memory']}: {b['formula']} = {b['bytes']} B x {b['copies']} "
                     f"cop{'y' if b['copies'] == 1 else 'ies'} = {b['total']} B")
    for memory, total in data["totals"].items():
        lines.append(f"  {memory} total: {total} of {data['capacity']} bytes")
    lines.append("folds:")
    if not data["folds"]:
        lines.append("  (none)")
    for f in data["folds"]:
        lines.append(f"  {f['func']}.{f['dim']} modulo {f['factor']}")
    lines.append("DMA copies:")
    if not data["dma_copies"]:
        lines.append("  (none)")
    for c in data["dma_copies"]:
        arrow = f"{c['ddr']} -> {c['local']}" if c["direction"] == "read" else f"{c['local']} -> {c['ddr']}"
        opts = "".join(f", {k}={v}" for k, v in c["options"].items())
        lines.append(f"  {c['name']}: {c['direction']} {arrow} with {c['backend']}{opts}, {c['in_flight']} in flight"
                     f"{' (ping-pong)' if c['in_flight'] > 1 else ''}")
    if "per_frame" in data:
        frame = data["per_frame"]
        lines.append("per frame (" + ", ".join(f"{b} {'x'.join(map(str, e))}" for b, e in frame["sizes"].items())
                     + "):")
        for c in frame["copies"]:
            lines.append(f"  {c['name']}: {c['transfers']} transfers, {c['bytes']} bytes")
    return "\n".join(lines)
