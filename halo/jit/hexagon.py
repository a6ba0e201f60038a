"""Build static Hexagon Linux executables from C sources plus halo's freestanding runtime with
Debian's clang-19 / ld.lld-19, and run them under qemu-user's qemu-hexagon.

There is no libc for Hexagon here: runtime_c/hexagon/start.c provides _start (which calls the
harness's `int halo_hexagon_main(void)` and exits with its result) and the read / write / exit
syscalls; see runtime_c/hexagon/halo_hexagon_start.h for the harness contract.

Runtime objects are compiled once per target (arch, HVX, flags) and executables once per content,
both cached under build.cache_dir()/"hexagon" and published atomically, so concurrent builders
(pytest workers) never see a partial file.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import fcntl
import functools
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping

from ..errors import HaloError, HaloRuntimeError
from ..runtime import build
from ..lang.target import HEXAGON_ISAS
from ..runtime.build import BuildError, ToolMissingError

INSTALL = "sudo apt-get install clang-19 lld-19 llvm-19 qemu-user"

# Code that wants an inlined copy (an unaligned HVX load, say) calls __builtin_memcpy (the
# freestanding build has no builtins). -fno-pic: Debian's clang defaults to PIE, whose GOT
# indirection a static executable does not need. -G0: no small-data section, so nothing
# addresses globals through GP and _start need not set it.
FLAGS = ("-O2", *build.FREESTANDING_FLAGS, "-fno-pic", "-G0", "-std=gnu11", "-Wall", "-Wextra", "-Werror")


def _with_install_hint(find):
    try:
        return find()
    except ToolMissingError as e:
        raise ToolMissingError(f"{e}; install with: {INSTALL}") from None


def compiler() -> str:
    """clang-19 (env HALO_HEXAGON_CC), or ToolMissingError naming it and how to install it."""
    return _with_install_hint(build.hexagon_compiler)


def linker() -> str:
    """ld.lld-19 (env HALO_HEXAGON_LD), or ToolMissingError naming it and how to install it."""
    return _with_install_hint(build.hexagon_linker)


def emulator() -> str:
    """qemu-hexagon (env HALO_QEMU_HEXAGON), or ToolMissingError naming it and how to install it."""
    return _with_install_hint(
        lambda: build._hexagon_tool("HALO_QEMU_HEXAGON", "qemu-hexagon", "qemu-user"))


def symbol_lister() -> str:
    """llvm-nm-19 (env HALO_HEXAGON_NM), or ToolMissingError naming it and how to install it."""
    return _with_install_hint(lambda: build._hexagon_tool("HALO_HEXAGON_NM", "llvm-nm-19", "llvm-19"))


def function_ranges(exe: str | os.PathLike, prefix: str) -> list[tuple[int, int]]:
    """(address, size) of every function of `exe` whose symbol starts with `prefix`."""
    listing = subprocess.run([symbol_lister(), "--defined-only", "--print-size", str(exe)],
                             capture_output=True, text=True, check=True).stdout
    out = []
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tT" and parts[3].startswith(prefix) and int(parts[1], 16):
            out.append((int(parts[0], 16), int(parts[1], 16)))
    return out


def target_flags(arch: str = "v67", hvx: int = 128) -> list[str]:
    """Every clang flag for `arch` ("v67", "v68", ...) with 128-byte HVX (hvx=128) or none (0)."""
    if arch not in HEXAGON_ISAS:
        raise ValueError(f"arch must be one of {', '.join(HEXAGON_ISAS)}, not {arch!r}")
    if hvx not in (0, 128):
        raise ValueError(f"hvx must be 128 (128-byte HVX vectors) or 0 (no HVX), not {hvx!r}")
    # -hvc-va=false: clang's HexagonVectorCombine rewrites each unaligned vector load as two
    # aligned loads and a valign, all on the one permute slot; plain vmemu loads are cheaper:
    # the 3x3 blur of bench/bench_hexagon.py drops from 0.282 to 0.225 packets per pixel.
    # -hvc-vi=false: its HVX idioms (fixed-point multiplies) miscompile a 16-bit multiply followed
    # by a shift: clang-19 takes the 32-bit product, so bit 16 leaks into the result
    # (zext((a * b) >> 1) and sext((a * b) >> 6) on u16 / i16 lanes; the LLVM IR is right).
    # halo selects the multiplies it wants itself (hvx_instructions).
    hvx_flags = ["-mhvx", "-mhvx-length=128B", "-mllvm", "-hvc-va=false", "-mllvm", "-hvc-vi=false"]
    hvx_flags = hvx_flags if hvx else []
    return ["--target=hexagon", f"-m{arch}", *hvx_flags, *FLAGS]


@functools.lru_cache(maxsize=None)
def _version(tool: str) -> str:
    return build._compiler_version([tool])


def _digest(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update((part.encode() if isinstance(part, str) else part) + b"\0")
    return h.hexdigest()[:24]


def _compile_all(jobs: list[tuple[list[str], str]]) -> None:
    # clang runs as a subprocess, so threads give real parallelism.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda job: build._run(*job), jobs))


def _publish_dir(tmp: str, final: pathlib.Path) -> None:
    try:
        os.rename(tmp, final)
    except OSError:
        # Another builder published the same content first.
        if not final.is_dir():
            raise
        shutil.rmtree(tmp)


def runtime_objects(arch: str = "v67", hvx: int = 128,
                    flags: Iterable[str] = ()) -> list[pathlib.Path]:
    """The runtime sources compiled for this target, cached by a hash of every runtime source and
    header, the flags and the compiler version."""
    clang = compiler()
    cflags = target_flags(arch, hvx) + list(flags)
    root = build.runtime_dir()
    files = sorted(root.rglob("*.[ch]"))
    key = _digest([clang, _version(clang), *cflags]
                  + [p for f in files for p in (f.relative_to(root).as_posix(), f.read_bytes())])
    final = build.cache_dir() / "hexagon" / key
    names = [s.relative_to(root).as_posix().replace("/", "__")[:-2] + ".o" for s in build.sources()]
    if not final.is_dir():
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=final.parent, prefix=f".{key}-")
        try:
            _compile_all([([clang, *cflags, "-I", str(root), "-c", str(src),
                            "-o", os.path.join(tmp, name)],
                           f"compiling {src.relative_to(root)} for Hexagon {arch}")
                          for src, name in zip(build.sources(), names)])
            _publish_dir(tmp, final)
        finally:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp)
    return [final / name for name in names]


def build_executable(sources: Iterable[str | os.PathLike | tuple[str, str]],
                     out: str | os.PathLike | None = None, *, arch: str = "v67", hvx: int = 128,
                     defines: Mapping[str, object] | Iterable[str] = (),
                     flags: Iterable[str] = ()) -> pathlib.Path:
    """Compiles `sources` (files, or (file name, C text) pairs; one defines halo_hexagon_main)
    and links them with the runtime into a static executable. `defines` ({"NAME": value} or
    ["NAME=value"]) apply to `sources` only; `flags` to the runtime too. The executable is cached
    by the sources' text (not by headers they include, other than the runtime's), the flags and
    the tools; with `out` it is also copied there. Returns its path. Raises BuildError on any
    compiler warning (-Werror) or error, or a failed link."""
    clang, lld = compiler(), linker()
    flags = list(flags)
    # (name, text, file or None when the text is given)
    units = [(s[0], s[1].encode(), None) if isinstance(s, tuple)
             else (pathlib.Path(s).name, pathlib.Path(s).read_bytes(), pathlib.Path(s))
             for s in sources]
    runtime = runtime_objects(arch, hvx, flags)
    cflags = target_flags(arch, hvx) + build._define_flags(defines) + flags
    key = _digest([clang, _version(clang), lld, _version(lld), *cflags, runtime[0].parent.name]
                  + [p for name, text, _ in units for p in (name, text)])
    exe = build.cache_dir() / "hexagon" / "exe" / f"{key}.elf"
    if not exe.exists():
        exe.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=exe.parent, prefix=f".{key}-") as tmp:
            jobs, objects = [], []
            for i, (name, text, path) in enumerate(units):
                if path is None:
                    # one folder per text, so equal names do not collide
                    path = pathlib.Path(tmp, str(i), name)
                    path.parent.mkdir()
                    path.write_bytes(text)
                objects.append(os.path.join(tmp, f"{i}.o"))
                jobs.append(([clang, *cflags, "-I", str(build.runtime_dir()), "-c", str(path),
                              "-o", objects[-1]], f"compiling {name} for Hexagon {arch}"))
            _compile_all(jobs)
            linked = os.path.join(tmp, "a.elf")
            build._run([lld, "-static", "-e", "_start", "-o", linked, *objects,
                        *map(str, runtime)], "linking the Hexagon executable")
            os.replace(linked, exe)
    if out is None:
        return exe
    out = pathlib.Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(exe, out)
    return out


def compile_check(c_source_text: str, arch: str = "v68", *, hvx: int = 128) -> None:
    """Compiles one C text (-c) for `arch` with the executable flags; raises BuildError quoting
    clang's output if it prints anything, warnings included."""
    clang = compiler()
    with tempfile.TemporaryDirectory(prefix="halo-hexagon-check-") as tmp:
        src = os.path.join(tmp, "check.c")
        pathlib.Path(src).write_text(c_source_text)
        cmd = [clang, *target_flags(arch, hvx), "-I", str(build.runtime_dir()), "-c", src,
               "-o", os.path.join(tmp, "check.o")]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or proc.stderr.strip() or proc.stdout.strip():
        raise BuildError(f"the C text does not compile cleanly for Hexagon {arch} "
                         f"(exit {proc.returncode}):\n{proc.stderr}{proc.stdout}")


def _execute(exe: str | os.PathLike, stdin: bytes, timeout: float, qemu_args: list[str],
             pass_fds: tuple[int, ...] = ()) -> bytes:
    cmd = [emulator(), *qemu_args, str(exe)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, pass_fds=pass_fds)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise TimeoutError(f"{exe} did not finish within {timeout} s under qemu-hexagon") from None
    if proc.returncode != 0:
        how = (f"was killed by signal {-proc.returncode}" if proc.returncode < 0
               else f"exited with status {proc.returncode}")
        raise HaloRuntimeError(proc.returncode, f"{exe} {how} under qemu-hexagon:\n"
                                                f"{err.decode(errors='replace').rstrip()}")
    return out


def run(exe: str | os.PathLike, stdin: bytes = b"", timeout: float = 600) -> bytes:
    """Runs `exe` under qemu-hexagon with `stdin`; returns its stdout. A non-zero exit raises
    HaloRuntimeError (code = exit status, message = stderr, where the harness prints halo's
    error); running past `timeout` seconds raises TimeoutError."""
    return _execute(exe, stdin, timeout, [])


@dataclasses.dataclass(frozen=True)
class PacketCount:
    """Executed instruction packets of one run (or of its part between two marker calls), and
    the run's stdout."""
    packets: int
    stdout: bytes


class _TraceCounter:
    """Counts the lines of qemu's -d exec log as it streams in; one line per executed packet:
    "Trace <cpu>: <host ptr> [<cs_base>/<pc>/<flags>/<cflags>] <symbol>". With a marker
    function, also finds the lines where its first two calls start and the last line of the
    first call."""

    def __init__(self, marker: str | None):
        self.pattern = None if marker is None else b"] " + marker.encode() + b"\n"
        self.lines = 0
        self.pending = b""  # an incomplete last line
        self.entry_pc = b""  # the marker's first packet: where each call starts
        self.calls: list[int] = []  # line numbers of the first two calls' starts
        self.first_call_end = -1  # line number of the last marker packet before the second call

    @staticmethod
    def _count(data: bytes, start: int, end: int) -> int:
        # start is a line start: the line there has no "\n" before it inside the range
        return data.count(b"\nTrace ", start, end) + data.startswith(b"Trace ", start, end)

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        end = data.rfind(b"\n") + 1
        self.pending = data[end:]
        pos = 0
        while self.pattern and len(self.calls) < 2:
            hit = data.find(self.pattern, pos, end)
            if hit < 0:
                break
            start = data.rfind(b"\n", 0, hit) + 1
            self.lines += self._count(data, pos, start)
            pc = data[start:hit].rsplit(b"[", 1)[1].split(b"/")[1]
            if not self.calls:  # the first call starts at the marker's entry
                self.entry_pc = pc
                self.calls.append(self.lines)
            elif pc == self.entry_pc:  # back at the entry: the second call
                self.calls.append(self.lines)
            if len(self.calls) == 1:
                self.first_call_end = self.lines
            self.lines += 1
            pos = hit + len(self.pattern)
        self.lines += self._count(data, pos, end)


def _read_log(fd: int, counter: _TraceCounter) -> None:
    try:
        while chunk := os.read(fd, 1 << 20):
            counter.feed(chunk)
    finally:
        os.close(fd)


def count_packets(exe: str | os.PathLike, stdin: bytes = b"", timeout: float = 600,
                  between: str | None = None, prefix: str | None = None) -> PacketCount:
    """Runs `exe` like run(), counting executed packets: qemu translates one packet per block
    (-singlestep), never chains blocks (nochain) and logs every block it executes (-d exec).
    With `between` (a function the program calls twice, e.g. around the pipeline call), only
    the packets after the first call returns and before the second call starts are counted.
    The log (about 70 bytes per packet) goes through a pipe and is counted as it arrives, so it
    never reaches the disk. With `prefix`, only packets of functions whose symbol starts with
    it are counted (a pipeline's own code, without the runtime it calls): qemu logs only their
    addresses (-dfilter), so a runtime that does much work (software UBWC) costs no log. Errors
    as run(); HaloError if `between` was not called twice."""
    if between is not None and prefix is not None:
        raise ValueError("count_packets: give `between` or `prefix`, not both")
    log_flags = ["-singlestep", "-d", "exec,nochain"]
    if prefix is not None:
        ranges = function_ranges(exe, prefix)
        if not ranges:
            return PacketCount(0, run(exe, stdin, timeout))
        log_flags += ["-dfilter", ",".join(f"0x{a:x}+0x{size:x}" for a, size in ranges)]
    read_end, write_end = os.pipe()
    try:
        # A larger pipe means fewer switches between qemu and the reader (about 20% faster).
        fcntl.fcntl(read_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass  # over the user's pipe-buffer quota: the default size only costs speed
    counter = _TraceCounter(between)
    reader = threading.Thread(target=_read_log, args=(read_end, counter), daemon=True)
    reader.start()
    try:
        stdout = _execute(exe, stdin, timeout,
                          [*log_flags, "-D", f"/proc/self/fd/{write_end}"],
                          pass_fds=(write_end,))
    finally:
        os.close(write_end)  # qemu has exited: the reader now sees the end of the log
        reader.join()
    if between is None:
        return PacketCount(counter.lines, stdout)
    if len(counter.calls) < 2:
        raise HaloError(f"{exe} called {between} {len(counter.calls)} time(s) under qemu-hexagon; "
                        f"counting packets between its calls needs two (is it a global, "
                        f"noinline function?)")
    return PacketCount(counter.calls[1] - counter.first_call_end - 1, stdout)
