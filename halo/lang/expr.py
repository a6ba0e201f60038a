"""hl.Expr as Halide's bindings have it: hl.Expr(value) makes an Expr of a Python number, a Var
or anything that stands for one; hl.Expr() is the undefined Expr (a pair of them bounds
nothing in a boundary condition). isinstance(e, hl.Expr) holds for every halo Expr."""
from ..errors import DefinitionError
from ..ir import nodes as n
from ..ir.operators import as_expr


class UndefinedExpr:
    """Halide's undefined Expr: it has no value and takes part in no arithmetic."""

    __slots__ = ()

    def defined(self):
        return False

    def __halo_expr__(self):
        raise DefinitionError("an undefined hl.Expr() has no value; it only marks what is left out "
                              "(an unbounded dimension of a boundary condition)")

    def __repr__(self):
        return "<undefined halo.Expr>"


UNDEFINED = UndefinedExpr()


class _ExprMeta(type):
    def __call__(cls, value=UNDEFINED):
        return value if value is UNDEFINED else as_expr(value)

    def __instancecheck__(cls, obj):
        return isinstance(obj, n.Expr)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, n.Expr)


class Expr(metaclass=_ExprMeta):
    """hl.Expr(value) or hl.Expr()."""


def is_undefined(value):
    return value is UNDEFINED
