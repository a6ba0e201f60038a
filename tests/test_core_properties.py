"""Property test of the core language: random small stencil pipelines under random legal
schedules give exactly the result of the same algorithm with no schedule, and of numpy.

An example is an algorithm (a chain of 1-3 stencil Funcs over a boundary condition of the input,
optionally plus a small Func with an update definition read by the output) and a schedule drawn
from the directives whose legality can be decided from the frame size alone (the frame is drawn
first). Every schedule drawn here must compile and run; a ScheduleError or HaloRuntimeError is a
failure of the test, not a skipped example. Every boundary condition, chain and tail is drawn
under every split, tile and placement.
"""
import itertools
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import halo as hl

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("quick_c_compiles")]

TS = hl.TailStrategy
STENCILS = {  # (dx, dy) taps
    "3x3": [(dx, dy) for dy in (-1, 0, 1) for dx in (-1, 0, 1)],
    "1x3": [(-1, 0), (0, 0), (1, 0)],   # horizontal
    "3x1": [(0, -1), (0, 0), (0, 1)],   # vertical
}
BCS = ("repeat_edge", "constant_exterior", "mirror_image", "mirror_interior")
EXTRAS = ("none", "cumsum", "hist")
# up to three 3x3 stencils inlined into each other: 729 taps
CHAINS = [c for n in (1, 2, 3) for c in itertools.product(sorted(STENCILS), repeat=n)]
LUT_N, HIST_N = 16, 8


# ---- the algorithm ----------------------------------------------------------------------------

def build(alg):
    """Fresh Funcs for `alg`: (output, {name: producer Func}, ImageParam, (x, y))."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(hl.UInt(8), 2, "input")
    if alg["bc"] == "constant_exterior":
        src = hl.BoundaryConditions.constant_exterior(inp, alg["bc_value"])
    else:
        src = getattr(hl.BoundaryConditions, alg["bc"])(inp)
    producers = {"bc": src}
    chain = alg["chain"]
    for i, kind in enumerate(chain):
        taps = [src[x + dx, y + dy] for dx, dy in STENCILS[kind]]
        if i == 0:
            taps[0] = hl.cast(hl.UInt(16), taps[0])
        total = taps[0]
        for t in taps[1:]:
            total = total + t
        if i < len(chain) - 1:
            f = hl.Func(f"f{i}")
            f[x, y] = total
            producers[f.name()] = f
            src = f
        else:
            final = total
    if alg["extra"] == "cumsum":
        lut = hl.Func("lut")
        lut[x] = hl.cast(hl.UInt(16), x * 3 + 1)
        r = hl.RDom([hl.Range(1, LUT_N - 1)], "rc")
        lut[r] = lut[r] + lut[r - 1]
        producers["lut"] = lut
        final = final + lut[hl.min(x, LUT_N - 1)]
    elif alg["extra"] == "hist":
        hist = hl.Func("hist")
        hist[x] = hl.cast(hl.UInt(16), 0)
        r = hl.RDom(inp, "rh")
        hist[hl.cast(hl.Int(32), inp[r.x, r.y]) % HIST_N] += hl.cast(hl.UInt(16), 1)
        producers["hist"] = hist
        final = final + hist[hl.min(y, HIST_N - 1)]
    out = hl.Func("out")
    if alg["final"] == "div9":
        out[x, y] = hl.cast(hl.UInt(8), final / 9)
    else:
        out[x, y] = hl.cast(hl.UInt(8), final >> 2)
    return out, producers, inp, (x, y)


def pad(a, r, bc, value):
    if bc == "repeat_edge":
        return np.pad(a, r, mode="edge")
    if bc == "constant_exterior":
        return np.pad(a, r, mode="constant", constant_values=value)
    # numpy pads periodically too: "symmetric" repeats the edge pixel, "reflect" does not
    return np.pad(a, r, mode="symmetric" if bc == "mirror_image" else "reflect")


def reference(alg, a):
    """numpy, stage by stage, in uint16 arithmetic (wrapping as halo's does)."""
    h, w = a.shape
    r = len(alg["chain"])
    cur = pad(a, r, alg["bc"], alg["bc_value"]).astype(np.uint16)
    for k, kind in enumerate(alg["chain"]):
        m = r - k - 1  # margin left after this stage
        hh, ww = h + 2 * m, w + 2 * m
        acc = np.zeros((hh, ww), np.uint16)
        for dx, dy in STENCILS[kind]:
            acc += cur[1 + dy:1 + dy + hh, 1 + dx:1 + dx + ww]
        cur = acc
    if alg["extra"] == "cumsum":
        lut = np.cumsum(np.arange(LUT_N) * 3 + 1).astype(np.uint16)
        cur = cur + lut[np.minimum(np.arange(w), LUT_N - 1)][None, :]
    elif alg["extra"] == "hist":
        hist = np.bincount(a.ravel() % HIST_N, minlength=HIST_N).astype(np.uint16)
        cur = cur + hist[np.minimum(np.arange(h), HIST_N - 1)][:, None]
    out = cur // np.uint16(9) if alg["final"] == "div9" else cur >> np.uint16(2)
    return out.astype(np.uint8)


_unscheduled = {}  # algorithm key -> (out, inp): compiled once per algorithm, reused


def realize_unscheduled(alg, a):
    key = repr(sorted(alg.items()))
    if key not in _unscheduled:
        out, _, inp, _ = build(alg)
        _unscheduled[key] = (out, inp)
    out, inp = _unscheduled[key]
    inp.set(hl.Buffer(a))
    return np.asarray(out.realize([a.shape[1], a.shape[0]]))


# ---- schedules --------------------------------------------------------------------------------

def legal_tails(extent, factor, allow_round_up):
    """Tail strategies that keep the writes of a split loop of `extent` in bounds.

    ShiftInwards needs extent >= factor; RoundUp needs factor | extent on the output (on an
    intermediate it only computes extra points); GuardWithIf is always legal."""
    tails = [TS.GuardWithIf]
    if extent >= factor:
        tails.append(TS.ShiftInwards)
    if allow_round_up or extent % factor == 0:
        tails.append(TS.RoundUp)
    if extent % factor == 0 or extent >= factor:
        tails.append(TS.Auto)  # RoundUp when it divides, ShiftInwards otherwise
    return tails


def ceil_div(a, b):
    return -(-a // b)


class Loops:
    """The loop dims of one stage as the schedule makes them, innermost first: [name, extent,
    kind]; name None for loops the test cannot name (the inner loop vectorize(v, f) makes)."""

    def __init__(self, names, w, h):
        self.names = names  # the stage's pure Var names (x, y)
        self.dims = [[names[0], w, "serial"], [names[1], h, "serial"]]

    def find(self, name):
        return next(i for i, d in enumerate(self.dims) if d[0] == name)

    def split(self, old, outer, inner, factor):
        i = self.find(old)
        ext = self.dims[i][1]
        self.dims[i:i + 1] = [[inner, factor, "serial"], [outer, ceil_div(ext, factor), "serial"]]

    def outermost_first(self):
        return [d for d in reversed(self.dims)]


def draw_stage_schedule(draw, stage, loops, is_output, log, prefix):
    """Split / tile / reorder / vectorize / unroll / parallel on `stage`, recorded in `loops`
    (up to four splits: a tile, then vectorize and unroll by factors)."""
    v = lambda s: f"{prefix}{s}"

    def tail_for(ext, factor):
        return draw(st.sampled_from(legal_tails(ext, factor, allow_ru)))

    shape = draw(st.sampled_from(["none", "split_x", "split_y", "tile"]))
    allow_ru = not is_output
    if shape in ("split_x", "split_y"):
        old = loops.names[0] if shape == "split_x" else loops.names[1]
        ext = loops.dims[loops.find(old)][1]
        factor = draw(st.integers(1, 16))
        tail = tail_for(ext, factor)
        o, i = v(shape[-1] + "o"), v(shape[-1] + "i")
        stage.split(hl.Var(old), hl.Var(o), hl.Var(i), factor, tail)
        loops.split(old, o, i, factor)
        log.append(f"split({old}, {o}, {i}, {factor}, {tail.name})")
    elif shape == "tile":
        fx, fy = draw(st.integers(1, 16)), draw(st.integers(1, 16))
        w, h = loops.dims[0][1], loops.dims[1][1]
        tails = [t for t in legal_tails(w, fx, allow_ru) if t in legal_tails(h, fy, allow_ru)]
        tail = draw(st.sampled_from(tails))
        names = [v(s) for s in ("xo", "yo", "xi", "yi")]
        stage.tile(hl.Var(loops.names[0]), hl.Var(loops.names[1]), *[hl.Var(s) for s in names], fx, fy, tail=tail)
        loops.split(loops.names[0], names[0], names[2], fx)
        loops.split(loops.names[1], names[1], names[3], fy)
        d = {x[0]: x for x in loops.dims}
        loops.dims = [d[names[2]], d[names[3]], d[names[0]], d[names[1]]]
        log.append(f"tile({loops.names[0]}, {loops.names[1]}, {', '.join(names)}, {fx}, {fy}, tail={tail.name})")
    if draw(st.booleans()):  # reorder: a random permutation of the current dims
        perm = draw(st.permutations(list(range(len(loops.dims)))))
        new = [loops.dims[p] for p in perm]
        stage.reorder(*[hl.Var(d[0]) for d in new])
        loops.dims = new
        log.append(f"reorder({', '.join(d[0] for d in new)})")
    if draw(st.booleans()):  # vectorize the innermost loop
        name, ext, _ = loops.dims[0]
        factor = draw(st.sampled_from([4, 8, 16]))
        tail = tail_for(ext, factor)
        stage.vectorize(hl.Var(name), factor, tail)
        loops.dims[0:1] = [[None, factor, "vectorized"], [name, ceil_div(ext, factor), "serial"]]
        log.append(f"vectorize({name}, {factor}, {tail.name})")
    if draw(st.booleans()):  # unroll the innermost loop that is not vectorized
        k = 1 if loops.dims[0][2] == "vectorized" else 0
        name, ext, _ = loops.dims[k]
        factor = draw(st.integers(2, 4))
        tail = tail_for(ext, factor)
        stage.unroll(hl.Var(name), factor, tail)
        loops.dims[k:k + 1] = [[None, factor, "unrolled"], [name, ceil_div(ext, factor), "serial"]]
        log.append(f"unroll({name}, {factor}, {tail.name})")
    if is_output and draw(st.booleans()):  # parallel: the outermost loop
        name = loops.dims[-1][0]
        if name is not None:
            stage.parallel(hl.Var(name))
            loops.dims[-1][2] = "parallel"
            log.append(f"parallel({name})")


def apply_schedule(draw, alg, w, h, out, producers):
    """A random legal schedule for the output of a w x h frame and for each producer. Returns
    the schedule as text lines (for the failure report)."""
    log = []
    loops = Loops(["x", "y"], w, h)
    draw_stage_schedule(draw, out, loops, True, log, "")
    # Loops of the output a producer may be computed or stored at, with their depth (1 = the
    # outermost); never at or inside a vectorized loop, which must stay innermost.
    nest = loops.outermost_first()
    targets = []
    for depth, (name, _, kind) in enumerate(nest, start=1):
        if kind == "vectorized":
            break
        if name is not None:
            targets.append((depth, name))
    parallel_depths = [d for d, (_, _, kind) in enumerate(nest, start=1) if kind == "parallel"]
    chain = [f"f{i}" for i in range(len(alg["chain"]) - 1)]
    consumer = {nm: (chain[i + 1] if i + 1 < len(chain) else "out") for i, nm in enumerate(chain)}
    consumer["bc"] = chain[0] if chain else "out"
    use_depth = {"out": len(nest)}  # depth of the loops a Func's uses are in
    order = list(reversed(chain)) + ["bc"] + [nm for nm in ("lut", "hist") if nm in producers]
    for nm in order:
        f = producers[nm]
        limit = use_depth[consumer.get(nm, "out")]
        legal = [(d, v) for d, v in targets if d <= limit]
        inlinable = not f.has_update_definition()
        choices = ["root"] + (["at"] if legal else []) + (["inline"] if inlinable else [])
        placement = draw(st.sampled_from(choices))
        if placement == "inline":
            use_depth[nm] = limit
            continue
        if placement == "root":
            f.compute_root()
            use_depth[nm] = 0
            log.append(f"{nm}.compute_root()")
        else:
            cdepth, var = draw(st.sampled_from(legal))
            f.compute_at(out, hl.Var(var))
            use_depth[nm] = cdepth
            log.append(f"{nm}.compute_at(out, {var})")
            # storage outside the compute level, with no parallel loop in (store, compute]
            lo = max([d for d in parallel_depths if d <= cdepth], default=0)
            stores = [("root", None)] if lo == 0 else []
            stores += [(d, sv) for d, sv in targets if lo <= d < cdepth]
            store = draw(st.sampled_from([None] + stores))
            if store == ("root", None):
                f.store_root()
                log.append(f"{nm}.store_root()")
            elif store is not None:
                f.store_at(out, hl.Var(store[1]))
                log.append(f"{nm}.store_at(out, {store[1]})")
        if f.dimensions() == 2:
            # an intermediate may compute extra points, so every tail is legal on its loops
            plog = []
            draw_stage_schedule(draw, f, Loops([a.name for a in f.args()], 10 ** 6, 10 ** 6), False, plog, f"{nm}_")
            log.extend(f"{nm}.{p}" for p in plog)
        elif draw(st.booleans()):  # lut or hist
            factor = draw(st.sampled_from([4, 8, 16]))
            tail = draw(st.sampled_from([TS.GuardWithIf, TS.RoundUp, TS.ShiftInwards]))
            f.vectorize(hl.Var("x"), factor, tail)
            log.append(f"{nm}.vectorize(x, {factor}, {tail.name})")
    return log


def draw_algorithm(draw):
    alg = {
        "chain": draw(st.sampled_from(CHAINS)),
        "bc": draw(st.sampled_from(BCS)),
        "bc_value": 0,
        "final": draw(st.sampled_from(["div9", "shr2"])),
        "extra": draw(st.sampled_from(EXTRAS)),
    }
    if alg["bc"] == "constant_exterior":
        alg["bc_value"] = draw(st.integers(0, 255))
    return alg



@settings(max_examples=160, deadline=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_schedules_match_unscheduled_and_numpy(data):
    draw = data.draw
    w, h = draw(st.integers(1, 40), "width"), draw(st.integers(1, 30), "height")
    alg = draw_algorithm(draw)
    a = np.random.default_rng(draw(st.integers(0, 2 ** 16), "seed")).integers(0, 256, (h, w)).astype(np.uint8)
    out, producers, inp, _ = build(alg)
    log = apply_schedule(draw, alg, w, h, out, producers)
    note = f"{w}x{h} {alg}\n  " + "\n  ".join(log or ["(no schedule)"])
    inp.set(hl.Buffer(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hl.HaloWarning)  # the histogram's index is not affine
        got = np.asarray(out.realize([w, h]))
        plain = realize_unscheduled(alg, a)
    ref = reference(alg, a)
    assert np.array_equal(plain, ref), f"unscheduled pipeline differs from numpy: {note}"
    assert np.array_equal(got, plain), f"scheduled pipeline differs from the unscheduled one: {note}"
