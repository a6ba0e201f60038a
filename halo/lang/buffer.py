"""Buffer: an image in memory, wrapping a numpy array without copying.

The first dimension is innermost, as in Halide: a numpy array of shape (H, W) is a Buffer over
(x, y) with width W and height H, and buf[x, y] is array[y, x].
"""
import numpy as np

from ..errors import DefinitionError
from ..ir.types import Type, type_of_dtype
from ..runtime import frames
from .names import user_name
from .param import make_call


class BufferDim:
    def __init__(self, min_, extent, stride):
        self._min, self._extent, self._stride = min_, extent, stride

    def min(self):
        return self._min

    def extent(self):
        return self._extent

    def max(self):
        return self._min + self._extent - 1

    def stride(self):
        return self._stride


# of every buffer halo allocates, as Halide's (one HVX vector; halo_malloc's in the C runtime)
HOST_ALIGNMENT = 128


def aligned_zeros(shape, dtype):
    """np.zeros(shape, dtype) whose data starts at a multiple of HOST_ALIGNMENT bytes."""
    return frames.aligned_zeros(shape, dtype, HOST_ALIGNMENT)


class Buffer:
    def __init__(self, data, sizes=None, name=None):
        if isinstance(data, Type):
            if sizes is None:
                raise DefinitionError("Buffer(type, sizes) needs the sizes, innermost first, e.g. [width, height]")
            array = aligned_zeros(tuple(reversed([int(s) for s in sizes])), data.numpy_dtype())
        else:
            array = data if isinstance(data, np.ndarray) else np.asarray(data)
            if isinstance(sizes, str) and name is None:
                name = sizes
        self._type = type_of_dtype(array.dtype)
        self._array = array
        self._name = user_name(name, "Buffer", "b")
        self._mins = [0] * array.ndim

    # --- shape (Halide order: dim 0 innermost) ---
    def name(self):
        return self._name

    def type(self):
        return self._type

    def dimensions(self):
        return self._array.ndim

    def dim(self, i):
        nd = self._array.ndim
        if not 0 <= i < nd:
            raise DefinitionError(f"Buffer {self._name} has {nd} dimensions; dim({i}) does not exist")
        axis = nd - 1 - i
        return BufferDim(self._mins[i], self._array.shape[axis],
                         self._array.strides[axis] // self._array.itemsize)

    def width(self):
        return self.dim(0).extent()

    def height(self):
        return self.dim(1).extent()

    def channels(self):
        return self.dim(2).extent()

    def set_min(self, *mins):
        if len(mins) == 1 and isinstance(mins[0], (list, tuple)):
            mins = mins[0]
        if len(mins) != self._array.ndim:
            raise DefinitionError(f"Buffer {self._name}.set_min needs {self._array.ndim} values, got {len(mins)}")
        self._mins = [int(m) for m in mins]
        return self

    def mins(self):
        return list(self._mins)

    def constraints(self):
        from .param import default_constraints
        return default_constraints(self._array.ndim)

    def transposed(self, order):
        """A Buffer over the same memory with dimensions permuted: new dim i is old dim order[i]
        (Halide's Buffer::transposed). Buffer(uv_hw2).transposed([1, 2, 0]) views an interleaved
        (H, W, 2) UV plane as [x, y, c] with x stride 2 and c stride 1."""
        nd = self._array.ndim
        if sorted(order) != list(range(nd)):
            raise DefinitionError(f"Buffer {self._name}.transposed needs a permutation of 0..{nd - 1}, got {order}")
        axes = [nd - 1 - order[nd - 1 - j] for j in range(nd)]
        out = Buffer(self._array.transpose(axes), name=self._name)
        out._mins = [self._mins[k] for k in order]
        return out

    # --- data ---
    def numpy(self):
        """The wrapped numpy array (numpy order: outermost dimension first)."""
        return self._array

    def __array__(self, dtype=None, copy=None):
        array = self._array if dtype is None else self._array.astype(dtype)
        return array.copy() if copy else array

    def fill(self, value):
        self._array.fill(value)
        return self

    def all_equal(self, value):
        return bool(np.all(self._array == value))

    def copy_to_host(self):
        """Halide's copy back from a device: halo's Buffers are always in host memory."""
        return self

    def __repr__(self):
        shape = ",".join(f"[{d.min()},{d.extent()},{d.stride()}]" for d in map(self.dim, range(self.dimensions())))
        return f"<halo.Buffer of type {self._type} shape:[{shape}]>"

    def _index(self, args):
        if len(args) != self._array.ndim:
            raise DefinitionError(f"Buffer {self._name} has {self._array.ndim} dimensions, indexed with {len(args)}")
        return tuple(int(a) - m for a, m in zip(reversed(args), reversed(self._mins)))

    def __getitem__(self, args):
        if not isinstance(args, tuple):
            args = (args,)
        if all(isinstance(a, (int, np.integer)) for a in args):
            return self._array[self._index(args)]
        return make_call(self, self._name, self._type, self._array.ndim, args, "Buffer")

    def __setitem__(self, args, value):
        if not isinstance(args, tuple):
            args = (args,)
        self._array[self._index(args)] = value
