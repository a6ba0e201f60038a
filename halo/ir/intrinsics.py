"""The pure intrinsics a Call may name (call_type INTRINSIC), defined once."""

LIKELY = "likely"                               # likely(cond): the condition is usually true
WIDE_VECTOR_LANES = "halo_wide_vector_lanes"    # true where the C compiler vectorizes float / 64-bit lanes
ABS, ABSD = "abs", "absd"
PRINT, PRINT_WHEN = "print", "print_when"       # hl.print(value, ...), hl.print_when(cond, value, ...)
# The floating-point intrinsics and the C math function of each (float variants add "f").
C_MATH = {"floor": "floor", "ceil": "ceil", "round": "nearbyint", "sqrt": "sqrt", "exp": "exp", "log": "log",
          "pow": "pow"}
# interleave_vectors(v0, ..., vk-1): lane l * k + j of the result is lane l of vj (k = 2 or 4)
INTERLEAVE = "interleave_vectors"
