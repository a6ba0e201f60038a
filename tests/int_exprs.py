"""Random integer expressions over u8 / u16 / i16 / i32 as plain data, built as halo Exprs and
evaluated with numpy: wrapping add / sub / mul, widening and narrowing casts, shifts and
divisions by constants, averages as Halide writes them ((a + b [+ 1]) / 2 in a wider type),
saturating casts, absd, min / max, selects of comparisons, and widened sums narrowed back (the
pattern HVX instruction selection and value-range narrowing rewrite). 32-bit signed arithmetic
that could overflow (undefined, Halide's rule) is replaced by max, so every value is defined."""
import numpy as np
from hypothesis import strategies as st

import halo as hl

TYPES = ("u8", "u16", "i16", "i32")
DTYPE = {"u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "i16": np.int16, "i32": np.int32}
HL = {"u8": hl.UInt(8), "u16": hl.UInt(16), "u32": hl.UInt(32), "i16": hl.Int(16), "i32": hl.Int(32)}
RANGE = {t: (int(np.iinfo(d).min), int(np.iinfo(d).max)) for t, d in DTYPE.items()}
UNSIGNED = {"u8": "u8", "u16": "u16", "i16": "u16", "i32": "u32"}
WIDE = {"u8": "u16", "u16": "i32", "i16": "i32"}
OFFSETS = (-1, 0, 1)
LEAF = {"i32": (-2 ** 20, 2 ** 20)}  # i32 inputs are small enough that some arithmetic on them is defined


def _wrapped(t, lo, hi):
    """The interval of a value in [lo, hi] after wrapping to t (the whole range if it may wrap)."""
    a, b = RANGE[t]
    return (lo, hi) if a <= lo and hi <= b else (a, b)


@st.composite
def exprs(draw, t, depth=3):
    """A node ("op", type, (lo, hi), children...) of type t."""
    ops = ["leaf"] if depth == 0 else ["leaf", "add", "sub", "mul", "cast", "shr", "div", "minmax", "select",
                                      "sat", "absd", "avg", "widesum"]
    op = draw(st.sampled_from(ops))
    lo_t, hi_t = RANGE[t]
    if op == "leaf":
        return ("leaf", t, LEAF.get(t, RANGE[t]), draw(st.sampled_from(OFFSETS)))
    sub = lambda s, d=depth - 1: draw(exprs(s, d))
    if op in ("add", "sub", "mul"):
        a, b = sub(t), sub(t)
        (al, ah), (bl, bh) = a[2], b[2]
        r = {"add": (al + bl, ah + bh), "sub": (al - bh, ah - bl),
             "mul": (min(al * bl, al * bh, ah * bl, ah * bh), max(al * bl, al * bh, ah * bl, ah * bh))}[op]
        if t == "i32" and not (lo_t <= r[0] and r[1] <= hi_t):
            return ("max", t, (max(al, bl), max(ah, bh)), a, b)
        return (op, t, _wrapped(t, *r), a, b)
    if op == "cast":
        a = sub(draw(st.sampled_from(TYPES)))
        return ("cast", t, _wrapped(t, *a[2]), a)
    if op == "shr":
        k = draw(st.integers(1, 7))
        a = sub(t)
        return ("shr", t, (a[2][0] >> k, a[2][1] >> k), a, k)
    if op == "div":
        k = draw(st.integers(2, 9))
        a = sub(t)
        return ("div", t, (a[2][0] // k, a[2][1] // k), a, k)
    if op == "minmax":
        a, b = sub(t), sub(t)
        f = draw(st.sampled_from(["min", "max"]))
        return (f, t, (min(a[2][0], b[2][0]) if f == "min" else max(a[2][0], b[2][0]),
                       min(a[2][1], b[2][1]) if f == "min" else max(a[2][1], b[2][1])), a, b)
    if op == "select":
        s = draw(st.sampled_from(TYPES))
        c = draw(st.sampled_from(["<", "<=", "==", "!="]))
        a, b, p, q = sub(s), sub(s), sub(t), sub(t)
        return ("select", t, (min(p[2][0], q[2][0]), max(p[2][1], q[2][1])), c, a, b, p, q)
    if op == "sat":
        a = sub(draw(st.sampled_from(TYPES)))
        return ("sat", t, (max(lo_t, min(a[2][0], hi_t)), min(hi_t, max(a[2][1], lo_t))), a)
    if op == "absd" and t != "i32":
        s = draw(st.sampled_from([s for s in TYPES if UNSIGNED[s] == UNSIGNED[t]]))
        a, b = sub(s), sub(s)
        return ("absd", UNSIGNED[s], (0, RANGE[UNSIGNED[s]][1]), a, b) if UNSIGNED[s] == t else \
            ("cast", t, RANGE[t], ("absd", UNSIGNED[s], (0, RANGE[UNSIGNED[s]][1]), a, b))
    if op == "avg" and t != "i32":
        a, b = sub(t), sub(t)
        return ("avg", t, RANGE[t], a, b, draw(st.integers(0, 1)))
    if op == "widesum" and t != "i32":
        terms = tuple((sub(t, 0), draw(st.integers(1, 3))) for _ in range(draw(st.integers(2, 5))))
        return ("widesum", t, RANGE[t], terms, draw(st.integers(0, 8)), draw(st.integers(0, 3)))
    return ("leaf", t, LEAF.get(t, RANGE[t]), draw(st.sampled_from(OFFSETS)))


def build(e, inputs, x, y):
    """The halo Expr of node e; inputs[t] is the ImageParam of type t, read at x + offset."""
    op, t = e[0], e[1]
    r = lambda c: build(c, inputs, x, y)
    if op == "leaf":
        return inputs[t][x + e[3], y]
    if op in ("add", "sub", "mul", "min", "max"):
        a, b = r(e[3]), r(e[4])
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                "min": lambda: hl.min(a, b), "max": lambda: hl.max(a, b)}[op]()
    if op == "cast":
        return hl.cast(HL[t], r(e[3]))
    if op == "shr":
        return r(e[3]) >> e[4]
    if op == "div":
        return r(e[3]) / e[4]
    if op == "select":
        a, b = r(e[4]), r(e[5])
        c = {"<": a < b, "<=": a <= b, "==": a == b, "!=": a != b}[e[3]]
        return hl.select(c, r(e[6]), r(e[7]))
    if op == "sat":
        return hl.saturating_cast(HL[t], r(e[3]))
    if op == "absd":
        return hl.absd(r(e[3]), r(e[4]))
    w = HL[WIDE[t]]
    if op == "avg":
        return hl.cast(HL[t], (hl.cast(w, r(e[3])) + hl.cast(w, r(e[4])) + e[5]) / 2)
    terms, bias, shift = e[3], e[4], e[5]
    total = sum((hl.cast(w, r(c)) * k for c, k in terms[1:]), hl.cast(w, r(terms[0][0])) * terms[0][1])
    return hl.cast(HL[t], (total + bias) >> shift)


def evaluate(e, data):
    """numpy's value of node e; data[t] is a (rows, width + 2) array whose column 1 is x = 0."""
    op, t = e[0], e[1]
    r = lambda c: evaluate(c, data).astype(np.int64)
    wrap = lambda v: v.astype(DTYPE[t])  # numpy wraps integer conversions, as halo
    if op == "leaf":
        a = data[t]
        return a[:, 1 + e[3]: a.shape[1] - 1 + e[3]]
    if op in ("add", "sub", "mul", "min", "max"):
        a, b = r(e[3]), r(e[4])
        v = {"add": a + b, "sub": a - b, "mul": a * b, "min": np.minimum(a, b), "max": np.maximum(a, b)}[op]
        return wrap(v)
    if op == "cast":
        return wrap(r(e[3]))
    if op == "shr":
        return wrap(r(e[3]) >> e[4])
    if op == "div":
        return wrap(r(e[3]) // e[4])
    if op == "select":
        a, b = r(e[4]), r(e[5])
        c = {"<": a < b, "<=": a <= b, "==": a == b, "!=": a != b}[e[3]]
        return wrap(np.where(c, r(e[6]), r(e[7])))
    if op == "sat":
        return wrap(np.clip(r(e[3]), *RANGE[t]))
    if op == "absd":
        return wrap(np.abs(r(e[3]) - r(e[4])))
    if op == "avg":
        return wrap((r(e[3]) + r(e[4]) + e[5]) // 2)
    terms, bias, shift = e[3], e[4], e[5]
    total = sum(r(c) * k for c, k in terms)
    lo, hi = RANGE[WIDE[t]]
    total = (total + bias - lo) % (hi - lo + 1) + lo  # the wide type wraps as halo's does
    return wrap(total >> shift)


def input_data(seed, rows, width):
    rng = np.random.default_rng(seed)
    return {t: rng.integers(*LEAF.get(t, RANGE[t]), size=(rows, width + 2), endpoint=True).astype(DTYPE[t]) for t in TYPES}
