"""Halide's Tuple: the several values of a multi-valued Func's definition,
`f[x, y] = hl.Tuple([a, b])` (a Python tuple or list does the same), and the reference
`f[x, y]` to such a Func, whose elements are read as `f[x, y][0]`, `f[x, y][1]`."""
from ..errors import DefinitionError, TypeMismatchError
from ..ir import nodes as n
from ..ir.operators import select as _select
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


def _is_tuple(v):
    return isinstance(v, (Tuple, TupleRef, tuple, list))


def select(*args):
    """Halide's select: select(c, a, b) or select(c0, a0, c1, a1, ..., default) of Exprs, or of
    Tuples element by element, with one condition for all elements or a Tuple of conditions."""
    if not any(_is_tuple(v) for v in args):
        return _select(*args)
    if len(args) < 3 or len(args) % 2 == 0:
        raise TypeMismatchError("select takes (cond, value) pairs followed by a default value")
    values = args[1::2] + (args[-1],)
    conds = args[0:-1:2]
    if len({_is_tuple(c) for c in conds}) > 1:
        raise DefinitionError("select() on Tuples may not mix Expr and Tuple for the condition elements.")
    if not all(_is_tuple(v) for v in values) or len({len(tuple_values(v)) for v in values}) > 1:
        raise DefinitionError("select() on Tuples requires all Tuples to have identical sizes.")
    size = len(tuple_values(values[0]))
    per_cond = [tuple_values(c) if _is_tuple(c) else (c,) * size for c in conds]
    if any(len(c) != size for c in per_cond):
        raise DefinitionError("select() on Tuples requires all Tuples to have identical sizes.")
    elems = [tuple_values(v) for v in values]
    out = []
    for i in range(size):
        pairs = [x for c, v in zip(per_cond, elems[:-1]) for x in (c[i], v[i])]
        out.append(_select(*pairs, elems[-1][i]))
    return Tuple(out)
