"""Builds halo's C runtime: the host shared library (cached by content hash), the declarations
cffi needs, C test programs linked with the runtime sources, and the freestanding Hexagon
compile check."""
from __future__ import annotations

import concurrent.futures
import hashlib
import importlib.util
import os
import pathlib
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping

from ..errors import BuildError, ToolMissingError
from ..lang.target import DEFAULT_HEXAGON_ISA

HOST_FLAGS = ("-std=c11", "-O2", "-fPIC", "-shared", "-pthread", "-Wall", "-Wextra")
PROGRAM_FLAGS = ("-std=c11", "-O1", "-g", "-pthread", "-Wall", "-Wextra")
SANITIZE_FLAGS = {
    "address,undefined": ("-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                          "-fno-omit-frame-pointer"),
    "thread": ("-fsanitize=thread",),
}
# The runtime's freestanding build (no libc, no threads); -ffreestanding also implies
# -fno-builtin, which the runtime needs (else clang may turn the loop of its own memcpy into a
# call to memcpy).
FREESTANDING_FLAGS = ("-ffreestanding", "-DHALO_FREESTANDING")
HEXAGON_CHECK_FLAGS = ("--target=hexagon", f"-m{DEFAULT_HEXAGON_ISA}", *FREESTANDING_FLAGS,
                       "-std=c11", "-O2", "-Wall", "-Wextra")


def runtime_dir() -> pathlib.Path:
    """The runtime_c folder: the installed package halo.runtime_c, else the repository's."""
    spec = importlib.util.find_spec("halo.runtime_c")
    if spec is not None and spec.submodule_search_locations:
        return pathlib.Path(next(iter(spec.submodule_search_locations))).resolve()
    return pathlib.Path(__file__).resolve().parents[2] / "runtime_c"


def sources() -> list[pathlib.Path]:
    """Every runtime C source, sorted so builds and hashes are reproducible."""
    return sorted(runtime_dir().rglob("*.c"))


def public_headers() -> list[pathlib.Path]:
    """The headers directly in runtime_c/: halo_runtime.h first (the others include it)."""
    root = runtime_dir()
    first = root / "halo_runtime.h"
    return [first] + sorted(h for h in root.glob("*.h") if h != first)


def cache_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("HALO_CACHE_DIR") or "~/.cache/halo").expanduser()


def compiler() -> list[str]:
    """The host C compiler command (env HALO_CC, default cc)."""
    return shlex.split(os.environ.get("HALO_CC") or "cc")


def _run(cmd: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    except FileNotFoundError as e:
        raise ToolMissingError(f"{what}: compiler {cmd[0]!r} not found ({e})") from None
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{shlex.join(cmd)}\n"
                         f"{proc.stderr}{proc.stdout}")
    return proc


def _compiler_version(cc: list[str]) -> str:
    return _run(cc + ["--version"], "querying the C compiler version").stdout


_host_lock = threading.Lock()
_host_path: pathlib.Path | None = None


def host_library() -> pathlib.Path:
    """libhalo_runtime.so for this machine, built on first use and cached under cache_dir() by
    a hash of every runtime source and header, the flags and the compiler version.

    The path is fixed for the life of the process (so the compiler's generated modules and
    halo.runtime always share one loaded instance); edits to runtime_c take effect in the
    next process."""
    global _host_path
    with _host_lock:
        if _host_path is None:
            _host_path = _build_host_library()
        return _host_path


def _build_host_library() -> pathlib.Path:
    cc = compiler()
    root = runtime_dir()
    digest = hashlib.sha256()
    for part in (shlex.join(cc), _compiler_version(cc), shlex.join(HOST_FLAGS)):
        digest.update(part.encode() + b"\0")
    for f in sorted(root.rglob("*.[ch]")):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    name = f"libhalo_runtime-{digest.hexdigest()[:20]}.so"
    out = cache_dir() / "runtime" / name
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename: concurrent builders each publish a complete file.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=name + ".", suffix=".tmp")
    os.close(fd)
    try:
        _run(cc + list(HOST_FLAGS) + [f"-Wl,-soname,{name}", "-I", str(root)]
             + [str(s) for s in sources()] + ["-o", tmp], "building the halo runtime")
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


_objects_lock = threading.Lock()


def host_objects() -> list[pathlib.Path]:
    """The runtime sources compiled for this machine as position-independent objects (for a
    static runtime library, or linking into a Python extension), cached under cache_dir() by a
    hash of the sources, flags and compiler. Compiled from runtime_c with relative paths, so the
    objects do not name the folder they were built in."""
    cc = compiler()
    root = runtime_dir()
    cflags = [f for f in HOST_FLAGS if f != "-shared"]
    digest = hashlib.sha256()
    for part in (shlex.join(cc), _compiler_version(cc), shlex.join(cflags)):
        digest.update(part.encode() + b"\0")
    for f in sorted(root.rglob("*.[ch]")):
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    final = cache_dir() / "runtime" / f"objects-{digest.hexdigest()[:20]}"
    rel = [s.relative_to(root).as_posix() for s in sources()]
    names = [r.replace("/", "__")[:-2] + ".o" for r in rel]
    with _objects_lock:
        if not final.is_dir():
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.mkdtemp(dir=final.parent, prefix=final.name + ".")
            try:
                # the compiler runs as a subprocess, so threads give real parallelism
                with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                    list(pool.map(lambda job: _run(cc + cflags + ["-I", ".", "-c", job[0], "-o", job[1]],
                                                   f"compiling the halo runtime's {job[0]}", cwd=root),
                                  [(r, os.path.join(tmp, name)) for r, name in zip(rel, names)]))
                try:
                    os.rename(tmp, final)
                except OSError:
                    if not final.is_dir():  # else another process published the same objects first
                        raise
            finally:
                if os.path.isdir(tmp):
                    shutil.rmtree(tmp)
    return [final / name for name in names]


def cdef_text() -> str:
    """The public headers, preprocessed with -DHALO_CFFI into plain declarations for
    cffi.FFI.cdef (one translation unit, so each header appears once)."""
    unit = "".join(f'#include "{h.name}"\n' for h in public_headers())
    cmd = compiler() + ["-E", "-P", "-DHALO_CFFI", "-I", str(runtime_dir()), "-x", "c", "-"]
    return _run(cmd, "preprocessing the runtime headers for cffi", input=unit).stdout


def _define_flags(defines: Mapping[str, object] | Iterable[str]) -> list[str]:
    if isinstance(defines, Mapping):
        return [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in defines.items()]
    return [f"-D{d}" for d in defines]


def build_c_program(program_sources: Iterable[str | os.PathLike], out: str | os.PathLike,
                    sanitize: str | None = None,
                    defines: Mapping[str, object] | Iterable[str] = (),
                    flags: Iterable[str] = ()) -> pathlib.Path:
    """Compiles C test programs together with every runtime source into the executable `out`.
    sanitize: None, "address,undefined" or "thread". defines: {"NAME": value} or ["NAME=value"]."""
    if sanitize is not None and sanitize not in SANITIZE_FLAGS:
        raise ValueError(f"sanitize must be None or one of {sorted(SANITIZE_FLAGS)}, "
                         f"not {sanitize!r}")
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = (compiler() + list(PROGRAM_FLAGS) + list(SANITIZE_FLAGS.get(sanitize, ()))
           + _define_flags(defines) + list(flags) + ["-I", str(runtime_dir())]
           + [str(s) for s in program_sources] + [str(s) for s in sources()] + ["-o", str(out)])
    _run(cmd, f"building C program {out.name}")
    return out


def _hexagon_tool(env: str, default: str, package: str) -> str:
    tool = os.environ.get(env) or default
    path = shutil.which(tool)
    if path is None:
        raise ToolMissingError(
            f"{tool} not found on PATH: the freestanding Hexagon build needs {default} "
            f"(Debian package {package}, installed by .ci/setup)")
    return path


def hexagon_compiler() -> str:
    """The Hexagon cross compiler (env HALO_HEXAGON_CC, default clang-19), or ToolMissingError."""
    return _hexagon_tool("HALO_HEXAGON_CC", "clang-19", "clang-19")


def hexagon_linker() -> str:
    """The Hexagon linker (env HALO_HEXAGON_LD, default ld.lld-19), or ToolMissingError."""
    return _hexagon_tool("HALO_HEXAGON_LD", "ld.lld-19", "lld-19")


def hexagon_compile_check(flags: Iterable[str] = ()) -> list[pathlib.Path]:
    """Compiles every runtime source for the default Hexagon ISA, freestanding,
    then links the objects together to prove the runtime needs nothing it does not define (no
    libc, no compiler-rt). Returns the sources checked; raises BuildError naming each source
    that fails or warns, or the undefined symbols."""
    clang = hexagon_compiler()
    lld = hexagon_linker()
    root = runtime_dir()
    problems = []
    checked = sources()
    with tempfile.TemporaryDirectory(prefix="halo-hexagon-") as tmp:
        objects = [os.path.join(tmp, f"{i}.o") for i in range(len(checked))]
        for src, obj in zip(checked, objects):
            cmd = ([clang] + list(HEXAGON_CHECK_FLAGS) + list(flags)
                   + ["-I", str(root), "-c", str(src), "-o", obj])
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0 or proc.stderr.strip():
                problems.append(f"{src.relative_to(root)} (exit {proc.returncode}):\n"
                                f"{shlex.join(cmd)}\n{proc.stderr}")
        if problems:
            raise BuildError("freestanding Hexagon compile of the runtime is not clean:\n"
                             + "\n".join(problems))
        # Any defined function will do as the entry: the link only reports undefined symbols.
        cmd = [lld, "-e", "halo_time_ns", "-o", os.path.join(tmp, "runtime.elf")] + objects
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or proc.stderr.strip():
            raise BuildError("freestanding Hexagon runtime does not link on its own "
                             f"(exit {proc.returncode}):\n{proc.stderr}")
    return checked
