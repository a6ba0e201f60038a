"""Common subexpression elimination: within each expression of a statement, a non-trivial
subexpression that occurs more than once is computed once, in a Let. Structural keys find the
repeats; a subexpression that reads a name bound by a Let inside the expression stays where it
is (lifting it would take it out of that name's scope)."""
from . import nodes as n
from .visitor import Mutator, free_variables

_LEAVES = (n.IntImm, n.FloatImm, n.StringImm, n.Variable)


def _bound_names(e):
    names = set()
    stack = [e]
    seen = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if type(x) is n.Let:
            names.add(x.name)
        stack.extend(k for k in x.children() if isinstance(k, n.Expr))
    return names


class _Count:
    def __init__(self):
        self.counts = {}   # Key -> occurrences
        self.order = []    # Keys in post-order (children first)
        self.nodes = {}

    def visit(self, e):
        if isinstance(e, _LEAVES):
            return
        k = n.Key(e)
        c = self.counts.get(k, 0)
        self.counts[k] = c + 1
        if c:
            return  # its children were counted the first time
        self.nodes[k] = e
        for x in e.children():
            if isinstance(x, n.Expr):
                self.visit(x)
        self.order.append(k)


class _Replace(Mutator):
    def __init__(self, names):
        self.names = names  # Key -> Variable

    def mutate(self, node):
        if isinstance(node, n.Expr) and not isinstance(node, _LEAVES):
            v = self.names.get(n.Key(node))
            if v is not None:
                return v
        return super().mutate(node)


def cse_expr(e, supply):
    """`e` with repeated subexpressions bound once by Lets (names from `supply`)."""
    if isinstance(e, _LEAVES):
        return e
    counter = _Count()
    counter.visit(e)
    bound = _bound_names(e)
    shared = [k for k in counter.order
              if counter.counts[k] > 1 and type(counter.nodes[k]) is not n.Let and counter.nodes[k].type.lanes == 1
              and not (bound and free_variables(counter.nodes[k]).keys() & bound)
              and not (type(counter.nodes[k]) is n.Call and counter.nodes[k].call_type == n.INTRINSIC
                       and not counter.nodes[k].args)]
    if not shared:
        return e
    names, lets = {}, []
    for k in shared:  # post-order: each let's value uses only earlier lets
        node = counter.nodes[k]
        value = _Replace(names).generic_visit(node)
        var = n.Variable(node.type, supply.fresh("t", "cse"))
        lets.append((var.name, value))
        names[k] = var
    out = _Replace(names).mutate(e)
    for name, value in reversed(lets):
        out = n.Let(out.type, name, value, out)
    return out


class _CseStmt(Mutator):
    memo_exprs = False  # each expression gets lets of its own, even where it is shared

    def __init__(self, supply):
        self.supply = supply

    def visit_Expr(self, e):
        return cse_expr(e, self.supply)


def cse(stmt, supply):
    """Every expression of `stmt` with its repeated subexpressions bound once."""
    return _CseStmt(supply).mutate(stmt)

