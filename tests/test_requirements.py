"""The schedule's requirements on output buffers: asserted first with a message that names the
directive, and assumed by the simplifier and isl for everything after them."""
import numpy as np
import pytest

import halo as hl
from halo.ir import nodes as n
from halo.ir.names import BufferField
from halo.ir.simplify import Simplifier, simplify
from halo.ir.types import Bool, Int
from halo.lower import lower
from halo.poly.isl_bridge import IslContext

I32, BOOL = Int(32), Bool()
x, y = hl.Var("x"), hl.Var("y")
xo, xi, xoo, xoi = hl.Var("xo"), hl.Var("xi"), hl.Var("xoo"), hl.Var("xoi")


def _extent(name, d=0):
    return n.Variable(I32, BufferField(name, "extent", d))


def _blur():
    inp = hl.ImageParam(hl.UInt(16), 2, "inp")
    c = hl.BoundaryConditions.repeat_edge(inp)
    bx, out = hl.Func("bx"), hl.Func("out")
    bx[x, y] = c[x - 1, y] + c[x, y] + c[x + 1, y]
    out[x, y] = bx[x, y - 1] + bx[x, y] + bx[x, y + 1]
    yo, yi = hl.Var("yo"), hl.Var("yi")
    out.split(y, yo, yi, 8).vectorize(x, 32)
    bx.compute_at(out, yo).vectorize(x, 32)
    return inp, out


def test_requirements_of_vectorize_and_split():
    _, out = _blur()
    reqs = lower([out], stop_after="schedule_functions").ctx.requirements
    assert [(r.func, r.dim, r.minimum, r.directive) for r in reqs] == [
        ("out", 0, 32, "out.vectorize(x, 32)"), ("out", 1, 8, "out.split(y, yo, yi, 8)")]


def test_the_realization_of_a_producer_is_the_output_row_under_the_requirement():
    # without the requirement the bounds of bx held min(0, out.extent.0 - 32) special cases
    # for outputs narrower than one vector
    _, out = _blur()
    bx = lower([out]).realizations()["bx"]
    assert n.equal(bx.bounds[0][0], n.Variable(I32, BufferField("out", "min", 0)))
    assert n.equal(bx.bounds[0][1], _extent("out"))
    assert n.equal(bx.bounds[1][1], n.IntImm(I32, 10))


def test_requirement_failure_names_the_directive():
    inp, out = _blur()
    inp.set(np.zeros((8, 10), np.uint16))
    with pytest.raises(hl.HaloRuntimeError) as e:
        out.realize([10, 8])
    assert "Output buffer out is accessed at -22, which is before the min (0) in dimension 0: " \
           "out.vectorize(x, 32) needs an extent of at least 32 there, and it is 10" in str(e.value)


def test_nested_shift_inwards_splits_need_their_product():
    f = hl.Func("f")
    f[x] = x * 3
    f.split(x, xo, xi, 16).split(xo, xoo, xoi, 4)
    (r,) = lower([f], stop_after="schedule_functions").ctx.requirements
    # ceil(E / 16) >= 4 holds from E = 49 on; f.split(x, xo, xi, 16) needs only 16
    assert (r.minimum, r.directive) == (49, "f.split(xo, xoo, xoi, 4)")
    with pytest.raises(hl.HaloRuntimeError, match=r"accessed at -16, which is before the min \(0\) in dimension 0: "
                                                  r"f.split\(xo, xoo, xoi, 4\) needs an extent of at least 49 there, "
                                                  r"and it is 48"):
        f.realize([48])
    assert np.array_equal(np.asarray(f.realize([49])), np.arange(49) * 3)


@pytest.mark.parametrize("schedule", [
    lambda f: f.split(x, xo, xi, 8, hl.TailStrategy.GuardWithIf),
    lambda f: f.split(x, xo, xi, 8, hl.TailStrategy.RoundUp),
    lambda f: f.split(x, xo, xi, 8).parallel(xo),
])
def test_tails_that_do_not_shift_require_nothing(schedule):
    f = hl.Func("f")
    f[x] = x
    schedule(f)
    assert lower([f], stop_after="schedule_functions").ctx.requirements == ()


def test_simplifier_assumes_its_facts_and_keeps_their_assertions():
    e = _extent("out")
    fact = n.GE(BOOL, e, n.IntImm(I32, 32))
    s = Simplifier([fact])
    assert n.equal(s.mutate(n.Min(I32, n.IntImm(I32, 0), n.Sub(I32, e, n.IntImm(I32, 32)))), n.IntImm(I32, 0))
    kept = n.AssertStmt(fact, "halo_error_buffer_too_small", "", ())
    out = s.mutate(kept)
    assert type(out) is n.AssertStmt and out.cond is fact
    # without the fact nothing is decided
    assert type(simplify(n.Min(I32, n.IntImm(I32, 0), n.Sub(I32, e, n.IntImm(I32, 32))))) is n.Min


def test_floor_division_bounds_decide_rounded_up_tiles():
    e = _extent("out")
    rounded = n.Sub(I32, n.Mul(I32, n.Div(I32, n.Add(I32, e, n.IntImm(I32, 31)), n.IntImm(I32, 32)),
                               n.IntImm(I32, 32)), n.IntImm(I32, 32))
    shifted = n.Sub(I32, e, n.IntImm(I32, 32))
    assert n.equal(simplify(n.Min(I32, rounded, shifted)), shifted)


def test_isl_questions_are_asked_within_the_assumptions():
    isl = IslContext()
    e = _extent("out")
    gap = n.Sub(I32, n.IntImm(I32, 32), e)
    assert isl.max_value(gap) is None  # unbounded: the extent may be anything
    isl.assume([n.GE(BOOL, e, n.IntImm(I32, 32))])
    assert isl.max_value(gap) == 0
