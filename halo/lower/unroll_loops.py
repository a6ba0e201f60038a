"""Unrolling: a loop marked unrolled is replaced by copies of its body, one per iteration."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..ir.visitor import Mutator, substitute


class _Unroll(Mutator):
    def visit_For(self, s):
        body = self.mutate(s.body)
        if s.kind != n.UNROLLED:
            return s if body is s.body else s.with_(body=body)
        ext = simplify(s.extent)
        if type(ext) is not n.IntImm:
            raise ScheduleError(
                f"unroll: the loop {s.name} has extent {ext}, which is not a constant; unroll needs a constant "
                f"extent: split the loop first, e.g. unroll(var, factor)")
        mn = simplify(s.min)
        return n.block(*[substitute({s.name: simplify(mn + i)}, body) for i in range(ext.value)])


def unroll_loops(stmt, ctx):
    return _Unroll().mutate(stmt)
