"""A mixin that lets objects which stand for an Expr (Param, RDom, dimensions of images) take
part in arithmetic directly, as they do in Halide."""


import abc


class ExprLike(abc.ABC):
    @abc.abstractmethod
    def __halo_expr__(self):
        """The Expr this object stands for."""


def _binary(name):
    def fwd(self, other):
        return getattr(self.__halo_expr__(), name)(other)
    fwd.__name__ = name
    return fwd


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
              "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__lt__", "__le__",
              "__gt__", "__ge__", "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
              "__lshift__", "__rshift__", "__pow__", "__rpow__"):
    setattr(ExprLike, _name, _binary(_name))
ExprLike.__neg__ = lambda self: -self.__halo_expr__()
ExprLike.__invert__ = lambda self: ~self.__halo_expr__()
