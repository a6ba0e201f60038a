"""Compile generated C with the system C compiler into a shared object, cached on disk by a hash
of the source, the flags, the compiler version and the runtime library; load it with cffi.

A second run of an unchanged pipeline finds the shared object in the cache (and, within one
process, the loaded module in memory) and does not compile again.
"""
import hashlib
import os
import pathlib
import tempfile
import threading

import cffi

from .. import runtime
from ..errors import CompileError
from ..runtime import build

FLAGS = ("-march=native", "-std=gnu11", "-fPIC", "-shared", "-fno-math-errno", "-Wall",
         "-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unused-label")
DEFAULT_OPT = "-O3"


def flags():
    """The host compiler's flags: FLAGS and the optimization level (env HALO_OPT, default -O3:
    unscheduled loops need its auto-vectorizer; a test of results alone may ask for -O1, which
    compiles several times faster)."""
    return (os.environ.get("HALO_OPT") or DEFAULT_OPT,) + FLAGS

_loaded = {}
_lock = threading.Lock()
_version = None


def _compiler_version():
    global _version
    if _version is None:
        _version = build._compiler_version(build.compiler())
    return _version


def cache_key(source):
    h = hashlib.sha256()
    for part in (source, " ".join(build.compiler()), _compiler_version(), " ".join(flags()),
                 str(build.host_library())):
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:24]


def shared_object(source, fn_name):
    """The path of the compiled shared object for `source` (compiled now if not cached)."""
    key = cache_key(source)
    # the key names the content; the function name (up to 255 characters) is only a reader's hint
    out = build.cache_dir() / "pipelines" / f"{fn_name[:64]}-{key}.so"
    if out.exists():
        return out, False
    out.parent.mkdir(parents=True, exist_ok=True)
    lib = build.host_library()
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name + ".", suffix=".tmp")
    os.close(fd)
    src = pathlib.Path(tmp + ".c")
    try:
        src.write_text(source)
        cmd = build.compiler() + list(flags()) + ["-I", str(build.runtime_dir()), str(src), "-o", tmp,
                                                f"-L{lib.parent}", f"-l:{lib.name}", f"-Wl,-rpath,{lib.parent}", "-lm"]
        try:
            build._run(cmd, f"compiling pipeline {fn_name}")
        except build.BuildError as e:
            raise CompileError(f"the C compiler rejected the code generated for {fn_name}; this is a bug in "
                               f"halo.\n{e}") from None
        os.replace(tmp, out)
    finally:
        for p in (tmp, str(src)):
            if os.path.exists(p):
                os.unlink(p)
    return out, True


def load(source, fn_name, signature):
    """(cffi lib, compiled_now) for the pipeline function `fn_name` declared by `signature`."""
    path, compiled = shared_object(source, fn_name)
    with _lock:
        mod = _loaded.get(str(path))
        if mod is None:
            ffi = cffi.FFI()
            ffi.include(runtime.ffi)
            ffi.cdef(signature + ";")
            mod = (ffi, ffi.dlopen(str(path)))
            _loaded[str(path)] = mod
    return mod, compiled
