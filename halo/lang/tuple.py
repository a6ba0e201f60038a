"""Halide's Tuple: the several values of a multi-valued Func's definition,
`f[x, y] = hl.Tuple([a, b])` (a Python tuple or list does the same), and the reference
`f[x, y]` to such a Func, whose elements are read as `f[x, y][0]`, `f[x, y][1]`."""
from ..errors import DefinitionError
from ..ir import nodes as n
from .exprlike import ExprLike


class Tuple:
    def __init__(self, values):
        if isinstance(values, (Tuple, TupleRef)):
            values = values.elements()
        values = tuple(values)
        if not values:
            raise DefinitionError("hl.Tuple needs at least one element")
        self._values = values

    def elements(self):
        return self._values

    def __getitem__(self, i):
        return self._values[i]

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"Tuple({', '.join(map(str, self._values))})"


class TupleRef(ExprLike):
    """f[args] of a Tuple-valued Func: not an Expr itself (as in Halide), but each element is."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __getitem__(self, i):
        types = self.func.types()
        if not isinstance(i, int) or not 0 <= i < len(types):
            raise DefinitionError(
                f"Tuple index {i!r} out of range in reference to Func {self.func.name()}, which has "
                f"{len(types)} elements: use 0 to {len(types) - 1}")
        return n.Call(types[i], self.func.name(), self.args, n.FUNC, self.func, i)

    def elements(self):
        return tuple(self[i] for i in range(len(self.func.types())))

    def __len__(self):
        return len(self.func.types())

    def __halo_expr__(self):
        nm = self.func.name()
        raise DefinitionError(
            f"Can't convert a reference to Func {nm} to an Expr, because {nm} returns a Tuple of "
            f"{len(self.func.types())} values; read one element: {nm}[...][0]")


def tuple_values(value):
    """The values of a definition: a Tuple, a Python tuple / list, a reference to a Tuple-valued
    Func, or one value."""
    if isinstance(value, (Tuple, TupleRef)):
        return value.elements()
    if isinstance(value, (tuple, list)):
        return Tuple(value).elements()
    return (value,)
