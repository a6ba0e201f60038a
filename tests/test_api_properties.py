"""Property tests of the language API over untrusted input: random names, sizes (0, 1, odd, and
buffers around 2^31 bytes on sparse memory maps) and Param values. Each input either works,
with the result numpy computes, or is refused with the documented message; nothing crashes,
and nothing is compiled from a name that is not a valid one."""
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import halo as hl

pytestmark = pytest.mark.usefixtures("quick_c_compiles")

VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,254}")  # the README's rule, written out again
CI = bool(os.environ.get("CI"))
CRAFTED = ["", "x", "a b", "%s%n", "x\n", "caf\u00e9", "1x", "a.b", 'q"', "a*/b", "x" * 255, "x" * 256, "$a",
           "_", "a$b", "int", "main", "halo_error", "__attribute__", "p\x00q", "\\", "a?\x3f=", "\u212a"]
names = st.one_of(st.sampled_from(CRAFTED), st.text(max_size=12),
                  st.from_regex(r"[A-Za-z_][A-Za-z0-9_$]{0,30}", fullmatch=True))


@settings(max_examples=80, deadline=None, derandomize=CI, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(["Func", "ImageParam", "Param", "Var"]), name=names)
def test_any_name_is_refused_or_compiles_and_runs(kind, name):
    defaults = {"Func": "f$0", "ImageParam": "in$0", "Param": "p$0", "Var": "x$0"}
    assume(name not in defaults.values())  # a clash of two names has its own test (test_names.py)
    make = {"Func": hl.Func, "Var": hl.Var,
            "ImageParam": lambda nm: hl.ImageParam(hl.UInt(8), 1, nm), "Param": lambda nm: hl.Param(hl.UInt(8), nm)}
    if not VALID.fullmatch(name):
        with pytest.raises(hl.DefinitionError, match=rf"{kind} name .* is not a valid name: use a letter or '_'"):
            make[kind](name)
        return
    objs = {k: make[k](name if k == kind else defaults[k]) for k in make}
    x, f, inp, p = objs["Var"], objs["Func"], objs["ImageParam"], objs["Param"]
    f[x] = inp[x] + p
    a = np.arange(7, dtype=np.uint8) * 3
    inp.set(hl.Buffer(a))
    p.set(5)
    assert np.array_equal(np.asarray(f.realize([7])), a + 5)


_stencils = []


def _stencil():
    """A tiled, vectorized stencil over a repeat_edge input, built once: its code does not
    depend on the sizes it runs at."""
    if not _stencils:
        x, y = hl.Var("x"), hl.Var("y")
        inp = hl.ImageParam(hl.UInt(8), 2, "inp")
        clamped = hl.BoundaryConditions.repeat_edge(inp)
        f = hl.Func("f")
        f[x, y] = hl.cast(hl.UInt(16), clamped[x - 1, y]) + clamped[x + 1, y + 1] * 2
        xo, yo, xi, yi = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi")
        f.tile(x, y, xo, yo, xi, yi, 8, 4).vectorize(xi, 8)
        _stencils.append((inp, f))
    return _stencils[0]


def _stencil_reference(a, w, h, x0, y0):
    ih, iw = a.shape
    xs, ys = np.arange(x0, x0 + w), np.arange(y0, y0 + h)

    def at(dx, dy):  # repeat_edge: coordinates clamped into the input
        return a[np.clip(ys + dy, 0, ih - 1)[:, None], np.clip(xs + dx, 0, iw - 1)[None, :]]

    return at(-1, 0).astype(np.uint16) + (at(1, 1) * 2).astype(np.uint8)  # the uint8 product wraps


SIZES = st.sampled_from([0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 33])


@settings(max_examples=60, deadline=None, derandomize=CI, suppress_health_check=list(HealthCheck))
@given(w=SIZES, h=SIZES, iw=SIZES.filter(bool), ih=SIZES.filter(bool), x0=st.integers(-3, 3),
       y0=st.integers(-3, 3), layout=st.sampled_from(["c", "f", "padded", "strided"]))
def test_any_size_and_layout_gives_numpys_result(w, h, iw, ih, x0, y0, layout):
    inp, f = _stencil()
    base = (np.arange(ih * iw * 4, dtype=np.uint32) * 2654435761 >> 24).astype(np.uint8)
    a = {"c": base[:ih * iw].reshape(ih, iw), "f": np.asfortranarray(base[:ih * iw].reshape(ih, iw)),
         "padded": base.reshape(ih * 2, iw * 2)[::2, :iw], "strided": base.reshape(ih * 2, iw * 2)[::2, ::2]}[layout]
    inp.set(hl.Buffer(a))
    if a.strides[1] != 1:  # as in Halide, an input's innermost dimension is dense unless declared otherwise
        with pytest.raises(hl.HaloRuntimeError, match=rf"buffer inp has stride {a.strides[1]} in dimension 0, but "
                                                      r"the pipeline requires 1"):
            f.realize([max(w, 8), max(h, 4)])
        return
    out = hl.Buffer(np.zeros((h, w), np.uint16))
    out.set_min([x0, y0])
    if w < 8 or h < 4:  # as in Halide: a ShiftInwards tile needs the output to hold one tile
        with pytest.raises(hl.HaloRuntimeError, match=rf"Output buffer f is accessed at -?\d+, which is before the "
                                                      rf"min \({x0 if w < 8 else y0}\) in dimension {int(w >= 8)}"):
            f.realize(out)
        return
    f.realize(out)
    assert np.array_equal(np.asarray(out), _stencil_reference(a, w, h, x0, y0))


LIMIT = 2 ** 31 - 1  # the most bytes a buffer may span (README, "Supported ranges")


@settings(max_examples=10, deadline=None, derandomize=CI, suppress_health_check=list(HealthCheck))
@given(row_bytes=st.sampled_from([4096, 4097, 65535, 65536, 65537]), delta=st.integers(-2, 2))
def test_buffers_around_2_gib_are_read_right_or_refused(tmp_path_factory, row_bytes, delta):
    # a sparse file: only the pages the pipeline reads are ever touched
    rows = LIMIT // row_bytes + delta
    path = tmp_path_factory.mktemp("big") / "frame"
    big = np.memmap(path, np.uint8, "w+", shape=(rows, row_bytes))
    big[-2:, -5:] = np.arange(10, dtype=np.uint8).reshape(2, 5) + 1
    x, y = hl.Var("x"), hl.Var("y")
    inp, p, f = hl.ImageParam(hl.UInt(8), 2, "inp"), hl.Param(hl.Int(32), "p"), hl.Func("f")
    f[x, y] = inp[x + row_bytes - 5, y + p]
    inp.set(hl.Buffer(big))
    p.set(rows - 2)
    try:
        if rows * row_bytes > LIMIT:
            with pytest.raises(hl.HaloRuntimeError,
                               match=rf"buffer inp spans {rows * row_bytes} bytes; halo indexes buffers in 32 bits"):
                f.realize([5, 2])
        else:
            assert np.array_equal(np.asarray(f.realize([5, 2])), np.asarray(big[-2:, -5:]))
    finally:
        del big
        path.unlink()


TYPES = [hl.Bool(), hl.Int(8), hl.Int(16), hl.Int(32), hl.Int(64), hl.UInt(8), hl.UInt(16), hl.UInt(32),
         hl.UInt(64), hl.Float(32), hl.Float(64)]
_funcs = {}


def _echo(t):
    """out[x] = p for a Param of type t, compiled once per type (a value is not part of the code)."""
    if str(t) not in _funcs:
        x, p, f = hl.Var("x"), hl.Param(t, "p"), hl.Func("f")
        f[x] = p
        _funcs[str(t)] = (p, f)
    return _funcs[str(t)]


def _accepts(t, v):
    """Param.set's documented rule, written out independently of it."""
    is_bool = isinstance(v, (bool, np.bool_))
    if t.is_bool():
        return is_bool
    if t.is_float():
        return isinstance(v, (int, float, np.integer, np.floating)) and not is_bool
    return (isinstance(v, (int, np.integer)) and not is_bool
            and -(2 ** (t.bits - 1)) * t.is_int() <= int(v) < 2 ** (t.bits - t.is_int()))


edge_ints = st.sampled_from([b + d for b in (0, 2 ** 7, 2 ** 8, 2 ** 15, 2 ** 16, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64)
                             for d in (-1, 0)] + [-(2 ** k) + d for k in (7, 15, 31, 63) for d in (-1, 0)])
values = st.one_of(st.integers(-2 ** 70, 2 ** 70), edge_ints, st.floats(allow_nan=True), st.booleans(),
                   edge_ints.map(lambda v: np.uint64(v) if 0 <= v < 2 ** 64 else np.int64(v) if -2 ** 63 <= v < 0 else v),
                   st.floats(width=32).map(np.float32), st.sampled_from([None, "1", [1], 1j]))


@settings(max_examples=150, deadline=None, derandomize=CI, suppress_health_check=list(HealthCheck))
@given(t=st.sampled_from(TYPES), v=values)
def test_any_param_value_is_kept_exactly_or_refused(t, v):
    p, f = _echo(t)
    if not _accepts(t, v):
        with pytest.raises(hl.DefinitionError, match=f"Param p of type {t} (needs|cannot hold)"):
            p.set(v)
        return
    p.set(v)
    got = np.asarray(f.realize([3]))
    want = np.full(3, v, dtype=got.dtype) if not t.is_float() else np.full(3, np.float64(v)).astype(got.dtype)
    assert got.dtype == np.dtype(str(t) if not t.is_bool() else "bool")
    assert np.array_equal(got, want, equal_nan=t.is_float())
