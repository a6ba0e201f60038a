"""Pipeline: the outputs of a pipeline, compiled to C and run. Func.realize and
Func.compile_to_c go through here."""
import json
import os
import pathlib
import warnings

from . import runtime
from .codegen.c import BufferArg, CGenerator, ScalarArg
from .errors import DefinitionError, HaloError, HaloRuntimeError, HaloWarning
from .jit import compiler
from .lang.buffer import Buffer
from .lang.param import ImageParam
from .lang.target import Target
from .lower import lower
from .lower.environment import build_env
from .lower.fingerprint import fingerprint_hash
from .runtime import build

_lowered = {}  # fingerprint hash -> (C source, header, warnings)
_CACHE_FORMAT = 3


class Compiled:
    """A pipeline compiled and loaded: call it with buffers and parameter values."""

    def __init__(self, pipeline, env, source, header, args, fn_name):
        self.pipeline = pipeline
        self.env = env
        self.source = source
        self.header = header
        self.args = args
        self.fn_name = fn_name
        sig = CGenerator(fn_name).signature(args)
        (self.ffi, self.lib), self.compiled_now = compiler.load(source, fn_name, sig)
        self.fn = getattr(self.lib, fn_name)

    def __call__(self, values):
        """`values`: {arg name: numpy array / Buffer / halo_buffer_t * / scalar}."""
        call_args = [runtime.ffi.NULL]
        keep = []
        for a in self.args:
            v = values[a.name]
            if isinstance(a, BufferArg) and isinstance(v, runtime.ffi.CData):
                # a halo_buffer_t * the host prepared itself (for example a DMA-wrapped frame plane)
                call_args.append(self.ffi.cast("halo_buffer_t *", v))
            elif isinstance(a, BufferArg):
                buf = v if isinstance(v, Buffer) else Buffer(v)
                hb = runtime.buffer_from_array(buf.numpy(), buf.mins())
                keep.append(hb)
                call_args.append(self.ffi.cast("halo_buffer_t *", hb))
            else:
                call_args.append(v)
        rc = self.fn(*call_args)
        if rc != 0:
            lib = runtime.lib
            msg = runtime.ffi.string(lib.halo_last_error_message()).decode(errors="replace") \
                if lib.halo_last_error_code() == rc else runtime.ffi.string(lib.halo_error_name(rc)).decode()
            lib.halo_clear_error()
            raise HaloRuntimeError(rc, msg)


class Pipeline:
    def __init__(self, outputs):
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _args(self, env):
        args = []
        for nm, img in sorted(env.images.items()):
            args.append(BufferArg(nm, img.type(), img.dimensions(), False))
        for nm, prm in sorted(env.params.items()):
            args.append(ScalarArg(nm, prm.type()))
        for o in self.outputs:
            args.append(BufferArg(o.name(), o.type(), o.dimensions(), True))
        return args

    def _generate(self, fn_name, args=None, target=None):
        """(env, C source, header, arguments), from the lowering cache when the pipeline's
        fingerprint was seen before (in this process or on disk)."""
        env = build_env(self.outputs)
        inferred = self._args(env)
        if args is not None:
            inferred = self._order_args(inferred, args)
        target = Target.parse(target)
        # The C does not depend on the architecture, only on the device (local memory), so
        # host and Hexagon builds of one pipeline share a lowering.
        key = fingerprint_hash(self.outputs, f"{_CACHE_FORMAT} {fn_name} {inferred!r} {target.device}")
        cached = _lowered.get(key)
        path = build.cache_dir() / "lowered" / f"{key}.json"
        if cached is None and path.exists():
            data = json.loads(path.read_text())
            cached = (data["source"], data["header"], data["warnings"])
        if cached is not None and not target.has_threads and "halo_thread_start(" in cached[0]:
            cached = None  # lowering again raises the ScheduleError that names the async producer
        if cached is None:
            low = lower(self.outputs, target=target)
            cached = CGenerator(fn_name).generate(low.stmt, inferred) + (low.warnings,)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"source": cached[0], "header": cached[1], "warnings": cached[2]}))
            os.replace(tmp, path)
        elif cached[2]:
            for msg in cached[2]:
                warnings.warn(msg, HaloWarning, stacklevel=3)
        _lowered[key] = cached
        return env, cached[0], cached[1], inferred

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

    def compile_to_c(self, path, args=None, fn_name=None, target=None):
        """Write <path> (C) and the header beside it (.h); returns (c path, header path)."""
        path = pathlib.Path(path)
        fn_name = fn_name or self.outputs[0].name()
        _, src, header, _ = self._generate(fn_name, args, target)
        hpath = path.with_suffix(".h")
        src = src.replace('#include "halo_runtime.h"', f'#include "halo_runtime.h"\n#include "{hpath.name}"', 1)
        path.write_text(src)
        hpath.write_text(header)
        return path, hpath

    def report(self, sizes=None, target=None):
        """The compile-time report: local buffers (size formulas and values), folds, DMA copies
        and, given frame sizes ({buffer: [extents]} or the output's [extents]), the transfers and
        bytes one run moves."""
        from .report import report
        if sizes is not None and not isinstance(sizes, dict):
            # one size for every input and output of that dimensionality
            env = build_env(self.outputs)
            named = [(o.name(), o.dimensions()) for o in self.outputs]
            named += [(nm, img.dimensions()) for nm, img in env.images.items()]
            sizes = {nm: list(sizes) for nm, dims in named if dims == len(sizes)}
        return report(lower(self.outputs, target=target), Target.parse(target), sizes)

    def compile_jit(self, target=None):
        """The pipeline compiled and loaded for `target`: on the host a shared object; on a
        Hexagon target a static executable that runs under qemu-hexagon."""
        fn_name = "halo_" + "_".join(o.name() for o in self.outputs)
        fn_name = "".join(c if c.isalnum() or c == "_" else "_" for c in fn_name)
        target = Target.parse(target)
        env, src, header, args = self._generate(fn_name, target=target)
        if target.arch == "hexagon":
            from .jit.hexagon_harness import HexagonCompiled
            return HexagonCompiled(self, env, src, header, args, fn_name, target,
                                   CGenerator(fn_name).signature(args))
        return Compiled(self, env, src, header, args, fn_name)

    def realize(self, sizes, target=None):
        compiled = self.compile_jit(target)
        values = {}
        for nm, img in compiled.env.images.items():
            if isinstance(img, ImageParam):
                b = img.get()
                if b is None:
                    raise HaloError(f"ImageParam {nm} has no buffer: call {nm}.set(hl.Buffer(array)) before realize")
                values[nm] = b
            else:
                values[nm] = img
        for nm, prm in compiled.env.params.items():
            if prm.get() is None:
                raise HaloError(f"Param {nm} has no value: call {nm}.set(value) before realize")
            values[nm] = prm.get()
        if isinstance(sizes, Buffer):
            outs = [sizes]
        else:
            sizes = list(sizes) if isinstance(sizes, (list, tuple)) else [sizes]
            outs = [Buffer(o.type(), sizes, o.name()) for o in self.outputs]
        for o, b in zip(self.outputs, outs):
            values[o.name()] = b
        compiled(values)
        return outs[0] if len(outs) == 1 else outs
