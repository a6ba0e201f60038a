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
# Lane orders of widened vectors (HVX widening instructions write the even lanes of their
# operand to the low half and the odd lanes to the high half; lane-wise arithmetic keeps it):
# widen_deinterleaved(a): a's unsigned lanes zero-extended to twice the bits, even lanes first,
# then odd; widen_add_deinterleaved(a, b): widen_deinterleaved(a) + widen_deinterleaved(b);
# narrow_interleaved(v): v, in that order, truncated to half the bits, back in lane order.
WIDEN_DEINTERLEAVED = "widen_deinterleaved"
WIDEN_ADD_DEINTERLEAVED = "widen_add_deinterleaved"
NARROW_INTERLEAVED = "narrow_interleaved"
# interleaved(v): v, in that order, back in lane order (same type)
INTERLEAVED = "interleaved"
# host_aligned("buffer", n): the buffer's host pointer is a multiple of n bytes (set_host_alignment)
HOST_ALIGNED = "host_aligned"
# aligned_load(load, bytes): the vector load's address is a multiple of bytes (aligned_accesses proved it)
ALIGNED_LOAD = "aligned_load"
# align_pair(lo, hi, r): lanes r .. r + lanes - 1 of lo's lanes followed by hi's (HVX valign)
ALIGN_PAIR = "align_pair"
# div_by_multiply(a, m, k): (a * m) >> k in 32-bit arithmetic, in a's type; hvx_instructions
# writes an unsigned 16-bit a / d this way only where it has proved the two equal on a's range
DIV_BY_MULTIPLY = "div_by_multiply"
# rotate_lanes(v, d), |d| < lanes: lane i is lane (i + d) mod lanes of v
ROTATE_LANES = "rotate_lanes"
# x86_widen(a): a's integer lanes sign- or zero-extended (by a's type) to the call's type, of
# twice the bits; x86_instructions writes it where the target has the instruction: the AVX2
# (128-bit a) and AVX-512 (256-bit a) intrinsic of each (a's type code, a's bits)
X86_WIDEN = "x86_widen"
X86_WIDEN_INTRINSICS = {("uint", 8): ("_mm256_cvtepu8_epi16", "_mm512_cvtepu8_epi16"),
                        ("int", 8): ("_mm256_cvtepi8_epi16", "_mm512_cvtepi8_epi16"),
                        ("uint", 16): ("_mm256_cvtepu16_epi32", "_mm512_cvtepu16_epi32"),
                        ("int", 16): ("_mm256_cvtepi16_epi32", "_mm512_cvtepi16_epi32")}
