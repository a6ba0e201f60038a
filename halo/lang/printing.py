"""hl.print and hl.print_when, as Halide's: an Expr whose value is its first argument and which,
each time it is evaluated (when the condition holds, for print_when), prints its arguments
joined by spaces on one line: integers in decimal, floats as printf's %f, strings as they are.
The pipeline's lines go to Python's sys.stdout after each call, as Halide's JIT prints them."""
from ..errors import DefinitionError
from ..ir import nodes as n
from ..ir.intrinsics import PRINT, PRINT_WHEN
from ..ir.operators import as_expr
from ..ir.types import Type


def _args(args, what):
    out = []
    for a in args:
        if isinstance(a, str):
            out.append(n.StringImm(Type("handle", 64), a))
        else:
            out.append(as_expr(a))
    if not out or isinstance(out[0], n.StringImm):
        raise DefinitionError(f"hl.{what} needs a value first (the Expr it returns), then what to print with it; "
                              f"e.g. hl.{what}(x * 2, \"is twice\", x)")
    return out


def print_(*args):
    """hl.print(value, ...): `value`, printing value and the rest each time it is evaluated."""
    args = _args(args, "print")
    return n.Call(args[0].type, PRINT, tuple(args), n.INTRINSIC)


def print_when(condition, *args):
    """hl.print_when(cond, value, ...): `value`, printing as hl.print does where `cond` holds."""
    cond = as_expr(condition)
    if not cond.type.is_bool():
        raise DefinitionError(f"hl.print_when needs a boolean condition first, got {cond.type} ({cond})")
    args = _args(args, "print_when")
    return n.Call(args[0].type, PRINT_WHEN, (cond, *args), n.INTRINSIC)
