"""Building expressions with Halide's type rules.

- Same-type arithmetic stays in that type (and wraps for narrow and unsigned integers).
- A Python int or float next to an Expr takes the Expr's type (an int that does not fit is an
  error, as in Halide); a float next to an integer Expr makes both Float(32).
- Two Exprs of different types: float wins (the wider float); two integers of the same
  signedness widen to the wider; int with uint becomes int of the wider width.
"""
import math
import warnings

import numpy as np

from ..errors import TypeMismatchError
from . import nodes as n
from .types import Bool, Float, Int, Type

INT32 = Int(32)


def const(value, type_=None):
    """An immediate of `type_` (default Int(32) for ints, Float(32) for floats, Bool for bools)."""
    if isinstance(value, bool):
        return n.IntImm(type_ or Bool(), int(value))
    if type_ is None:
        type_ = Float(32) if isinstance(value, float) else INT32
    if type_.is_float():
        return n.FloatImm(type_, float(value))
    return n.IntImm(type_, wrap_int(int(value), type_))


def wrap_int(value, type_):
    if type_.is_bool():
        return 1 if value else 0
    if type_.code not in ("int", "uint"):
        return value
    mask = (1 << type_.bits) - 1
    value &= mask
    if type_.is_int() and value >> (type_.bits - 1):
        value -= 1 << type_.bits
    return value


def as_expr(value, like=None):
    """Turn a Python value into an Expr; `like` (an Expr) gives literals its type."""
    if isinstance(value, n.Expr):
        return value
    if hasattr(value, "__halo_expr__"):
        return value.__halo_expr__()
    if isinstance(value, bool):
        return const(value)
    if isinstance(value, int):
        if like is None:
            if not INT32.can_represent(value):
                return const(value, Int(64))
            return const(value)
        t = like.type
        if t.is_float():
            return const(float(value), t)
        if t.is_bool():
            return const(value, INT32)
        if not t.can_represent(value):
            raise TypeMismatchError(
                f"integer constant {value} does not fit in type {t} of the expression it is combined "
                f"with; cast one side explicitly (hl.cast(hl.{_ctor(t)}, ...))")
        return const(value, t)
    if isinstance(value, float):
        if like is not None and like.type.is_float():
            return const(value, like.type)
        return float_literal(value)
    raise TypeMismatchError(f"cannot use {value!r} of Python type {type(value).__name__} as a halo Expr")


def float_literal(value):
    """A Python float as a Float(32) Expr, with Halide's RuntimeWarning when that rounds it."""
    if not math.isnan(value) and float(np.float32(value)) != value:
        warnings.warn(f"The floating-point value {value!r} will be interpreted as a float32 by halo and lose "
                      f"precision; add an explicit `f32()` or `f64()` cast to avoid this warning.", RuntimeWarning,
                      stacklevel=4)
    return const(value, Float(32))


def _literal(v):
    """Whether `v` is a Python number that takes the type of the Expr it meets. An int beyond
    Int(32) does not: it is an Int(64) Expr (as in Halide's bindings)."""
    if isinstance(v, n.Expr) or hasattr(v, "__halo_expr__"):
        return False
    return not (isinstance(v, int) and not isinstance(v, bool) and not INT32.can_represent(v))


def _ctor(t):
    return {"int": f"Int({t.bits})", "uint": f"UInt({t.bits})", "float": f"Float({t.bits})",
            "bool": "Bool()"}.get(t.code, str(t))


def match_types(a, b):
    """Coerce two operands (Exprs or Python numbers) to a common type, as Halide does."""
    if _literal(a):
        b = as_expr(b)
        if isinstance(a, float) and not b.type.is_float():
            return float_literal(a), cast(Float(32), b)
        return as_expr(a, like=b), b
    a = as_expr(a)
    if _literal(b):
        if isinstance(b, float) and not a.type.is_float():
            return cast(Float(32), a), float_literal(b)
        return a, as_expr(b, like=a)
    b = as_expr(b)
    ta, tb = a.type, b.type
    if ta == tb:
        return a, b
    if ta.is_float() or tb.is_float():
        bits = max(t.bits for t in (ta, tb) if t.is_float())
        t = Float(bits)
    elif ta.is_bool() or tb.is_bool():
        t = tb if ta.is_bool() else ta
    elif ta.code == tb.code:
        t = Type(ta.code, max(ta.bits, tb.bits))
    else:
        t = Int(max(ta.bits, tb.bits))
    return cast(t, a), cast(t, b)


def cast(type_, value):
    value = as_expr(value)
    if value.type == type_:
        return value
    if isinstance(value, n.IntImm) and not type_.is_float():
        return const(value.value, type_)
    if isinstance(value, (n.IntImm, n.FloatImm)) and type_.is_float():
        return const(float(value.value), type_)
    if isinstance(value, n.FloatImm) and type_.is_integer():
        return const(int(math.trunc(value.value)), type_)
    return n.Cast(type_, value)


def _arith(cls, a, b):
    a, b = match_types(a, b)
    if a.type.is_bool() and cls not in (n.BitAnd, n.BitOr, n.BitXor, n.Min, n.Max):
        a, b = cast(INT32, a), cast(INT32, b)
    return cls(a.type, a, b)


def _compare(cls, a, b):
    a, b = match_types(a, b)
    return cls(Bool(), a, b)


def _logical(cls, a, b):
    a, b = as_expr(a), as_expr(b)
    for side in (a, b):
        if not side.type.is_bool():
            raise TypeMismatchError(
                f"logical {'and' if cls is n.And else 'or'} needs boolean operands, got {side.type} ({side}); "
                f"compare first, e.g. (x > 0)")
    return cls(Bool(), a, b)


def _bitwise(cls, a, b):
    a, b = match_types(a, b)
    if a.type.is_float():
        raise TypeMismatchError(f"bitwise operator on floating-point operands ({a}, {b}); use integers")
    if a.type.is_bool() and cls is n.BitAnd:
        return n.And(Bool(), a, b)
    if a.type.is_bool() and cls is n.BitOr:
        return n.Or(Bool(), a, b)
    return cls(a.type, a, b)


def _shift(cls, a, b):
    a = as_expr(a)
    b = as_expr(b, like=a)
    if not a.type.is_integer() or not b.type.is_integer():
        raise TypeMismatchError(f"shift needs integer operands, got {a.type} and {b.type}")
    return cls(a.type, a, cast(a.type, b) if b.type != a.type else b)


def add(a, b):
    return _arith(n.Add, a, b)


def sub(a, b):
    return _arith(n.Sub, a, b)


def mul(a, b):
    return _arith(n.Mul, a, b)


def div(a, b):
    return _arith(n.Div, a, b)


def mod(a, b):
    return _arith(n.Mod, a, b)


def floor_div(a, b):
    q = _arith(n.Div, a, b)
    return call_intrinsic("floor", q) if q.type.is_float() else q


def _function_operand(v):
    """An argument of min / max / absd: Halide's Python bindings turn a Python int into an
    Int(32) Expr and a float into a Float(32) one before the types are matched, so
    max(u16_value, 5) is an Int(32) (unlike u16_value + 5, which stays UInt(16))."""
    return as_expr(v)


def min_(a, b, *rest):
    out = _arith(n.Min, _function_operand(a), _function_operand(b))
    for r in rest:
        out = _arith(n.Min, out, _function_operand(r))
    return out


def max_(a, b, *rest):
    out = _arith(n.Max, _function_operand(a), _function_operand(b))
    for r in rest:
        out = _arith(n.Max, out, _function_operand(r))
    return out


def clamp(x, lo, hi):
    x = as_expr(x)
    return max_(min_(x, as_expr(hi, like=x)), as_expr(lo, like=x))


def select(cond, true_value, false_value, *more):
    """select(c, a, b) or select(c0, a0, c1, a1, ..., default)."""
    if more:
        if len(more) % 2:
            raise TypeMismatchError("select takes (cond, value) pairs followed by a default value")
        false_value = select(false_value, *more)
    cond = as_expr(cond)
    if not cond.type.is_bool():
        raise TypeMismatchError(f"select condition must be boolean, got {cond.type} ({cond})")
    t, f = match_types(true_value, false_value)
    return n.Select(t.type, cond, t, f)


def logical_not(a):
    a = as_expr(a)
    if not a.type.is_bool():
        raise TypeMismatchError(f"logical not needs a boolean operand, got {a.type}; use ~ for bitwise not")
    return n.Not(Bool(), a)


def call_intrinsic(name, *args, type_=None):
    args = tuple(as_expr(a) for a in args)
    return n.Call(type_ or args[0].type, name, args, n.INTRINSIC)


def abs_(x):
    """|x|; for signed integers the result is the unsigned type of the same width (as Halide)."""
    x = as_expr(x)
    t = Type("uint", x.type.bits) if x.type.is_int() else x.type
    return call_intrinsic("abs", x, type_=t)


def absd(a, b):
    """|a - b| without overflow; the result is unsigned for integer operands (as Halide)."""
    a, b = match_types(_function_operand(a), _function_operand(b))
    t = Type("uint", a.type.bits) if a.type.is_integer() else a.type
    return call_intrinsic("absd", a, b, type_=t)


def _float_intrinsic(name):
    def fn(x):
        x = as_expr(x)
        if not x.type.is_float():
            x = cast(Float(32), x)
        return call_intrinsic(name, x)
    fn.__name__ = name
    return fn


floor = _float_intrinsic("floor")
ceil = _float_intrinsic("ceil")
round_ = _float_intrinsic("round")
sqrt = _float_intrinsic("sqrt")
exp = _float_intrinsic("exp")
log = _float_intrinsic("log")


def pow_(x, y):
    """x to the power y in floating point, as Halide's pow: an integer x becomes Float(32), and y
    takes x's type."""
    x = as_expr(x)
    if not x.type.is_float():
        x = cast(Float(32), x)
    return call_intrinsic("pow", x, cast(x.type, as_expr(y, like=x)))


def _attach():
    E = n.Expr
    E.__add__ = lambda a, b: add(a, b)
    E.__radd__ = lambda a, b: add(b, a)
    E.__sub__ = lambda a, b: sub(a, b)
    E.__rsub__ = lambda a, b: sub(b, a)
    E.__mul__ = lambda a, b: mul(a, b)
    E.__rmul__ = lambda a, b: mul(b, a)
    E.__truediv__ = lambda a, b: div(a, b)
    E.__rtruediv__ = lambda a, b: div(b, a)
    E.__floordiv__ = lambda a, b: floor_div(a, b)
    E.__rfloordiv__ = lambda a, b: floor_div(b, a)
    E.__mod__ = lambda a, b: mod(a, b)
    E.__rmod__ = lambda a, b: mod(b, a)
    E.__neg__ = lambda a: sub(as_expr(0, like=a), a)
    E.__pos__ = lambda a: a
    E.__lt__ = lambda a, b: _compare(n.LT, a, b)
    E.__le__ = lambda a, b: _compare(n.LE, a, b)
    E.__gt__ = lambda a, b: _compare(n.GT, a, b)
    E.__ge__ = lambda a, b: _compare(n.GE, a, b)
    E.__eq__ = lambda a, b: _compare(n.EQ, a, b)
    E.__ne__ = lambda a, b: _compare(n.NE, a, b)
    E.__and__ = lambda a, b: _bitwise(n.BitAnd, a, b)
    E.__rand__ = lambda a, b: _bitwise(n.BitAnd, b, a)
    E.__or__ = lambda a, b: _bitwise(n.BitOr, a, b)
    E.__ror__ = lambda a, b: _bitwise(n.BitOr, b, a)
    E.__xor__ = lambda a, b: _bitwise(n.BitXor, a, b)
    E.__rxor__ = lambda a, b: _bitwise(n.BitXor, b, a)
    E.__lshift__ = lambda a, b: _shift(n.Shl, a, b)
    E.__rlshift__ = lambda a, b: _shift(n.Shl, as_expr(b, like=a), a)
    E.__rshift__ = lambda a, b: _shift(n.Shr, a, b)
    E.__rrshift__ = lambda a, b: _shift(n.Shr, as_expr(b, like=a), a)
    E.__invert__ = lambda a: n.Not(Bool(), a) if a.type.is_bool() else n.BitNot(a.type, a)
    E.__abs__ = lambda a: abs_(a)
    E.__pow__ = lambda a, b: pow_(a, b)
    E.__rpow__ = lambda a, b: pow_(b, a)


_attach()


def logical_and(a, b):
    return _logical(n.And, a, b)


n.Expr.logical_not = logical_not  # e.logical_not(), as Halide's bindings

def logical_or(a, b):
    return _logical(n.Or, a, b)


# ---- Halide's helpers: typed casts, saturating casts, lerp, mux ----
def _typed_cast(t):
    def fn(value):
        if isinstance(value, float) and t.is_float():
            return const(value, t)  # hl.f64(0.1) is the double 0.1, not a float32 widened
        return cast(t, as_expr(value))
    return fn


f32, f64 = _typed_cast(Float(32)), _typed_cast(Float(64))
u8, u16, u32, u64 = (_typed_cast(Type("uint", b)) for b in (8, 16, 32, 64))
i8, i16, i32, i64 = (_typed_cast(Int(b)) for b in (8, 16, 32, 64))


def _lossless(t, value):
    """const(value, t) when t holds `value` exactly, else None (Halide's lossless_cast of a constant)."""
    if t.is_float():
        return const(float(value), t) if float(t.numpy_dtype().type(value)) == value else None
    return const(value, t) if t.can_represent(value) else None


def saturating_cast(type_, value):
    """`value` cast to `type_`, clamped to its range first (Halide's saturating_cast)."""
    e = as_expr(value)
    if e.type == type_:
        return e
    if type_.is_float() and e.type.is_float():
        return cast(type_, e)  # clamping at +-infinity leaves every number as it is
    if e.type.is_float() and type_.bits >= e.type.bits:
        # the integer's max is not a float: compare against the float it rounds up to
        e = max_(e, const(type_.min_value(), e.type))
        return select(e >= const(float(type_.max_value()), e.type), const(type_.max_value(), type_), cast(type_, e))
    lo = None if e.type.is_uint() or e.type.is_bool() else _lossless(e.type, type_.min_value())
    hi = _lossless(e.type, type_.max_value())
    if lo is not None:
        e = max_(e, lo)
    if hi is not None:
        e = min_(e, hi)
    return cast(type_, e)


def _saturating(t):
    def fn(value):
        return saturating_cast(t, value)
    return fn


u8_sat, u16_sat, u32_sat, u64_sat = (_saturating(Type("uint", b)) for b in (8, 16, 32, 64))
i8_sat, i16_sat, i32_sat, i64_sat = (_saturating(Int(b)) for b in (8, 16, 32, 64))


def lerp(zero_val, one_val, weight):
    """zero_val * (1 - weight) + one_val * weight in zero_val's type, as Halide's lerp: an
    unsigned integer weight spans 0 to its type's max, a float one 0 to 1; integer results are
    computed in twice the width and rounded to nearest."""
    zero_val, one_val, weight = as_expr(zero_val), as_expr(one_val), as_expr(weight)
    # Halide lets a signed integer constant take the other value's type: lerp(0, u8_value, w)
    if isinstance(zero_val, n.IntImm) and zero_val.type.is_int():
        zero_val = cast(one_val.type, zero_val)
    if isinstance(one_val, n.IntImm) and one_val.type.is_int():
        one_val = cast(zero_val.type, one_val)
    if zero_val.type != one_val.type:
        raise TypeMismatchError(f"Can't lerp between {zero_val} of type {zero_val.type} and {one_val} of different "
                                f"type {one_val.type}; cast one of them")
    if not (weight.type.is_uint() or weight.type.is_float()):
        raise TypeMismatchError(f"A lerp weight must be an unsigned integer or a float, but lerp weight {weight} has "
                                f"type {weight.type}")
    rt = zero_val.type
    if rt.is_integer() and rt.bits == 64:
        raise TypeMismatchError("Lerping between 64-bit integers is not supported; cast the values to 32 bits or float")
    if not rt.is_float() and isinstance(weight, n.FloatImm) and not 0.0 <= weight.value <= 1.0:
        raise TypeMismatchError(f"Floating-point weight for lerp with integer arguments is {weight.value:g}, which is "
                                f"not in the range [0.0, 1.0]")
    if rt.is_bool():
        half = const(0.5, weight.type) if weight.type.is_float() else const(weight.type.max_value() // 2, weight.type)
        return select(weight > half, one_val, zero_val)
    ct = Type("uint", rt.bits) if rt.is_int() else rt
    bias = const(rt.min_value(), ct) if rt.is_int() else None
    if bias is not None:  # signed values are lerped as unsigned ones offset by the type's min
        zero_val, one_val = cast(ct, zero_val) - bias, cast(ct, one_val) - bias
    if ct.is_float():
        if weight.type.is_float():
            w = weight
        else:  # Halide's code generator divides by a float constant as a multiply by its reciprocal
            dtype = ct.numpy_dtype().type
            w = cast(ct, weight) * const(float(dtype(1) / dtype(2 ** weight.type.bits - 1)), ct)
        # zero * (1 - w) + one * w as Halide's simplifier leaves it (and LLVM, like the C compiler,
        # fuses the multiply-add); in the wider float type when the weight is float64
        wide = w.type if w.type.bits > ct.bits else ct
        zero_val, one_val = cast(wide, zero_val), cast(wide, one_val)
        result = cast(rt, zero_val + (one_val - zero_val) * w)
    else:
        if weight.type.is_float():
            if ct.bits == 32:
                w = cast(ct, cast(Float(64), weight) * const(65535.0 * 65537.0, Float(64)))
            else:
                w = cast(ct, const(float(ct.max_value()), weight.type) * weight)
        else:
            w = _rescaled_weight(weight, ct)
        inverse = cast(ct, const(ct.max_value(), ct) - w)
        wide = Type("uint", 2 * ct.bits)
        prod_sum = cast(wide, zero_val) * cast(wide, inverse) + cast(wide, one_val) * cast(wide, w)
        # a division by 2^bits - 1 rounded to nearest (Halide's x86 form; its other one is equal)
        result = cast(ct, (prod_sum + const(ct.max_value() // 2, wide)) / const(ct.max_value(), wide))
    return result if bias is None else cast(rt, result + bias)


def _rescaled_weight(weight, ct):
    """An unsigned weight of m bits as one of ct's n bits: times or divided by
    (2^m - 1) / (2^n - 1), a product of (2^k + 1) factors."""
    diff = weight.type.bits - ct.bits
    if diff == 0:
        return weight
    left, shift, factor = abs(diff), min(ct.bits, weight.type.bits), 1
    while left:
        factor += factor << shift
        left -= shift
        shift *= 2
    if diff < 0:
        return cast(ct, weight) * const(factor, ct)
    return cast(ct, weight / const(factor, weight.type))


def mux(index, values):
    """values[index], or the last value when index is out of range (Halide's mux)."""
    index = as_expr(index)
    values = [as_expr(v) for v in values]
    if not values:
        raise TypeMismatchError("mux() requires a non-empty vector of values")
    if any(v.type != values[0].type for v in values):
        raise TypeMismatchError(f"mux() requires all the values to have the same type; they are "
                                f"{', '.join(str(v.type) for v in values)}: cast them to one")
    args = []
    for i, v in enumerate(values[:-1]):
        args += [index == as_expr(i, like=index), v]
    return select(*args, values[-1]) if args else values[0]
