"""Port of Halide's python_bindings/test/correctness/buffer.py, as the installed Halide (21)
behaves (a numpy array's last axis is dimension 0, as in halo). Left out (README.md):
test_bufferinfo_sharing and test_overflow (multi-gigabyte arrays), test_float16, crop and
copy, make_interleaved, storage_order, make_scalar, for_each_element."""
import numpy as np


def test_ndarray_to_buffer(hl):
    a0 = np.ones((200, 300), dtype=np.int32)
    b0 = hl.Buffer(a0, "float32_test_buffer")
    assert b0.type() == hl.Int(32)
    assert b0.name() == "float32_test_buffer"
    assert b0.all_equal(1)
    assert (b0.dim(0).min(), b0.dim(0).max(), b0.dim(0).extent(), b0.dim(0).stride()) == (0, 299, 300, 1)
    assert (b0.dim(1).min(), b0.dim(1).max(), b0.dim(1).extent(), b0.dim(1).stride()) == (0, 199, 200, 300)
    a0[12, 34] = 56
    assert b0[34, 12] == 56
    b0[56, 34] = 12
    assert a0[34, 56] == 12


def test_buffer_to_ndarray(hl):
    buf = hl.Buffer(hl.Int(16), [4, 4])
    assert buf.type() == hl.Int(16)
    buf.fill(0)
    buf[1, 2] = 42
    assert buf[1, 2] == 42
    shared = np.array(buf, copy=False)
    assert shared.shape == (4, 4) and shared.dtype == np.int16
    assert shared[2, 1] == 42
    copied = np.array(buf, copy=True)
    assert copied[2, 1] == 42
    buf[1, 2] = 3
    assert shared[2, 1] == 3
    assert copied[2, 1] == 42


def test_fill_all_equal(hl):
    buf = hl.Buffer(hl.Int(32), [3, 4])
    buf.fill(3)
    assert buf.all_equal(3)
    buf[1, 2] = 4
    assert not buf.all_equal(3)


def test_int64(hl):
    np.array(hl.Buffer(np.zeros((256, 256, 3), dtype=np.int64)), copy=False)


def test_interleaved_ndarray(hl):
    w, h, c = 7, 13, 3
    a = np.ndarray(dtype=np.uint8, shape=(h, w, c))
    b = hl.Buffer(a)
    assert b.type() == hl.UInt(8)
    assert [(b.dim(i).min(), b.dim(i).extent(), b.dim(i).stride()) for i in range(3)] == [
        (0, c, 1), (0, w, c), (0, h, w * c)]


def test_buffer_to_str(hl):
    b = hl.Buffer(hl.Int(32), [128, 256])
    assert str(b) == f"<{hl.__name__}.Buffer of type int32 shape:[[0,128,1],[0,256,128]]>"
