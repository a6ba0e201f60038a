"""Text form of the IR, close to Halide's: `for (f.s0.y, min, extent) { ... }`."""
from . import nodes as n

_BINOPS = {n.Add: "+", n.Sub: "-", n.Mul: "*", n.Div: "/", n.Mod: "%", n.BitAnd: "&", n.BitOr: "|",
           n.BitXor: "^", n.Shl: "<<", n.Shr: ">>", n.EQ: "==", n.NE: "!=", n.LT: "<", n.LE: "<=",
           n.GT: ">", n.GE: ">=", n.And: "&&", n.Or: "||"}


def expr_to_str(e):
    t = type(e)
    if t is n.IntImm:
        if e.type.is_bool():
            return "true" if e.value else "false"
        return str(e.value) if e.type.code == "int" and e.type.bits == 32 else f"({e.type}){e.value}"
    if t is n.FloatImm:
        return f"{e.value!r}f" if e.type.bits == 32 else repr(e.value)
    if t is n.StringImm:
        return repr(e.value)
    if issubclass(t, n.Variable):  # also Var, RVar and Param references
        return str(e.name)
    if t is n.Cast:
        return f"{e.type}({expr_to_str(e.value)})"
    if t in (n.Min, n.Max):
        return f"{'min' if t is n.Min else 'max'}({expr_to_str(e.a)}, {expr_to_str(e.b)})"
    if t in _BINOPS:
        return f"({expr_to_str(e.a)} {_BINOPS[t]} {expr_to_str(e.b)})"
    if t is n.Not:
        return f"!{expr_to_str(e.a)}"
    if t is n.BitNot:
        return f"~{expr_to_str(e.a)}"
    if t is n.Select:
        return f"select({expr_to_str(e.cond)}, {expr_to_str(e.true_value)}, {expr_to_str(e.false_value)})"
    if t is n.Call:
        element = f"[{e.value_index}]" if e.value_index else ""
        return f"{e.name}({', '.join(expr_to_str(a) for a in e.args)}){element}"
    if t is n.Load:
        return f"{e.buffer}[{expr_to_str(e.index)}]"
    if t is n.Ramp:
        return f"ramp({expr_to_str(e.base)}, {expr_to_str(e.stride)}, {e.lanes})"
    if t is n.Broadcast:
        return f"x{e.lanes}({expr_to_str(e.value)})"
    if t is n.Let:
        return f"(let {e.name} = {expr_to_str(e.value)} in {expr_to_str(e.body)})"
    if t is n.Call and e.call_type == n.INTRINSIC and not e.args:
        return f"{e.name}()"
    return f"<{t.__name__}>"


def stmt_to_str(s):
    lines = []
    _stmt(s, 0, lines)
    return "\n".join(lines)


def _stmt(s, depth, out):
    pad = "  " * depth
    t = type(s)
    if t is n.Block:
        for c in s.stmts:
            _stmt(c, depth, out)
    elif t is n.For:
        kind = "" if s.kind == n.SERIAL else f"{s.kind} "
        out.append(f"{pad}{kind}for ({s.name}, {expr_to_str(s.min)}, {expr_to_str(s.extent)}) {{")
        _stmt(s.body, depth + 1, out)
        out.append(pad + "}")
    elif t is n.LetStmt:
        out.append(f"{pad}let {s.name} = {expr_to_str(s.value)}")
        _stmt(s.body, depth, out)
    elif t is n.IfThenElse:
        out.append(f"{pad}if ({expr_to_str(s.cond)}) {{")
        _stmt(s.then_case, depth + 1, out)
        if s.else_case is not None:
            out.append(pad + "} else {")
            _stmt(s.else_case, depth + 1, out)
        out.append(pad + "}")
    elif t is n.Provide:
        values = ", ".join(expr_to_str(v) for v in s.values)
        out.append(f"{pad}{s.name}({', '.join(expr_to_str(a) for a in s.args)}) = "
                   f"{values if len(s.values) == 1 else f'({values})'}")
    elif t is n.Store:
        out.append(f"{pad}{s.buffer}[{expr_to_str(s.index)}] = {expr_to_str(s.value)}{f' (aligned {s.alignment})' if s.alignment else ''}")
    elif t is n.Realize:
        bounds = ", ".join(f"[{expr_to_str(m)}, {expr_to_str(e)}]" for m, e in s.bounds)
        out.append(f"{pad}realize {s.name}({bounds}) in {s.memory.value} {{")
        _stmt(s.body, depth + 1, out)
        out.append(pad + "}")
    elif t is n.Allocate:
        out.append(f"{pad}allocate {s.name}[{s.type} * {' * '.join(expr_to_str(e) for e in s.extents)}] in {s.memory.value}")
        _stmt(s.body, depth, out)
        out.append(f"{pad}free {s.name}")
    elif t is n.ProducerConsumer:
        out.append(f"{pad}{'produce' if s.is_producer else 'consume'} {s.name} {{")
        _stmt(s.body, depth + 1, out)
        out.append(pad + "}")
    elif t is n.Evaluate:
        out.append(f"{pad}{expr_to_str(s.value)}")
    elif t is n.Semaphore:
        out.append(f"{pad}semaphore {s.name} = {expr_to_str(s.count)}")
        _stmt(s.body, depth, out)
    elif t is n.Acquire:
        out.append(f"{pad}acquire({s.name}, {expr_to_str(s.count)})")
    elif t is n.Release:
        out.append(f"{pad}release({s.name}, {expr_to_str(s.count)})")
    elif t is n.Fork:
        out.append(f"{pad}fork {{")
        _stmt(s.first, depth + 1, out)
        out.append(f"{pad}}} and {{")
        _stmt(s.rest, depth + 1, out)
        out.append(pad + "}")
    elif t is n.DmaHandles:
        out.append(f"{pad}dma_handles {s.copy.func}[{s.count}] ({s.copy.backend})")
        _stmt(s.body, depth, out)
    elif t is n.DmaStart:
        region = ", ".join(f"[{expr_to_str(m)}, {expr_to_str(e)}]" for m, e in zip(s.mins, s.extents))
        c = s.copy
        arrow = f"{c.ddr} -> {c.local}" if c.direction == "read" else f"{c.local} -> {c.ddr}"
        part = f".{s.part}" if s.part else ""
        out.append(f"{pad}dma_start {c.func}[{expr_to_str(s.slot)}]{part} {c.backend} {arrow} ({region})")
    elif t is n.DmaWait:
        out.append(f"{pad}dma_wait {s.copy.func}[{expr_to_str(s.slot)}]")
    elif t is n.AssertStmt:
        out.append(f"{pad}assert({expr_to_str(s.cond)}, {s.code})")
    else:
        out.append(f"{pad}<{t.__name__}>")
