"""Aligned vector loads and stores on HVX. An unaligned HVX load (vmemu) occupies the permute
unit as well as a load slot, so the neighbours of a stencil (x - 1, x, x + 1) cost a permute each
whether they are loaded or built with valign. Where the buffer's alignment and the index's
remainder (ir.modulus) are known, a load of one HVX vector at element b, b = r mod lanes, becomes

    r == 0: aligned_load(buffer[ramp(b, 1, L)], 128)
    r != 0: align_pair(aligned_load(buffer[ramp(b - r, 1, L)], 128),
                       aligned_load(buffer[ramp(b - r + L, 1, L)], 128), r)

so the three neighbours of one row read two aligned vectors (shared by cse) and two valigns;
each aligned vector holds an element the original load reads, so it never leaves the pages the
program may read (Halide's argument for the same rewrite). Loads of several whole vectors (a
uint16 vector of 128 lanes) at r == 0 are aligned loads too, and stores at r == 0 are marked
aligned (an aligned store takes its value from the same packet).

Buffers this pipeline allocates are 128-byte aligned (halo_malloc, local memory granules, stack
arrays); inputs and outputs as set_host_alignment declares (checked when the pipeline runs).
Loop variables say nothing about their remainder; the steady state of a vectorized loop
(partition_loops splits the shifted last vector off on HVX where it reads or writes an input or
output) indexes at vector * L, which is what makes the remainder known. Runs after vectorize_loops and hvx_instructions (whose
analyses read plain loads); HVX targets only."""
from ..ir import nodes as n
from ..ir.intrinsics import ALIGN_PAIR, ALIGNED_LOAD
from ..ir.modulus import modulus_remainder
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import Mutator
from ..lang.buffer import HOST_ALIGNMENT

_I32 = Int(32)


def _call(t, name, *args):
    return n.Call(t, name, args, n.INTRINSIC)


class _Align(Mutator):
    def __init__(self, vector_bytes, aligned):
        self.vector_bytes = vector_bytes
        self.aligned = dict(aligned)  # buffer -> bytes its host pointer is a multiple of
        self.scope = {}               # let name -> (modulus, remainder) of its value

    def visit_Allocate(self, s):
        self.aligned[s.name] = HOST_ALIGNMENT
        return self.generic_visit(s)

    def _scoped(self, name, value, body):
        """`body` mutated with `name` bound to the remainder of `value` (None: unknown). The
        memo of mutated expressions belongs to one scope: a name bound again (an unrolled
        loop's lets) changes what the same expression means."""
        outer, memo = self.scope.pop(name, None), self.__dict__.pop("_memo", None)
        if value is not None:
            self.scope[name] = modulus_remainder(value, self.scope)
        out = self.mutate(body)
        self.scope.pop(name, None)
        if outer is not None:
            self.scope[name] = outer
        self._memo = {} if memo is None else memo
        return out

    def visit_LetStmt(self, s):
        value = self.mutate(s.value)
        return s.with_(value=value, body=self._scoped(s.name, value, s.body))

    def visit_Let(self, e):
        value = self.mutate(e.value)
        return e.with_(value=value, body=self._scoped(e.name, value, e.body))

    def visit_For(self, s):
        return s.with_(min=self.mutate(s.min), extent=self.mutate(s.extent), body=self._scoped(s.name, None, s.body))

    def _lanes_off(self, buffer, index, t):
        """How many lanes past an aligned vector a dense access of whole HVX vectors starts,
        or None."""
        size = t.bytes()
        if (type(index) is not n.Ramp or type(index.stride) is not n.IntImm or index.stride.value != 1
                or size * t.lanes % self.vector_bytes or self.aligned.get(buffer, 1) < self.vector_bytes):
            return None
        m, r = modulus_remainder(index.base, self.scope)
        per_vector = self.vector_bytes // size
        return None if m * size % self.vector_bytes else r % per_vector

    def _aligned(self, load):
        return _call(load.type, ALIGNED_LOAD, load, n.IntImm(_I32, self.vector_bytes))

    def visit_Store(self, s):
        s = self.generic_visit(s)
        return s.with_(alignment=self.vector_bytes) if self._lanes_off(s.buffer, s.index, s.value.type) == 0 else s

    def visit_Load(self, e):
        e = self.generic_visit(e)
        index, t, lanes = e.index, e.type, e.type.lanes
        r = self._lanes_off(e.buffer, index, t)
        if r is None:
            return e
        if r == 0:
            return self._aligned(e)
        if t.bytes() * lanes != self.vector_bytes:  # valign pairs of one vector each only
            return e

        def block(offset):
            start = simplify(n.Add(_I32, index.base, n.IntImm(_I32, offset)))
            return self._aligned(e.with_(index=index.with_(base=start)))
        return _call(t, ALIGN_PAIR, block(-r), block(lanes - r), n.IntImm(_I32, r))


def aligned_accesses(stmt, ctx):
    target = ctx.target
    if target.arch != "hexagon" or not target.hvx_bytes:
        return stmt
    aligned = {nm: img.host_alignment for nm, img in ctx.pipeline.images.items()}
    for o in ctx.pipeline.outputs:
        f = ctx.env.function(o)
        aligned.update((b, f.host_alignment) for b, _ in f.buffers())
    return _Align(target.hvx_bytes, aligned).mutate(stmt)
