"""Random pipelines and schedules written once for both Halide (the PyPI package `halide`) and
halo: a program is plain data (`Program`), `build(hl, program)` makes its Funcs with either
module's API, and `programs()` is the hypothesis strategy that draws them. Stages are
stencils, separable passes, pointwise arithmetic with Python literals (select / min / max /
clamp / absd, + - *, / and % by positive constants of possibly negative values), casts across
u8 / u16 / i16 / i32 / f32, RDom reductions, pairs of earlier stages and Tuple-valued producers
(read as the sum of their two elements); the input goes through one of Halide's boundary
conditions. Schedules split, tile, fuse, reorder, vectorize, unroll and parallelize the output,
may specialize it on the input's width (with a vectorized branch), and place each producer
inline, at the root or inside the output's loops (with store_root for sliding windows)."""
import dataclasses
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

TYPES = ("u8", "u16", "i16", "i32", "f32")
# Signed overflow is undefined in Halide and in C, and f32 is exact only below 2^24: a stage
# whose values could leave its type's safe range gets the unsigned type of its width (which
# wraps, defined in both) instead.
SAFE = {"i16": 2 ** 15 - 1, "i32": 2 ** 31 - 1, "f32": 2 ** 24}
WRAPPING = {"i16": "u16", "i32": "u32", "f32": "u32"}
RANGE = {"u8": 255, "u16": 65535, "u32": 2 ** 32 - 1, "i16": 2 ** 15, "i32": 2 ** 31, "f32": 2 ** 32}
# "none": the input is read directly, and is as large as the output's region needs
BOUNDARIES = ("repeat_edge", "constant_exterior", "mirror_image", "mirror_interior", "repeat_image", "none")
POINTWISE = ("add", "sub", "mul", "div", "mod", "min", "max", "absd", "clamp", "select")


@dataclass(frozen=True)
class Stage:
    kind: str           # "stencil", "pointwise", "reduce", "pair", "tuple" (never the output)
    type: str           # of the result
    sources: tuple      # stage indices read (-1: the input after its boundary condition)
    taps: tuple = ()    # stencil: ((dx, dy, weight), ...)
    op: str = ""        # pointwise
    consts: tuple = ()  # pointwise / pair / tuple literals
    extent: int = 0     # reduce: RDom extent along x


@dataclass(frozen=True)
class Program:
    in_type: str
    in_size: tuple      # (width, height)
    boundary: str
    stages: tuple       # the last one is the output
    out_size: tuple
    out_min: tuple
    output_schedule: tuple  # ("split", k) / ("tile", tx, ty, vec, fuse) / ("vectorize", v) / ("none",)
    placements: tuple   # per producer stage: "inline", "root", "at", "sliding"
    unroll: bool
    parallel: bool
    specialize: int = 0  # the output specialized for inputs at least this wide (0: not)

    def input_data(self, seed=0):
        rng = np.random.default_rng(seed)
        w, h = self.in_size
        hi = 256 if self.in_type == "u8" else 65536
        return rng.integers(0, hi, size=(h, w)).astype(np.uint8 if self.in_type == "u8" else np.uint16)


def _type(hl, name):
    return {"u8": hl.UInt(8), "u16": hl.UInt(16), "u32": hl.UInt(32), "i16": hl.Int(16), "i32": hl.Int(32),
            "f32": hl.Float(32)}[name]


def _pointwise(hl, op, v, consts, t):
    a, b = consts
    if op == "add":
        return v + a
    if op == "sub":
        return a - v
    if op == "mul":
        return v * b
    if op == "div":
        return v / b
    if op == "mod":
        return v % b
    if op == "min":
        return hl.min(v, a)
    if op == "max":
        return hl.max(v, a)
    if op == "absd":
        return hl.absd(v, a)
    if op == "clamp":
        return hl.clamp(v, min(a, a + b), max(a, a + b))
    return hl.select(v > a, v - b, hl.cast(t, b))


def build(hl, program):
    """(input ImageParam, output Func) of `program` made with module `hl`, scheduled."""
    x, y = hl.Var("x"), hl.Var("y")
    inp = hl.ImageParam(_type(hl, program.in_type), 2, "inp")
    if program.boundary == "none":
        src = inp
    else:
        bc = getattr(hl.BoundaryConditions, program.boundary)
        src = bc(inp, 7) if program.boundary == "constant_exterior" else bc(inp)
    funcs = []

    def at(i, ax, ay):
        f = src if i < 0 else funcs[i]
        if i >= 0 and program.stages[i].kind == "tuple":
            return f[ax, ay][0] + f[ax, ay][1]
        return f[ax, ay]

    def read(i, dx=0, dy=0):
        return at(i, x + dx, y + dy)

    for k, s in enumerate(program.stages):
        t = _type(hl, s.type)
        f = hl.Func(f"s{k}")
        if s.kind == "stencil":
            e = None
            for dx, dy, w in s.taps:
                term = hl.cast(t, read(s.sources[0], dx, dy)) * w
                e = term if e is None else e + term
            f[x, y] = e
        elif s.kind == "pointwise":
            f[x, y] = _pointwise(hl, s.op, hl.cast(t, read(s.sources[0])), s.consts, t)
        elif s.kind == "pair":
            f[x, y] = hl.cast(t, read(s.sources[0])) - hl.cast(t, read(s.sources[1], *s.consts))
        elif s.kind == "tuple":
            v = hl.cast(t, read(s.sources[0]))
            f[x, y] = (v + s.consts[0], v * s.consts[1])
        else:
            r = hl.RDom([(0, s.extent)], f"r{k}")
            f[x, y] = hl.cast(t, 0)
            f[x, y] += hl.cast(t, at(s.sources[0], x + r.x - s.extent // 2, y))
        funcs.append(f)
    out = funcs[-1]
    _schedule(hl, program, funcs, out, x, y)
    if program.specialize:
        wide = out.specialize(inp.width() >= program.specialize)
        if program.output_schedule[0] == "none" and not program.unroll and program.stages[-1].kind != "reduce":
            wide.vectorize(x, 4)
    return inp, out


def _schedule(hl, program, funcs, out, x, y):
    kind = program.output_schedule[0]
    xo, yo, xi, yi, t = hl.Var("xo"), hl.Var("yo"), hl.Var("xi"), hl.Var("yi"), hl.Var("t")
    outer, inner = y, x  # the loops producers may be computed at
    if kind == "split":
        out.split(y, yo, yi, program.output_schedule[1])
        outer, inner = yo, yi
        if program.parallel:
            out.parallel(yo)
    elif kind == "tile":
        _, tx, ty, vec, fuse = program.output_schedule
        out.tile(x, y, xo, yo, xi, yi, tx, ty)
        outer, inner = yo, xo
        if vec:
            out.vectorize(xi, vec)
        if fuse:
            out.fuse(xo, yo, t)
            outer = inner = t
            if program.parallel:
                out.parallel(t)
        elif program.parallel:
            out.parallel(yo)
    elif kind == "vectorize":
        out.vectorize(x, program.output_schedule[1])
        if program.parallel:
            out.parallel(y)
    if program.stages[-1].kind == "reduce":
        outer, inner = y, x  # the output's splits are its pure stage's; its update keeps x and y
    if program.unroll and kind in ("none", "vectorize"):
        out.unroll(y, 2)
    for f, place in zip(funcs[:-1], program.placements):
        if place == "root":
            f.compute_root()
        elif place == "at":
            f.compute_at(out, inner)
        elif place == "sliding":
            # storage outside a parallel loop would race: Halide refuses it, and so does halo
            (f.compute_at(out, outer) if program.parallel else f.store_root().compute_at(out, outer))
    for f, s in zip(funcs, program.stages):
        if s.kind == "reduce" and f is not out and program.placements[funcs.index(f)] == "inline":
            f.compute_root()  # a Func with an update is never inlined (halo and Halide agree on the result)


def realize(hl, program, data):
    inp, out = build(hl, program)
    inp.set(hl.Buffer(data))
    buf = hl.Buffer(out.type(), list(program.out_size))  # Python literals may have widened it
    buf.set_min(list(program.out_min))
    out.realize(buf)
    return np.asarray(buf).copy()


def _magnitude(stage, m):
    """A bound on |value| of a stage whose (cast) sources are bounded by m."""
    if stage.kind == "stencil":
        return sum(w for _, _, w in stage.taps) * m
    if stage.kind == "reduce":
        return stage.extent * m
    if stage.kind == "pair":
        return 2 * m
    a, b = stage.consts
    if stage.kind == "tuple":
        return m + abs(a) + m * b
    return {"add": m + abs(a), "sub": m + abs(a), "mul": m * b}.get(stage.op, max(m, abs(a)) + b)


@st.composite
def stages(draw, in_type):
    n = draw(st.integers(2, 5))
    out, bounds = [], []
    for k in range(n):
        t = draw(st.sampled_from(TYPES))
        src = draw(st.integers(-1, k - 1))
        kind = draw(st.sampled_from(["stencil", "stencil", "pointwise", "pointwise", "reduce", "pair", "tuple"]))
        if (kind == "pair" and k == 0) or (kind == "tuple" and k == n - 1):
            kind = "pointwise"
        if kind == "stencil":
            separable = draw(st.booleans())
            taps = tuple(draw(st.lists(
                st.tuples(st.integers(-2, 2), st.just(0) if separable else st.integers(-2, 2), st.integers(1, 3)),
                min_size=1, max_size=4)))
            stage = Stage("stencil", t, (src,), taps=taps)
        elif kind == "pointwise":
            op = draw(st.sampled_from(POINTWISE if t != "f32" else tuple(o for o in POINTWISE if o != "mod")))
            stage = Stage("pointwise", t, (src,), op=op, consts=(draw(st.integers(-40, 300)), draw(st.integers(1, 9))))
        elif kind == "pair":
            other = draw(st.integers(-1, k - 1))
            stage = Stage("pair", t, (src, other), consts=(draw(st.integers(-2, 2)), draw(st.integers(-2, 2))))
        elif kind == "tuple":
            stage = Stage("tuple", t, (src,), consts=(draw(st.integers(-40, 300)), draw(st.integers(1, 9))))
        else:
            stage = Stage("reduce", t, (src,), extent=draw(st.integers(1, 5)))
        if stage.type != "f32" and any(i >= 0 and out[i].type == "f32" for i in stage.sources):
            # a float out of an integer type's range casts to an undefined value: i32 holds them all
            stage = dataclasses.replace(stage, type="i32")
        m = max(RANGE[in_type] if i < 0 else bounds[i] for i in stage.sources)
        if _magnitude(stage, min(m, RANGE[stage.type])) > SAFE.get(stage.type, float("inf")):
            stage = dataclasses.replace(stage, type=WRAPPING[stage.type])
        bounds.append(min(_magnitude(stage, min(m, RANGE[stage.type])), RANGE[stage.type]))
        out.append(stage)
    return tuple(out)


def _legal(stages, placements):
    """Placements Halide accepts: a producer goes inside the output's loops only if every stage
    that reads it is the output or is inlined into it (a Func with an update is never inlined)."""
    last = len(stages) - 1

    def inside_ok(i):
        readers = [j for j, s in enumerate(stages) if i in s.sources]
        return all(j == last or (placements[j] == "inline" and stages[j].kind != "reduce" and inside_ok(j))
                   for j in readers)
    for i in reversed(range(last)):
        if placements[i] in ("at", "sliding") and not inside_ok(i):
            placements[i] = "root"
    return tuple(placements)


@st.composite
def programs(draw):
    in_type = draw(st.sampled_from(["u8", "u16"]))
    s = draw(stages(in_type))
    kind = draw(st.sampled_from(["none", "split", "tile", "tile", "vectorize"]))
    schedule = {"none": ("none",), "split": ("split", draw(st.sampled_from([2, 3, 4, 8]))),
                "vectorize": ("vectorize", draw(st.sampled_from([4, 8, 16]))),
                "tile": ("tile", draw(st.sampled_from([4, 8, 16])), draw(st.sampled_from([2, 4, 8])),
                         draw(st.sampled_from([0, 0, 4, 8])), draw(st.booleans()))}[kind]
    if kind == "tile" and schedule[3] > schedule[1]:
        schedule = schedule[:3] + (schedule[1],) + schedule[4:]
    boundary = draw(st.sampled_from(BOUNDARIES))
    out_size = (draw(st.integers(16, 40)), draw(st.integers(16, 40)))
    if boundary == "none":  # every stage reaches at most 2 pixels further (a reduction 3)
        margin = 3 * len(s)
        in_size, out_min = (out_size[0] + 2 * margin, out_size[1] + 2 * margin), (margin, margin)
    else:
        in_size = (draw(st.integers(4, 40)), draw(st.integers(4, 40)))
        out_min = (draw(st.integers(-3, 3)), draw(st.integers(-3, 3)))
    return Program(
        in_type=in_type,
        in_size=in_size,
        boundary=boundary,
        stages=s,
        out_size=out_size,
        out_min=out_min,
        output_schedule=schedule,
        placements=_legal(s, [draw(st.sampled_from(["inline", "inline", "root", "at", "sliding"])) for _ in s[:-1]]),
        unroll=draw(st.booleans()),
        parallel=draw(st.booleans()),
        specialize=draw(st.sampled_from([0, 0, 0, in_size[0], in_size[0] + 1])),
    )
