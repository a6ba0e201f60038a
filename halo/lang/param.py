"""Scalar parameters (Param) and input image parameters (ImageParam)."""
import numpy as np

from ..errors import DefinitionError, TypeMismatchError
from ..ir import nodes as n
from ..ir.operators import as_expr, cast
from ..ir.names import BufferField
from ..ir.types import Int, Type
from .exprlike import ExprLike
from .names import changed, user_name


class ParamRef(n.Variable):
    """The Variable a Param stands for, pointing back at the Param (definitions turn it into a
    plain Variable and record the Param, so lowering knows the pipeline's scalar arguments)."""

    __slots__ = ("param",)

    def __init__(self, param):
        object.__setattr__(self, "type", param.type())
        object.__setattr__(self, "name", param.name())
        object.__setattr__(self, "param", param)


class Param(ExprLike):
    """A scalar input of the pipeline: Param(hl.Int(32), "gain", 3)."""

    def __init__(self, type_, name=None, value=None):
        if not isinstance(type_, Type):
            raise DefinitionError(f"Param needs a halo type first (e.g. hl.Int(32)), got {type_!r}")
        self._type = type_
        self._name = user_name(name, "Param", "p")
        self._value = None
        if value is not None:
            self.set(value)

    def name(self):
        return self._name

    def type(self):
        return self._type

    def set(self, value):
        """The value the next realize uses: a bool for Bool, an integer the type can hold for
        integer types, any real number for floats (nothing is rounded or wrapped silently)."""
        t = self._type
        if t.is_bool():
            if not isinstance(value, (bool, np.bool_)):
                raise DefinitionError(f"Param {self._name} of type bool needs True or False, got {value!r}")
            value = bool(value)
        elif t.is_integer():
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise DefinitionError(f"Param {self._name} of type {t} needs an integer, got {value!r}")
            if not t.can_represent(int(value)):
                raise DefinitionError(f"Param {self._name} of type {t} cannot hold {value!r} "
                                      f"(its range is {t.min_value()} to {t.max_value()})")
            value = int(value)
        elif not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
            raise DefinitionError(f"Param {self._name} of type {t} needs a number, got {value!r}")
        self._value = value

    def get(self):
        return self._value

    def __halo_expr__(self):
        return ParamRef(self)


def host_alignment(value, who):
    """set_host_alignment's argument checked: a power of two number of bytes."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1 or value & (value - 1):
        raise DefinitionError(f"{who}.set_host_alignment needs a power of two number of bytes (1, 2, ..., 128), "
                              f"got {value!r}")
    changed()
    return int(value)


def default_constraints(dims):
    """Per dimension {"min", "extent", "stride"} -> Expr or None. Like Halide, halo assumes the
    innermost dimension is dense (stride 1) unless told otherwise with dim(0).set_stride(...)."""
    out = [{"min": None, "extent": None, "stride": None} for _ in range(dims)]
    if dims:
        out[0]["stride"] = n.IntImm(Int(32), 1)
    return out


class Dimension(ExprLike):
    """dim(i) of an ImageParam or of an output buffer: symbolic min, extent and stride, and
    Halide's setters that constrain them (checked when the pipeline runs)."""

    def __init__(self, buffer_name, index, constraints=None):
        self._buffer = buffer_name
        self._index = index
        self._constraints = constraints

    def _set(self, field, value):
        if self._constraints is None:
            raise DefinitionError(f"dim({self._index}) of {self._buffer} cannot be constrained")
        changed()
        if value is None:
            self._constraints[self._index][field] = None
            return self
        e = as_expr(value)
        if not e.type.is_integer():
            raise DefinitionError(f"{self._buffer}.dim({self._index}).set_{field} needs an integer, got {e.type}")
        self._constraints[self._index][field] = cast(Int(32), e)
        return self

    def set_min(self, value):
        return self._set("min", value)

    def set_extent(self, value):
        return self._set("extent", value)

    def set_stride(self, value):
        """set_stride(None) drops the default stride-1 assumption of dimension 0."""
        return self._set("stride", value)

    def set_bounds(self, min_, extent):
        self._set("min", min_)
        return self._set("extent", extent)

    def min(self):
        return n.Variable(Int(32), BufferField(self._buffer, "min", self._index))

    def extent(self):
        return n.Variable(Int(32), BufferField(self._buffer, "extent", self._index))

    def max(self):
        return self.min() + self.extent() - 1

    def stride(self):
        return n.Variable(Int(32), BufferField(self._buffer, "stride", self._index))

    def __halo_expr__(self):
        return self.extent()


def make_call(target, name, type_, dims, args, kind):
    """A call of an image or Func with Halide's argument rules: integer coordinates, right arity."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if dims is not None and len(args) != dims:
        raise DefinitionError(f"{kind} {name} has {dims} dimension(s) but is called with {len(args)} argument(s)")
    out = []
    for i, a in enumerate(args):
        try:
            e = as_expr(a)
        except TypeMismatchError as err:
            raise TypeMismatchError(f"argument {i} of the call to {kind} {name}: {err}") from None
        if not e.type.is_integer():
            raise DefinitionError(
                f'Implicit cast from {e.type} to int in argument {i + 1} in call to "{name}" is not allowed ({e}); '
                f"coordinates must be integers: "
                f"use hl.cast(hl.Int(32), ...)")
        if e.type != Int(32):
            e = cast(Int(32), e)
        out.append(e)
    return n.Call(type_, name, tuple(out), n.IMAGE, target)


class ImageParam:
    """An input image of the pipeline: ImageParam(hl.UInt(8), 2, "input"), set with .set(buffer)."""

    def __init__(self, type_, dimensions, name=None):
        if not isinstance(type_, Type):
            raise DefinitionError(f"ImageParam needs a halo type first (e.g. hl.UInt(8)), got {type_!r}")
        if isinstance(dimensions, bool) or not isinstance(dimensions, (int, np.integer)) or not 0 <= dimensions <= 16:
            raise DefinitionError(f"ImageParam {name or ''} needs a number of dimensions from 0 to 16, got "
                                  f"{dimensions!r}")
        self._type = type_
        self._dims = int(dimensions)
        self._name = user_name(name, "ImageParam", "input")
        self._buffer = None
        self._constraints = default_constraints(self._dims)
        self._host_alignment = 1

    def name(self):
        return self._name

    def type(self):
        return self._type

    def dimensions(self):
        return self._dims

    def dim(self, i):
        if not 0 <= i < self._dims:
            raise DefinitionError(f"ImageParam {self._name} has {self._dims} dimensions; dim({i}) does not exist")
        return Dimension(self._name, i, self._constraints)

    def constraints(self):
        return self._constraints

    def set_host_alignment(self, value):
        """Halide's: the host pointer of every buffer bound to this image is a multiple of
        `value` bytes (checked when the pipeline runs; halo's HVX loads use it)."""
        self._host_alignment = host_alignment(value, self._name)
        return self

    def host_alignment(self):
        return self._host_alignment

    def width(self):
        return self.dim(0).extent()

    def height(self):
        return self.dim(1).extent()

    def channels(self):
        return self.dim(2).extent()

    def in_(self, consumers=()):
        """A Func wrapping this image that `consumers` (a Func, a list, or every Func) call
        instead of it, as Halide's ImageParam.in_: the natural DMA copy of an input."""
        from .wrappers import wrapper
        return wrapper(self, list(consumers) if isinstance(consumers, (list, tuple)) else [consumers])

    def set(self, buffer):
        from .buffer import Buffer
        if not isinstance(buffer, Buffer):
            buffer = Buffer(buffer)
        if buffer.type() != self._type or buffer.dimensions() != self._dims:
            raise DefinitionError(
                f"ImageParam {self._name} is {self._type} with {self._dims} dimensions; the buffer given is "
                f"{buffer.type()} with {buffer.dimensions()}")
        self._buffer = buffer

    def get(self):
        return self._buffer

    def __getitem__(self, args):
        if not isinstance(args, tuple):
            args = (args,)
        return make_call(self, self._name, self._type, self._dims, args, "ImageParam")

    def __repr__(self):
        return f"<halo.ImageParam '{self._name}', dims: {self._dims}, type: {self._type}>"
