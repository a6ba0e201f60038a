"""Traversal of the IR, one style for every pass: a Visitor walks every node, a Mutator rebuilds
only the nodes whose children changed (unchanged subtrees are shared, not copied). A method
`visit_<Class>` handles a node of that class or of a subclass (dispatch follows the class's
MRO, resolved once per class)."""
from . import nodes as n


def _resolve(visitor_cls, node_cls):
    table = visitor_cls.__dict__.get("_dispatch")
    if table is None:
        table = {}
        setattr(visitor_cls, "_dispatch", table)
    method = table.get(node_cls)
    if method is None:
        method = visitor_cls.generic_visit
        for klass in node_cls.__mro__:
            m = getattr(visitor_cls, "visit_" + klass.__name__, None)
            if m is not None:
                method = m
                break
        table[node_cls] = method
    return method


class Visitor:
    """A shared expression subtree is visited once per visitor (what it finds there is the same
    each time)."""

    def visit(self, node):
        if isinstance(node, n.Expr):
            seen = self.__dict__.get("_seen")
            if seen is None:
                seen = self._seen = {}
            if id(node) in seen:
                return None
            seen[id(node)] = node
        return _resolve(type(self), type(node))(self, node)

    def generic_visit(self, node):
        for name in node.child_fields():
            self._visit_value(getattr(node, name))

    def _visit_value(self, value):
        if isinstance(value, n.Node):
            self.visit(value)
        elif isinstance(value, tuple):
            for v in value:
                self._visit_value(v)


class Mutator:
    """Expressions are DAGs (inlining and bounds share subtrees), and a mutator's result for an
    expression depends only on the expression: each shared subtree is mutated once per mutator
    (a mutator whose result depends on where it is sets memo_exprs = False)."""

    memo_exprs = True

    def mutate(self, node):
        if self.memo_exprs and isinstance(node, n.Expr):
            memo = self.__dict__.get("_memo")
            if memo is None:
                memo = self._memo = {}
            hit = memo.get(id(node))
            if hit is not None and hit[0] is node:
                return hit[1]
            out = _resolve(type(self), type(node))(self, node)
            memo[id(node)] = (node, out)
            return out
        return _resolve(type(self), type(node))(self, node)

    def generic_visit(self, node):
        changes = None
        for name in node.child_fields():
            old = getattr(node, name)
            new = self._mutate_value(old)
            if new is not old:
                if changes is None:
                    changes = {}
                changes[name] = new
        return node.with_(**changes) if changes else node

    def _mutate_value(self, value):
        if isinstance(value, n.Node):
            return self.mutate(value)
        if isinstance(value, tuple):
            new = tuple(self._mutate_value(v) for v in value)
            return value if all(a is b for a, b in zip(new, value)) else new
        return value


class _Substitute(Mutator):
    """Replace free Variables by name; a name bound inside (Let, LetStmt, For) shadows it."""

    def __init__(self, mapping):
        self.mapping = mapping

    def mutate(self, node):
        # a subtree that uses none of the names is kept whole: substituting one let into a long
        # body then costs the paths to its uses, not the body (free variables are cached)
        free = free_variables(node)
        if not any(k in free for k in self.mapping):
            return node
        return super().mutate(node)

    def visit_Variable(self, node):
        return self.mapping.get(node.name, node)

    def _scoped(self, node, name, inner_fields):
        if name not in self.mapping:
            return self.generic_visit(node)
        changes = {}
        inner = _Substitute({k: v for k, v in self.mapping.items() if k != name})
        for f in node.child_fields():
            old = getattr(node, f)
            new = (inner if f in inner_fields else self)._mutate_value(old)
            if new is not old:
                changes[f] = new
        return node.with_(**changes) if changes else node

    def visit_Let(self, node):
        return self._scoped(node, node.name, ("body",))

    def visit_LetStmt(self, node):
        return self._scoped(node, node.name, ("body",))

    def visit_For(self, node):
        return self._scoped(node, node.name, ("body",))


def substitute(mapping, node):
    """`node` with free Variables replaced: mapping is {name: Expr}."""
    if not mapping:
        return node
    return _Substitute(mapping).mutate(node)


_BINDERS = {n.Let: ("value",), n.LetStmt: ("value",), n.For: ("min", "extent")}


def free_variables(node):
    """{name: Type} of the Variables used in `node` and not bound inside it (cached on the
    node; callers must not change it)."""
    try:
        return node._free
    except AttributeError:
        pass
    t = type(node)
    if t is n.Variable:
        out = {node.name: node.type}
    elif t in (n.IntImm, n.FloatImm, n.StringImm):
        out = _EMPTY
    else:
        out = {}
        binder = _BINDERS.get(t)
        for f in node.child_fields():
            v = getattr(node, f)
            for x in (v if isinstance(v, tuple) else (v,)):
                if isinstance(x, n.Node):
                    inner = free_variables(x)
                    if binder is not None and f not in binder and node.name in inner:
                        inner = {k: ty for k, ty in inner.items() if k != node.name}
                    out.update(inner)
                elif isinstance(x, tuple):
                    for y in x:
                        if isinstance(y, n.Node):
                            out.update(free_variables(y))
        if not out:
            out = _EMPTY
    object.__setattr__(node, "_free", out)
    return out


_EMPTY = {}


def accessed_names(node):
    """The Funcs, images and buffers `node` calls, provides, loads or stores (cached on the node,
    as free_variables): a walk looking for one of them skips the subtrees without it."""
    try:
        return node._accessed
    except AttributeError:
        pass
    t = type(node)
    out = set()
    if t is n.Call and node.call_type != n.INTRINSIC:
        out.add(node.name)
    elif t is n.Provide:
        out.add(node.name)
    elif t in (n.Load, n.Store):
        out.add(node.buffer)
    for f in node.child_fields():
        v = getattr(node, f)
        for x in (v if isinstance(v, tuple) else (v,)):
            if isinstance(x, n.Node):
                out |= accessed_names(x)
            elif isinstance(x, tuple):
                for y in x:
                    if isinstance(y, n.Node):
                        out |= accessed_names(y)
    out = frozenset(out) if out else _NONE
    object.__setattr__(node, "_accessed", out)
    return out


_NONE = frozenset()
