"""Generic traversal of the IR: a Visitor that walks every node and a Mutator that rebuilds only
the nodes whose children changed (unchanged subtrees are shared, not copied)."""
from . import nodes as n


def _dispatch(obj, node):
    method = getattr(obj, "visit_" + type(node).__name__, None)
    if method is None:
        method = obj.generic_visit
    return method(node)


class Visitor:
    def visit(self, node):
        return _dispatch(self, node)

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
    def mutate(self, node):
        return _dispatch(self, node)

    visit = mutate

    def generic_visit(self, node):
        changes = {}
        for name in node.child_fields():
            old = getattr(node, name)
            new = self._mutate_value(old)
            if new is not old:
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
    def __init__(self, mapping):
        self.mapping = mapping

    def visit_Variable(self, node):
        return self.mapping.get(node.name, node)

    def visit_Let(self, node):
        value = self.mutate(node.value)
        if node.name in self.mapping:
            inner = _Substitute({k: v for k, v in self.mapping.items() if k != node.name})
            body = inner.mutate(node.body)
        else:
            body = self.mutate(node.body)
        return node.with_(value=value, body=body) if (value is not node.value or body is not node.body) else node


def substitute(mapping, node):
    """Replace free Variables by name: mapping is {name: Expr}."""
    if not mapping:
        return node
    return _Substitute(mapping).mutate(node)


class _FreeVars(Visitor):
    def __init__(self):
        self.names = {}
        self.bound = []

    def visit_Variable(self, node):
        if node.name not in self.bound:
            self.names.setdefault(node.name, node.type)

    def visit_Let(self, node):
        self.visit(node.value)
        self.bound.append(node.name)
        self.visit(node.body)
        self.bound.pop()

    def visit_LetStmt(self, node):
        self.visit_Let(node)

    def visit_For(self, node):
        self.visit(node.min)
        self.visit(node.extent)
        self.bound.append(node.name)
        self.visit(node.body)
        self.bound.pop()


def free_variables(node):
    """{name: Type} of the Variables used in `node` and not bound inside it."""
    v = _FreeVars()
    v.visit(node)
    return v.names


class _Calls(Visitor):
    def __init__(self, call_types):
        self.calls = []
        self.call_types = call_types

    def visit_Call(self, node):
        if node.call_type in self.call_types:
            self.calls.append(node)
        self.generic_visit(node)


def find_calls(node, call_types=("func", "image")):
    v = _Calls(call_types)
    v.visit(node)
    return v.calls

