"""buffer_from_array: a zero-copy halo_buffer_t view of a numpy array in Halide's axis order."""
import gc
import weakref

import numpy as np
import pytest

import halo.runtime as rt


def _dims(buf):
    return [(buf.dim[i].min, buf.dim[i].extent, buf.dim[i].stride)
            for i in range(buf.dimensions)]


def test_2d_axis_order_and_no_copy():
    a = np.arange(12, dtype=np.uint16).reshape(3, 4)
    buf = rt.buffer_from_array(a)
    assert rt.ffi.typeof(buf) is rt.ffi.typeof("halo_buffer_t *")
    assert _dims(buf) == [(0, 4, 1), (0, 3, 4)]
    assert (buf.type.code, buf.type.bits, buf.type.lanes) == (1, 16, 1)
    assert (buf.device, buf.device_interface, buf.flags) == (0, rt.ffi.NULL, 0)
    assert int(rt.ffi.cast("uintptr_t", buf.host)) == a.ctypes.data
    host = rt.ffi.cast("uint16_t *", buf.host)
    host[1 * 4 + 2] = 999  # y = 1, x = 2
    assert a[1, 2] == 999


@pytest.mark.parametrize("dtype,code,bits", [
    (np.int8, 0, 8), (np.int16, 0, 16), (np.int32, 0, 32), (np.int64, 0, 64),
    (np.uint8, 1, 8), (np.uint32, 1, 32), (np.float16, 2, 16), (np.float32, 2, 32),
    (np.float64, 2, 64), (np.bool_, 1, 1),
])
def test_types(dtype, code, bits):
    buf = rt.buffer_from_array(np.zeros((2, 2), dtype))
    assert (buf.type.code, buf.type.bits) == (code, bits)


def test_views_mins_and_3d():
    a = np.zeros((5, 6, 3), np.float32)  # (y, x, c) interleaved
    buf = rt.buffer_from_array(a, mins=[0, 10, 20])
    assert _dims(buf) == [(0, 3, 1), (10, 6, 3), (20, 5, 18)]
    full = np.arange(100, dtype=np.int32).reshape(10, 10)
    view = full[2:8:2, 1:9:3]
    buf = rt.buffer_from_array(view)
    assert _dims(buf) == [(0, 3, 3), (0, 3, 20)]
    assert rt.ffi.cast("int32_t *", buf.host)[0] == 21
    flipped = full[::-1]
    buf = rt.buffer_from_array(flipped)
    assert _dims(buf) == [(0, 10, 1), (0, 10, -10)]
    assert rt.ffi.cast("int32_t *", buf.host)[0] == 90
    scalar = rt.buffer_from_array(np.array(7, np.uint8))
    assert scalar.dimensions == 0
    assert rt.ffi.cast("uint8_t *", scalar.host)[0] == 7


def test_rejections():
    with pytest.raises(TypeError, match="no halo type for numpy dtype complex64"):
        rt.buffer_from_array(np.zeros(3, np.complex64))
    with pytest.raises(TypeError, match="needs a numpy array"):
        rt.buffer_from_array([1, 2, 3])
    with pytest.raises(ValueError, match="2 mins given for a 3-dimensional array"):
        rt.buffer_from_array(np.zeros((1, 2, 3)), mins=[0, 0])
    odd = np.lib.stride_tricks.as_strided(np.zeros(20, np.uint8).view(np.uint16),
                                          shape=(3,), strides=(3,))
    with pytest.raises(ValueError, match="axis 0 stride of 3 bytes is not a multiple of the "
                                         "2-byte element"):
        rt.buffer_from_array(odd)


def test_buffer_keeps_the_array_alive():
    class Tracked(np.ndarray):
        pass

    a = np.full((4, 4), 5, np.uint8).view(Tracked)
    alive = weakref.ref(a)
    buf = rt.buffer_from_array(a)
    del a
    gc.collect()
    assert alive() is not None
    assert rt.ffi.cast("uint8_t *", buf.host)[15] == 5
    assert buf.dim[1].extent == 4
    del buf
    gc.collect()
    assert alive() is None
