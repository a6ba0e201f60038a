"""Python source of an @S.prim_func -> a Kernel (nodes.py), with the Python `ast`: control flow
is read, not traced. Names that are not the kernel's own are looked up in the function's
closure and globals, once, and must be compile-time constants (dtype = "int8") or the DSL.

Arithmetic follows halo's (Halide's) type rules (halo/ir/operators.py); `/` and `//` on
integers both round towards negative infinity. float16 elements are computed in float32 and
rounded to float16 where they are stored (or cast)."""
import ast
import builtins
import inspect
import operator
import textwrap

from ..errors import KernelError, TypeMismatchError
from ..ir import nodes as n
from ..ir import operators as op
from ..ir.types import Float, Int
from ..lang.names import RUNTIME_PREFIXES, user_name
from . import lang
from .nodes import (SRAM_SCOPES, AllocEvents, At, Buffer, DmaCopy, FreeEvents, Kernel, Param,
                    Ref, WaitEvents, dtype_name, dtype_type, where)

INT32 = Int(32)
FLOAT32 = Float(32)
_LOOPS = {"range": n.SERIAL, "vectorized": n.VECTORIZED, "unroll": n.UNROLLED}
_ARITH = {ast.Add: op.add, ast.Sub: op.sub, ast.Mult: op.mul, ast.Div: op.div,
          ast.FloorDiv: op.div, ast.Mod: op.mod, ast.BitAnd: lambda a, b: a & b,
          ast.BitOr: lambda a, b: a | b, ast.BitXor: lambda a, b: a ^ b,
          ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b}
_PYTHON = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
           ast.LShift: operator.lshift, ast.RShift: operator.rshift}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_DMA_ARGS = ("dst", "src", "width", "src_stride", "times", "dst_stride", "event")


def kernel_name(name, what):
    """A user's name, checked as halo checks every name, and kept out of the runtime's namespace:
    the generated C spells a name with a leading '_', and its own names start with _halo."""
    name = user_name(name, what, "v")
    if name.startswith(RUNTIME_PREFIXES):
        raise KernelError(f"{what} {name!r}: names starting with {' or '.join(RUNTIME_PREFIXES)} are the "
                          f"runtime's; rename it")
    return name


def is_f16(t):
    return t.is_float() and t.bits == 16


def parse(fn):
    return _Parser(fn).kernel()


class _Parser:
    def __init__(self, fn):
        self.fn = fn
        self.name = kernel_name(fn.__name__, "prim_func")
        self.filename = inspect.getsourcefile(fn) or "<unknown>"
        lines, first = inspect.getsourcelines(fn)
        self.first = first
        self.lines = lines
        tree = ast.parse(textwrap.dedent("".join(lines)))
        self.tree = next(d for d in tree.body if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef)))
        closure = fn.__code__.co_freevars
        self.outer = dict(zip(closure, (c.cell_contents for c in fn.__closure__ or ())))
        self.env = {}        # kernel name -> ("buffer" | "ptr" | "scalar" | "var" | "loop" | "event", value)
        self.buffers = {}    # name -> Buffer, in declaration order
        self.events = []
        self.pointer_sites = {}  # pointer name -> line of its one assignment
        self.loops = []
        self.line = first

    # ---- errors and lookups ----
    def where(self, node=None):
        return where(self.name, self.filename, self.first + node.lineno - 1 if node is not None else self.line)

    def error(self, node, text):
        return KernelError(f"{self.where(node)}: {text}")

    def source(self, node):
        return ast.unparse(node)

    def lookup_outer(self, name, node):
        """A name from the closure, the globals or the builtins (a constant or the DSL)."""
        for scope in (self.outer, self.fn.__globals__, vars(builtins)):
            if name in scope:
                return scope[name]
        raise self.error(node, f"name {name!r} is not defined (a kernel reads its parameters, its "
                               f"own locals and compile-time constants of the enclosing module)")

    def resolve(self, node):
        """The Python object an outer name or attribute chain (S.dma_copy) stands for."""
        if isinstance(node, ast.Name) and node.id not in self.env:
            return self.lookup_outer(node.id, node)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            try:
                return getattr(base, node.attr)
            except AttributeError:
                raise self.error(node, f"{self.source(node)} does not exist") from None
        raise self.error(node, f"{self.source(node)} is not a compile-time name")

    def callee(self, node):
        """The DSL call, loop form or cast a call's function stands for."""
        obj = self.resolve(node.func)
        name = lang.builtin_name(obj)
        if name is not None:
            return name
        if obj is builtins.min or obj is builtins.max or obj is builtins.range:
            return obj.__name__
        if isinstance(obj, lang.ScalarType):
            return obj
        raise self.error(node, f"{self.source(node.func)} is not a call the DSL knows")

    # ---- the kernel ----
    def kernel(self):
        params = tuple(self.param(a) for a in self._arguments())
        body = self.block(self.tree.body)
        return Kernel(self.name, self.filename, self.first, params, tuple(self.buffers.values()),
                      tuple(self.events), body)

    def _arguments(self):
        a = self.tree.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
            raise self.error(self.tree, "parameters must be plain positional ones without defaults")
        return a.args

    def param(self, arg):
        name = kernel_name(arg.arg, "prim_func parameter")
        ann = self.fn.__annotations__.get(arg.arg)
        if isinstance(ann, str):
            ann = eval(ann, self.fn.__globals__, dict(self.outer))  # noqa: S307 (the user's own annotation)
        if isinstance(ann, lang.PtrType):
            t = dtype_type(ann.dtype)
            self.buffers[name] = Buffer(name, t, ann.scope, "param", line=self.first + arg.lineno - 1)
            self.env[name] = ("buffer", name)
            return Param(name, t, True, ann.scope)
        if isinstance(ann, lang.ScalarType):
            t = dtype_type(ann.dtype)
            if is_f16(t):
                raise self.error(arg, f"parameter {name}: float16 scalars are not supported; "
                                      f"annotate it S.fp32")
            self.env[name] = ("scalar", n.Variable(t, name))
            return Param(name, t, False)
        raise self.error(arg, f"parameter {name} must be annotated S.ptr(dtype, scope) or a scalar "
                              f"type (S.i32, S.fp32, ...), not {ann!r}")

    # ---- statements ----
    def block(self, stmts):
        out = []
        for s in stmts:
            line = self.line = self.first + s.lineno - 1
            body = self.stmt(s)
            if body is not None:
                out.append(At(line, self.lines[s.lineno - 1].strip(), body))
        return n.block(*out)

    def stmt(self, s):
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                return None  # a docstring
            if isinstance(s.value, ast.Call):
                return self.call_stmt(s.value)
            raise self.error(s, f"{self.source(s)}: an expression statement does nothing")
        if isinstance(s, ast.Pass):
            return None
        if isinstance(s, ast.Assign):
            if len(s.targets) != 1:
                raise self.error(s, "chained assignment (a = b = ...) is not supported")
            return self.assign(s.targets[0], s.value, s)
        if isinstance(s, ast.AnnAssign) and s.value is not None:
            return self.assign(s.target, s.value, s)
        if isinstance(s, ast.AugAssign):
            return self.assign(s.target, ast.BinOp(s.target, s.op, s.value, lineno=s.lineno,
                                                   col_offset=s.col_offset), s)
        if isinstance(s, ast.For):
            return self.for_(s)
        if isinstance(s, ast.If):
            return self.if_(s)
        raise self.error(s, f"{type(s).__name__} statements are not part of the DSL (it has "
                            f"assignments, for ... in range(...), if / else and the DSL's calls)")

    def call_stmt(self, call):
        name = self.callee(call)
        if name in ("dma_copy", "async_dma_copy"):
            return self.dma(call, name)
        if name in ("wait_events", "free_events"):
            if call.keywords or not call.args:
                raise self.error(call, f"S.{name} takes the events to {name[:4]} as positional "
                                       f"arguments (at least one)")
            events = tuple(self.event(a) for a in call.args)
            return WaitEvents(events) if name == "wait_events" else FreeEvents(events)
        raise self.error(call, f"{self.source(call)}: the value of this call is not used")

    def event(self, node):
        if isinstance(node, ast.Name) and self.env.get(node.id, (None,))[0] == "event":
            return node.id
        raise self.error(node, f"{self.source(node)} is not an event here: it is used before "
                               f"S.alloc_events gave it (rule: events come from S.alloc_events "
                               f"before they are used)")

    def dma(self, call, name):
        args = dict(zip(_DMA_ARGS, call.args))
        for k in call.keywords:
            if k.arg not in _DMA_ARGS or k.arg in args:
                raise self.error(call, f"S.{name}: unexpected or repeated argument {k.arg!r} "
                                       f"(it takes {', '.join(_DMA_ARGS[:6])}"
                                       f"{', event' if name == 'async_dma_copy' else ''})")
            args[k.arg] = k.value
        for required in ("dst", "src", "width"):
            if required not in args:
                raise self.error(call, f"S.{name}: the argument {required!r} must be given")
        event = args.pop("event", None)
        if name == "async_dma_copy" and event is None:
            raise self.error(call, 'S.async_dma_copy: The arg "event" must be provided.')
        if name == "dma_copy" and event is not None:
            raise self.error(call, "S.dma_copy is synchronous and takes no event (use "
                                   "S.async_dma_copy)")
        dst, src = self.pointer(args["dst"], "dst", name), self.pointer(args["src"], "src", name)
        width = self.index(args["width"], f"S.{name} width")
        times = self.index(args["times"], f"S.{name} times") if "times" in args else op.const(1)
        strides = {}
        for k in ("src_stride", "dst_stride"):
            strides[k] = self.index(args[k], f"S.{name} {k}") if k in args else width
        return DmaCopy(dst, src, width, strides["src_stride"], times, strides["dst_stride"],
                       None if event is None else self.event(event))

    def pointer(self, node, what, call):
        v = self.expr(node)
        if isinstance(v, Ref):
            return v
        raise self.error(node, f'S.{call}: expect a pointer or a buffer for "{what}", got '
                               f"{self.source(node)}")

    def assign(self, target, value, s):
        if isinstance(target, ast.Subscript):
            return self.store(target, value)
        if isinstance(value, ast.Call) and not isinstance(value.func, ast.Subscript):
            kind = self.callee(value) if self._is_dsl_call(value) else None
            if kind == "alloc_events":
                return self.alloc_events(target, value)
            if kind in ("match_buffer", "alloc_buffer"):
                self.declare_buffer(self._target_name(target), value, kind)
                return None
        name = self._target_name(target)
        v = self.expr(value)
        bound = self.env.get(name)
        if isinstance(v, Ref):
            if name in self.pointer_sites and self.pointer_sites[name] != self.line or \
                    bound is not None and bound[0] != "ptr":
                raise self.error(s, f"pointer {name} is assigned in more than one place (a pointer "
                                    f"names one place of the source: give each pointer its own name)")
            self.pointer_sites[name] = self.line
            self.env[name] = ("ptr", v)
            return None
        if bound is not None and bound[0] != "var":
            raise self.error(s, f"{name} is a {bound[0]} and cannot be assigned a value")
        if bound is None:
            t = op.as_expr(v).type
            if is_f16(t):
                t = FLOAT32
            self.buffers[name] = Buffer(name, t, "private", "var", (op.const(1),), line=self.line)
            self.env[name] = ("var", name)
        return n.Store(name, op.const(0), self.coerce(v, self.buffers[name].type, name, s))

    def _is_dsl_call(self, call):
        try:
            return self.callee(call) in ("alloc_events", "match_buffer", "alloc_buffer")
        except KernelError:
            return False

    def _target_name(self, target):
        if not isinstance(target, ast.Name):
            raise self.error(target, f"cannot assign to {self.source(target)}")
        name = kernel_name(target.id, "kernel local")
        if name in self.buffers and self.buffers[name].kind != "var":
            raise self.error(target, f"{name} is already a buffer (declared at line "
                                     f"{self.buffers[name].line}); buffers are declared once")
        return name

    def coerce(self, v, t, name, node):
        """`v` stored into an element of type `t` (float16 storage: a float32 value rounded)."""
        compute = FLOAT32 if is_f16(t) else t
        if not isinstance(v, n.Expr):
            try:
                v = op.as_expr(v, n.Variable(compute, "_"))
            except TypeMismatchError as e:
                raise self.error(node, f"{name}: {e}") from None
        if v.type != compute:
            raise self.error(node, f"{name} holds {dtype_name(t)}, but the value is "
                                   f"{dtype_name(v.type) if not v.type.is_bool() else 'bool'}: "
                                   f"convert it with S.cast(value, {dtype_name(t)!r})")
        return n.Cast(t, v) if is_f16(t) else v

    def store(self, target, value):
        ref = self.element(target)
        b = self.buffers[ref.buffer]
        return n.Store(ref.buffer, ref.offset, self.coerce(self.expr(value), b.type,
                                                           self.source(target), target))

    def alloc_events(self, target, call):
        if len(call.args) != 1 or call.keywords:
            raise self.error(call, "S.alloc_events takes one argument, the number of events")
        count = self.expr(call.args[0])
        if type(count) is not int or count < 1:
            raise self.error(call, f"S.alloc_events: the count must be a positive integer constant, "
                                   f"not {self.source(call.args[0])}")
        names = [target] if count == 1 else target.elts if isinstance(target, ast.Tuple) else None
        if names is None or len(names) != count:
            raise self.error(call, f"S.alloc_events({count}) gives "
                                   f"{'one event' if count == 1 else f'a tuple of {count} events'}: "
                                   f"unpack it into as many names")
        events = []
        for t in names:
            name = self._target_name(t)
            bound = self.env.get(name)
            if bound is not None and bound[0] != "event":
                raise self.error(t, f"{name} is a {bound[0]} and cannot name an event")
            self.env[name] = ("event", name)
            if name not in self.events:
                self.events.append(name)
            events.append(name)
        return AllocEvents(tuple(events))

    def declare_buffer(self, name, call, kind):
        if self.loops:
            raise self.error(call, f"buffer {name} is declared inside a loop; declare buffers before "
                                   f"the loops (they live for the whole kernel)")
        if name in self.env:
            raise self.error(call, f"{name} is already defined")
        args = list(call.args)
        kw = {k.arg: k.value for k in call.keywords}
        if kind == "match_buffer":
            if len(args) != 2 or kw:
                raise self.error(call, "S.match_buffer(ptr, shape) takes a pointer parameter and a shape")
            base = self.expr(args[0])
            if not isinstance(base, Ref) or self.buffers[base.buffer].kind != "param" or \
                    not (type(base.offset) is n.IntImm and base.offset.value == 0):
                raise self.error(call, f"S.match_buffer: {self.source(args[0])} is not a pointer "
                                       f"parameter")
            p = self.buffers[base.buffer]
            shape = self.shape(args[1], call)
            self.buffers[name] = Buffer(name, p.type, p.scope, "view", shape, p.name, self.line)
        else:
            names = ("shape", "dtype", "scope")
            given = dict(zip(names, args))
            for k, v in kw.items():
                if k not in names or k in given:
                    raise self.error(call, f"S.alloc_buffer(shape, dtype, scope=...): unexpected or "
                                           f"repeated argument {k!r}")
                given[k] = v
            if "shape" not in given or "dtype" not in given:
                raise self.error(call, "S.alloc_buffer needs a shape and a dtype")
            dtype, scope = self.expr(given["dtype"]), self.expr(given.get("scope", ast.Constant("lsram")))
            lang.check_scope(scope, f"{self.where(call)}: S.alloc_buffer {name}", SRAM_SCOPES)
            t = dtype_type(lang.ptr(dtype, scope).dtype)
            shape = self.shape(given["shape"], call)
            if not all(type(e) is n.IntImm for e in shape):
                raise self.error(call, f"S.alloc_buffer {name}: the shape must be constant (local "
                                       f"memory is sized when the kernel is compiled)")
            self.buffers[name] = Buffer(name, t, scope, "alloc", shape, None, self.line)
        self.env[name] = ("buffer", name)

    def shape(self, node, call):
        dims = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
        shape = tuple(op.as_expr(self.index(d, "a shape")) for d in dims)
        if not shape:
            raise self.error(call, "a buffer needs at least one dimension")
        return shape

    def for_(self, s):
        if s.orelse or not isinstance(s.target, ast.Name) or not isinstance(s.iter, ast.Call):
            raise self.error(s, "loops are `for name in range(...)` (or S.vectorized / S.unroll), "
                                "without else")
        kind = self.callee(s.iter)
        if kind not in _LOOPS or s.iter.keywords or not 1 <= len(s.iter.args) <= 2:
            raise self.error(s, "a loop runs over range(stop) or range(start, stop) (or "
                                "S.vectorized / S.unroll of the same)")
        bounds = [op.as_expr(self.index(a, "a loop bound")) for a in s.iter.args]
        lo, hi = (op.const(0), bounds[0]) if len(bounds) == 1 else bounds
        name = kernel_name(s.target.id, "loop variable")
        if name in self.env and self.env[name][0] != "loop" or name in self.loops:
            raise self.error(s, f"loop variable {name} is already bound in this kernel")
        saved = self.env.get(name)
        self.env[name] = ("loop", n.Variable(INT32, name))
        self.loops.append(name)
        body = self.block(s.body)
        self.loops.pop()
        if saved is None:
            del self.env[name]
        return n.For(name, lo, op.sub(hi, lo), _LOOPS[kind], body)

    def if_(self, s):
        cond = self.condition(s.test)
        then = self.block(s.body)
        other = self.block(s.orelse) if s.orelse else None
        if type(cond) is n.IntImm:
            return then if cond.value else other  # a compile-time constant condition
        return n.IfThenElse(cond, then, other)

    def condition(self, node):
        c = self.expr(node)
        if isinstance(c, Ref) or isinstance(c, str):
            raise self.error(node, f"{self.source(node)} cannot be a condition")
        c = op.as_expr(c)
        return c if c.type.is_bool() else c != 0

    # ---- expressions ----
    def index(self, node, what):
        """An Int(32) expression for an index, a size or a count."""
        v = self.expr(node)
        if isinstance(v, bool) or not isinstance(v, (int, n.Expr)) or \
                isinstance(v, n.Expr) and not v.type.is_integer():
            raise self.error(node, f"{what} must be an integer, not {self.source(node)}")
        if isinstance(v, n.Expr) and v.type != INT32:
            v = n.Cast(INT32, v)
        return op.as_expr(v)

    def expr(self, node):
        try:
            return self._expr(node)
        except TypeMismatchError as e:
            raise self.error(node, f"{self.source(node)}: {e}") from None

    def _expr(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, (bool, int, float, str)):
                return node.value
            raise self.error(node, f"constant {node.value!r} has no meaning in a kernel")
        if isinstance(node, ast.Name):
            return self.load_name(node)
        if isinstance(node, ast.Attribute):
            return self._constant(self.resolve(node), node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                return not v if not isinstance(v, n.Expr) else op.logical_not(self._bool(v))
            if isinstance(node.op, ast.USub):
                return -v if not isinstance(v, n.Expr) else op.sub(op.as_expr(0, v), v)
            if isinstance(node.op, ast.UAdd):
                return v
            return ~v
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            vals = [self.expr(v) for v in node.values]
            combine = op.logical_and if isinstance(node.op, ast.And) else op.logical_or
            out = self._bool(op.as_expr(vals[0]))
            for v in vals[1:]:
                out = combine(out, self._bool(op.as_expr(v)))
            return out
        if isinstance(node, ast.IfExp):
            return op.select(self.condition(node.test), self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.error(node, f"{self.source(node)}: {type(node).__name__} expressions are not "
                               f"part of the DSL")

    def _bool(self, v):
        return v if v.type.is_bool() else v != 0

    def _constant(self, v, node):
        if isinstance(v, (bool, int, float, str)):
            return v
        raise self.error(node, f"{self.source(node)} is a {type(v).__name__}, not a compile-time "
                               f"constant (int, float, str) the kernel can use")

    def load_name(self, node):
        bound = self.env.get(node.id)
        if bound is None:
            return self._constant(self.lookup_outer(node.id, node), node)
        kind, v = bound
        if kind == "buffer":
            return Ref(v, op.const(0))
        if kind == "var":
            t = self.buffers[v].type
            return n.Load(t, v, op.const(0))
        if kind == "event":
            raise self.error(node, f"event {v} can only be given to the DSL's event calls")
        return v  # a pointer (Ref), a scalar parameter or a loop variable

    def binop(self, node):
        a, b = self.expr(node.left), self.expr(node.right)
        if isinstance(a, Ref) or isinstance(b, Ref):
            if isinstance(node.op, ast.Add) and isinstance(a, Ref) != isinstance(b, Ref):
                p, k = (a, node.right) if isinstance(a, Ref) else (b, node.left)
                return self.offset(p, self.index(k, "a pointer offset"))
            if isinstance(node.op, ast.Sub) and isinstance(a, Ref) and not isinstance(b, Ref):
                return self.offset(a, op.sub(0, self.index(node.right, "a pointer offset")))
            raise self.error(node, f"{self.source(node)}: a pointer only moves by + or - an integer")
        if isinstance(a, str) or isinstance(b, str):
            raise self.error(node, f"{self.source(node)}: strings do not take part in arithmetic")
        fn = _ARITH[type(node.op)]
        if not isinstance(a, n.Expr) and not isinstance(b, n.Expr):
            if isinstance(node.op, (ast.Div, ast.FloorDiv)) and isinstance(a, int) and isinstance(b, int):
                return a // b if b else 0
            return _PYTHON[type(node.op)](a, b)
        return fn(a, b) if isinstance(a, n.Expr) else fn(op.as_expr(a, b), b)

    def offset(self, p, k):
        return Ref(p.buffer, op.add(p.offset, k) if not (type(p.offset) is n.IntImm and p.offset.value == 0)
                   else op.as_expr(k))

    def compare(self, node):
        out, left = None, self.expr(node.left)
        for o, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node)
            if type(o) not in _COMPARE:
                raise self.error(node, f"{self.source(node)}: only ==, !=, <, <=, >, >= compare")
            c = _COMPARE[type(o)](left, right)
            if isinstance(c, bool):
                c = op.const(c)
            out = c if out is None else op.logical_and(out, c)
            left = right
        return out

    def subscript(self, node):
        base = self.expr(node.value)
        if not isinstance(base, Ref):
            raise self.error(node, f"{self.source(node.value)} is not a buffer or a pointer")
        if isinstance(node.slice, ast.Slice):
            if node.slice.upper is not None or node.slice.step is not None:
                raise self.error(node, f"{self.source(node)}: a slice gives a pointer, buf[start:] "
                                       f"(the copy's width says how far it goes)")
            start = node.slice.lower
            return base if start is None else self.offset(base, self.index(start, "a slice start"))
        ref = self.element(node)
        t = self.buffers[ref.buffer].type
        load = n.Load(t, ref.buffer, ref.offset)
        return n.Cast(FLOAT32, load) if is_f16(t) else load

    def element(self, node):
        """The Ref of element buffer[i] or buffer[i, j, ...] (row-major over the shape)."""
        base = self.expr(node.value)
        if not isinstance(base, Ref):
            raise self.error(node, f"{self.source(node.value)} is not a buffer or a pointer")
        b = self.buffers[base.buffer]
        idx = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if len(idx) > 1 and (b.shape is None or len(b.shape) != len(idx)):
            raise self.error(node, f"{self.source(node)}: {b.name} has "
                                   f"{'no shape' if b.shape is None else f'{len(b.shape)} dimensions'}")
        flat = None
        for d, i in enumerate(idx):
            k = op.as_expr(self.index(i, "an index"))
            flat = k if flat is None else op.add(op.mul(flat, b.shape[d]), k)
        return self.offset(base, flat)

    def call(self, node):
        what = self.callee(node)
        if isinstance(what, lang.ScalarType):
            if len(node.args) != 1 or node.keywords:
                raise self.error(node, f"S.{self.source(node.func).split('.')[-1]}(x) converts one value")
            return self.cast(self.expr(node.args[0]), what.dtype, node)
        if what == "cast":
            args = [self.expr(a) for a in node.args] + [self.expr(k.value) for k in node.keywords]
            if len(args) != 2 or not isinstance(args[1], str):
                raise self.error(node, "S.cast(value, dtype) takes a value and a dtype name")
            return self.cast(args[0], args[1], node)
        if what in ("min", "max"):
            if len(node.args) < 2 or node.keywords:
                raise self.error(node, f"{what} takes two or more values")
            args = [self.expr(a) for a in node.args]
            if not any(isinstance(a, n.Expr) for a in args):
                return getattr(builtins, what)(args)
            like = next(a for a in args if isinstance(a, n.Expr))
            args = [op.as_expr(a, like) for a in args]
            return (op.min_ if what == "min" else op.max_)(*args)
        raise self.error(node, f"{self.source(node)} has no value to use in an expression")

    def cast(self, v, dtype, node):
        t = dtype_type(lang.ptr(dtype).dtype)
        v = op.as_expr(v)
        if is_f16(t):
            return n.Cast(FLOAT32, n.Cast(t, v if v.type == FLOAT32 else n.Cast(FLOAT32, v)))
        return v if v.type == t else n.Cast(t, v)

