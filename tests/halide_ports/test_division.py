"""Port of Halide's python_bindings/test/correctness/division.py (test_division_gpu needs a GPU:
see README.md)."""


def _params(hl):
    return (hl.Param(hl.Float(32), "f32", -32.0), hl.Param(hl.Float(64), "f64", 64.0),
            hl.Param(hl.Int(16), "i16", -16), hl.Param(hl.Int(32), "i32", 32),
            hl.Param(hl.UInt(16), "u16", 16), hl.Param(hl.UInt(32), "u32", 32))


def test_types(hl):
    f32, f64, i16, i32, u16, u32 = _params(hl)
    assert (f32 / f64).type() == hl.Float(64)
    assert (f32 // f64).type() == hl.Float(64)
    assert (i16 / i32).type() == hl.Int(32)
    assert (i16 // i32).type() == hl.Int(32)
    assert (u16 / u32).type() == hl.UInt(32)
    assert (u16 // u32).type() == hl.UInt(32)
    assert (u16 / i32).type() == hl.Int(32)
    assert (i32 // u16).type() == hl.Int(32)
    assert (u16 / f32).type() == hl.Float(32)
    assert (u16 // f32).type() == hl.Float(32)
    assert (i16 / f64).type() == hl.Float(64)
    assert (i16 // f64).type() == hl.Float(64)


def test_division(hl):
    f32, f64, i16, i32, u16, u32 = _params(hl)
    assert hl.evaluate(f32 / f64) == -0.5
    assert hl.evaluate(f32 // f64) == -1.0
    assert hl.evaluate(i16 / i32) == -1
    assert hl.evaluate(i16 // i32) == -1
    assert hl.evaluate(i32 / i16) == -2
    assert hl.evaluate(u16 / u32) == 0
    assert hl.evaluate(u16 // u32) == 0
    assert hl.evaluate(u16 / i32) == 0
    assert hl.evaluate(i32 // u16) == 2
    assert hl.evaluate(u16 / f32) == -0.5
    assert hl.evaluate(u16 // f32) == -1.0
    assert hl.evaluate(i16 / f64) == -0.25
    assert hl.evaluate(i16 // f64) == -1.0


def test_division_tupled(hl):
    f32, f64, i16, i32, u16, u32 = _params(hl)
    assert hl.evaluate((f32 / f64, f32 // f64)) == (-0.5, -1.0)
    assert hl.evaluate((i16 / i32, i16 // i32, i32 / i16)) == (-1, -1, -2)
    assert hl.evaluate((u16 / u32, u16 // u32)) == (0, 0)
    assert hl.evaluate((u16 / i32, i32 // u16)) == (0, 2)
    assert hl.evaluate((u16 / f32, u16 // f32)) == (-0.5, -1.0)
    assert hl.evaluate((i16 / f64, i16 // f64)) == (-0.25, -1.0)
