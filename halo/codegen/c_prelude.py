"""Small static inline helpers every generated C file starts with: halo's integer semantics
(floor division and modulo, x / 0 == 0, wrapping narrow arithmetic) and min / max / abs."""

_INT_TYPES = [("i8", "int8_t", "uint8_t"), ("i16", "int16_t", "uint16_t"), ("i32", "int32_t", "uint32_t"),
              ("i64", "int64_t", "uint64_t")]
_UINT_TYPES = [("u8", "uint8_t"), ("u16", "uint16_t"), ("u32", "uint32_t"), ("u64", "uint64_t")]
_FLOAT_TYPES = [("f32", "float"), ("f64", "double")]
_MATH = [f + s for f in ("floor", "ceil", "nearbyint", "sqrt", "exp", "log", "pow") for s in ("", "f")]


def prelude():
    out = ["#include <stdarg.h>", "#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>",
           # Freestanding (Hexagon) builds have no libc headers: the runtime defines memcpy / memset,
           # and the float intrinsics come from the compiler's builtins.
           "#ifdef HALO_FREESTANDING",
           "void *memcpy(void *dst, const void *src, size_t n);",
           "void *memset(void *dst, int c, size_t n);",
           *[f"#define {f} __builtin_{f}" for f in _MATH],
           "#else", "#include <string.h>", "#include <math.h>", "#endif",
           '#include "halo_ubwcdma.h"',
           '#include "halo_runtime.h"', "",
           "#define HALO_INLINE static inline __attribute__((always_inline, unused))",
           "#define HALO_UNUSED __attribute__((unused))",
           # a scalar loop left for the C compiler to vectorize: no dependences between iterations
           # (clang warns when a requested vectorization fails, so it gets no pragma)
           "#ifdef __clang__", "#define HALO_IVDEP", "#else",
           '#define HALO_IVDEP _Pragma("GCC ivdep")', "#endif",
           # HVX before v68 has no float or 64-bit lanes (see halo/lower/vectorize_loops.py)
           "#ifndef HALO_WIDE_VECTOR_LANES", "#ifdef __hexagon__", "#define HALO_WIDE_VECTOR_LANES 0", "#else",
           "#define HALO_WIDE_VECTOR_LANES 1", "#endif", "#endif", ""]
    for suffix, t, ut in _INT_TYPES:
        out += [
            f"HALO_INLINE {t} halo_div_{suffix}({t} a, {t} b) {{",
            "  if (b == 0) return 0;",
            # the one quotient that overflows (MIN / -1) wraps, as the rest of halo's arithmetic
            f"  if (b == -1) return ({t})(0u - ({ut})a);",
            f"  {t} q = ({t})(a / b), r = ({t})(a % b);",
            f"  return ({t})((r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q);",
            "}",
            f"HALO_INLINE {t} halo_mod_{suffix}({t} a, {t} b) {{",
            "  if (b == 0 || b == -1) return 0;",
            f"  {t} r = ({t})(a % b);",
            f"  return ({t})((r != 0 && ((r < 0) != (b < 0))) ? r + b : r);",
            "}",
            f"HALO_INLINE {ut} halo_abs_{suffix}({t} a) {{ return a < 0 ? ({ut})(0u - ({ut})a) : ({ut})a; }}",
            f"HALO_INLINE {ut} halo_absd_{suffix}({t} a, {t} b) {{ return a < b ? ({ut})(({ut})b - ({ut})a) : ({ut})(({ut})a - ({ut})b); }}",
        ]
    for suffix, t in _UINT_TYPES:
        out += [
            f"HALO_INLINE {t} halo_div_{suffix}({t} a, {t} b) {{ return b == 0 ? 0 : ({t})(a / b); }}",
            f"HALO_INLINE {t} halo_mod_{suffix}({t} a, {t} b) {{ return b == 0 ? 0 : ({t})(a % b); }}",
            f"HALO_INLINE {t} halo_abs_{suffix}({t} a) {{ return a; }}",
            f"HALO_INLINE {t} halo_absd_{suffix}({t} a, {t} b) {{ return a < b ? ({t})(b - a) : ({t})(a - b); }}",
        ]
    for suffix, t in _INT_TYPES_AND_UINT():
        out += [f"HALO_INLINE {t} halo_min_{suffix}({t} a, {t} b) {{ return a < b ? a : b; }}",
                f"HALO_INLINE {t} halo_max_{suffix}({t} a, {t} b) {{ return a > b ? a : b; }}"]
    for suffix, t in _FLOAT_TYPES:
        fn = "floorf" if t == "float" else "floor"
        out += [f"HALO_INLINE {t} halo_min_{suffix}({t} a, {t} b) {{ return a < b ? a : b; }}",
                f"HALO_INLINE {t} halo_max_{suffix}({t} a, {t} b) {{ return a > b ? a : b; }}",
                f"HALO_INLINE {t} halo_mod_{suffix}({t} a, {t} b) {{ return b == 0 ? 0 : a - b * {fn}(a / b); }}",
                f"HALO_INLINE {t} halo_abs_{suffix}({t} a) {{ return a < 0 ? -a : a; }}",
                f"HALO_INLINE {t} halo_absd_{suffix}({t} a, {t} b) {{ return a < b ? b - a : a - b; }}"]
    out += ["HALO_INLINE bool halo_min_b(bool a, bool b) { return a && b; }",
            "HALO_INLINE bool halo_max_b(bool a, bool b) { return a || b; }", ""]
    return "\n".join(out)


def _INT_TYPES_AND_UINT():
    return [(s, t) for s, t, _ in _INT_TYPES] + list(_UINT_TYPES)


def suffix(t):
    """The helper-name suffix of a halo Type."""
    if t.is_bool():
        return "b"
    return {"int": "i", "uint": "u", "float": "f"}[t.code] + str(t.bits)
