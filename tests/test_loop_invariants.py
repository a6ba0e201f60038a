"""Before / after tests of hoist_loop_invariants, of which loops partitioning splits, and of the
declared constraints lowering assumes."""
import numpy as np

import halo as hl
from halo.ir import nodes as n
from halo.ir.find import collect
from halo.ir.names import BufferField
from halo.ir.types import Int
from halo.ir.visitor import free_variables
from halo.lower import lower
from halo.lower.hoist_loop_invariants import hoist_loop_invariants

I32 = Int(32)
x, y = hl.Var("x"), hl.Var("y")


def V(name):
    return n.Variable(I32, name)


def c(v):
    return n.IntImm(I32, v)


def _loop(kind, let_name, value, inner_name="x"):
    """for y { let <let_name> = value; for x { out[x] = <let_name> + x } }"""
    store = n.Store("out", V(inner_name), n.Add(I32, V(let_name), V(inner_name)))
    inner = n.For(inner_name, c(0), c(8), n.SERIAL, store)
    return n.For("y", c(0), V("h"), kind, n.LetStmt(let_name, value, inner))


def test_an_invariant_let_leaves_its_loops():
    out = hoist_loop_invariants(_loop(n.SERIAL, "a", n.Mul(I32, V("w"), c(3))), None)
    assert type(out) is n.LetStmt and out.name == "a"
    assert type(out.body) is n.For and type(out.body.body) is n.For


def test_a_let_of_the_loop_variable_stays():
    s = _loop(n.SERIAL, "a", n.Add(I32, V("y"), c(1)))
    assert hoist_loop_invariants(s, None) is s


def test_loads_duplicates_and_parallel_loops_stay():
    load = _loop(n.SERIAL, "a", n.Load(I32, "lut", V("w")))
    assert hoist_loop_invariants(load, None) is load
    parallel = _loop(n.PARALLEL, "a", n.Mul(I32, V("w"), c(3)))
    assert type(hoist_loop_invariants(parallel, None)) is n.For
    twice = n.Block((_loop(n.SERIAL, "a", c(3)), _loop(n.SERIAL, "a", c(3))))
    assert hoist_loop_invariants(twice, None) is twice


def test_dependent_invariants_leave_together_in_order():
    inner = n.For("x", c(0), c(8), n.SERIAL, n.Store("out", V("x"), V("b")))
    s = n.For("y", c(0), V("h"), n.SERIAL,
              n.LetStmt("a", n.Mul(I32, V("w"), c(2)), n.LetStmt("b", n.Add(I32, V("a"), c(1)), inner)))
    out = hoist_loop_invariants(s, None)
    assert (out.name, out.body.name) == ("a", "b") and type(out.body.body) is n.For


def _steady_lets(stmt):
    return [s for s in collect(stmt, lambda s: type(s) is n.LetStmt) if "steady" in str(s.name)]


def test_a_shifted_tail_alone_does_not_partition_its_loop():
    f = hl.Func("f")
    f[x, y] = x + y
    f.vectorize(x, 16)
    assert _steady_lets(lower([f]).stmt) == []


def test_a_boundary_condition_partitions_and_the_bounds_leave_the_row_loop():
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    rep = hl.BoundaryConditions.repeat_edge(inp)
    f = hl.Func("f")
    f[x, y] = rep[x - 1, y] + rep[x + 1, y]
    f.vectorize(x, 16)
    stmt = lower([f]).stmt
    steady = _steady_lets(stmt)
    assert steady
    row = collect(stmt, lambda s: type(s) is n.For and s.name.user == "y")
    assert len(row) == 1 and not _steady_lets(row[0])  # computed once, before the rows
    a = np.random.default_rng(1).integers(0, 100, (5, 40)).astype(np.uint8)
    inp.set(hl.Buffer(a))
    p = np.pad(a.astype(np.int32), ((0, 0), (1, 1)), mode="edge")
    assert np.array_equal(np.asarray(f.realize([40, 5])), (p[:, :-2] + p[:, 2:]).astype(np.uint8))


def test_declared_constant_strides_and_extents_are_constants_after_their_check():
    inp = hl.ImageParam(hl.UInt(8), 3, "inp")
    f, c_ = hl.Func("f"), hl.Var("c")
    f[x, y, c_] = inp[x, y, c_] + 1
    for d in (inp.dim(0), f.output_buffer().dim(0)):
        d.set_stride(2)
    for d in (inp.dim(2), f.output_buffer().dim(2)):
        d.set_stride(1).set_bounds(0, 2)
    low = lower([f])
    fields = {BufferField(b, fld, d) for b in ("inp", "f") for fld, d in (("stride", 0), ("stride", 2),
                                                                             ("min", 2), ("extent", 2))}
    accesses = collect(low.stmt, lambda e: type(e) in (n.Load, n.Store))
    assert accesses and all(not fields & free_variables(a.index).keys() for a in accesses)
    asserted = [s for s in collect(low.stmt, lambda s: type(s) is n.AssertStmt) if "requires" in s.message]
    assert len(asserted) == 8  # each constraint is still checked
    a = np.random.default_rng(2).integers(0, 200, (6, 7, 2)).astype(np.uint8)  # (H, W, channel)
    inp.set(hl.Buffer(a).transposed([1, 2, 0]))
    out = np.zeros_like(a)
    f.realize(hl.Buffer(out).transposed([1, 2, 0]))
    assert np.array_equal(out, a + 1)
