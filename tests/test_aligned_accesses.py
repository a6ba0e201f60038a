"""Alignment on HVX (halo/lower/aligned_accesses.py, halo/ir/modulus.py): set_host_alignment as
Halide's, the remainders of index expressions against brute force, which loads and stores a
declared layout makes aligned, and their results (host C of the Hexagon target, and qemu)
against numpy, at widths with and without a shifted last vector and at every remainder a
stencil's taps take."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import halo as hl
from halo.ir import intrinsics as ii
from halo.ir import nodes as n
from halo.ir.find import collect, collect_stmts
from halo.ir.modulus import modulus_remainder
from halo.ir.types import Int
from halo.lang.buffer import HOST_ALIGNMENT, aligned_zeros
from halo.pipeline import Compiled

from . import test_hexagon_target as th

I32 = Int(32)
STRIDE = 1280  # a row of the padded input: a multiple of 128


def _blur(in_min=-1, declare=True, align=128, declare_output=True):
    """The 3x3 blur of bench_hexagon.py over an input whose rows start at in_min."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    out = hl.Func("blur")
    s = None
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            t = hl.cast(hl.UInt(16), inp[x + dx, y + dy])
            s = t if s is None else s + t
    out[x, y] = hl.cast(hl.UInt(8), (s + 4) / 9)
    out.vectorize(x, 128)
    if declare:
        inp.dim(0).set_min(in_min)
        inp.dim(1).set_stride((inp.dim(1).stride() / 128) * 128)
        inp.set_host_alignment(align)
    if declare and declare_output:
        ob = out.output_buffer()
        ob.dim(0).set_min(0)
        ob.dim(1).set_stride((ob.dim(1).stride() / 128) * 128)
        ob.set_host_alignment(align)
    return inp, out


def _data(width, height, in_min):
    rng = np.random.default_rng(width + 7 * height - in_min)
    a = aligned_zeros((height + 2, STRIDE), np.uint8)
    a[...] = rng.integers(0, 256, a.shape)
    return a


def _want(a, width, height, in_min):
    p = a.astype(np.uint16)
    x0 = -1 - in_min  # column of x - 1 for x = 0
    s = sum(p[1 + dy:1 + dy + height, x0 + 1 + dx:x0 + 1 + dx + width] for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return ((s + 4) // 9).astype(np.uint8)


def _buffers(width, height, in_min):
    a = _data(width, height, in_min)
    buf = hl.Buffer(a)
    buf.set_min([in_min, -1])
    out = aligned_zeros((height, 1024 if width <= 1024 else STRIDE), np.uint8)
    res = hl.Buffer(out[:, :width] if width < out.shape[1] else out)
    return a, buf, out, res


def test_set_host_alignment_is_checked_with_halides_message():
    x, y = hl.Var("x"), hl.Var("y")
    p = hl.ImageParam(hl.UInt(8), 2, "inp")
    assert p.set_host_alignment(128) is p and p.host_alignment() == 128
    f = hl.Func("f")
    f[x, y] = p[x, y] + 1
    raw = aligned_zeros((64 * 8 + HOST_ALIGNMENT,), np.uint8)
    p.set(hl.Buffer(raw[:64 * 8].reshape(8, 64)))
    assert np.asarray(f.realize([64, 8])).sum() == 64 * 8
    p.set(hl.Buffer(raw[1:1 + 64 * 8].reshape(8, 64)))
    with pytest.raises(hl.HaloRuntimeError, match=r"The host pointer of inp is not aligned to a 128 bytes boundary\."):
        f.realize([64, 8])


@pytest.mark.parametrize("bad", [0, 3, 96, -128, 2.0, True])
def test_set_host_alignment_needs_a_power_of_two(bad):
    with pytest.raises(hl.DefinitionError, match="set_host_alignment needs a power of two number of bytes"):
        hl.ImageParam(hl.UInt(8), 2, "inp").set_host_alignment(bad)


def test_buffers_halo_allocates_are_aligned():
    assert hl.Buffer(hl.UInt(16), [33, 7]).numpy().ctypes.data % HOST_ALIGNMENT == 0
    x = hl.Var("x")
    f = hl.Func("f")
    f[x] = hl.cast(hl.UInt(8), x)
    f.output_buffer().set_host_alignment(128)
    for size in (1, 5, 300):
        assert np.array_equal(np.asarray(f.realize([size])), np.arange(size, dtype=np.uint8))


# ---- modulus-remainder analysis against brute force ----

_VARS = {"a": (128, 3), "b": (6, 4), "c": (1, 0)}  # a = 128 k + 3, b = 6 k + 4, c anything


def _exprs():
    leaves = st.one_of(st.integers(-300, 300).map(lambda v: n.IntImm(I32, v)),
                       st.sampled_from(sorted(_VARS)).map(lambda v: n.Variable(I32, v)))

    def extend(sub):
        binary = st.tuples(st.sampled_from([n.Add, n.Sub, n.Mul, n.Min, n.Max]), sub, sub).map(
            lambda t: t[0](I32, t[1], t[2]))
        select = st.tuples(sub, sub, sub).map(lambda t: n.Select(I32, n.LT(hl.Bool(), t[0], t[1]), t[1], t[2]))
        div = st.tuples(sub, st.sampled_from([1, 2, 3, 4, 64])).map(lambda t: n.Div(I32, t[0], n.IntImm(I32, t[1])))
        return st.one_of(binary, select, div)
    return st.recursive(leaves, extend, max_leaves=8)


def _eval(e, env):
    t = type(e)
    if t is n.IntImm:
        return e.value
    if t is n.Variable:
        return env[e.name]
    if t is n.Select:
        return _eval(e.true_value, env) if _eval(e.cond.a, env) < _eval(e.cond.b, env) else _eval(e.false_value, env)
    a, b = _eval(e.a, env), _eval(e.b, env)
    return {n.Add: lambda: a + b, n.Sub: lambda: a - b, n.Mul: lambda: a * b, n.Min: lambda: min(a, b),
            n.Max: lambda: max(a, b), n.Div: lambda: a // b}[t]()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_exprs(), st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.integers(-500, 500)),
                          min_size=1, max_size=8))
def test_modulus_remainder_holds_for_every_value(e, points):
    m, r = modulus_remainder(e, dict(_VARS))
    for ka, kb, c in points:
        v = _eval(e, {"a": 128 * ka + 3, "b": 6 * kb + 4, "c": c})
        assert (v - r) % m == 0 if m else v == r


def test_modulus_remainder_of_an_aligned_row():
    stride = n.Mul(I32, n.Div(I32, n.Variable(I32, "s"), n.IntImm(I32, 128)), n.IntImm(I32, 128))
    x = n.Mul(I32, n.Variable(I32, "x"), n.IntImm(I32, 128))
    row = n.Add(I32, x, n.Mul(I32, n.Variable(I32, "y"), stride))
    assert modulus_remainder(n.Add(I32, row, n.IntImm(I32, 130))) == (128, 2)
    assert modulus_remainder(n.Add(I32, n.Variable(I32, "x"), n.IntImm(I32, 130))) == (1, 0)


# ---- what the declared layout changes ----

def _lowered(inp_min=-1, declare=True, align=128, target=th.TARGET):
    _, out = _blur(inp_min, declare, align)
    return hl.Pipeline(out).lower(target).stmt


def _steady_and_tail(stmt):
    loops = collect_stmts(stmt, lambda s: type(s) is n.For and str(s.name) == "blur.s0.x.0")
    assert len(loops) == 2  # the steady state and the shifted last vector
    return loops


@pytest.mark.parametrize("in_min, offsets", [(-1, {0, 1, 2}), (-128, {127, 0, 1}), (-3, {2, 3, 4})])
def test_a_declared_layout_makes_the_steady_state_aligned(in_min, offsets):
    """Row x - 1 of the input starts at x - 1 - in_min: its three taps sit that many lanes past
    an aligned vector; every output vector of the steady state starts aligned."""
    steady, tail = _steady_and_tail(_lowered(in_min))
    pairs = collect(steady, lambda e: type(e) is n.Call and e.name == ii.ALIGN_PAIR)
    aligned = collect(steady, lambda e: type(e) is n.Call and e.name == ii.ALIGNED_LOAD)
    loads = collect(steady, lambda e: type(e) is n.Load)
    assert {p.args[2].value for p in pairs} | ({0} if len(aligned) > 2 * len(pairs) else set()) == offsets
    assert all(any(ld is a.args[0] for a in aligned) for ld in loads)  # no load is left unaligned
    assert [s.alignment for s in collect_stmts(steady, lambda s: type(s) is n.Store)] == [128]
    assert not collect(tail, lambda e: type(e) is n.Call and e.name in (ii.ALIGN_PAIR, ii.ALIGNED_LOAD))
    assert [s.alignment for s in collect_stmts(tail, lambda s: type(s) is n.Store)] == [0]


@pytest.mark.parametrize("declare, align, target", [(False, 128, th.TARGET), (True, 64, th.TARGET),
                                                    (True, 128, "host")])
def test_nothing_is_aligned_without_the_declarations_or_off_hvx(declare, align, target):
    stmt = _lowered(declare=declare, align=align, target=target)
    assert not collect(stmt, lambda e: type(e) is n.Call and e.name in (ii.ALIGN_PAIR, ii.ALIGNED_LOAD))
    assert not any(s.alignment for s in collect_stmts(stmt, lambda s: type(s) is n.Store))


@pytest.mark.parametrize("width", [1024, 1000, 128])
@pytest.mark.parametrize("in_min", [-1, -128, -3])
def test_hexagon_c_on_the_host_matches_numpy(width, in_min):
    """The Hexagon target's C compiled for the host: align_pair's shuffle fallback."""
    height = 3
    _, out = _blur(in_min)
    c = hl.Pipeline(out).generate_c("aligned_host", target=th.TARGET)
    a, buf, _, res = _buffers(width, height, in_min)
    Compiled(c.source, c.header, c.args, c.fn_name)({"input": buf, "blur": res})
    assert np.array_equal(np.asarray(res), _want(a, width, height, in_min))


@pytest.mark.slow
@th.needs_qemu
@pytest.mark.parametrize("width, in_min", [(1024, -1), (1000, -128), (256, -3)])
def test_aligned_accesses_under_qemu_match_numpy(width, in_min):
    """(The harness copies buffers densely: a 1000-wide output has stride 1000, so its layout is
    left undeclared and only the loads are aligned.)"""
    height = 4
    _, out = _blur(in_min, declare_output=width % 128 == 0)
    a, buf, _, res = _buffers(width, height, in_min)
    if width % 128:
        res = hl.Buffer(hl.UInt(8), [width, height], "blur")
    out.compile_jit(target=th.TARGET)({"input": buf, "blur": res})
    assert np.array_equal(np.asarray(res), _want(a, width, height, in_min))
