"""Loop-invariant lets leave their loops: a let whose value depends on nothing the loop defines
is computed once before the loop instead of once per iteration (Halide's hoisting of loop
invariant values). Partitioning puts the bounds of each steady state next to its loop, inside
the loops around it; on Hexagon a copy kernel spent more packets on recomputing them per row
than on the copy itself, and a C compiler with many live pointers does not always hoist them.

Only pure arithmetic moves (no load, no call of a Func or image: memory may change in the
loop), only lets whose name is bound once in the statement (partitioning duplicates loop
bodies, and two copies of one let must not meet outside), and never out of a parallel loop
(its body becomes a task whose captured values the code generator decides).
"""
from collections import Counter

from ..ir import nodes as n
from ..ir.find import contains
from ..ir.visitor import Mutator, free_variables


def _bound_names(stmt):
    """Every name a statement binds (lets, loops, allocations), with repetitions."""
    names = []

    def walk(s):
        t = type(s)
        if t in (n.LetStmt, n.For):
            names.append(s.name)
        elif t in (n.Allocate, n.Realize):
            names.append(s.name)
        for x in s.children():
            if isinstance(x, n.Stmt):
                walk(x)

    walk(stmt)
    return names


def _pure(e):
    return not contains(e, lambda x: type(x) is n.Load or (type(x) is n.Call and x.call_type != n.INTRINSIC))


class _Hoist(Mutator):
    def __init__(self, unique):
        self.unique = unique

    def visit_Expr(self, e):
        return e

    def visit_For(self, s):
        body = self.mutate(s.body)
        if s.kind == n.PARALLEL:
            return s if body is s.body else s.with_(body=body)
        inside = set(_bound_names(body)) | {s.name}
        lifted = []
        body = self._lift(body, inside, lifted)
        out = s if body is s.body else s.with_(body=body)
        for name, value in reversed(lifted):
            out = n.LetStmt(name, value, out)
        return out

    def _lift(self, s, inside, lifted):
        """`s` without the lets that can move out of the loop (appended to `lifted`, in order)."""
        t = type(s)
        if t is n.LetStmt:
            if s.name in self.unique and _pure(s.value) and inside.isdisjoint(free_variables(s.value)):
                lifted.append((s.name, s.value))
                inside.discard(s.name)
                return self._lift(s.body, inside, lifted)
            body = self._lift(s.body, inside, lifted)
            return s if body is s.body else s.with_(body=body)
        if t is n.Block:
            stmts = tuple(self._lift(x, inside, lifted) for x in s.stmts)
            return s if all(a is b for a, b in zip(stmts, s.stmts)) else n.Block(stmts)
        if t is n.IfThenElse:
            then_case = self._lift(s.then_case, inside, lifted)
            else_case = None if s.else_case is None else self._lift(s.else_case, inside, lifted)
            if then_case is s.then_case and else_case is s.else_case:
                return s
            return s.with_(then_case=then_case, else_case=else_case)
        return s


def hoist_loop_invariants(stmt, ctx):
    counts = Counter(_bound_names(stmt))
    return _Hoist({name for name, c in counts.items() if c == 1}).mutate(stmt)
