"""Names from users are untrusted input to generated C: they are checked once, at the API,
and every string that reaches C is escaped."""
import re

import numpy as np
import pytest

import halo as hl
from halo.codegen.c import _c_string

BAD = ["", "a b", "%s%n", "x\n", "caf\u00e9", "1x", "a.b", 'q"', "a*/b", "x" * 256]
CONSTRUCTORS = {
    "Func": lambda nm: hl.Func(nm),
    "Var": lambda nm: hl.Var(nm),
    "RDom": lambda nm: hl.RDom([(0, 4)], nm),
    "Param": lambda nm: hl.Param(hl.Int(32), nm),
    "ImageParam": lambda nm: hl.ImageParam(hl.UInt(8), 2, nm),
    "Buffer": lambda nm: hl.Buffer(np.zeros(4, np.uint8), name=nm),
}


@pytest.mark.parametrize("kind", sorted(CONSTRUCTORS))
@pytest.mark.parametrize("name", BAD)
def test_bad_names_are_refused_with_a_legal_alternative(kind, name):
    with pytest.raises(hl.DefinitionError, match=rf"{kind} name .* is not a valid name: use a letter or '_' followed by"):
        CONSTRUCTORS[kind](name)


@pytest.mark.parametrize("kind", sorted(CONSTRUCTORS))
def test_a_name_that_is_not_a_string_is_refused(kind):
    with pytest.raises(hl.DefinitionError, match=f"{kind} name must be a string, got int 3"):
        CONSTRUCTORS[kind](3)


def test_longest_and_dollar_names_compile_and_run():
    x = hl.Var("x$" + "v" * 253)
    inp = hl.ImageParam(hl.UInt(8), 1, "in$put")
    f = hl.Func("_" + "f" * 254)
    f[x] = inp[x] * 2
    f.vectorize(x, 8)
    a = np.arange(20, dtype=np.uint8)
    inp.set(hl.Buffer(a))
    assert np.array_equal(np.asarray(f.realize([20])), a * 2)


def test_a_func_named_like_its_input_is_refused():
    x = hl.Var("x")
    inp = hl.ImageParam(hl.UInt(8), 1, "input")
    f = hl.Func("input")
    f[x] = inp[x] + 1
    inp.set(hl.Buffer(np.zeros(4, np.uint8)))
    with pytest.raises(hl.DefinitionError, match="the pipeline uses the name input for Func input and "
                                                 "ImageParam input; give them distinct names"):
        f.realize([4])


def test_a_param_named_like_a_var_is_refused():
    x = hl.Var("x")
    p = hl.Param(hl.Int(32), "x", 5)
    g = hl.Func("g")
    g[x] = x + p
    with pytest.raises(hl.DefinitionError, match="Param x has the name of a Var of Func g"):
        g.realize([3])


def test_strings_for_c_are_escaped():
    assert _c_string('a"b\\c\nd?\u00e9%') == 'a\\"b\\\\c\\012d\\077\\303\\251%'


@pytest.mark.parametrize("name", ["halo_trace_enable", "trace_enable", "int", "main", "halo_malloc"])
def test_a_func_named_like_a_runtime_or_c_name_runs(name):
    # the JIT named its function halo_<output>: a Func trace_enable clashed with the runtime
    x = hl.Var("x")
    f = hl.Func(name)
    f[x] = x * 3
    assert np.asarray(f.realize([4])).tolist() == [0, 3, 6, 9]


@pytest.mark.parametrize("fn_name", ["int", "main", "halo_trace_enable", "_halo_x", "__f", "a$b", "1f"])
def test_a_c_function_name_that_would_clash_is_refused(fn_name, tmp_path):
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = x
    with pytest.raises(hl.DefinitionError, match=f"fn_name {re.escape(repr(fn_name))} cannot name a C function"):
        f.compile_to_c(tmp_path / "f.c", [], fn_name)
