"""C for vector expressions: GCC / clang vector types (`__attribute__((vector_size(N)))`),
which clang lowers to HVX registers on Hexagon (128-byte vectors with -mhvx-length=128B) and
the host compiler to SSE / AVX / NEON.

Bool vectors are masks: signed integer lanes of all ones or zeros, as C vector comparisons give
them. A mask's lane width follows the values compared, and converts when it meets another width.
Operations with no vector form in C (integer division by a variable, float modulo, intrinsics,
gathers, scatters) apply the scalar helper lane by lane inside a small inline function; the
compiler unrolls and often vectorizes those too. Every helper is emitted once, on first use."""
from ..errors import InternalError, ScheduleError
from ..ir import nodes as n
from ..ir.names import Derived
from ..ir.intrinsics import (ALIGN_PAIR, ALIGNED_LOAD, C_MATH, DIV_BY_MULTIPLY, INTERLEAVE, INTERLEAVED, NARROW_INTERLEAVED, PRINT, PRINT_WHEN, ROTATE_LANES,
                              WIDEN_ADD_DEINTERLEAVED, WIDEN_DEINTERLEAVED, X86_WIDEN, X86_WIDEN_INTRINSICS)
from ..ir.types import Type
from .c_prelude import suffix

_CMP = {n.EQ: "==", n.NE: "!=", n.LT: "<", n.LE: "<=", n.GT: ">", n.GE: ">="}


LANE = Derived("halo", "lane")

def _lane(e, lane):
    """Lane `lane` (an int32 Variable) of the vector expression e as a scalar expression, or None
    when e reads a vector let (whose lanes have no scalar form here)."""
    t = type(e)
    if e.type.lanes == 1:
        return e
    if t is n.Ramp:
        return e.base + lane * e.stride
    if t is n.Broadcast:
        return e.value
    scalar = e.type.element_of()
    if t is n.Variable or t is n.Let:
        return None
    parts = {}
    for name in e.child_fields():
        v = getattr(e, name)
        if isinstance(v, n.Expr):
            v = _lane(v, lane)
            if v is None:
                return None
        elif isinstance(v, tuple):
            v = tuple(_lane(a, lane) for a in v)
            if any(a is None for a in v):
                return None
        parts[name] = v
    parts["type"] = scalar
    return e.with_(**parts)


def _elem_c(t):
    return t.element_of().c_name()


_HVX_ORDER = (WIDEN_DEINTERLEAVED, WIDEN_ADD_DEINTERLEAVED, NARROW_INTERLEAVED, INTERLEAVED)


class VectorEmitter:
    """Emits vector expressions for one generated file; `scalar` emits scalar sub-expressions and
    `names` maps IR names to C identifiers."""

    def __init__(self):
        self.definitions = []  # typedefs and helpers, in first-use order
        self._defined = set()
        self.mask_bits_of_var = {}  # vector Bool let names -> their mask lane width
        self.gathers = 0

    # ---- types and helpers ----
    def _define(self, key, text):
        if key not in self._defined:
            self._defined.add(key)
            self.definitions.append(text)

    def vtype(self, t):
        """The C vector type of a non-Bool vector Type."""
        name = f"halo_{suffix(t)}x{t.lanes}"
        self._define(name, f"typedef {_elem_c(t)} {name} __attribute__((vector_size({t.bytes() * t.lanes})));")
        return name

    def mtype(self, bits, lanes):
        """The mask type with `bits`-wide signed lanes."""
        name = f"halo_m{bits}x{lanes}"
        self._define(name, f"typedef int{bits}_t {name} __attribute__((vector_size({bits // 8 * lanes})));")
        return name

    def utype(self, t):
        """The unsigned vector type of t's lane width and count."""
        return self.vtype(Type("uint", t.bits, t.lanes))

    def _helper(self, name, text):
        self._define(name, text)
        return name

    def select_helper(self, t):
        tv, mv = self.vtype(t), self.mtype(t.bits, t.lanes)
        return self._helper(
            f"halo_vsel_{tv[5:]}",
            f"HALO_INLINE {tv} halo_vsel_{tv[5:]}({mv} m, {tv} a, {tv} b) {{ "
            f"return ({tv})((({mv})a & m) | (({mv})b & ~m)); }}")

    def _lanewise(self, key, ret, args, body):
        """A helper whose lane l of the result (halo Type `ret`) is `body` over its arguments:
        `args` are (C type, halo vector Type or None for a scalar); the body names vector
        argument k's lane as x{k}[l] and scalar argument k as a{k}. Lanes go through arrays,
        not vector element access, which clang-19's Hexagon backend miscompiles on vectors
        wider than one HVX register."""
        lanes = ret.lanes
        params = ", ".join(f"{ct} a{k}" for k, (ct, _) in enumerate(args))
        unpack = "".join(f"{_elem_c(t)} x{k}[{lanes}]; __builtin_memcpy(x{k}, &a{k}, sizeof x{k}); "
                         for k, (_, t) in enumerate(args) if t is not None)
        rv = self.vtype(ret)
        return self._helper(
            key,
            f"HALO_INLINE {rv} {key}({params}) {{ {unpack}{_elem_c(ret)} out[{lanes}]; "
            f"for (int l = 0; l < {lanes}; l++) out[l] = {body}; {rv} r; "
            f"__builtin_memcpy(&r, out, sizeof r); return r; }}")

    # ---- masks ----
    def mask_bits(self, e):
        t = type(e)
        if t in _CMP:
            return e.a.type.bits if not e.a.type.is_bool() else self.mask_bits(e.a)
        if t in (n.And, n.Or, n.BitAnd, n.BitOr, n.BitXor):
            return self.mask_bits(e.a)
        if t in (n.Not, n.BitNot):
            return self.mask_bits(e.a)
        if t is n.Cast:
            return self.mask_bits(e.value) if e.value.type.is_bool() else e.value.type.bits
        if t is n.Select:
            return self.mask_bits(e.true_value)
        if t is n.Variable:
            return self.mask_bits_of_var[e.name]
        if t is n.Let:
            return self.mask_bits(e.body)
        return 32  # Broadcast of a scalar Bool

    def mask(self, e, bits, fn):
        """e (a vector Bool) as a mask with `bits`-wide lanes."""
        text = fn.expr(e)
        have = self.mask_bits(e)
        if have == bits:
            return text
        return f"__builtin_convertvector({text}, {self.mtype(bits, e.type.lanes)})"

    def c_type(self, e):
        """The C type of a vector expression's value (a mask type for Bool vectors)."""
        if e.type.is_bool():
            return self.mtype(self.mask_bits(e), e.type.lanes)
        return self.vtype(e.type)

    # ---- expressions ----
    def expr(self, e, fn):
        return fn.expr(e)

    def text(self, e, fn):
        """The C text of vector expression `e` (its parts through fn.expr, which may name them)."""
        t = type(e)
        ty = e.type
        if t is n.Variable:
            return fn.names(e.name)
        if t is n.Broadcast:
            return self.broadcast(e, fn)
        if t is n.Ramp:
            tv = self.vtype(ty)
            iota = ", ".join(str(k) for k in range(ty.lanes))
            ut = self.utype(ty)
            us = Type("uint", ty.bits, 1).c_name()  # the lanes' own width: no narrowing conversion
            h = self._helper(f"halo_vramp_{tv[5:]}",
                             f"HALO_INLINE {tv} halo_vramp_{tv[5:]}(int32_t base, int32_t stride) {{ "
                             f"const {ut} iota = {{{iota}}}; "
                             f"return ({tv})((({ut}){{0}} + ({us})base) + iota * ({us})stride); }}")
            return f"{h}({fn.expr(e.base)}, {fn.expr(e.stride)})"
        if t is n.Cast:
            return self.cast(e, fn)
        if t in (n.Add, n.Sub, n.Mul):
            op = {n.Add: "+", n.Sub: "-", n.Mul: "*"}[t]
            a, b = self.expr(e.a, fn), self.expr(e.b, fn)
            if ty.is_int():
                # signed lanes would overflow in C; halo's integers wrap
                ut = self.utype(ty)
                return f"(({self.vtype(ty)})(({ut}){a} {op} ({ut}){b}))"
            return f"({a} {op} {b})"
        if t in (n.Div, n.Mod):
            return self.divmod(e, fn)
        if t in (n.Min, n.Max):
            a, b = self.expr(e.a, fn), self.expr(e.b, fn)
            sel = self.select_helper(ty)
            mv = self.mtype(ty.bits, ty.lanes)
            return f"({{ {self.vtype(ty)} _a = {a}, _b = {b}; {sel}(({mv})(_a {'<' if t is n.Min else '>'} _b), _a, _b); }})"
        if t in _CMP:
            if e.a.type.is_bool():
                bits = self.mask_bits(e.a)
                return f"({self.mask(e.a, bits, fn)} {_CMP[t]} {self.mask(e.b, bits, fn)})"
            # cast: the compilers disagree on the lane type of a 64-bit comparison's result
            return f"(({self.mtype(e.a.type.bits, ty.lanes)})({self.expr(e.a, fn)} {_CMP[t]} {self.expr(e.b, fn)}))"
        if t in (n.And, n.Or) or (t in (n.BitAnd, n.BitOr, n.BitXor) and ty.is_bool()):
            op = {n.And: "&", n.Or: "|", n.BitAnd: "&", n.BitOr: "|", n.BitXor: "^"}[t]
            bits = self.mask_bits(e.a)
            return f"({self.mask(e.a, bits, fn)} {op} {self.mask(e.b, bits, fn)})"
        if t in (n.Not, n.BitNot) and ty.is_bool():
            return f"(~{self.expr(e.a, fn)})"
        if t in (n.BitAnd, n.BitOr, n.BitXor):
            op = {n.BitAnd: "&", n.BitOr: "|", n.BitXor: "^"}[t]
            return f"({self.expr(e.a, fn)} {op} {self.expr(e.b, fn)})"
        if t is n.BitNot:
            return f"(~{self.expr(e.a, fn)})"
        if t in (n.Shl, n.Shr):
            tv = self.vtype(ty)
            a = self.expr(e.a, fn)
            b = self.expr(e.b, fn) if e.b.type == ty else f"__builtin_convertvector({self.expr(e.b, fn)}, {tv})"
            if t is n.Shr:
                return f"({a} >> {b})"
            ut = self.utype(ty)
            return f"(({tv})(({ut}){a} << ({ut}){b}))"
        if t is n.Select:
            if ty.is_bool():
                bits = self.mask_bits(e.true_value)
                m = self.mask(e.cond, bits, fn)
                a, b = self.mask(e.true_value, bits, fn), self.mask(e.false_value, bits, fn)
                return f"(({a} & {m}) | ({b} & ~{m}))"
            m = self.mask(e.cond, ty.bits, fn)
            return f"{self.select_helper(ty)}({m}, {self.expr(e.true_value, fn)}, {self.expr(e.false_value, fn)})"
        if t is n.Load:
            return self.load(e, fn)
        if t is n.Let:
            decl = self.declare(e.name, e.value, fn)
            return f"({{ {decl} {fn.scoped_expr(e.body, (e.name,))}; }})"
        if t is n.Call and e.call_type == "intrinsic":
            return self.intrinsic(e, fn)
        raise InternalError(f"cannot generate vector C for {e}")

    def declare(self, name, value, fn):
        """`const T name = value;` for a vector let."""
        if value.type.lanes == 1:
            return f"const {value.type.c_name()} {fn.names(name)} = {fn.expr(value)};"
        if value.type.is_bool():
            bits = self.mask_bits(value)
            self.mask_bits_of_var[name] = bits
            ct = self.mtype(bits, value.type.lanes)
        else:
            ct = self.vtype(value.type)
        return f"const {ct} {fn.names(name)} = {self.expr(value, fn)};"

    def broadcast(self, e, fn):
        v = fn.expr(e.value)
        if e.type.is_bool():
            mv = self.mtype(32, e.lanes)
            return f"(({mv}){{0}} - (int32_t)({v}))"
        tv = self.vtype(e.type)
        return f"(({tv}){{0}} + ({_elem_c(e.type)})({v}))"

    def cast(self, e, fn):
        ty, src = e.type, e.value.type
        if ty.is_bool():
            if src.is_bool():
                return self.expr(e.value, fn)
            return f"({self.expr(e.value, fn)} != 0)"
        tv = self.vtype(ty)
        if src.is_bool():
            return f"__builtin_convertvector({self.mask(e.value, 32, fn)} & 1, {tv})"
        if src == ty:
            return self.expr(e.value, fn)
        return f"__builtin_convertvector({self.expr(e.value, fn)}, {tv})"

    def x86_widen(self, e, fn):
        """One vpmovzx / vpmovsx (x86_instructions chose it for the target's features; gcc 12
        lowers __builtin_convertvector of a 256-bit source to two of them, an extract and an
        insert)."""
        self._define("halo_immintrin", "#include <immintrin.h>")
        src = e.args[0].type
        bits = src.bits * src.lanes
        name = X86_WIDEN_INTRINSICS[(src.code, src.bits)][bits == 256]
        return f"(({self.vtype(e.type)}){name}((__m{bits}i){self.expr(e.args[0], fn)}))"

    def divmod(self, e, fn):
        ty = e.type
        tv = self.vtype(ty)
        a, b = self.expr(e.a, fn), self.expr(e.b, fn)
        is_div = type(e) is n.Div
        if ty.is_float() and is_div:
            return f"({a} / {b})"
        const = e.b.value.value if type(e.b) is n.Broadcast and type(e.b.value) is n.IntImm else None
        if ty.is_integer() and const is not None and const > 0 and const & (const - 1) == 0:
            # a power of two: rounding down is an arithmetic shift, the floor modulo a mask
            if is_div:
                return f"({a} >> {const.bit_length() - 1})"
            return f"({a} & {const - 1})"
        if ty.is_integer() and const is not None and const > 0:
            if ty.is_uint():
                return f"({a} {'/' if is_div else '%'} {b})"
            # C truncates; halo rounds down: a negative remainder moves the quotient down one
            name = f"halo_v{'div' if is_div else 'mod'}_{tv[5:]}"
            # r >> (bits - 1) is -1 for a negative remainder: no vector comparison, whose masks
            # clang-19's Hexagon backend cannot select at 128 lanes of 32 bits
            neg = f"(r >> {ty.bits - 1})"
            body = f"q + {neg}" if is_div else f"r + (b & {neg})"
            h = self._helper(name, f"HALO_INLINE {tv} {name}({tv} a, {tv} b) {{ {tv} q = a / b; "
                                   f"{tv} r = a - q * b; return {body}; }}")
            return f"{h}({a}, {b})"
        scalar = f"halo_{'div' if is_div else 'mod'}_{suffix(ty)}"
        h = self._lanewise(f"halo_vl_{scalar}_{tv[5:]}", ty, [(tv, ty), (tv, ty)], f"{scalar}(x0[l], x1[l])")
        return f"{h}({a}, {b})"

    def interleave2(self, t, a, b):
        """Lanes a0 b0 a1 b1 ... of two vectors of `t` (one shuffle the compiler selects)."""
        half = t.lanes
        whole = self.vtype(t.with_lanes(2 * half))
        order = ", ".join(f"{l}, {l + half}" for l in range(half))
        h = self._helper(f"halo_vzip_{whole[5:]}",
                         f"HALO_INLINE {whole} halo_vzip_{whole[5:]}({self.vtype(t)} a, {self.vtype(t)} b) {{ "
                         f"return __builtin_shufflevector(a, b, {order}); }}")
        return f"{h}({a}, {b})"

    def intrinsic(self, e, fn):
        if e.name in (PRINT, PRINT_WHEN):
            raise ScheduleError(f"{e.name}({', '.join(map(str, e.args))}) is in a vectorized loop: halo prints "
                                f"scalars only; leave that loop unvectorized")
        at = e.args[0].type
        if e.name == INTERLEAVE:
            vs = [self.expr(a, fn) for a in e.args]
            if len(vs) == 2:
                return self.interleave2(at, *vs)
            # lane 4l + j of four vectors: zip (v0, v2) and (v1, v3), then zip those
            return self.interleave2(at.with_lanes(2 * at.lanes), self.interleave2(at, vs[0], vs[2]),
                                    self.interleave2(at, vs[1], vs[3]))
        if e.name == ROTATE_LANES:
            return f"{self.rotate_helper(e.type)}({self.expr(e.args[0], fn)}, {fn.expr(e.args[1])})"
        if e.name == ALIGNED_LOAD:
            return self.aligned_load(e.args[0], e.args[1].value, fn)
        if e.name == ALIGN_PAIR:
            return (f"{self.align_pair_helper(e.type, e.args[2].value)}"
                    f"({self.expr(e.args[0], fn)}, {self.expr(e.args[1], fn)})")
        if e.name == X86_WIDEN:
            return self.x86_widen(e, fn)
        if e.name == DIV_BY_MULTIPLY:
            return f"{self.div_by_multiply_helper(e)}({self.expr(e.args[0], fn)})"
        if e.name in _HVX_ORDER:
            return f"{self.hvx_order_helper(e)}({', '.join(self.expr(a, fn) for a in e.args)})"
        if e.name in ("abs", "absd"):
            scalar = f"halo_{e.name}_{suffix(at)}"
        else:
            scalar = C_MATH[e.name] + ("f" if at.bits == 32 else "")
        tv = self.vtype(e.type)
        arg_types = [(self.vtype(a.type), a.type) for a in e.args]
        lanes = ", ".join(f"x{k}[l]" for k in range(len(e.args)))
        h = self._lanewise(f"halo_vl_{scalar}_{tv[5:]}", e.type, arg_types, f"({_elem_c(e.type)}){scalar}({lanes})")
        return f"{h}({', '.join(self.expr(a, fn) for a in e.args)})"

    def div_by_multiply_helper(self, e):
        """(a * m) >> k of 16-bit lanes: per HVX vector one widening multiply (32-bit products,
        even lanes in the low vector) and one narrowing shift that puts the lanes back in order;
        elsewhere the same arithmetic on 32-bit lanes."""
        t = e.type
        m, k = (a.value for a in e.args[1:])
        tv, wide = self.vtype(t), self.vtype(t.with_bits(32))
        name = f"halo_div_by_multiply_{m}_{k}_{tv[5:]}"
        generic = f"return __builtin_convertvector((__builtin_convertvector(a, {wide}) * {m}u) >> {k}, {tv});"
        hvx = ""
        if t.bits == 16 and t.is_uint() and t.lanes * 2 % 128 == 0:
            self._hvx_types()
            step = "".join(
                f"  p = __builtin_HEXAGON_V6_vmpyuh_128B(v[{i}], {m * 0x10001}u);\n"
                f"  v[{i}] = __builtin_HEXAGON_V6_vasrwuhsat_128B(__builtin_HEXAGON_V6_hi_128B(p), "
                f"__builtin_HEXAGON_V6_lo_128B(p), {k});\n" for i in range(t.lanes * 2 // 128))
            hvx = (f"#if defined(__HVX__) && __HVX_LENGTH__ == 128\n"
                   f"  halo_hvx_v v[{t.lanes * 2 // 128}]; halo_hvx_w p; {tv} r;\n"
                   f"  __builtin_memcpy(v, &a, sizeof a);\n{step}"
                   f"  __builtin_memcpy(&r, v, sizeof r);\n  return r;\n#else\n")
        return self._helper(name, f"HALO_INLINE {tv} {name}({tv} a) {{\n{hvx}  {generic}\n"
                                  f"{'#endif' + chr(10) if hvx else ''}}}")

    def _hvx_types(self):
        self._define("halo_hvx_types", "typedef int32_t halo_hvx_v __attribute__((vector_size(128)));\n"
                                       "typedef int32_t halo_hvx_w __attribute__((vector_size(256)));")

    def rotate_helper(self, t):
        """rotate_lanes: one valign / vlalign of a 128-byte vector on HVX, else through memory."""
        self._hvx_types()
        tv, ct = self.vtype(t), _elem_c(t)
        name = f"halo_vrotate_{tv[5:]}"
        hvx = ""
        if t.bytes() * t.lanes == 128:
            hvx = (f"#if defined(__HVX__) && __HVX_LENGTH__ == 128\n"
                   f"  if (d >= 0) return ({tv})__builtin_HEXAGON_V6_valignb_128B((halo_hvx_v)v, (halo_hvx_v)v, "
                   f"d * {t.bytes()});\n"
                   f"  return ({tv})__builtin_HEXAGON_V6_vlalignb_128B((halo_hvx_v)v, (halo_hvx_v)v, -d * {t.bytes()});\n"
                   f"#endif\n")
        return self._helper(name, f"HALO_INLINE {tv} {name}({tv} v, int32_t d) {{\n{hvx}"
                                  f"  {ct} twice[{2 * t.lanes}]; {tv} r;\n"
                                  f"  __builtin_memcpy(twice, &v, sizeof v); __builtin_memcpy(twice + {t.lanes}, &v, sizeof v);\n"
                                  f"  __builtin_memcpy(&r, twice + (d < 0 ? d + {t.lanes} : d), sizeof r);\n"
                                  f"  return r;\n}}")

    def hvx_order_helper(self, e):
        """The helper of a lane-order intrinsic (halo.ir.intrinsics): one HVX instruction where
        the compiler targets 128-byte HVX, shuffles with the same result elsewhere."""
        name = e.name
        at, rt = e.args[0].type, e.type
        av, rv = self.vtype(at), self.vtype(rt)
        lanes = at.lanes
        self._hvx_types()
        evens_odds = ", ".join(str(k) for k in [*range(0, lanes, 2), *range(1, lanes, 2)])
        zipped = ", ".join(f"{k}, {k + lanes // 2}" for k in range(lanes // 2))
        params = ", ".join(f"{av} a{k}" for k in range(len(e.args)))
        if name == INTERLEAVED:
            hvx = ("halo_hvx_w w = (halo_hvx_w)a0; return (" + rv + ")__builtin_HEXAGON_V6_vshuffvdd_128B("
                   f"__builtin_HEXAGON_V6_hi_128B(w), __builtin_HEXAGON_V6_lo_128B(w), -{rt.bytes()});")
            generic = f"return __builtin_shufflevector(a0, a0, {zipped});"
        elif name == NARROW_INTERLEAVED:
            hvx = ("halo_hvx_w w = (halo_hvx_w)a0; return (" + rv + ")__builtin_HEXAGON_V6_vshuffeb_128B("
                   "__builtin_HEXAGON_V6_hi_128B(w), __builtin_HEXAGON_V6_lo_128B(w));")
            generic = f"{rv} t = __builtin_convertvector(a0, {rv}); return __builtin_shufflevector(t, t, {zipped});"
        else:
            widen = [f"__builtin_convertvector(__builtin_shufflevector(a{k}, a{k}, {evens_odds}), {rv})"
                     for k in range(len(e.args))]
            generic = f"return {' + '.join(widen)};"
            if name == WIDEN_DEINTERLEAVED:
                hvx = f"return ({rv})__builtin_HEXAGON_V6_vzb_128B((halo_hvx_v)a0);"
            else:
                hvx = f"return ({rv})__builtin_HEXAGON_V6_vaddubh_128B((halo_hvx_v)a0, (halo_hvx_v)a1);"
        helper = f"halo_{name}_{rv[5:]}"
        return self._helper(helper, f"HALO_INLINE {rv} {helper}({params}) {{\n"
                                    f"#if defined(__HVX__) && __HVX_LENGTH__ == 128\n  {hvx}\n"
                                    f"#else\n  {generic}\n#endif\n}}")

    # ---- memory ----
    def _dense(self, index):
        return type(index) is n.Ramp and type(index.stride) is n.IntImm and index.stride.value == 1

    def load(self, e, fn):
        tv = self.vtype(e.type)
        ct = _elem_c(e.type)
        host = fn.host(e.buffer)
        i = e.index
        if self._dense(i):
            h = self._helper(f"halo_vload_{tv[5:]}",
                             f"HALO_INLINE {tv} halo_vload_{tv[5:]}(const {ct} *p) {{ {tv} v; "
                             f"__builtin_memcpy(&v, p, sizeof v); return v; }}")
            return f"{h}({host} + {fn.expr(i.base)})"
        if type(i) is n.Ramp:
            h = self._lanewise(f"halo_vloads_{tv[5:]}", e.type, [(f"const {ct} *", None), ("int32_t", None)],
                               "a0[(int32_t)l * a1]")
            return f"{h}({host} + {fn.expr(i.base)}, {fn.expr(i.stride)})"
        lane_index = _lane(i, n.Variable(i.type.element_of(), LANE))
        if lane_index is not None:
            # Each lane's index in scalar code: no 32-bit index vectors, which clang-19's Hexagon
            # backend fails to select at 128 lanes.
            self.gathers += 1
            g, lv = f"_halo_g{self.gathers}", fn.names(LANE)
            if fn.can_hoist(e):  # the gather as statements before the line that uses it
                index = fn.scoped_expr(lane_index, (LANE,))
                fn.pre += [f"{tv} {g}v;",
                           f"{{ {ct} {g}[{e.type.lanes}];",
                           f"  for (int32_t {lv} = 0; {lv} < {e.type.lanes}; {lv}++)",
                           f"    {g}[{lv}] = {host}[{index}];",
                           f"  __builtin_memcpy(&{g}v, {g}, sizeof {g}v); }}"]
                return f"{g}v"
            return (f"({{ {ct} {g}[{e.type.lanes}]; for (int32_t {lv} = 0; {lv} < {e.type.lanes}; {lv}++) "
                    f"{g}[{lv}] = {host}[{fn.scoped_expr(lane_index, (LANE,))}]; {tv} {g}v; "
                    f"__builtin_memcpy(&{g}v, {g}, sizeof {g}v); "
                    f"{g}v; }})")
        iv = self.vtype(i.type)
        h = self._lanewise(f"halo_vgather_{tv[5:]}_{iv[5:]}", e.type, [(f"const {ct} *", None), (iv, i.type)],
                           "a0[x1[l]]")
        return f"{h}({host}, {self.expr(i, fn)})"

    def aligned_load(self, e, alignment, fn):
        """A dense load aligned_accesses proved aligned to `alignment` bytes: the compiler may use
        aligned vector loads (vmem instead of vmemu on HVX)."""
        tv, ct = self.vtype(e.type), _elem_c(e.type)
        name = f"halo_vload_aligned{alignment}_{tv[5:]}"
        h = self._helper(name, f"HALO_INLINE {tv} {name}(const {ct} *p) {{ {tv} v; "
                               f"__builtin_memcpy(&v, __builtin_assume_aligned(p, {alignment}), sizeof v); return v; }}")
        return f"{h}({fn.host(e.buffer)} + {fn.expr(e.index.base)})"

    def align_pair_helper(self, t, r):
        """Lanes r .. r + lanes - 1 of lo's lanes followed by hi's: one valign on HVX."""
        tv = self.vtype(t)
        name = f"halo_align_pair_{r}_{tv[5:]}"
        order = ", ".join(str(r + k) for k in range(t.lanes))
        hvx = ""
        if t.bytes() * t.lanes == 128:
            self._hvx_types()
            hvx = (f"#if defined(__HVX__) && __HVX_LENGTH__ == 128\n"
                   f"  return ({tv})__builtin_HEXAGON_V6_valignb_128B((halo_hvx_v)hi, (halo_hvx_v)lo, {r * t.bytes()});\n"
                   f"#else\n")
        return self._helper(name, f"HALO_INLINE {tv} {name}({tv} lo, {tv} hi) {{\n{hvx}"
                                  f"  return __builtin_shufflevector(lo, hi, {order});\n"
                                  f"{'#endif' + chr(10) if hvx else ''}}}")

    def store(self, s, fn):
        """The C statement for a vector Store."""
        t = s.value.type
        tv = self.vtype(t)
        ct = _elem_c(t)
        host = fn.host(s.buffer)
        i = s.index
        v = self.expr(s.value, fn)
        if self._dense(i) and s.alignment:
            name = f"halo_vstore_aligned{s.alignment}_{tv[5:]}"
            h = self._helper(name, f"HALO_INLINE void {name}({ct} *p, {tv} v) {{ "
                                   f"__builtin_memcpy(__builtin_assume_aligned(p, {s.alignment}), &v, sizeof v); }}")
            return f"{h}({host} + {fn.expr(i.base)}, {v});"
        if self._dense(i):
            h = self._helper(f"halo_vstore_{tv[5:]}",
                             f"HALO_INLINE void halo_vstore_{tv[5:]}({ct} *p, {tv} v) {{ "
                             f"__builtin_memcpy(p, &v, sizeof v); }}")
            return f"{h}({host} + {fn.expr(i.base)}, {v});"
        lanes = t.lanes
        if type(i) is n.Ramp:
            h = self._helper(f"halo_vstores_{tv[5:]}",
                             f"HALO_INLINE void halo_vstores_{tv[5:]}({ct} *p, int32_t s, {tv} v) {{ "
                             f"{ct} x[{lanes}]; __builtin_memcpy(x, &v, sizeof x); "
                             f"for (int l = 0; l < {lanes}; l++) p[(int32_t)l * s] = x[l]; }}")
            return f"{h}({host} + {fn.expr(i.base)}, {fn.expr(i.stride)}, {v});"
        iv = self.vtype(i.type)
        h = self._helper(f"halo_vscatter_{tv[5:]}_{iv[5:]}",
                         f"HALO_INLINE void halo_vscatter_{tv[5:]}_{iv[5:]}({ct} *p, {iv} i, {tv} v) {{ "
                         f"{ct} x[{lanes}]; int32_t k[{lanes}]; __builtin_memcpy(x, &v, sizeof x); "
                         f"__builtin_memcpy(k, &i, sizeof k); for (int l = 0; l < {lanes}; l++) p[k[l]] = x[l]; }}")
        return f"{h}({host}, {self.expr(i, fn)}, {v});"
