"""Vectorized loops become vector code: the loop variable becomes a Ramp, scalars used beside
vectors become Broadcasts, and loads and stores take vector indices (dense when the index is a
unit-stride Ramp). The code generator then emits C vector types, which clang turns into HVX on
Hexagon and the host compiler into SSE / AVX / NEON.

Each vectorized loop must have a constant extent and hold no allocation, producer or
parallel / vectorized loop; a serial loop inside (the RDom of an update vectorized over a pure
Var) keeps running serially with a vector body. A body this pass cannot express as vectors (a guarded tail store, a
Bool buffer, a lane count that is not a power of two) stays a scalar loop the C compiler may
vectorize by itself; results are the same either way.

A vector body with float or 64-bit lanes keeps its scalar loop beside it, chosen by the C
preprocessor (HALO_WIDE_VECTOR_LANES): HVX before v68 has neither, and clang-19 takes minutes or
fails scalarizing them, so Hexagon builds run the scalar loop and host builds the vectors. One
lowering (and one C file) then serves every target."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..ir.intrinsics import LIKELY, WIDE_VECTOR_LANES
from ..ir.names import Derived
from ..ir.types import Bool, Int
from ..ir.visitor import Mutator, Visitor


class _Inner(Visitor):
    def __init__(self):
        self.found = []

    def visit_For(self, s):
        # a serial loop inside (an RDom of an update) runs once per vector: Halide vectorizes
        # its body the same way
        if s.kind != n.SERIAL:
            self.found.append(f"the {s.kind} loop {s.name}")
        self.visit(s.body)

    def visit_Allocate(self, s):
        self.found.append(f"the storage of {s.name}")

    def visit_ProducerConsumer(self, s):
        if s.is_producer:
            self.found.append(f"the computation of {s.name}")
        self.visit(s.body)


class _Check(Visitor):
    def visit_For(self, s):
        if s.kind == n.VECTORIZED:
            ext = simplify(s.extent)
            if type(ext) is not n.IntImm:
                raise ScheduleError(
                    f"vectorize: the loop {s.name} has extent {ext}, which is not a constant; vectorize with a "
                    f"factor (vectorize(var, 16)) so the vector width is known")
            inner = _Inner()
            inner.visit(s.body)
            if inner.found:
                raise ScheduleError(
                    f"vectorize: the loop {s.name} is not innermost: it contains {', '.join(inner.found)}. "
                    f"Vectorize the innermost loop, or reorder so {getattr(s.name, 'user', None) or s.name} is innermost and "
                    f"compute producers outside it")
        self.visit(s.body)


class _NotVectorizable(Exception):
    """The loop body has something with no vector form here; the loop stays scalar."""


_INT32 = Int(32)


def _is_vector(e):
    return e.type.lanes > 1


def _scalar(e):
    """The scalar a Broadcast repeats, or None."""
    return e.value if type(e) is n.Broadcast else (e if not _is_vector(e) else None)


class _Vectorizer:
    def __init__(self, var, base, lanes):
        self.memo = {}
        self.lanes = lanes
        self.scope = {var: n.Ramp(Int(32, lanes), base, n.IntImm(_INT32, 1), lanes)}

    def broadcast(self, e):
        if _is_vector(e):
            return e
        return n.Broadcast(e.type.with_lanes(self.lanes), e, self.lanes)

    # ---- expressions ----
    def expr(self, e):
        # let names are unique in a loop body, so an expression means the same wherever it is
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        out = self._expr(e)
        self.memo[id(e)] = (e, out)
        return out

    def _expr(self, e):
        method = getattr(self, "e_" + type(e).__name__, None)
        if method is not None:
            return method(e)
        if isinstance(e, n.BinOp):
            return self.binop(e)
        if type(e) in (n.IntImm, n.FloatImm, n.StringImm):
            return e
        raise _NotVectorizable(type(e).__name__)

    def e_Variable(self, e):
        return self.scope.get(e.name, e)

    def e_Cast(self, e):
        v = self.expr(e.value)
        if not _is_vector(v):
            return e if v is e.value else e.with_(value=v)
        if type(v) is n.Broadcast:
            return self.broadcast(n.Cast(e.type, v.value))
        return n.Cast(e.type.with_lanes(self.lanes), v)

    def _unary(self, e):
        a = self.expr(e.a)
        if not _is_vector(a):
            return e if a is e.a else e.with_(a=a)
        return e.with_(type=e.type.with_lanes(self.lanes), a=a)

    e_Not = e_BitNot = _unary

    def binop(self, e):
        a, b = self.expr(e.a), self.expr(e.b)
        if not _is_vector(a) and not _is_vector(b):
            return e if (a is e.a and b is e.b) else e.with_(a=a, b=b)
        sa, sb = _scalar(a), _scalar(b)
        if sa is not None and sb is not None:
            return self.broadcast(simplify(e.with_(a=sa, b=sb)))
        ramp = self._ramp_arith(type(e), a, b, sa, sb)
        if ramp is not None:
            return ramp
        vt = e.type.with_lanes(self.lanes)
        return e.with_(type=vt, a=self.broadcast(a), b=self.broadcast(b))

    def _ramp_arith(self, op, a, b, sa, sb):
        """Int32 index arithmetic that stays a Ramp (so loads and stores stay dense)."""
        ra, rb = type(a) is n.Ramp, type(b) is n.Ramp
        if not (ra or rb) or (not (ra and rb) and (sa if rb else sb) is None):
            return None

        def ramp(base, stride):
            return n.Ramp(a.type if ra else b.type, simplify(base), simplify(stride), self.lanes)
        if op is n.Add:
            if ra and rb:
                return ramp(a.base + b.base, a.stride + b.stride)
            r, s = (a, sb) if ra else (b, sa)
            return ramp(r.base + s, r.stride)
        if op is n.Sub:
            if ra and rb:
                return ramp(a.base - b.base, a.stride - b.stride)
            if ra:
                return ramp(a.base - sb, a.stride)
            return ramp(sa - b.base, n.IntImm(_INT32, 0) - b.stride)
        if op is n.Mul and not (ra and rb):
            r, s = (a, sb) if ra else (b, sa)
            return ramp(r.base * s, r.stride * s)
        return None

    def e_Select(self, e):
        c, t, f = self.expr(e.cond), self.expr(e.true_value), self.expr(e.false_value)
        if not (_is_vector(c) or _is_vector(t) or _is_vector(f)):
            return e if (c is e.cond and t is e.true_value and f is e.false_value) else \
                e.with_(cond=c, true_value=t, false_value=f)
        return n.Select(e.type.with_lanes(self.lanes), self.broadcast(c), self.broadcast(t),
                        self.broadcast(f))

    def e_Load(self, e):
        i = self.expr(e.index)
        if not _is_vector(i):
            return e if i is e.index else e.with_(index=i)
        if e.type.is_bool():
            raise _NotVectorizable("a vector load of Bool")
        if type(i) is n.Broadcast:
            return self.broadcast(n.Load(e.type, e.buffer, i.value))
        return n.Load(e.type.with_lanes(self.lanes), e.buffer, i)

    def e_Let(self, e):
        v = self.expr(e.value)
        saved = self.scope.get(e.name)
        if type(v) in (n.Ramp, n.Broadcast):
            self.scope[e.name] = v
            body = self.expr(e.body)
            result = body
        elif _is_vector(v):
            self.scope[e.name] = n.Variable(v.type, e.name)
            body = self.expr(e.body)
            result = n.Let(body.type, e.name, v, body)
        else:
            self.scope.pop(e.name, None)
            body = self.expr(e.body)
            result = n.Let(body.type, e.name, v, body)
        self._restore(e.name, saved)
        return result

    def e_Call(self, e):
        if e.call_type != n.INTRINSIC:
            raise _NotVectorizable(f"a call to {e.name}")
        args = tuple(self.expr(a) for a in e.args)
        if e.name == LIKELY:
            return args[0]
        if not any(_is_vector(a) for a in args):
            return e.with_(args=args)
        return e.with_(type=e.type.with_lanes(self.lanes), args=tuple(self.broadcast(a) for a in args))

    def _restore(self, name, saved):
        if saved is None:
            self.scope.pop(name, None)
        else:
            self.scope[name] = saved

    # ---- statements ----
    def stmt(self, s):
        t = type(s)
        if t is n.Block:
            return n.Block(tuple(self.stmt(c) for c in s.stmts))
        if t is n.LetStmt:
            v = self.expr(s.value)
            saved = self.scope.get(s.name)
            if type(v) in (n.Ramp, n.Broadcast):
                self.scope[s.name] = v
                result = self.stmt(s.body)
            else:
                if _is_vector(v):
                    self.scope[s.name] = n.Variable(v.type, s.name)
                else:
                    self.scope.pop(s.name, None)
                result = n.LetStmt(s.name, v, self.stmt(s.body))
            self._restore(s.name, saved)
            return result
        if t is n.Store:
            i = self.expr(s.index)
            if not _is_vector(i) or type(i) is n.Broadcast:
                raise _NotVectorizable("a store to one address from every lane")
            if s.value.type.is_bool():
                raise _NotVectorizable("a vector store of Bool")
            return n.Store(s.buffer, i, self.broadcast(self.expr(s.value)))
        if t is n.For:
            lo, ext = self.expr(s.min), self.expr(s.extent)
            if _is_vector(lo) or _is_vector(ext):
                raise _NotVectorizable("a loop whose bounds differ between lanes")
            return s.with_(min=lo, extent=ext, body=self.stmt(s.body))
        if t is n.Evaluate and n.is_no_op(s):
            return s
        raise _NotVectorizable(t.__name__)




class _WideLanes(Visitor):
    def __init__(self):
        self.found = False

    def visit(self, node):
        t = getattr(node, "type", None)
        if t is not None and t.lanes > 1 and (t.is_float() or t.bits == 64):
            self.found = True
        elif not self.found:
            super().visit(node)


def _uses_wide_lanes(stmt):
    v = _WideLanes()
    v.visit(stmt)
    return v.found


class _Loops(Mutator):
    def visit_For(self, s):
        if s.kind != n.VECTORIZED:
            return self.generic_visit(s)
        lanes = simplify(s.extent).value
        if lanes < 2 or lanes & (lanes - 1):
            return s
        base_name = Derived(s.name, "base")
        try:
            body = _Vectorizer(s.name, n.Variable(_INT32, base_name), lanes).stmt(s.body)
        except _NotVectorizable:
            return s
        vector = n.LetStmt(base_name, s.min, body)
        if _uses_wide_lanes(body):
            return n.IfThenElse(n.Call(Bool(), WIDE_VECTOR_LANES, (), n.INTRINSIC), vector, s)
        return vector


def vectorize_loops(stmt, ctx):
    _Check().visit(stmt)
    return _Loops().mutate(stmt)
