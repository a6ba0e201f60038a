"""Pipeline: the outputs of a pipeline, frozen, lowered, compiled to C and run. Func.realize,
Func.compile_to_c and the other Func methods that compile go through here.

What is compiled is kept: the frozen pipeline until a definition or schedule changes anywhere
(the front end's generation counter), the lowered C by the frozen pipeline's digest (in memory
and on disk), the loaded module per C source (halo.jit.compiler)."""
import hashlib
import json
import os
import pathlib
import sys
import tempfile
import warnings
from dataclasses import dataclass

import numpy as np

from . import runtime
from .codegen.c import BufferArg, CGenerator, ScalarArg
from .errors import DefinitionError, HaloError, HaloRuntimeError, HaloWarning
from .ir.loop_nest import loop_nest
from .ir.names import element_buffer
from .jit import compiler
from .lang.buffer import Buffer, aligned_zeros
from .ir.operators import as_expr, cast
from .ir.types import Int
from .lang.frozen import Requirement, freeze
from .lang.names import c_function_name, changed, generation
from .lang.schedule_warnings import schedule_warnings
from .lang.target import Target
from .lower import lower
from .outputs import compile_to, with_header_include
from .runtime import build

_lowered = {}  # cache key -> (C source, header, warnings)
_CACHE_FORMAT = 4


def compiler_digest():
    """A hash of halo's own Python sources: a cached lowering is only reused by the compiler
    that produced it."""
    global _compiler_digest
    if _compiler_digest is None:
        root = pathlib.Path(__file__).resolve().parent
        h = hashlib.sha256()
        for f in sorted(root.rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
        _compiler_digest = h.hexdigest()
    return _compiler_digest


_compiler_digest = None


@dataclass(frozen=True)
class CSource:
    """Generated C: the source, the header, the arguments in signature order, the function."""
    source: str
    header: str
    args: list
    fn_name: str
    signature: str


class Compiled:
    """A pipeline compiled and loaded: call it with {argument name: value}."""

    def __init__(self, source, header, args, fn_name):
        self.source = source
        self.header = header
        self.args = args
        self.fn_name = fn_name
        sig = CGenerator(fn_name).signature(args)
        (self.ffi, self.lib), self.compiled_now = compiler.load(source, fn_name, sig)
        self.fn = getattr(self.lib, fn_name)
        self._buffer_ptr = self.ffi.typeof("halo_buffer_t *")

    def __call__(self, values):
        """`values`: {arg name: numpy array / Buffer / halo_buffer_t * / scalar}."""
        call_args = [runtime.ffi.NULL]
        keep = []
        for a in self.args:
            v = values[a.name]
            if isinstance(a, BufferArg):
                if isinstance(v, runtime.ffi.CData):
                    # a halo_buffer_t * the host prepared itself (for example a DMA-wrapped frame plane)
                    call_args.append(self.ffi.cast(self._buffer_ptr, v))
                    continue
                array = v.numpy() if isinstance(v, Buffer) else np.asarray(v)
                if a.is_output:
                    _check_writable(a.name, array)
                hb = runtime.buffer_from_array(array, v.mins()) if isinstance(v, Buffer) else \
                    runtime.buffer_from_array(array)
                keep.append(hb)
                call_args.append(self.ffi.cast(self._buffer_ptr, hb))
            else:
                call_args.append(v)
        rc = self.fn(*call_args)
        _write_printed()
        if rc != 0:
            lib = runtime.lib
            msg = runtime.ffi.string(lib.halo_last_error_message()).decode(errors="replace") \
                if lib.halo_last_error_code() == rc else runtime.ffi.string(lib.halo_error_name(rc)).decode()
            lib.halo_clear_error()
            raise HaloRuntimeError(rc, msg)


def _write_printed():
    """What hl.print printed during the call, written to Python's stdout (as Halide's JIT)."""
    text = runtime.ffi.string(runtime.lib.halo_printed())
    if text:
        runtime.lib.halo_clear_printed()
        sys.stdout.write(text.decode(errors="replace"))


def _check_writable(name, array):
    """An output is written in place: refuse memory the caller marked read-only and views that
    map several points to one byte (np.broadcast_to: 4 rows written into 1)."""
    if not array.flags.writeable:
        raise HaloError(f"output buffer {name} is read-only (a read-only numpy array, np.frombuffer of bytes, or "
                        f"a broadcast view); pass a writable array, e.g. a copy: np.array(a)")
    if array.size == 0:
        return  # no points: nothing to write, nothing to alias
    for extent, stride in zip(array.shape, array.strides):
        if extent > 1 and stride == 0:
            raise HaloError(f"output buffer {name} has stride 0 in a dimension of extent {extent} (a broadcast "
                            f"view): its points would overwrite each other; pass an array with its own memory")


def _output_sizes(sizes, func, dims):
    """realize()'s sizes for output `func`: one non-negative integer per dimension (3.7 is
    refused, not truncated)."""
    sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
    if len(sizes) != dims:
        raise HaloError(f"Func {func.name()} is defined with {dims} dimensions, but realize() is requesting a "
                        f"realization with {len(sizes)} dimensions: give one size per dimension, innermost first")
    out = []
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)):
            raise HaloError(f"realize sizes must be integers, got {s!r} in {sizes!r}")
        if s < 0:
            raise HaloError(f"realize sizes must not be negative, got {s} in {sizes!r}")
        out.append(int(s))
    return out


class Pipeline:
    def __init__(self, outputs):
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        self._generation = None
        self._frozen = None
        self._live = None
        self._compiled = {}  # (target, fn_name) -> (digest, Compiled)
        self._requirements = []
        self._requirement_params = {}  # name -> Param the requirements use

    def add_requirement(self, condition, *error_args):
        """A condition checked before the pipeline runs (Halide's Pipeline::add_requirement): when
        it fails, realize raises "Requirement Failed: (false)" followed by `error_args` (strings
        and integer Exprs)."""
        from .lang.func import _normalize, _VarUses
        cond = as_expr(condition)
        if not cond.type.is_bool():
            raise DefinitionError(f"add_requirement needs a boolean condition, got {cond.type} ({cond})")
        args = [a if isinstance(a, str) else as_expr(a) for a in error_args]
        for a in args:
            if not isinstance(a, str) and not (a.type.is_integer() or a.type.is_bool()):
                raise DefinitionError(f"add_requirement: error argument {a} has type {a.type}; halo prints strings "
                                      f"and integers there (cast a float: hl.i32(...))")
        exprs = [cond] + [cast(Int(64), a) for a in args if not isinstance(a, str)]
        uses = _VarUses()
        for e in exprs:
            uses.visit(e)
        if uses.names:
            raise DefinitionError(f"add_requirement: {cond} uses Var {uses.names[0]}; a requirement is checked once, "
                                  f"before the pipeline runs, so it may use Params and constants only")
        norm, rvars = _normalize(exprs, self._requirement_params)
        if rvars:
            raise DefinitionError(f"add_requirement: {cond} uses an RVar; a requirement is checked once, before "
                                  f"the pipeline runs")
        values = iter(norm[1:])
        self._requirements.append(Requirement(norm[0], tuple(a if isinstance(a, str) else next(values) for a in args)))
        changed()

    def frozen(self):
        """The PipelineDef, frozen again only when something changed since."""
        if self._generation != generation() or self._frozen is None:
            self._frozen, self._live = freeze(self.outputs, self._requirements, self._requirement_params)
            self._generation = generation()
            for msg in schedule_warnings(self._live.funcs, self._frozen.outputs):
                print(msg)  # as Halide's JIT prints its warnings
        return self._frozen

    def _args(self, pipeline):
        args = [BufferArg(nm, img.type, img.dimensions, False) for nm, img in sorted(pipeline.images.items())]
        args += [ScalarArg(nm, prm.type) for nm, prm in sorted(pipeline.params.items())]
        for o in pipeline.outputs:
            f = pipeline.functions[o]
            args += [BufferArg(b, t, len(f.args), True) for b, t in f.buffers()]
        return args

    def _generate(self, fn_name, args=None, target=None):
        """(C source, header, arguments), from the lowering cache when this pipeline was lowered
        before (in this process or on disk)."""
        pipeline = self.frozen()
        inferred = self._args(pipeline)
        if args is not None:
            inferred = self._order_args(inferred, args)
        target = Target.parse(target)
        # The C does not depend on the architecture, only on the device (local memory), so
        # host and Hexagon builds of one pipeline share a lowering.
        key = hashlib.sha256("\0".join((compiler_digest(), pipeline.digest, str(_CACHE_FORMAT), fn_name,
                                         repr(inferred), target.device)).encode()).hexdigest()[:24]
        cached = _lowered.get(key)
        path = build.cache_dir() / "lowered" / f"{key}.json"
        if cached is None and path.exists():
            data = json.loads(path.read_text())
            cached = (data["source"], data["header"], data["warnings"])
        if cached is not None and not target.has_threads and "halo_thread_start(" in cached[0]:
            cached = None  # lowering again raises the ScheduleError that names the async producer
        if cached is None:
            low = lower(pipeline, target=target)
            cached = CGenerator(fn_name).generate(low.stmt, inferred) + (low.warnings,)
            path.parent.mkdir(parents=True, exist_ok=True)
            # a file of its own per writer (threads of one process too), published by rename
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w") as out:
                    json.dump({"source": cached[0], "header": cached[1], "warnings": cached[2]}, out)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        elif cached[2]:
            for msg in cached[2]:
                warnings.warn(msg, HaloWarning, stacklevel=3)
        _lowered[key] = cached
        return cached[0], cached[1], inferred

    def _order_args(self, inferred, args):
        by_name = {a.name: a for a in inferred}
        out = []
        for a in args:
            nm = a.name()
            if nm not in by_name:
                raise DefinitionError(f"compile_to_c: argument {nm} is not used by the pipeline; "
                                      f"it uses {', '.join(sorted(by_name))}")
            out.append(by_name.pop(nm))
        missing = [nm for nm, a in by_name.items() if not (isinstance(a, BufferArg) and a.is_output)]
        if missing:
            raise DefinitionError(f"compile_to_c: the pipeline also needs the argument(s) {', '.join(missing)}")
        return out + list(by_name.values())

    # ---- outputs a user asks for ----
    def generate_c(self, fn_name=None, args=None, target=None):
        """The C of the pipeline function `fn_name` (default: the first output's name)."""
        fn_name = c_function_name(fn_name or self.outputs[0].name())
        source, header, inferred = self._generate(fn_name, args, target)
        return CSource(source, header, inferred, fn_name, CGenerator(fn_name).signature(inferred))

    def lower(self, target=None, dump=False, stop_after=None):
        return lower(self.frozen(), target=target, dump=dump, stop_after=stop_after)

    def loop_nest(self, target=None):
        """The loop nest in Halide's concise form (produce / consume, loop kinds, storage)."""
        return loop_nest(self.lower(target, stop_after="inject_dma").stmt)

    def compile_to_lowered_stmt(self, path, target=None):
        """Write the final lowered statement (what the code generator prints) to `path`."""
        path = pathlib.Path(path)
        path.write_text(str(self.lower(target).stmt) + "\n")
        return path

    def compile_to_c(self, path, args=None, fn_name=None, target=None):
        """Write <path> (C) and the header beside it (.h); returns (c path, header path)."""
        path = pathlib.Path(path)
        fn_name = c_function_name(fn_name or self.outputs[0].name())
        src, header, _ = self._generate(fn_name, args, target)
        hpath = path.with_suffix(".h")
        path.write_text(with_header_include(src, hpath.name))
        hpath.write_text(header)
        return path, hpath

    def compile_to(self, outputs, arguments=None, fn_name=None, target=None):
        """Halide's compile_to: writes each {output kind: path} (halo.outputs.OutputFileType names:
        c_source, c_header, object, static_library, assembly, stmt, report, report_json,
        python_extension); returns {kind: path}."""
        return compile_to(self, outputs, arguments, fn_name, target)

    def report(self, sizes=None, target=None):
        """The compile-time report: local buffers (size formulas and values), folds, DMA copies
        and, given frame sizes ({buffer: [extents]} or the output's [extents]), the transfers and
        bytes one run moves."""
        from .report import report_text
        return report_text(self.report_data(sizes, target))

    def report_json(self, sizes=None, target=None):
        """The report as JSON text (keys sorted, so it is reproducible)."""
        return json.dumps(self.report_data(sizes, target), indent=1, sort_keys=True)

    def report_data(self, sizes=None, target=None):
        """The report as plain data (halo.report.report_data)."""
        from .budget import pipeline_formulas
        from .report import report_data
        pipeline = self.frozen()
        if sizes is not None and not isinstance(sizes, dict):
            # one size for every input and output of that dimensionality
            named = [(o, len(pipeline.functions[o].args)) for o in pipeline.outputs]
            named += [(nm, img.dimensions) for nm, img in pipeline.images.items()]
            sizes = {nm: list(sizes) for nm, dims in named if dims == len(sizes)}
        lowered = self.lower(target)
        return report_data(lowered, Target.parse(target), sizes, pipeline_formulas(pipeline, target, lowered))

    def compile_jit(self, target=None):
        """The pipeline compiled and loaded for `target`: on the host a shared object; on a
        Hexagon target a static executable that runs under qemu-hexagon."""
        target = Target.parse(target)
        # in the runtime's namespace, where no user name can clash with a C library or runtime name
        fn_name = "halo_jit_" + "_".join(o.name() for o in self.outputs)
        fn_name = "".join(c if c.isalnum() or c == "_" else "_" for c in fn_name)
        digest = self.frozen().digest
        hit = self._compiled.get((target, fn_name))
        if hit is not None and hit[0] == digest:
            return hit[1]
        target.check_runs_here()
        src, header, args = self._generate(fn_name, target=target)
        if target.arch == "hexagon":
            from .jit.hexagon_harness import HexagonCompiled
            compiled = HexagonCompiled(src, header, args, fn_name, target, CGenerator(fn_name).signature(args),
                                       "Pipeline " + ", ".join(o.name() for o in self.outputs))
        else:
            compiled = Compiled(src, header, args, fn_name)
        self._compiled[(target, fn_name)] = (digest, compiled)
        return compiled

    def realize(self, dst=(), target=None):
        """Halide's realize: given sizes, a new Buffer per output buffer (one Buffer, or a tuple of
        them when there are several: several outputs, or a Tuple-valued Func's elements); given
        Buffers (one per output buffer), the pipeline writes into them and returns None. Buffers
        keep their mins: the region computed is the buffer's."""
        buffers = [(o, b, t) for o in self.outputs for b, t in zip(_element_names(o), o.types())]
        outs = _destinations(dst)
        if outs is not None and len(outs) != len(buffers):
            raise HaloError(f"Realization requires {len(outs)} output(s) but pipeline produces {len(buffers)} "
                            f"result(s) ({', '.join(b for _, b, _ in buffers)}); pass one Buffer per output "
                            f"(a Tuple-valued Func needs one per element)")
        for (o, name, t), b in zip(buffers, outs or ()):
            _check_destination(o, name, t, b)
        if outs is None:
            shape = tuple(reversed([_output_sizes(dst, o, len(o.args())) for o in self.outputs][0]))
            outs = [Buffer(aligned_zeros(shape, t.numpy_dtype()), name=o.name()) for o, _, t in buffers]
            returned = outs[0] if len(outs) == 1 else tuple(outs)
        else:
            returned = None
        compiled = self.compile_jit(target)
        values = self._input_values()
        for (_, name, _), b in zip(buffers, outs):
            values[name] = b
        compiled(values)
        return returned

    def _input_values(self):
        """{argument name: value} of the pipeline's images and Params, as set (after compile_jit)."""
        values = {}
        for nm, img in self._live.images.items():
            if isinstance(img, Buffer):
                values[nm] = img
                continue
            b = img.get()
            if b is None:
                raise HaloError(f"ImageParam {nm} has no buffer: call {nm}.set(hl.Buffer(array)) before realize")
            values[nm] = b
        for nm, prm in self._live.params.items():
            if prm.get() is None:
                raise HaloError(f"Param {nm} has no value: call {nm}.set(value) before realize")
            values[nm] = prm.get()
        return values


def _destinations(dst):
    """The Buffers realize() writes into (numpy arrays are wrapped), or None for sizes."""
    one = isinstance(dst, (Buffer, np.ndarray))
    many = isinstance(dst, (list, tuple)) and dst and all(isinstance(d, (Buffer, np.ndarray)) for d in dst)
    if not (one or many):
        return None
    return [d if isinstance(d, Buffer) else Buffer(d) for d in ([dst] if one else dst)]


def _element_names(func):
    """The names of a Func's output buffers (Halide's f.0, f.1 for a Tuple)."""
    count = func.outputs()
    return [element_buffer(func.name(), i, count) for i in range(count)]


def _check_destination(func, name, type_, buf):
    """Halide's checks of a Buffer given to realize for output buffer `name` of `func`, at the
    call (the C checks its region)."""
    if buf.type() != type_:
        raise HaloError(f"Output buffer {name} has type {type_} but type of the buffer passed in is {buf.type()}")
    if buf.dimensions() != len(func.args()):
        raise HaloError(f"Output buffer {name} requires a buffer of exactly {len(func.args())} dimensions, "
                        f"but the buffer passed in has {buf.dimensions()} dimensions")
