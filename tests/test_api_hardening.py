"""Bad calls of the language API get a clear error and change nothing: read-only or aliased
outputs, sizes that are not integers, Param values their type cannot hold, and an output's
bound() that does not match the buffer it is realized into."""
import numpy as np
import pytest

import halo as hl

x, y = hl.Var("x"), hl.Var("y")


def _f():
    f = hl.Func("f")
    f[x, y] = x + y
    return f


def _read_only(shape):
    a = np.zeros(shape, np.int32)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("make,fragment", [
    (lambda: _read_only((2, 3)), "output buffer f is read-only"),
    (lambda: np.frombuffer(bytes(24), np.int32).reshape(2, 3), "output buffer f is read-only"),
    (lambda: np.broadcast_to(np.zeros(3, np.int32), (4, 3)), "output buffer f is read-only"),
])
def test_outputs_that_cannot_be_written_are_refused(make, fragment):
    out = make()
    before = out.copy()
    with pytest.raises(hl.HaloError, match=fragment):
        _f().realize(hl.Buffer(out))
    assert np.array_equal(out, before)


def test_an_output_whose_points_alias_is_refused():
    base = np.zeros(3, np.int32)
    alias = np.lib.stride_tricks.as_strided(base, shape=(4, 3), strides=(0, 4))  # writable, rows overlap
    with pytest.raises(hl.HaloError, match="output buffer f has stride 0 in a dimension of extent 4"):
        _f().realize(hl.Buffer(alias))
    assert not base.any()


@pytest.mark.parametrize("sizes,fragment", [
    ([3.7, 2.2], "realize sizes must be integers, got 3.7"),
    ([3, -1], "realize sizes must not be negative, got -1"),
    ([True, 2], "realize sizes must be integers, got True"),
    ([3], r"Func f is defined with 2 dimensions, but realize\(\) is requesting a realization with 1 dimensions"),
])
def test_realize_sizes_are_checked(sizes, fragment):
    with pytest.raises(hl.HaloError, match=fragment):
        _f().realize(sizes)


@pytest.mark.parametrize("type_,value,fragment", [
    (hl.Bool(), 5, "Param p of type bool needs True or False, got 5"),
    (hl.UInt(8), 2.5, "Param p of type uint8 needs an integer, got 2.5"),
    (hl.UInt(8), 300, r"Param p of type uint8 cannot hold 300 \(its range is 0 to 255\)"),
    (hl.Int(16), True, "Param p of type int16 needs an integer, got True"),
    (hl.Float(32), "1", "Param p of type float32 needs a number, got '1'"),
])
def test_param_values_their_type_cannot_hold_are_refused(type_, value, fragment):
    p = hl.Param(type_, "p")
    with pytest.raises(hl.DefinitionError, match=fragment):
        p.set(value)
    assert p.get() is None


def test_param_values_in_range_are_kept_exactly():
    p = hl.Param(hl.Int(64), "p")
    p.set(np.int64(2 ** 40 + 1))
    assert p.get() == 2 ** 40 + 1 and type(p.get()) is int


def test_an_output_bound_is_its_buffers_region():
    f = _f()
    f.bound(x, 0, 4)
    with pytest.raises(hl.HaloRuntimeError,
                       match=r"Bounds given for f in x \(from 0 to 3\) do not cover required region \(from 0 to 9\)"):
        f.realize([10, 2])
    assert np.array_equal(np.asarray(f.realize([4, 2])), np.add.outer(np.arange(2), np.arange(4)))


@pytest.mark.parametrize("dims", [-1, 17, 2.5, "2", True])
def test_image_param_dimensions_must_be_a_small_integer(dims):
    with pytest.raises(hl.DefinitionError, match=f"ImageParam q needs a number of dimensions from 0 to 16, got"):
        hl.ImageParam(hl.UInt(8), dims, "q")


def test_empty_inputs_and_outputs_are_not_reported_as_bad_strides():
    # numpy gives empty arrays strides of 0; they once failed the stride-1 check of dimension 0
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    f = hl.Func("f")
    f[x, y] = inp[x, y] + 1
    inp.set(hl.Buffer(np.zeros((0, 4), np.uint8)))
    assert np.asarray(f.realize([4, 0])).shape == (0, 4)
    inp.set(hl.Buffer(np.zeros((3, 0), np.uint8)))
    assert np.asarray(f.realize([0, 3])).shape == (3, 0)


@pytest.mark.parametrize("callee", ["image", "func"])
def test_a_call_argument_that_is_not_an_expression_is_named(callee):
    inp = hl.ImageParam(hl.UInt(8), 2, "inp")
    g = hl.Func("g")
    g[x, y] = x + y
    target, kind = (inp, "ImageParam inp") if callee == "image" else (g, "Func g")
    h = hl.Func("h")
    with pytest.raises(hl.TypeMismatchError, match=f"argument 1 of the call to {kind}: cannot use 'a' of Python type str"):
        h[x, y] = target[x, "a"]


def test_a_bounded_modulo_index_is_accepted():
    # (x * x + y) % 13 is not affine, but its interval is [0, 12]: the lookup needs no clamp
    lut = hl.ImageParam(hl.UInt(8), 1, "lut")
    f = hl.Func("f")
    f[x, y] = lut[(x * x + y) % 13]
    table = np.arange(13, dtype=np.uint8) * 3
    lut.set(hl.Buffer(table))
    xs, ys = np.meshgrid(np.arange(5), np.arange(4))
    assert np.array_equal(np.asarray(f.realize([5, 4])), table[(xs * xs + ys) % 13])


def test_one_runtime_error_class_catches_the_runtimes_errors():
    # there were two classes named HaloRuntimeError, and neither caught the other's errors
    from halo import runtime
    assert hl.HaloRuntimeError is runtime.HaloRuntimeError
    with pytest.raises(hl.HaloRuntimeError, match="a bad buffer named q"):
        runtime.check(runtime.lib.halo_error(runtime.ffi.NULL, runtime.lib.halo_error_bad_buffer,
                                             b"a bad buffer named %s", runtime.ffi.new("char[]", b"q")))
