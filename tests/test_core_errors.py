"""The core language's errors: each illegal definition or schedule raises the documented
exception class with a message that names what was wrong (stable fragments pinned here)."""
import re

import numpy as np
import pytest

import halo as hl
from halo.lower import lower

TS = hl.TailStrategy
x, y, z = hl.Var("x"), hl.Var("y"), hl.Var("z")
xo, xi, yo, yi = hl.Var("xo"), hl.Var("xi"), hl.Var("yo"), hl.Var("yi")


def raises(cls, fragment):
    return pytest.raises(cls, match=re.escape(fragment))


def chain():
    """p -> c, p read at two points of c's loop nest."""
    p, c = hl.Func("p"), hl.Func("c")
    p[x, y] = x + y
    c[x, y] = p[x, y] + p[x + 1, y]
    return p, c


def with_update():
    f = hl.Func("f")
    f[x] = x
    r = hl.RDom([hl.Range(0, 3), hl.Range(0, 3)], "r")
    f[x] = f[x] + r.x + r.y
    return f, r


# ---- definitions --------------------------------------------------------------------------------

def test_func_called_with_wrong_arity():
    f, g = hl.Func("f"), hl.Func("g")
    f[x, y] = x + y
    with raises(hl.DefinitionError, "Func f has 2 dimension(s) but is called with 1 argument(s)"):
        g[x] = f[x]


def test_image_param_called_with_wrong_arity():
    inp, g = hl.ImageParam(hl.UInt(8), 2, "input"), hl.Func("g")
    with raises(hl.DefinitionError, "ImageParam input has 2 dimension(s) but is called with 1 argument(s)"):
        g[x] = inp[x]


def test_calling_an_undefined_func():
    f, g = hl.Func("f"), hl.Func("g")
    with raises(hl.DefinitionError, "Can't call Func \"f\" because it has not yet been defined. Define it first"):
        g[x] = f[x]


def test_pure_definition_with_an_expression_argument():
    f = hl.Func("f")
    with raises(hl.DefinitionError, "pure definition of Func f: argument 0 is"):
        f[x + 1, y] = x
    with raises(hl.DefinitionError, "not a Var; the first definition of a Func takes distinct Vars"):
        f[x, 0] = x


def test_pure_definition_with_repeated_vars():
    f = hl.Func("f")
    with raises(hl.DefinitionError, "pure definition of Func f: the Vars x, x are not distinct"):
        f[x, x] = x


def test_rvar_in_a_pure_definition():
    r = hl.RDom([hl.Range(0, 10)], "r")
    f = hl.Func("f")
    with raises(hl.DefinitionError, "pure definition of Func f uses RVar r.x; reductions belong in an update definition"):
        f[x] = x + r.x


def test_update_type_mismatch():
    f = hl.Func("f")
    f[x] = hl.cast(hl.UInt(8), x)
    with raises(hl.TypeMismatchError, "update 0 of Func f has type uint16 but f has type uint8 (from its pure definition)"):
        f[x] = f[x] + hl.cast(hl.UInt(16), 1)


def test_update_with_wrong_arity():
    f = hl.Func("f")
    f[x, y] = x
    with raises(hl.DefinitionError, "update 0 of Func f has 1 arguments but f has 2 dimensions"):
        f[x] = 1


def test_update_with_rvars_of_two_rdoms():
    f = hl.Func("f")
    f[x] = x
    r, s = hl.RDom([(0, 3)], "r"), hl.RDom([(0, 3)], "s")
    with raises(hl.DefinitionError, "update 0 of Func f uses RVars of 2 different RDoms (r, s)"):
        f[r] = f[s] + 1


def test_declared_type_mismatch():
    f = hl.Func(hl.UInt(8), "f")
    with raises(hl.TypeMismatchError, "Func \"f\" is constrained to only hold values of type uint8 but is defined with values of type int32"):
        f[x] = x


def test_integer_constant_that_does_not_fit():
    with raises(hl.TypeMismatchError, "integer constant 300 does not fit in type uint8"):
        hl.cast(hl.UInt(8), x) + 300


def test_float_coordinates():
    inp, g, f = hl.ImageParam(hl.UInt(8), 1, "input"), hl.Func("g"), hl.Func("f")
    g[x] = x
    with raises(hl.DefinitionError, 'Implicit cast from float32 to int in argument 1 in call to "input" is not allowed'):
        f[x] = inp[hl.cast(hl.Float(32), x) * 0.5]
    with raises(hl.DefinitionError, "coordinates must be integers: use hl.cast(hl.Int(32), ...)"):
        f[x] = g[x * 0.5]


def test_select_with_a_non_bool_condition():
    with raises(hl.TypeMismatchError, "select condition must be boolean, got int32"):
        hl.select(x, 1, 2)
    with raises(hl.TypeMismatchError, "select takes (cond, value) pairs followed by a default value"):
        hl.select(x > 0, 1, x > 1, 2)


def test_logical_and_or_not_of_non_bools():
    with raises(hl.TypeMismatchError, "logical and needs boolean operands, got int32"):
        hl.logical_and(x, x > 1)
    with raises(hl.TypeMismatchError, "logical or needs boolean operands, got int32"):
        hl.logical_or(x > 1, y)
    with raises(hl.TypeMismatchError, "logical not needs a boolean operand, got int32; use ~ for bitwise not"):
        hl.logical_not(x)


def test_param_value_out_of_range_and_image_param_buffer_mismatch():
    with raises(hl.DefinitionError, "Param k of type uint8 cannot hold 300"):
        hl.Param(hl.UInt(8), "k", 300)
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    with raises(hl.DefinitionError, "ImageParam input is uint8 with 2 dimensions; the buffer given is uint16 with 2"):
        inp.set(hl.Buffer(np.zeros((3, 3), np.uint16)))


# ---- loop directives ----------------------------------------------------------------------------

def test_split_of_an_unknown_var():
    p, c = chain()
    with raises(hl.ScheduleError, "In schedule for c: split(z, zo, zi, 4): could not find dimension z. "
                                  "Dimensions are (innermost first): x, y"):
        c.split(z, hl.Var("zo"), hl.Var("zi"), 4)


def test_split_of_an_already_split_var():
    p, c = chain()
    c.split(x, xo, xi, 4)
    with raises(hl.ScheduleError, "could not find dimension x; it was already split into xo and xi"):
        c.split(x, hl.Var("a"), hl.Var("b"), 2)


def test_split_with_names_already_used():
    p, c = chain()
    with raises(hl.ScheduleError, "split(x, y, xi, 4): the name y is already a dimension of c; choose a new name"):
        c.split(x, y, xi, 4)
    with raises(hl.ScheduleError, "split(x, a, a, 4): outer and inner names must differ"):
        c.split(x, hl.Var("a"), hl.Var("a"), 4)


def test_split_factor_must_be_positive():
    p, c = chain()
    with raises(hl.ScheduleError, "c: split factor must be positive, got 0"):
        c.split(x, xo, xi, 0)


def test_schedule_before_definition_and_missing_update():
    f = hl.Func("f")
    with raises(hl.ScheduleError, "Func f: split before f has a definition"):
        f.split(x, xo, xi, 4)
    p, c = chain()
    with raises(hl.ScheduleError, "Func c has 0 update definition(s); update(0) does not exist"):
        c.update(0)


def test_reorder_listing_a_var_twice():
    p, c = chain()
    with raises(hl.ScheduleError, "In schedule for c: reorder(x, x): a dimension is listed twice"):
        c.reorder(x, x)


def test_reordering_rvars_of_an_update():
    f, r = with_update()
    with raises(hl.ScheduleError, "reorder(r.y, r.x) changes the order of the RVars (r.x, r.y becomes r.y, r.x)"):
        f.update(0).reorder(r.y, r.x)


def test_parallel_of_an_rvar():
    f = hl.Func("f")
    f[x] = x
    r = hl.RDom([hl.Range(0, 3)], "r")
    f[r] = f[r] + 1
    with raises(hl.ScheduleError, "parallel(r.x): r.x is an RVar; running its iterations in parallel could race"):
        f.update(0).parallel(r.x)


@pytest.mark.parametrize("tail", [TS.RoundUp, TS.ShiftInwards])
def test_round_up_and_shift_inwards_refused_in_updates(tail):
    f = hl.Func("f")
    f[x] = x
    f[x] = f[x] + 1
    with raises(hl.ScheduleError, f"split(x, xo, xi, 4): TailStrategy.{tail.value} would compute some points of an "
                                  f"update definition twice or past the end"):
        f.update(0).split(x, xo, xi, 4, tail)


def test_fuse_of_non_adjacent_loops():
    f = hl.Func("f")
    f[x, y, z] = x
    with raises(hl.ScheduleError, "fuse(x, z, t): z must be the loop directly outside x; reorder first"):
        f.fuse(x, z, hl.Var("t"))


def test_fuse_of_a_var_with_an_rvar():
    f = hl.Func("f")
    f[x] = x
    r = hl.RDom([(0, 3)], "r")
    f[x] = f[x] + r
    with raises(hl.ScheduleError, "fuse(r.x, x, t): cannot fuse a Var with an RVar"):
        f.update(0).fuse(r, x, hl.Var("t"))


def test_vectorize_of_a_loop_around_a_parallel_loop():
    # a serial loop inside a vectorized one is vectorized as Halide does (test_core_pipelines);
    # a parallel one cannot run inside vector lanes
    f = hl.Func("f")
    f[x, y] = x
    f.split(x, xo, xi, 4).reorder(xo, xi).vectorize(xi).parallel(xo)
    with raises(hl.ScheduleError,
                "vectorize: the loop f.s0.xi is not innermost: it contains the parallel loop f.s0.xo"):
        lower([f])


def test_vectorize_and_unroll_need_a_constant_extent():
    f = hl.Func("f")
    f[x, y] = x
    f.vectorize(x)
    with raises(hl.ScheduleError, "vectorize: the loop f.s0.x has extent"):
        lower([f])
    with raises(hl.ScheduleError, "which is not a constant; vectorize with a factor (vectorize(var, 16))"):
        lower([f])
    g = hl.Func("g")
    g[x, y] = x
    g.unroll(x)
    with raises(hl.ScheduleError, "which is not a constant; unroll needs a constant extent: split the loop first"):
        lower([g])


def test_bound_of_an_unknown_dimension():
    p, c = chain()
    with raises(hl.ScheduleError, "Func c: bound(z, ...): z is not a pure dimension of c; its dimensions are x, y"):
        c.bound(z, 0, 4)


# ---- placement ----------------------------------------------------------------------------------

def test_compute_at_a_loop_that_does_not_enclose_every_use():
    p, c = chain()
    o = hl.Func("o")
    o[x, y] = c[x, y] + p[x, y]
    c.compute_root()
    p.compute_at(c, x)
    with raises(hl.ScheduleError, "Func p cannot be computed at c.x: the loop c.x does not enclose every use of p. "
                                  "Legal locations for this function are: root"):
        lower([o])


def test_compute_at_a_var_the_consumer_has_no_loop_over():
    p, c = chain()
    p.compute_at(c, z)
    with raises(hl.ScheduleError, "Func p cannot be computed at c.z: c has no loop over z. "
                                  "Legal locations for this function are: root, c.y, c.x"):
        lower([c])


def test_store_at_inside_the_compute_level():
    p, c = chain()
    c.split(x, xo, xi, 4)
    p.compute_at(c, y).store_at(c, xo)
    with raises(hl.ScheduleError, "Func p cannot be stored at c.xo: storage must be at or outside the compute level "
                                  "(c.y)"):
        lower([c])
    with raises(hl.ScheduleError, "Legal store locations are: root, c.y"):
        lower([c])


def test_store_outside_a_parallel_loop_with_compute_inside():
    p, c = chain()
    c.parallel(y)
    p.compute_at(c, x).store_root()
    with raises(hl.ScheduleError, "Func p is stored outside the parallel loop c.y but computed inside it; "
                                  "the iterations would race on its storage"):
        lower([c])


def test_store_level_of_an_inlined_func():
    p, c = chain()
    p.store_root()
    with raises(hl.ScheduleError, "Func p is inlined (computed where it is used), so store_at / store_root has no "
                                  "storage to place"):
        lower([c])


def test_compute_inline_of_a_func_with_updates():
    f, _ = with_update()
    with raises(hl.ScheduleError, "Func f: compute_inline: a Func with update definitions cannot be inlined"):
        f.compute_inline()


def test_compute_at_on_an_output():
    p, c = chain()
    o = hl.Func("o")
    o[x, y] = c[x, y]
    c.compute_at(o, x)
    with raises(hl.ScheduleError, "Func c is an output of the pipeline; it cannot be compute_at o.x or inlined"):
        lower([c])


def test_compute_at_a_loop_of_itself():
    p, c = chain()
    with raises(hl.ScheduleError, "Func p: compute_at cannot refer to a loop of p itself"):
        p.compute_at(p, x)


def test_fold_storage_where_it_is_computed_is_refused():
    p, c = chain()
    p.compute_root().fold_storage(y, 2)
    with raises(hl.ScheduleError, "Func p: fold_storage(y, 2): p is stored where it is computed, so the fold must "
                                  "hold its whole region"):
        lower([c])


def test_async_of_a_root_func_is_refused():
    p, c = chain()
    p.compute_root().async_()
    with raises(hl.ScheduleError, "a Func computed at the root has no consumer loop to run ahead of"):
        lower([c])


def test_two_different_funcs_with_the_same_name():
    a, b = hl.Func("f"), hl.Func("f")
    a[x] = x
    b[x] = a[x] + 1
    with raises(hl.DefinitionError, "two different Funcs in this pipeline are named f; give them distinct names"):
        lower([b])


# ---- bounds and running -------------------------------------------------------------------------

def test_unboundable_index_is_a_bounds_error():
    g, h, f = hl.Func("g"), hl.Func("h"), hl.Func("f")
    g[x] = x * x
    h[x] = x
    f[x] = h[g[x]]
    h.compute_root()
    with raises(hl.BoundsError, "cannot bound the region of h read by f: the index expression (f.s0.x * f.s0.x) is "
                                "not affine and has no finite interval bounds"):
        lower([f])


def test_image_param_without_a_buffer_at_realize():
    inp, f = hl.ImageParam(hl.UInt(8), 2, "input"), hl.Func("f")
    f[x, y] = inp[x, y]
    with raises(hl.HaloError, "ImageParam input has no buffer: call input.set(hl.Buffer(array)) before realize"):
        f.realize([4, 4])


def test_param_without_a_value_at_realize():
    k, f = hl.Param(hl.Int(32), "k"), hl.Func("f")
    f[x, y] = x + k
    with raises(hl.HaloError, "Param k has no value: call k.set(value) before realize"):
        f.realize([4, 4])


def test_input_buffer_too_small_at_runtime():
    inp, f = hl.ImageParam(hl.UInt(8), 2, "input"), hl.Func("f")
    inp.set(hl.Buffer(np.zeros((4, 4), np.uint8)))
    f[x, y] = inp[x - 1, y]
    with raises(hl.HaloRuntimeError, "Input buffer input is accessed at -1, which is before the min (0) in dimension 0"):
        f.realize([4, 4])


@pytest.mark.parametrize("tail,fragment", [
    (TS.ShiftInwards, "Output buffer f is accessed at -3, which is before the min (0) in dimension 0"),
    (TS.RoundUp, "Output buffer f is accessed at 7, which is beyond the max (4) in dimension 0"),
])
def test_output_smaller_than_the_split_factor_at_runtime(tail, fragment):
    f = hl.Func("f")
    f[x] = x
    f.split(x, xo, xi, 8, tail)
    with raises(hl.HaloRuntimeError, fragment):
        f.realize([5])


def test_print_needs_a_value_first_and_no_vector_loop():
    with raises(hl.DefinitionError, "hl.print needs a value first"):
        hl.print("x is", x)
    with raises(hl.DefinitionError, "hl.print_when needs a boolean condition first"):
        hl.print_when(x, x)
    f = hl.Func("f")
    f[x] = hl.print(x, "is x")
    f.vectorize(x, 4)
    with raises(hl.ScheduleError, "is in a vectorized loop: halo prints scalars only"):
        f.realize([8])


def test_requirement_error_args_are_strings_and_integers():
    f = hl.Func("f")
    f[x] = x
    with raises(hl.DefinitionError, "add_requirement: error argument 0.5f has type float32"):
        hl.Pipeline(f).add_requirement(x > 0, "half", 0.5)
    with raises(hl.DefinitionError, "add_requirement needs a boolean condition"):
        hl.Pipeline(f).add_requirement(x)
    with raises(hl.DefinitionError, "add_requirement: (x > 0) uses Var x; a requirement is checked once"):
        hl.Pipeline(f).add_requirement(x > 0)
