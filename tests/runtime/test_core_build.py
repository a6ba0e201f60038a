"""halo.runtime.build: locating the runtime, the cached host library, cffi declarations, test
programs, and the warning-clean host and freestanding Hexagon compiles."""
import os
import re
import shutil
import subprocess
import sys
import textwrap

import cffi
import pytest

from halo.runtime import build

CORE = ["arena", "builtins", "error", "format", "libc", "localmem", "memory", "par_for", "semaphore",
        "thread", "time", "trace"]


def test_runtime_dir_and_sources():
    root = build.runtime_dir()
    assert (root / "halo_runtime.h").is_file()
    found = {p.relative_to(root).as_posix() for p in build.sources()}
    assert {f"core/{name}.c" for name in CORE} <= found
    assert build.sources() == sorted(build.sources())
    headers = build.public_headers()
    assert headers[0].name == "halo_runtime.h"
    assert headers[1:] == sorted(headers[1:])
    assert all(h.parent == root for h in headers)


def test_host_library_is_cached_and_fixed_for_the_process():
    path = build.host_library()
    assert re.fullmatch(r"libhalo_runtime-[0-9a-f]{20}\.so", path.name)
    assert path.is_file()
    assert build.host_library() is path


def _copy_runtime(tmp_path):
    copy = tmp_path / "runtime_c"
    shutil.copytree(build.runtime_dir(), copy)
    return copy


def test_cache_key_follows_the_sources(tmp_path, monkeypatch):
    copy = _copy_runtime(tmp_path)
    monkeypatch.setattr(build, "runtime_dir", lambda: copy)
    monkeypatch.setenv("HALO_CACHE_DIR", str(tmp_path / "cache"))
    first = build._build_host_library()
    assert first.parent == tmp_path / "cache" / "runtime"
    mtime = first.stat().st_mtime_ns
    assert build._build_host_library() == first
    assert first.stat().st_mtime_ns == mtime  # reused, not rebuilt
    with open(copy / "core" / "time.c", "a") as f:
        f.write("/* changed */\n")
    second = build._build_host_library()
    assert second != first and second.is_file()
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([first.name, second.name])


@pytest.mark.slow
def test_concurrent_builds_publish_one_complete_library(tmp_path):
    env = dict(os.environ, HALO_CACHE_DIR=str(tmp_path))
    code = "from halo.runtime import build; print(build.host_library())"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    paths = {out.strip() for out, _ in outs}
    assert len(paths) == 1
    (path,) = paths
    assert os.listdir(tmp_path / "runtime") == [os.path.basename(path)]  # no temp files left
    ffi = cffi.FFI()
    ffi.cdef("int halo_get_num_threads(void);")
    assert ffi.dlopen(path).halo_get_num_threads() >= 1


def test_cdef_text_is_plain_declarations():
    text = build.cdef_text()
    assert "#" not in text
    assert "int halo_do_par_for(void *user_context, halo_task_fn f, int min, int extent, " \
           "uint8_t *closure);" in text
    assert text.count("typedef struct halo_buffer_t {") == 1
    ffi = cffi.FFI()
    ffi.cdef(text)
    assert ffi.sizeof("halo_semaphore_t") == 128
    assert ffi.sizeof("halo_thread_t") == 32
    assert ffi.offsetof("halo_buffer_t", "dim") == 40


@pytest.mark.parametrize("cc", ["gcc", "clang-19"])
def test_core_sources_compile_warning_free_on_the_host(cc, tmp_path):
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} not installed")
    for name in CORE:
        for defines in ([], ["-DHALO_FREESTANDING"]):
            src = build.runtime_dir() / "core" / f"{name}.c"
            proc = subprocess.run([cc, "-std=c11", "-O2", "-fPIC", "-Wall", "-Wextra",
                                   "-Wpedantic", *defines, "-c", str(src),
                                   "-o", str(tmp_path / f"{name}.o")],
                                  capture_output=True, text=True)
            assert proc.returncode == 0 and proc.stderr == "", (src, defines, proc.stderr)


def test_build_c_program_defines_and_errors(tmp_path):
    src = tmp_path / "prog.c"
    src.write_text(textwrap.dedent("""\
        #include <stdio.h>
        #include "halo_runtime.h"
        int main(void) {
            printf("%d %s\\n", VALUE, halo_error_name(halo_error_bad_free));
            return 0;
        }
        """))
    exe = build.build_c_program([src], tmp_path / "bin" / "prog", defines={"VALUE": 42})
    out = subprocess.run([exe], capture_output=True, text=True).stdout
    assert out == "42 halo_error_bad_free\n"
    exe = build.build_c_program([src], tmp_path / "prog2", defines=["VALUE=7"])
    assert subprocess.run([exe], capture_output=True, text=True).stdout == "7 halo_error_bad_free\n"
    with pytest.raises(ValueError, match="sanitize must be None or one of"):
        build.build_c_program([src], tmp_path / "x", sanitize="memory")
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return undeclared_name; }\n")
    with pytest.raises(build.BuildError, match="undeclared_name"):
        build.build_c_program([bad], tmp_path / "bad")


def test_missing_hexagon_compiler_is_named(monkeypatch):
    monkeypatch.setenv("HALO_HEXAGON_CC", "halo-no-such-clang")
    with pytest.raises(build.ToolMissingError,
                       match="halo-no-such-clang not found on PATH.*clang-19"):
        build.hexagon_compile_check()


@pytest.mark.skipif(shutil.which("clang-19") is None,
                    reason="clang-19 is not installed (needed for the freestanding Hexagon build)")
@pytest.mark.slow
def test_every_runtime_source_compiles_freestanding_for_hexagon_without_warnings():
    assert build.hexagon_compile_check() == build.sources()


@pytest.mark.skipif(shutil.which("clang-19") is None,
                    reason="clang-19 is not installed (needed for the freestanding Hexagon build)")
def test_hexagon_check_reports_warnings(tmp_path, monkeypatch):
    copy = _copy_runtime(tmp_path)
    (copy / "core" / "warns.c").write_text("int halo_test_warns(void) { int unused; return 0; }\n")
    monkeypatch.setattr(build, "runtime_dir", lambda: copy)
    with pytest.raises(build.BuildError, match=r"core/warns\.c.*\n.*\n.*unused variable 'unused'"):
        build.hexagon_compile_check()


@pytest.mark.skipif(shutil.which("clang-19") is None,
                    reason="clang-19 is not installed (needed for the freestanding Hexagon build)")
def test_hexagon_check_reports_undefined_symbols(tmp_path, monkeypatch):
    copy = _copy_runtime(tmp_path)
    (copy / "core" / "needs_libc.c").write_text(
        "int strlen_user(void);\nint halo_test_calls(void) { return strlen_user(); }\n")
    monkeypatch.setattr(build, "runtime_dir", lambda: copy)
    with pytest.raises(build.BuildError, match=r"does not link on its own(.|\n)*"
                                               r"undefined symbol: strlen_user"):
        build.hexagon_compile_check()


def test_missing_hexagon_linker_is_named(monkeypatch):
    if shutil.which("clang-19") is None:
        pytest.skip("clang-19 is not installed (needed for the freestanding Hexagon build)")
    monkeypatch.setenv("HALO_HEXAGON_LD", "halo-no-such-lld")
    with pytest.raises(build.ToolMissingError,
                       match=r"halo-no-such-lld not found on PATH.*ld\.lld-19.*lld-19"):
        build.hexagon_compile_check()
