"""Storage flattening: multi-dimensional Realize / Provide / Call become one-dimensional
Allocate / Store / Load with explicit strides. Storage order follows reorder_storage;
align_storage rounds a dimension's min down and its extent up to the alignment."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.operators import const
from ..ir.simplify import simplify
from ..ir.types import Int
from ..ir.visitor import Mutator
from .schedule_functions import V

_I32 = Int(32)


def _index(name, args, strides, folds=None):
    """Flat index of `args` in buffer `name`; strides[d] is a known stride Expr or None; a folded
    dimension d is stored modulo folds[d]."""
    idx = None
    folds = folds or {}
    for d, a in enumerate(args):
        off = n.Mod(_I32, a, const(folds[d])) if d in folds else n.Sub(_I32, a, V(f"{name}.min.{d}"))
        stride = strides[d] if strides[d] is not None else V(f"{name}.stride.{d}")
        term = n.Mul(_I32, off, stride)
        idx = term if idx is None else n.Add(_I32, idx, term)
    return simplify(idx) if idx is not None else const(0)


_LOCAL = ("LockedCache", "VTCM")


class _Flatten(Mutator):
    def __init__(self, env, extent_bounds, folds):
        self.env = env
        self.extent_bounds = extent_bounds
        self.folds = folds

    def visit_Realize(self, s):
        body = self.mutate(s.body)
        func = self.env.funcs[s.name]
        dims = func._pure_names
        folds = self.folds.get(s.name, {})
        if folds:
            s = s.with_(bounds=tuple((const(0), const(folds[i])) if i in folds else b for i, b in enumerate(s.bounds)))
        if s.memory in _LOCAL:
            s = s.with_(bounds=self._constant_extents(s, folds))
        sdims = func._schedule.storage_dims or []
        order = [d.var for d in sdims] if sdims else list(dims)
        align = {d.var: d.alignment for d in sdims if d.alignment}
        mins, extents = {}, {}
        for i, v in enumerate(dims):
            mn, ext = s.bounds[i]
            a = align.get(v)
            if a:
                amin = simplify(n.Mul(_I32, n.Div(_I32, mn, const(a)), const(a)))
                ext = simplify(n.Mul(_I32, n.Div(_I32, n.Add(_I32, n.Sub(_I32, n.Add(_I32, mn, ext), amin),
                                                               const(a - 1)), const(a)), const(a)))
                mn = amin
            mins[v], extents[v] = mn, ext
        lets = []
        stride = const(1)
        size = const(1)
        for v in order:
            i = dims.index(v)
            lets.append((f"{s.name}.stride.{i}", stride))
            stride = simplify(n.Mul(_I32, stride, V(f"{s.name}.extent.{i}")))
            size = simplify(n.Mul(_I32, size, extents[v]))
        out = n.Allocate(s.name, s.type, size, s.memory, body)
        for sym, val in reversed(lets):
            out = n.LetStmt(sym, val, out)
        for i, v in reversed(list(enumerate(dims))):
            out = n.LetStmt(f"{s.name}.extent.{i}", extents[v], out)
            out = n.LetStmt(f"{s.name}.min.{i}", mins[v], out)
        return out

    def _constant_extents(self, s, folds):
        """Local memory is sized by the largest extent isl proves, where it proves one (so the
        capacity is checked at compile time); an extent with no constant bound (a line buffer
        as wide as the frame) is allocated at its run-time size, and the runtime's allocator
        refuses it then if it does not fit."""
        bounds = list(self.extent_bounds.get(s.name) or [None] * len(s.bounds))
        for i, f in folds.items():
            bounds[i] = f
        return tuple((mn, ext if big is None else const(big)) for (mn, ext), big in zip(s.bounds, bounds))

    def visit_DmaStart(self, s):
        """Where the region starts in the local buffer, its strides, and (for a folded dimension)
        a check that the region does not wrap around the fold."""
        mins = tuple(self.mutate(m) for m in s.mins)
        extents = tuple(self.mutate(e) for e in s.extents)
        local = s.local
        dims = len(mins)
        known = self._strides(local, dims)
        strides = tuple(k if k is not None else V(f"{local}.stride.{i}") for i, k in enumerate(known))
        folds = self.folds.get(local, {})
        offset = None
        for i, (mn, st) in enumerate(zip(mins, strides)):
            if i in folds:
                start = n.Mod(_I32, mn, const(folds[i]))
            else:
                start = n.Sub(_I32, mn, V(f"{local}.min.{i}"))
            term = n.Mul(_I32, start, st)
            offset = term if offset is None else n.Add(_I32, offset, term)
        size = None
        for i in range(dims):
            ext = V(f"{local}.extent.{i}")
            size = ext if size is None else n.Mul(_I32, size, ext)
        # a region that wraps around the fold becomes two transfers (see the code generator)
        (fold_dim, factor), = folds.items() if len(folds) == 1 else ((None, None),)
        if len(folds) > 1:
            raise ScheduleError(f"Func {local} is folded in {len(folds)} dimensions; a DMA'd buffer may fold one")
        return s.with_(mins=mins, extents=extents, local_offset=simplify(offset), local_strides=strides,
                       local_size=simplify(size), local_type=self.env.funcs[local].type(), fold_dim=fold_dim,
                       fold_factor=factor)

    def visit_Provide(self, s):
        args = tuple(self.mutate(a) for a in s.args)
        value = self.mutate(s.value)
        return n.Store(s.name, _index(s.name, args, self._strides(s.name, len(args)), self.folds.get(s.name)), value)

    def visit_Call(self, e):
        args = tuple(self.mutate(a) for a in e.args)
        if e.call_type in ("func", "image"):
            return n.Load(e.type, e.name, _index(e.name, args, self._strides(e.name, len(args)), self.folds.get(e.name)))
        return e.with_(args=args) if any(a is not b for a, b in zip(args, e.args)) else e

    def _strides(self, name, dims):
        """Known strides: the constraints of inputs and outputs (checked on entry), and stride 1
        for the innermost storage dimension of Funcs."""
        if name in self.env.images:
            return [c["stride"] for c in self.env.images[name].constraints()]
        func = self.env.funcs[name]
        if func in self.env.outputs:
            return [c["stride"] for c in func.output_constraints()]
        sdims = func._schedule.storage_dims
        inner = func._pure_names.index(sdims[0].var) if sdims else 0
        return [const(1) if d == inner else None for d in range(dims)]


def storage_flattening(stmt, env, extent_bounds, folds):
    return _Flatten(env, extent_bounds, folds).mutate(stmt)
