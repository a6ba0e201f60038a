"""The loop nest in Halide's concise form (Func.print_loop_nest): produce / consume blocks,
loops with their kinds, where each Func is stored and what DMA moves; no bounds, lets or
checks."""
from . import nodes as n

_KIND = {n.SERIAL: "for", n.PARALLEL: "parallel", n.VECTORIZED: "vectorized", n.UNROLLED: "unrolled"}


def loop_nest(stmt):
    lines = []
    _walk(stmt, 0, lines)
    return "\n".join(lines)


def _walk(s, depth, out):
    pad = "  " * depth
    t = type(s)
    if t is n.Block:
        for c in s.stmts:
            _walk(c, depth, out)
    elif t is n.For:
        name = s.name.describe() if hasattr(s.name, "describe") else str(s.name)
        out.append(f"{pad}{_KIND[s.kind]} {name}:")
        _walk(s.body, depth + 1, out)
    elif t is n.Realize:
        out.append(f"{pad}store {s.name}{'' if s.memory.value == 'Auto' else f' in {s.memory.value}'}:")
        _walk(s.body, depth + 1, out)
    elif t is n.ProducerConsumer:
        out.append(f"{pad}{'produce' if s.is_producer else 'consume'} {s.name}:")
        _walk(s.body, depth + 1, out)
    elif t is n.Provide:
        out.append(f"{pad}{s.name}(...) = ...")
    elif t is n.DmaHandles:
        _walk(s.body, depth, out)
    elif t is n.DmaStart:
        c = s.copy
        out.append(f"{pad}dma {c.direction} {c.local} {'<-' if c.direction == 'read' else '->'} {c.ddr} ({c.backend})")
    elif t is n.DmaWait:
        out.append(f"{pad}dma wait {s.copy.local}")
    elif t is n.Fork:
        out.append(f"{pad}fork:")
        _walk(s.first, depth + 1, out)
        out.append(f"{pad}and:")
        _walk(s.rest, depth + 1, out)
    elif t in (n.LetStmt, n.Semaphore):
        _walk(s.body, depth, out)
    elif t is n.IfThenElse:
        _walk(s.then_case, depth, out)
        if s.else_case is not None:
            _walk(s.else_case, depth, out)
