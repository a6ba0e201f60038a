"""Storage flattening: multi-dimensional Realize / Provide / Call become one-dimensional
Allocate / Store / Load with explicit strides. Storage order, alignment and folds come from the
Realize's storage: align_storage rounds a dimension's min down and its extent up to the
alignment, a folded dimension is stored modulo its factor. A Tuple-valued Func gets one buffer per
element over the same region. Local memory is sized by the largest
extent isl proved (so the capacity is checked at compile time); an extent with no constant bound
(a line buffer as wide as the frame) is allocated at its run-time size, and the runtime's
allocator refuses it then if it does not fit."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.memory import MemoryType
from ..ir.names import BufferField
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import Mutator

_I32 = Int(32)


def _c(v):
    return n.IntImm(_I32, v)


def V(name):
    return n.Variable(_I32, name)


class _Flatten(Mutator):
    def __init__(self, ctx):
        self.ctx = ctx
        self.layouts = {}  # buffer of a realized Func -> (innermost dimension, {dim: fold factor})
        # buffer -> the Func it holds an element of (an output's constraints are its Func's)
        self.owners = {b: nm for nm, f in ctx.pipeline.functions.items() for b, _ in f.buffers()}

    def visit_Realize(self, s):
        storage = s.storage
        folds = {f.dim: f.factor for f in storage.folds}
        buffers = self.ctx.pipeline.functions[s.name].buffers()
        for b, _ in buffers:
            self.layouts[b] = (storage.order[0], folds)
        out = self.mutate(s.body)
        largest = storage.extent_bounds or (None,) * len(s.bounds)
        mins, extents = [], []
        for i, (mn, ext) in enumerate(s.bounds):
            if i in folds:
                mn, ext = _c(0), _c(folds[i])
            elif s.memory.is_local and largest[i] is not None:
                ext = _c(largest[i])
            a = storage.align[i] if storage.align else None
            if a:
                amin = simplify(n.Mul(_I32, n.Div(_I32, mn, _c(a)), _c(a)))
                ext = simplify(n.Mul(_I32, n.Div(_I32, n.Add(_I32, n.Sub(_I32, n.Add(_I32, mn, ext), amin),
                                                               _c(a - 1)), _c(a)), _c(a)))
                mn = amin
            mins.append(mn)
            extents.append(ext)
        if s.memory in (MemoryType.Stack, MemoryType.Register):
            size = simplify(n.allocation_size(tuple(extents)))
            if type(size) is not n.IntImm:
                raise ScheduleError(
                    f"Func {s.name}: store_in(MemoryType.{s.memory.value}) needs a size known at compile time, but "
                    f"{s.name} holds {size} elements; use MemoryType.Heap (or Auto), or bound its region "
                    f"({s.name}.bound(...))")
        # a Tuple's elements share the region and layout, each in its own buffer (Halide's f.0, f.1)
        for b, t in reversed(buffers):
            out = self._allocate(b, t, s.memory, storage.order, mins, extents, out)
        return out

    def _allocate(self, buffer, type_, memory, order, mins, extents, body):
        out = n.Allocate(buffer, type_, memory, tuple(extents[i] for i in order), body)
        stride = _c(1)
        strides = []
        for i in order:
            strides.append((BufferField(buffer, "stride", i), stride))
            stride = n.Mul(_I32, stride, V(BufferField(buffer, "extent", i)))
        for sym, val in reversed(strides):
            out = n.LetStmt(sym, val, out)
        for i in reversed(range(len(mins))):
            out = n.LetStmt(BufferField(buffer, "extent", i), extents[i], out)
            out = n.LetStmt(BufferField(buffer, "min", i), mins[i], out)
        return out

    def _index(self, name, args):
        """Flat index of `args` in buffer `name`."""
        strides, folds = self._layout(name, len(args))
        idx = None
        for d, a in enumerate(args):
            off = n.Mod(_I32, a, _c(folds[d])) if d in folds else n.Sub(_I32, a, V(BufferField(name, "min", d)))
            term = n.Mul(_I32, off, strides[d] if strides[d] is not None else V(BufferField(name, "stride", d)))
            idx = term if idx is None else n.Add(_I32, idx, term)
        return simplify(idx) if idx is not None else _c(0)

    def _layout(self, name, dims):
        """(known strides, folds) of a buffer: the constraints of inputs and outputs (checked on
        entry), stride 1 for the innermost storage dimension of a realized Func."""
        pipeline = self.ctx.pipeline
        if name in pipeline.images:
            return [c["stride"] for c in pipeline.images[name].constraints], {}
        owner = self.owners.get(name)
        if owner in pipeline.outputs:
            return [c["stride"] for c in pipeline.functions[owner].output_constraints], {}
        inner, folds = self.layouts[name]
        return [_c(1) if d == inner else None for d in range(dims)], folds

    def _buffers(self, func):
        return [b for b, _ in self.ctx.pipeline.functions[func].buffers()]

    def visit_Provide(self, s):
        args = tuple(self.mutate(a) for a in s.args)
        values = tuple(self.mutate(v) for v in s.values)
        buffers = self._buffers(s.name)
        if len(values) == 1:
            return n.Store(buffers[0], self._index(buffers[0], args), values[0])
        # every element is evaluated before any is stored: an update reads the old values
        names = [self.ctx.names.fresh(b, "value") for b in buffers]
        out = n.block(*[n.Store(b, self._index(b, args), n.Variable(v.type, nm))
                        for b, v, nm in zip(buffers, values, names)])
        for nm, v in reversed(list(zip(names, values))):
            out = n.LetStmt(nm, v, out)
        return out

    def visit_Call(self, e):
        args = tuple(self.mutate(a) for a in e.args)
        if e.call_type == n.FUNC:
            b = self._buffers(e.name)[e.value_index]
            return n.Load(e.type, b, self._index(b, args))
        if e.call_type == n.IMAGE:
            return n.Load(e.type, e.name, self._index(e.name, args))
        return e if all(a is b for a, b in zip(args, e.args)) else e.with_(args=args)


def storage_flattening(stmt, ctx):
    return _Flatten(ctx).mutate(stmt)
