"""Vectorized loops: each must have a constant extent and be innermost (no loop, allocation or
producer inside it). The code generator turns it into a loop the C compiler vectorizes."""
from ..errors import ScheduleError
from ..ir import nodes as n
from ..ir.simplify import simplify
from ..ir.visitor import Visitor


class _Inner(Visitor):
    def __init__(self):
        self.found = []

    def visit_For(self, s):
        self.found.append(f"loop {s.name}")

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
                    f"Vectorize the innermost loop, or reorder so {s.name.rsplit('.', 1)[-1]} is innermost and "
                    f"compute producers outside it")
        self.visit(s.body)


def vectorize_loops(stmt):
    _Check().visit(stmt)
    return stmt
