"""x86 instruction selection: vector IR rewritten into x86 intrinsics where the target's
features have an instruction that the C compiler does not find by itself, generic C vectors
everywhere else. Runs after vectorize_loops (and the passes that reshape its vectors).

Integer widening to twice the bits of a 128-bit vector (AVX2) or a 256-bit vector (AVX-512;
8-bit lanes need its BW subset) is one vpmovzx / vpmovsx: x86_widen. gcc 12 lowers
__builtin_convertvector of a 256-bit source to four instructions."""
from ..ir import nodes as n
from ..ir.intrinsics import X86_WIDEN, X86_WIDEN_INTRINSICS
from ..ir.visitor import Mutator
from ..lang.target import TargetFeature

# The features with each source width's widening instructions (Halide's feature names):
# AVX2; AVX-512 F for 16-bit lanes, with BW (the Skylake subset on) for 8-bit lanes.
_AVX2 = (TargetFeature("avx2"),)
_AVX512_BW = tuple(TargetFeature(f) for f in ("avx512_skylake", "avx512_cannonlake", "avx512_sapphirerapids",
                                              "avx512_zen4", "avx512_zen5"))
_AVX512_F = tuple(TargetFeature(f) for f in ("avx512", "avx512_knl")) + _AVX512_BW


class _Select(Mutator):
    def __init__(self, target):
        self.widths = set()  # (source bits per vector, source lane bits) the target widens in one instruction
        if target.features_any_of(_AVX2):
            self.widths |= {(128, 8), (128, 16)}
        if target.features_any_of(_AVX512_F):
            self.widths.add((256, 16))
        if target.features_any_of(_AVX512_BW):
            self.widths.add((256, 8))

    def visit_Cast(self, e):
        e = self.generic_visit(e)
        src, ty = e.value.type, e.type
        if (ty.lanes > 1 and ty.is_integer() and src.is_integer() and ty.bits == 2 * src.bits
                and (src.code, src.bits) in X86_WIDEN_INTRINSICS and (src.bits * src.lanes, src.bits) in self.widths):
            return n.Call(ty, X86_WIDEN, (e.value,), n.INTRINSIC)
        return e


def select_x86_instructions(stmt, ctx):
    if ctx.target.arch != "x86":
        return stmt
    return _Select(ctx.target).mutate(stmt)
