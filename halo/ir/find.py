"""Finders over the IR that several passes share: calls, nodes of a class, loops, producers,
and a loop body's header (the lets and guards at its top that belong to the loop)."""
from . import nodes as n
from .visitor import Mutator, Visitor


class _Walk(Visitor):
    """Walks each distinct node once (a subtree shared in several places is walked once)."""

    def __init__(self, pred, stop=None):
        self.pred, self.stop, self.found = pred, stop, []
        self.seen = set()

    def visit(self, node):
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if self.pred(node):
            self.on_found(node)
        if self.stop is None or not self.stop(node):
            super().visit(node)

    def on_found(self, node):
        self.found.append(node)


class _Found(Exception):
    pass


class _First(_Walk):
    def on_found(self, node):
        raise _Found


def collect(node, pred, stop=None):
    """Every distinct node under `node` (itself included) for which pred(node), in walk order;
    the walk does not go inside nodes for which stop(node)."""
    c = _Walk(pred, stop)
    c.visit(node)
    return c.found


def collect_stmts(stmt, pred):
    """The statements under `stmt` for which pred(s) (expressions are not walked)."""
    return collect(stmt, pred, stop=lambda x: isinstance(x, n.Expr))


def find_calls(node, call_types=(n.FUNC, n.IMAGE)):
    return collect(node, lambda x: type(x) is n.Call and x.call_type in call_types)


def contains(node, pred):
    try:
        _First(pred).visit(node)
    except _Found:
        return True
    return False


def find_loop(stmt, name):
    found = collect_stmts(stmt, lambda s: type(s) is n.For and s.name == name)
    return found[0] if found else None






# ---- loop headers ----------------------------------------------------------------------------

def header(body):
    """(path, inner): the LetStmts and else-less IfThenElses at the top of a loop body (the
    loop's split lets and tail guards), outermost first, and the statement inside them."""
    path = []
    s = body
    while True:
        if type(s) is n.LetStmt:
            path.append(s)
            s = s.body
        elif type(s) is n.IfThenElse and s.else_case is None:
            path.append(s)
            s = s.then_case
        else:
            return path, s


def rewrap(path, inner):
    """The header `path` (from header()) around a new inner statement."""
    for node in reversed(path):
        inner = node.with_(body=inner) if type(node) is n.LetStmt else node.with_(then_case=inner)
    return inner


def wrap_inside_header(body, wrap):
    path, inner = header(body)
    return rewrap(path, wrap(inner))




class _AtLoop(Mutator):
    def __init__(self, loop, fn):
        self.loop, self.fn, self.done = loop, fn, False

    def visit_For(self, s):
        if s.name == self.loop:
            self.done = True
            return self.fn(s)
        return self.generic_visit(s)

    def visit_Expr(self, e):
        return e


def at_loop(stmt, loop, fn):
    """`stmt` with the loop named `loop` replaced by fn(loop); at the top when loop is None."""
    if loop is None:
        return fn(stmt)
    return _AtLoop(loop, fn).mutate(stmt)


def inside_loop(stmt, loop, wrap):
    """`stmt` with wrap(...) applied inside the header of loop `loop` (at the top when None)."""
    if loop is None:
        return wrap(stmt)
    return at_loop(stmt, loop, lambda s: s.with_(body=wrap_inside_header(s.body, wrap)))


def path_to(stmt, pred):
    """The statements from `stmt` down to the first statement satisfying pred (inclusive), or
    None."""
    if pred(stmt):
        return [stmt]
    for k in stmt.children():
        if isinstance(k, n.Stmt):
            r = path_to(k, pred)
            if r is not None:
                return [stmt] + r
    return None


def is_pair(s, name):
    """Whether `s` is the produce / consume pair of Func `name` that placement makes."""
    if type(s) is n.Block and len(s.stmts) == 2:
        p, c = s.stmts
        return type(p) is n.ProducerConsumer and p.is_producer and p.name == name and \
            type(c) is n.ProducerConsumer and not c.is_producer and c.name == name
    return False
