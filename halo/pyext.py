"""The python_extension output: a compiled CPython extension module holding one pipeline and
halo's runtime, importable and callable with numpy arrays (or hl.Buffers) where halo's compiler
is never imported.

As Halide's extensions: the module is named after the function and exposes it under that name;
it takes the inputs in declaration order, then the outputs (positionally or by name), returns
None, and raises RuntimeError with the runtime's message when the pipeline fails.

The module is written against the CPython C API rather than built by cffi: a cffi module can
expose only its `ffi` and `lib` objects, not a function named after the pipeline that converts
arrays itself. Arrays come in through the buffer protocol (numpy's, with strides); an object with
numpy() and mins() methods (an hl.Buffer) is read through them, keeping its mins."""
import pathlib
import sysconfig
import tempfile

from .codegen.c import BufferArg
from .ir.types import runtime_type
from .jit import compiler as host_compiler
from .lang.target import get_host_target
from .outputs import archive
from .runtime import build

# buffer-protocol format characters of each element type (x86-64 / aarch64 Linux: long is 64 bits)
_FORMATS = {"bool": "?", "int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
            "int64": "lq", "uint64": "LQ", "float32": "f", "float64": "d"}
# scalar conversion: (C type of the Python value, conversion call, range check or None)
_INT_LIMITS = {"int8": ("-128", "127"), "int16": ("-32768", "32767"), "int32": ("INT32_MIN", "INT32_MAX"),
               "uint8": ("0", "255"), "uint16": ("0", "65535"), "uint32": ("0", "UINT32_MAX")}

_SUPPORT = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#include "halo_runtime.h"

/* One buffer argument: a view of the Python object, the halo_buffer_t over it. */
typedef struct {
    Py_buffer view;
    int has_view;
    halo_dimension_t dim[16];
    halo_buffer_t buf;
} arg_buffer;

static int format_ok(const char *format, const char *legal) {
    if (format == NULL) format = "B";
    while (*format == '@' || *format == '=' || *format == '<') format++;
    return format[0] != 0 && format[1] == 0 && strchr(legal, format[0]) != NULL;
}

/* Fills `a` from `obj` (a buffer-protocol object, or one with numpy() and mins()); 0, or -1
 * with a Python exception set. */
static int get_buffer(PyObject *obj, const char *fn, const char *name, int code, int bits,
                      const char *formats, int dims, int writable, arg_buffer *a) {
    PyObject *array = obj, *mins = NULL;
    int rc = -1;
    memset(a, 0, sizeof *a);
    if (!PyObject_CheckBuffer(obj) && PyObject_HasAttrString(obj, "numpy") && PyObject_HasAttrString(obj, "mins")) {
        array = PyObject_CallMethod(obj, "numpy", NULL);
        mins = array ? PyObject_CallMethod(obj, "mins", NULL) : NULL;
        if (!mins) goto done;
    } else {
        Py_INCREF(array);
    }
    if (PyObject_GetBuffer(array, &a->view, PyBUF_RECORDS_RO | (writable ? PyBUF_WRITABLE : 0)) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: argument %s must be a%s array (numpy array or hl.Buffer) of %d "
                     "dimensions", fn, name, writable ? " writable" : "n", dims);
        goto done;
    }
    a->has_view = 1;
    if (a->view.ndim != dims || a->view.itemsize * 8 != (bits == 1 ? 8 : bits) ||
        !format_ok(a->view.format, formats)) {
        PyErr_Format(PyExc_TypeError, "%s: argument %s must have %d dimensions and element format %s, got %d "
                     "dimensions of format %s", fn, name, dims, formats, a->view.ndim,
                     a->view.format ? a->view.format : "B");
        goto done;
    }
    for (int i = 0; i < dims; i++) {
        int axis = dims - 1 - i; /* numpy's last axis is x */
        Py_ssize_t stride = a->view.strides[axis];
        long long m = 0;
        if (stride % a->view.itemsize != 0 || a->view.shape[axis] > INT32_MAX) {
            PyErr_Format(PyExc_ValueError, "%s: argument %s has a stride that is not a whole number of elements",
                         fn, name);
            goto done;
        }
        if (mins) {
            PyObject *v = PySequence_GetItem(mins, i);
            m = v ? PyLong_AsLongLong(v) : -1;
            Py_XDECREF(v);
            if (PyErr_Occurred()) goto done;
        }
        a->dim[i] = (halo_dimension_t){(int32_t)m, (int32_t)a->view.shape[axis],
                                       (int32_t)(stride / a->view.itemsize), 0};
    }
    a->buf.host = (uint8_t *)a->view.buf;
    a->buf.type.code = (uint8_t)code;
    a->buf.type.bits = (uint8_t)bits;
    a->buf.type.lanes = 1;
    a->buf.dimensions = dims;
    a->buf.dim = a->dim;
    rc = 0;
done:
    Py_XDECREF(array);
    Py_XDECREF(mins);
    return rc;
}

static int get_int(PyObject *obj, const char *fn, const char *name, long long lo, long long hi, long long *out) {
    *out = PyLong_AsLongLong(obj);
    if (*out == -1 && PyErr_Occurred()) return -1;
    if (*out < lo || *out > hi) {
        PyErr_Format(PyExc_OverflowError, "%s: argument %s = %lld is out of range [%lld, %lld]", fn, name, *out,
                     lo, hi);
        return -1;
    }
    return 0;
}

static void release(arg_buffer *a) {
    if (a->has_view) PyBuffer_Release(&a->view);
}

static PyObject *failure(const char *fn, int rc) {
    const char *msg = halo_last_error_code() == rc ? halo_last_error_message() : halo_error_name(rc);
    PyErr_Format(PyExc_RuntimeError, "%s failed (error %d): %s", fn, rc, msg);
    halo_clear_error();
    return NULL;
}
"""


def extension_source(c):
    """The C of the extension module for the CSource `c` (its function, arguments and signature)."""
    fn = c.fn_name
    names = [a.name for a in c.args]
    lines = [_SUPPORT, c.signature + ";", "",
             f"static PyObject *call_{fn}(PyObject *self, PyObject *args, PyObject *kwargs) {{",
             f"  static char *keywords[] = {{{', '.join(f'{chr(34)}{nm}{chr(34)}' for nm in names)}, NULL}};",
             f"  PyObject *o[{len(names)}];",
             f"  arg_buffer b[{max(1, sum(isinstance(a, BufferArg) for a in c.args))}];",
             "  int nb = 0, rc;",
             "  PyObject *result = NULL;",
             f"  if (!PyArg_ParseTupleAndKeywords(args, kwargs, \"{'O' * len(names)}:{fn}\", keywords, "
             f"{', '.join(f'&o[{i}]' for i in range(len(names)))})) return NULL;"]
    call = ["NULL"]
    for i, a in enumerate(c.args):
        if isinstance(a, BufferArg):
            code, bits = runtime_type(a.type)
            lines.append(f"  if (get_buffer(o[{i}], \"{fn}\", \"{a.name}\", {code}, {bits}, \"{_FORMATS[str(a.type)]}\", "
                         f"{a.dimensions}, {int(a.is_output)}, &b[nb]) != 0) {{ release(&b[nb]); goto done; }}")
            lines.append("  nb++;")
            call.append(f"&b[{sum(isinstance(x, BufferArg) for x in c.args[:i])}].buf")
        else:
            lines += _scalar(a, i, fn)
            call.append(f"s{i}")
    lines += ["  Py_BEGIN_ALLOW_THREADS",
              f"  rc = {fn}({', '.join(call)});",
              "  Py_END_ALLOW_THREADS",
              f"  if (rc != 0) {{ failure(\"{fn}\", rc); goto done; }}",
              "  Py_INCREF(Py_None);",
              "  result = Py_None;",
              "done:",
              "  while (nb > 0) release(&b[--nb]);",
              "  return result;",
              "}", "",
              f"static PyMethodDef methods[] = {{{{\"{fn}\", (PyCFunction)(void (*)(void))call_{fn}, "
              f"METH_VARARGS | METH_KEYWORDS, \"{fn}({', '.join(names)}): runs the pipeline; returns None\"}}, "
              "{NULL, NULL, 0, NULL}};",
              f"static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, \"{fn}\", "
              f"\"halo pipeline {fn}\", -1, methods, NULL, NULL, NULL, NULL}};",
              f"PyMODINIT_FUNC PyInit_{fn}(void) {{ return PyModule_Create(&module); }}", ""]
    return "\n".join(lines)


def _scalar(a, i, fn):
    """C lines that convert Python argument o[i] into the scalar s{i}."""
    t = str(a.type)
    ct = a.type.c_name()
    if a.type.is_float():
        return [f"  const double d{i} = PyFloat_AsDouble(o[{i}]);",
                f"  if (d{i} == -1.0 && PyErr_Occurred()) goto done;",
                f"  const {ct} s{i} = ({ct})d{i};"]
    if t == "bool":
        return [f"  const int t{i} = PyObject_IsTrue(o[{i}]);",
                f"  if (t{i} < 0) goto done;",
                f"  const bool s{i} = t{i} != 0;"]
    if t == "uint64":
        return [f"  const unsigned long long u{i} = PyLong_AsUnsignedLongLong(o[{i}]);",
                f"  if (u{i} == (unsigned long long)-1 && PyErr_Occurred()) goto done;",
                f"  const uint64_t s{i} = (uint64_t)u{i};"]
    lo, hi = _INT_LIMITS.get(t, ("INT64_MIN", "INT64_MAX"))
    return [f"  long long v{i};",
            f"  if (get_int(o[{i}], \"{fn}\", \"{a.name}\", {lo}, {hi}, &v{i}) != 0) goto done;",
            f"  const {ct} s{i} = ({ct})v{i};"]


def build_extension(c, pipeline_source, path):
    """Compiles the extension for the CSource `c` (pipeline_source: its C, including its header
    <fn>.h) with halo's runtime objects into `path`. The runtime's symbols stay inside the module
    (--exclude-libs), so it never binds to another copy of the runtime in the same process."""
    path = pathlib.Path(path)
    with tempfile.TemporaryDirectory(prefix="halo-pyext-") as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / f"{c.fn_name}.h").write_text(c.header)
        (tmp / f"{c.fn_name}.c").write_text(pipeline_source)
        (tmp / "module.c").write_text(extension_source(c))
        runtime = tmp / "libhalo_runtime.a"
        archive(build.host_objects(), runtime, get_host_target())
        cmd = build.compiler() + list(host_compiler.flags()) + [
            "-I", sysconfig.get_paths()["include"], "-I", str(build.runtime_dir()), "module.c", f"{c.fn_name}.c",
            runtime.name, "-Wl,--exclude-libs,ALL", "-pthread", "-lm", "-o", "module.so"]
        build._run(cmd, f"building the Python extension {c.fn_name}", cwd=tmp)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((tmp / "module.so").read_bytes())
    return path
