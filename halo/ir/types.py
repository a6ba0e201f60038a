"""Scalar types: UInt/Int 8..64, Float 32/64, Bool; vectors carry a lane count.

halo's IR reads t.code, t.bits, t.lanes and e.type as attributes; Halide's bindings call them
(t.bits(), e.type()). Both work: the attributes are callable and return themselves."""
import enum
from dataclasses import dataclass

import numpy as np

_INT_BITS = (8, 16, 32, 64)


class TypeCode(enum.Enum):
    """Halide's Type.code() values (Bool is UInt of 1 bit there)."""
    Int = "int"
    UInt = "uint"
    Float = "float"
    Handle = "handle"


class _Count(int):
    """bits / lanes: an int, and t.bits() as in Halide's bindings."""
    __slots__ = ()

    def __call__(self):
        return int(self)


class _Code(str):
    """code: halo's name ("uint"), and t.code() as in Halide's bindings (a TypeCode)."""
    __slots__ = ()

    def __call__(self):
        return TypeCode("uint" if self == "bool" else str(self))


@dataclass(frozen=True)
class Type:
    """Type(code, bits, lanes=1); code is halo's name ("int") or a hl.TypeCode. Type() is
    Halide's default: a handle of 0 bits and 0 lanes."""
    code: str = None  # "int", "uint", "float", "bool", "handle"
    bits: int = 0
    lanes: int = None

    def __post_init__(self):
        if self.lanes is None:
            object.__setattr__(self, "lanes", 0 if self.code is None else 1)
        if self.code is None:
            object.__setattr__(self, "code", "handle")
        if isinstance(self.code, TypeCode):
            object.__setattr__(self, "code", self.code.value)
        object.__setattr__(self, "code", _Code(self.code))
        object.__setattr__(self, "bits", _Count(self.bits))
        object.__setattr__(self, "lanes", _Count(self.lanes))

    def __call__(self):
        """e.type() as in Halide's bindings (e.type is this Type)."""
        return self

    def is_int(self):
        return self.code == "int"

    def is_uint(self):
        return self.code == "uint"

    def is_float(self):
        return self.code == "float"

    def is_bool(self):
        return self.code == "bool"

    def is_integer(self):
        """int or uint (not bool)."""
        return self.code in ("int", "uint")

    def with_lanes(self, lanes):
        return Type(self.code, self.bits, lanes)

    def element_of(self):
        return self.with_lanes(1) if self.lanes != 1 else self

    def bytes(self):
        return 1 if self.code == "bool" else self.bits // 8

    def min_value(self):
        if self.code == "uint" or self.code == "bool":
            return 0
        if self.code == "int":
            return -(1 << (self.bits - 1))
        return float(np.finfo(self.numpy_dtype()).min)

    def max_value(self):
        if self.code == "bool":
            return 1
        if self.code == "uint":
            return (1 << self.bits) - 1
        if self.code == "int":
            return (1 << (self.bits - 1)) - 1
        return float(np.finfo(self.numpy_dtype()).max)

    def can_represent(self, value):
        """Whether this type holds `value` exactly; given a Type, every value of it (Halide's form)."""
        if isinstance(value, Type):
            if value.code == "float":
                return self.code == "float" and self.bits >= value.bits
            if self.code == "float":
                mantissa = 24 if self.bits == 32 else 53
                return value.bits - (value.code == "int") <= mantissa
            return self.can_represent(value.min_value()) and self.can_represent(value.max_value())
        if self.code == "float":
            return True
        if isinstance(value, float) and not value.is_integer():
            return False
        return self.min_value() <= value <= self.max_value()

    # ---- the rest of Halide's Type methods ----
    def is_vector(self):
        return self.lanes != 1

    def is_scalar(self):
        return self.lanes == 1

    def is_handle(self):
        return self.code == "handle"

    def same_handle_type(self, other):
        """halo's handles carry no C++ type: two handles are always the same kind."""
        return self.is_handle() and other.is_handle()

    def with_bits(self, bits):
        return Type("bool" if bits == 1 and self.code == "uint" else self.code, bits, self.lanes)

    def with_code(self, code):
        return Type(code.value if isinstance(code, TypeCode) else code, self.bits, self.lanes)

    def max(self):
        """The largest value as an Expr (infinity for floats, as in Halide)."""
        from .operators import const
        return const(float("inf") if self.code == "float" else self.max_value(), self)

    def min(self):
        """The smallest value as an Expr (minus infinity for floats, as in Halide)."""
        from .operators import const
        return const(float("-inf") if self.code == "float" else self.min_value(), self)

    def is_max(self, value):
        return value == (float("inf") if self.code == "float" else self.max_value())

    def is_min(self, value):
        return value == (float("-inf") if self.code == "float" else self.min_value())

    def numpy_dtype(self):
        if self.code == "bool":
            return np.dtype(np.bool_)
        return np.dtype({"int": "i", "uint": "u", "float": "f"}[self.code] + str(self.bits // 8))

    def c_name(self):
        if self.code == "bool":
            base = "bool"
        elif self.code == "float":
            base = "float" if self.bits == 32 else "double"
        elif self.code == "handle":
            base = "void *"
        else:
            base = f"{'u' if self.code == 'uint' else ''}int{self.bits}_t"
        return base

    def __str__(self):
        name = "bool" if self.code == "bool" else f"{self.code}{self.bits}"
        return name if self.lanes == 1 else f"{name}x{self.lanes}"

    def __repr__(self):
        return f"<halo.Type {self}>"


# halo_type_code_t of the runtime (halo_runtime.h); Bool is stored as a uint8 with 1 bit, as in Halide.
RUNTIME_TYPE_CODES = {"int": 0, "uint": 1, "float": 2, "handle": 3, "bool": 1}


def runtime_type(t):
    """(halo_type_code_t, bits) of a Type as the runtime's halo_type_t spells it."""
    return RUNTIME_TYPE_CODES[t.code], t.bits


def Int(bits=32, lanes=1):
    if bits not in _INT_BITS:
        raise ValueError(f"Int({bits}): bits must be one of {_INT_BITS}")
    return Type("int", bits, lanes)


def UInt(bits=32, lanes=1):
    if bits == 1:
        return Bool(lanes)
    if bits not in _INT_BITS:
        raise ValueError(f"UInt({bits}): bits must be one of {_INT_BITS}")
    return Type("uint", bits, lanes)


def Float(bits=32, lanes=1):
    if bits not in (32, 64):
        raise ValueError(f"Float({bits}): bits must be 32 or 64")
    return Type("float", bits, lanes)


def Bool(lanes=1):
    return Type("bool", 1, lanes)


def Handle(lanes=1):
    """An opaque pointer (Halide's Handle(): 64 bits)."""
    return Type("handle", 64, lanes)


def type_of_dtype(dtype):
    """The halo Type of a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return Bool()
    kind = {"i": "int", "u": "uint", "f": "float"}.get(dtype.kind)
    if kind is None or (kind == "float" and dtype.itemsize not in (4, 8)):
        raise TypeError(f"numpy dtype {dtype} has no halo type (use int/uint 8-64, float32/64 or bool)")
    return Type(kind, dtype.itemsize * 8)
