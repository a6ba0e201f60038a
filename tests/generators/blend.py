"""A generator file written with Halide's Python API (only the import differs): two buffer
inputs (one typed by a GeneratorParam), a scalar input, two outputs, GeneratorParams of every
kind, and a LoopLevel GeneratorParam placing an intermediate in schedule()."""
import halo as hl

x, y = hl.Var("x"), hl.Var("y")


@hl.generator(name="blend")
class Blend(hl.Generator):
    gain = hl.GeneratorParam(2)
    scale = hl.GeneratorParam(0.5)
    use_blur = hl.GeneratorParam(True)
    blur_name = hl.GeneratorParam("blur")
    mode = hl.GeneratorParam("add", {"add": 1, "sub": -1})
    acc_type = hl.GeneratorParam(hl.UInt(16))
    blur_at = hl.GeneratorParam(hl.LoopLevel.root())

    a = hl.InputBuffer(hl.UInt(8), 2)
    b = hl.InputBuffer(None, 2)
    offset = hl.InputScalar(hl.Int(32))
    out = hl.OutputBuffer(hl.UInt(8), 2)
    total = hl.OutputBuffer(hl.Float(32), 2)

    def generate(g):
        g.blur = hl.Func(g.blur_name)
        taps = [hl.cast(g.acc_type, g.a[x + i, y]) for i in range(3 if g.use_blur else 1)]
        g.blur[x, y] = sum(taps[1:], taps[0]) // len(taps)
        v = hl.cast(hl.Int(32), g.blur[x, y]) * g.gain + g.offset * g.mode
        g.out[x, y] = hl.cast(hl.UInt(8), hl.clamp(v + hl.cast(hl.Int(32), g.b[x, y]), 0, 255))
        g.total[x, y] = hl.cast(hl.Float(32), g.out[x, y]) * g.scale

    def schedule(g):
        g.blur.compute_at(g.blur_at)
        g.out.compute_root()
        if g.target().has_feature(hl.TargetFeature.HVX):
            g.total.vectorize(x, 32)


@hl.generator(name="invert")
class Invert:
    """A second generator in the same file, with an implicit Generator base."""
    src = hl.InputBuffer(hl.UInt(8), 2)
    dst = hl.OutputBuffer(hl.UInt(8), 2)

    def generate(g):
        g.dst[x, y] = 255 - g.src[x, y]


if __name__ == "__main__":
    hl.main()
