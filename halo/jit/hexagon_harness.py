"""Runs a pipeline compiled for a Hexagon target under qemu-hexagon.

A generated harness (C, no libc) reads every argument from stdin, calls the pipeline between
two calls of the marker `halo_hexagon_mark` (so packet counts cover the pipeline alone), and
writes every output buffer to stdout. The same executable serves any buffer size.

stdin, little-endian: b"HALO", then per argument in signature order:
  buffer: int32 dimensions, (int32 min, extent, stride) per dimension, int64 byte count, bytes
  scalar: 8 bytes (int64, or float64 for float parameters)
stdout: the bytes of each output buffer, in signature order.
"""
import re
import struct

import numpy as np

from ..codegen.c import BufferArg
from ..codegen.c_prelude import prelude
from ..errors import CompileError, HaloError
from ..ir.types import runtime_type
from ..lang.buffer import Buffer
from ..lang.target import QEMU_HEXAGON_ISAS
from . import hexagon

MARKER = "halo_hexagon_mark"


_LIBM = re.compile(r"\b(?:(floor|ceil|nearbyint|sqrt|exp|log|pow)f?|halo_(mod)_f(?:32|64))\(")
_NAMES = {"nearbyint": "hl.round", "mod": "% on floats"}


def require_runnable(target):
    """HaloError unless qemu-hexagon can execute code built for `target`."""
    if target.isa not in QEMU_HEXAGON_ISAS:
        raise HaloError(f"target {target}: qemu-hexagon 7.2 executes Hexagon {', '.join(QEMU_HEXAGON_ISAS)} only; "
                        f"run with hexagon-v67{'-hvx128' if target.hvx_bytes else ''} (compile_to_c still "
                        f"writes C for {target.isa})")


def check_libm(source, what):
    """The freestanding Hexagon build has no libm: name the float operations a pipeline (`what`,
    as the user knows it) uses that need it (the prelude's own helpers, used or not, are skipped)."""
    used = sorted({_NAMES.get(m.group(1) or m.group(2), f"hl.{m.group(1)}")
                   for m in _LIBM.finditer(source[len(prelude()):])})
    if used:
        raise CompileError(
            f"{what}: the Hexagon build has no math library (the runtime is freestanding), so "
            f"{', '.join(used)} cannot run on a hexagon target; compute it on the host target, or write it "
            f"with arithmetic (for example a polynomial)")


def harness_source(fn_name, signature, args):
    """The C harness that feeds `fn_name` (declared by `signature`) from stdin."""
    lines = ['#include "halo_runtime.h"', '#include "hexagon/halo_hexagon_start.h"', "",
             signature + ";", "",
             f"void __attribute__((noinline)) {MARKER}(void) {{ __asm__ volatile(\"\" ::: \"memory\"); }}", "",
             "static int read_buffer(halo_buffer_t *b, halo_dimension_t *dims, int code, int bits, int n) {",
             "  int32_t d;",
             "  int64_t bytes;",
             "  if (halo_hexagon_read_exact(&d, 4) || d != n) return -1;",
             "  for (int i = 0; i < n; i++) {",
             "    int32_t v[3];",
             "    if (halo_hexagon_read_exact(v, sizeof v)) return -1;",
             "    dims[i] = (halo_dimension_t){v[0], v[1], v[2], 0};",
             "  }",
             "  if (halo_hexagon_read_exact(&bytes, 8)) return -1;",
             "  b->host = halo_malloc(NULL, (size_t)bytes);",
             "  if (!b->host || halo_hexagon_read_exact(b->host, (unsigned long)bytes)) return -1;",
             "  b->type.code = (uint8_t)code;",
             "  b->type.bits = (uint8_t)bits;",
             "  b->type.lanes = 1;",
             "  b->dimensions = n;",
             "  b->dim = dims;",
             "  return (int)bytes;",
             "}", "",
             "int halo_hexagon_main(void) {",
             "  char magic[4];",
             "  if (halo_hexagon_read_exact(magic, 4) || magic[0] != 'H' || magic[3] != 'O')",
             "    return halo_hexagon_fail(\"reading the harness input\");"]
    call = ["NULL"]
    outputs = []
    for k, a in enumerate(args):
        if isinstance(a, BufferArg):
            code, bits = runtime_type(a.type)
            lines += [f"  halo_buffer_t b{k} = {{0}};",
                      f"  halo_dimension_t d{k}[{max(a.dimensions, 1)}];",
                      f"  int n{k} = read_buffer(&b{k}, d{k}, {code}, {bits}, {a.dimensions});",
                      f"  if (n{k} < 0) return halo_hexagon_fail(\"reading buffer {a.name}\");"]
            call.append(f"&b{k}")
            if a.is_output:
                outputs.append(k)
        else:
            ct = a.type.c_name()
            raw = "double" if a.type.is_float() else "int64_t"
            lines += [f"  {raw} r{k};",
                      f"  if (halo_hexagon_read_exact(&r{k}, 8)) return halo_hexagon_fail(\"reading {a.name}\");",
                      f"  const {ct} s{k} = ({ct})r{k};"]
            call.append(f"s{k}")
    lines += [f"  {MARKER}();",
              f"  int rc = {fn_name}({', '.join(call)});",
              f"  {MARKER}();",
              f"  if (rc) return halo_hexagon_fail(\"{fn_name}\");"]
    for k in outputs:
        lines.append(f"  if (halo_hexagon_write_all(1, b{k}.host, (unsigned long)n{k})) "
                     f"return halo_hexagon_fail(\"writing the outputs\");")
    lines += ["  return 0;", "}", ""]
    return "\n".join(lines)


def _array(value, arg):
    """(C-contiguous array, mins in x-first order) of a buffer argument's value."""
    if isinstance(value, Buffer):
        arr, mins = value.numpy(), list(value.mins())
    elif isinstance(value, np.ndarray):
        arr, mins = value, [0] * value.ndim
    else:
        raise HaloError(f"argument {arg.name}: a Hexagon run needs a numpy array or hl.Buffer, not "
                        f"{type(value).__name__} (DMA-wrapped frames run through apps' Hexagon harness)")
    return np.ascontiguousarray(arr), mins


def _strided_input(arr):
    """(strides in elements, x first; the bytes from the first element to the last) of an input
    whose rows are padded (a dense innermost dimension, strides growing outwards), so a pipeline
    that declares its row stride (dim(1).set_stride) gets the caller's layout; None otherwise."""
    strides = [s // arr.itemsize for s in reversed(arr.strides)]
    if (arr.flags.c_contiguous or not arr.size or strides[0] != 1
            or any(s % arr.itemsize for s in arr.strides)
            or any(b < a * n for a, b, n in zip(strides, strides[1:], reversed(arr.shape)))):
        return None
    span = sum((n - 1) * s for n, s in zip(reversed(arr.shape), strides)) + 1
    return strides, np.lib.stride_tricks.as_strided(arr, (span,), (arr.itemsize,)).tobytes()


def encode(args, values):
    """(stdin bytes, [(output array to fill, byte count)]) for one call."""
    parts = [b"HALO"]
    outputs = []
    for a in args:
        v = values[a.name]
        if isinstance(a, BufferArg):
            arr, mins = _array(v, a)
            strided = None if a.is_output else _strided_input(v.numpy() if isinstance(v, Buffer) else v)
            if strided is None:
                strides, data = [s // arr.itemsize for s in reversed(arr.strides)], arr.tobytes()
            else:
                strides, data = strided
            dims = arr.ndim
            parts.append(struct.pack("<i", dims))
            for i in range(dims):
                parts.append(struct.pack("<iii", mins[i], arr.shape[dims - 1 - i], strides[i]))
            parts.append(struct.pack("<q", len(data)))
            parts.append(data)
            if a.is_output:
                outputs.append((v, arr, len(data)))
        else:
            parts.append(struct.pack("<d", float(v)) if a.type.is_float() else struct.pack("<q", int(v)))
    return b"".join(parts), outputs


def decode(stdout, outputs):
    """Copies the harness's output bytes back into the callers' arrays."""
    want = sum(nbytes for _, _, nbytes in outputs)
    if len(stdout) != want:
        raise HaloError(f"the Hexagon harness wrote {len(stdout)} bytes; the outputs hold {want}")
    at = 0
    for value, arr, nbytes in outputs:
        got = np.frombuffer(stdout[at:at + nbytes], dtype=arr.dtype).reshape(arr.shape)
        target = value.numpy() if isinstance(value, Buffer) else value
        target[...] = got
        at += nbytes


class HexagonCompiled:
    """A pipeline built for a Hexagon target: call it like a host Compiled (numpy arrays or
    hl.Buffers); it runs under qemu-hexagon and fills the outputs. packets() counts the Hexagon
    packets the pipeline call executes."""

    def __init__(self, source, header, args, fn_name, target, signature, what):
        self.source = source
        self.header = header
        self.args = args
        self.fn_name = fn_name
        self.target = target
        require_runnable(target)
        check_libm(source, what)
        self.exe = hexagon.build_executable(
            [("pipeline.c", source), ("harness.c", harness_source(fn_name, signature, args))],
            arch=target.isa, hvx=target.hvx_bytes)

    def __call__(self, values):
        stdin, outputs = encode(self.args, values)
        decode(hexagon.run(self.exe, stdin), outputs)

    def packets(self, values):
        """Packets executed by the pipeline call alone (the harness's input and output excluded);
        fills the outputs too."""
        stdin, outputs = encode(self.args, values)
        count = hexagon.count_packets(self.exe, stdin, between=MARKER)
        decode(count.stdout, outputs)
        return count.packets
