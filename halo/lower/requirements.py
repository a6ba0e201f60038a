"""What the pipeline asserts about its buffers before anything runs, and the tail each split
gets. Everything lowered after these assertions may assume them (Halide does the same with the
constraints it checks): they are facts for the simplifier and for every isl question.

Declared constraints (dim(i).set_stride / set_min / set_extent on inputs and outputs): a field
with a constant value is that constant for the rest of the pipeline (constant strides make dense
vector accesses, constant extents constant local buffers).

Schedule requirements:
A ShiftInwards split (the default for a pure dimension of an output: vectorize, tile and split)
shifts its last tile back so it ends at the buffer's end; that stays inside the buffer only when
the extent is at least the tile. Halide leaves this to its output bounds check; halo states it as
a requirement that names the directive, asserts it at the top of the pipeline (buffer_checks),
and lowers everything after that assertion under it: the simplifier and every isl problem take
the requirements as facts, so the small-image special cases (min(0, extent - 32), ...) vanish.
"""
from dataclasses import dataclass
from functools import lru_cache

from ..ir import nodes as n
from ..ir.names import BufferField
from ..ir.types import Bool, Int
from ..lang.schedule import TailStrategy

_I32 = Int(32)
_BOOL = Bool()


def tail_strategy(split, definition, old_extent_const, parallel_outer, guard_tails):
    """The tail a split gets: its own, or for Auto the one Halide would choose."""
    if split.tail is not TailStrategy.Auto:
        return split.tail
    factor = split.factor.value if type(split.factor) is n.IntImm else None
    if old_extent_const is not None and factor is not None and old_extent_const % factor == 0:
        return TailStrategy.RoundUp
    # ShiftInwards makes the last tile overlap the one before; when the tiles are parallel
    # tasks that is two threads writing the same points (a data race, however benign).
    # In DMA pipelines a shifted last tile would also overlap its neighbour's fold slot and DMA
    # region, so outputs there guard their last tile instead.
    if definition.index == 0 and not parallel_outer and not guard_tails:
        return TailStrategy.ShiftInwards
    return TailStrategy.GuardWithIf


def is_parallel_outer(definition, split):
    return any(dim.var == split.outer and dim.kind == n.PARALLEL for dim in definition.dims)


@dataclass(frozen=True)
class Requirement:
    """Output `func` needs extent >= `minimum` in dimension `dim`, because of `directive`.
    `offset` is where the shifted first tile would start, relative to the buffer's min, in
    terms of the extent (the message's "accessed at", evaluated only when the check fails)."""
    func: str
    dim: int
    minimum: int
    directive: str
    offset: n.Expr

    @property
    def extent(self):
        return BufferField(self.func, "extent", self.dim)

    @property
    def condition(self):
        return n.GE(_BOOL, n.Variable(_I32, self.extent), n.IntImm(_I32, self.minimum))


@dataclass(frozen=True)
class _Chain:
    """A loop variable of an output as seen from buffer dimension `dim`: its extent (an Expr of
    the buffer's extent), the smallest buffer extent that gives it extent m, and the buffer
    offset of its point `off` (both as functions)."""
    dim: int
    extent: n.Expr
    needs: object      # m -> smallest buffer extent
    to_buffer: object  # offset Expr of this variable -> offset Expr in the buffer


def _stage_requirements(func, definition, args, guard):
    extent = lambda i: n.Variable(_I32, BufferField(func, "extent", i))
    chains = {v: _Chain(i, extent(i), lambda m: m, lambda off: off) for i, v in enumerate(args)}
    out = []
    for s in definition.splits:
        if s.is_rename:
            chains[s.outer] = chains.pop(s.old, None)
            continue
        if s.is_fuse:
            chains.pop(s.inner, None), chains.pop(s.outer, None)
            chains[s.old] = None
            continue
        parent = chains.pop(s.old, None)
        chains[s.inner] = None  # a constant extent: nothing asked of the buffer
        chains[s.outer] = None
        if parent is None or type(s.factor) is not n.IntImm:
            continue
        f = s.factor.value
        chains[s.outer] = _Chain(
            parent.dim, n.Div(_I32, n.Add(_I32, parent.extent, n.IntImm(_I32, f - 1)), n.IntImm(_I32, f)),
            lambda m, p=parent, f=f: p.needs((m - 1) * f + 1),
            lambda off, p=parent, f=f: p.to_buffer(n.Mul(_I32, off, n.IntImm(_I32, f))))
        tail = tail_strategy(s, definition, None, is_parallel_outer(definition, s), guard)
        if tail is TailStrategy.ShiftInwards and f > 1:
            offset = parent.to_buffer(n.Sub(_I32, parent.extent, n.IntImm(_I32, f)))
            out.append(Requirement(func, parent.dim, parent.needs(f), f"{func}.{s.directive}", offset))
    return out


@dataclass(frozen=True)
class Constraint:
    """Buffer `buffer`'s `field` in dimension `dim` must be `value` (an Expr)."""
    buffer: str
    field: str
    dim: int
    value: n.Expr
    directive: str = None  # what asks for it, when not a dim(i).set_* declaration

    @property
    def symbol(self):
        return BufferField(self.buffer, self.field, self.dim)

    @property
    def condition(self):
        return n.EQ(_BOOL, n.Variable(_I32, self.symbol), self.value)

    @property
    def is_constant(self):
        return type(self.value) is n.IntImm


@lru_cache(maxsize=64)
def constraints(env):
    """The declared constraints of every input and output buffer. An output's bound(v, min,
    extent) is its buffer's region in that dimension (Halide: the bounds must cover the region
    the output is asked for, and the buffer must hold what the bounds compute)."""
    buffers = [(nm, img.constraints) for nm, img in env.pipeline.images.items()]
    buffers += [(o, env.function(o).output_constraints) for o in env.pipeline.outputs]
    # a Tuple output's other elements' buffers (its first is the Func's own fields) have the same layout
    buffers += [(b, env.function(o).output_constraints) for o in env.pipeline.outputs
                for b, _ in env.function(o).buffers()[1:]]
    out = [Constraint(nm, field, d, c[field])
           for nm, cs in buffers for d, c in enumerate(cs)
           for field in ("stride", "min", "extent") if c[field] is not None]
    declared = {(c.buffer, c.field, c.dim) for c in out}
    for o in env.pipeline.outputs:
        f = env.function(o)
        for v, mn, ext in f.bounds:
            d = f.args.index(v)
            directive = f"{o}.bound({v}, {mn}, {ext})"
            for field, value in (("min", mn), ("extent", ext)):
                if (o, field, d) not in declared:
                    out.append(Constraint(o, field, d, value, directive))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class BoundCover:
    """An output's bound(v, min, extent) covers the region asked of it (from lo to hi), checked
    first with Halide's message; halo then requires the buffer to be exactly that region."""
    func: str
    var: str
    min: n.Expr
    max: n.Expr
    lo: n.Expr
    hi: n.Expr

    @property
    def condition(self):
        return n.And(_BOOL, n.LE(_BOOL, self.min, self.lo), n.GE(_BOOL, self.max, self.hi))


@lru_cache(maxsize=64)
def bound_covers(env):
    one = n.IntImm(_I32, 1)
    out = []
    for o in env.pipeline.outputs:
        f = env.function(o)
        for v, mn, ext in f.bounds:
            d = f.args.index(v)
            lo = n.Variable(_I32, BufferField(o, "min", d))
            hi = n.Sub(_I32, n.Add(_I32, lo, n.Variable(_I32, BufferField(o, "extent", d))), one)
            out.append(BoundCover(o, v, mn, n.Sub(_I32, n.Add(_I32, mn, ext), one), lo, hi))
    return tuple(out)


def facts(env):
    """The conditions lowering assumes: the requirements, the bounds' covers and the constant
    constraints."""
    return [r.condition for r in requirements(env)] + [b.condition for b in bound_covers(env)] + \
        [c.condition for c in constraints(env) if c.is_constant]


@lru_cache(maxsize=64)
def requirements(env):
    """The requirements of every output of the pipeline, the strongest per buffer dimension."""
    strongest = {}
    for o in env.pipeline.outputs:
        f = env.function(o)
        for d in env.definitions[o]:
            for r in _stage_requirements(o, d, f.args, o in env.guard_tails):
                old = strongest.get((o, r.dim))
                if old is None or r.minimum > old.minimum:
                    strongest[(o, r.dim)] = r
    return tuple(strongest[k] for k in sorted(strongest))
