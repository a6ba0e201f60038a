"""Funcs made from one expression, as Halide's helpers: lambda_func(x, y, e) and evaluate(e)."""
import numpy as np

from ..errors import DefinitionError
from .func import Func
from .names import unique_name
from .var import Var


def lambda_func(*args):
    """A Func over the Vars given with the last argument as its definition: lambda_func(x, y, e)."""
    if not args:
        raise DefinitionError("lambda_func takes the Func's Vars and then its value: lambda_func(x, y, x + y)")
    *params, value = args
    for p in params:
        if not isinstance(p, Var):
            raise DefinitionError(f"lambda_func: the arguments before the value must be Vars, got {p!r}")
    f = Func(unique_name("lambda_"))
    f[tuple(params)] = value
    return f


def evaluate(value):
    """The value of an expression with no free Vars, computed by a compiled pipeline (as
    Halide's hl.evaluate), as a Python number; of a Tuple of them, a tuple of numbers."""
    f = Func(unique_name("evaluate_"))
    f[Var()] = value
    out = f.realize([1])
    if isinstance(out, tuple):
        return tuple(np.asarray(b)[0].item() for b in out)
    return out[0].item()
