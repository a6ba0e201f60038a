"""halo.runtime loads lazily, and every loader of the cached library shares one instance."""
import subprocess
import sys
import textwrap

import cffi

import halo.runtime as rt
from halo.runtime import build


def test_ffi_and_lib_load_on_first_access():
    code = textwrap.dedent("""\
        import halo.runtime as rt
        assert "lib" not in vars(rt) and "ffi" not in vars(rt)
        lib = rt.lib
        assert vars(rt)["lib"] is lib and rt.ffi is vars(rt)["ffi"]
        print(lib.halo_get_num_threads() >= 1)
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (0, "True\n"), out.stderr


def test_unknown_attribute():
    import pytest
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        rt.nope  # noqa: B018


def test_second_loader_shares_the_instance():
    """A generated pipeline loaded by the compiler opens the same file; it must see the same
    runtime state (here: the thread's error message and the local memory accounting)."""
    other = cffi.FFI()
    other.cdef(build.cdef_text())
    lib2 = other.dlopen(str(build.host_library()))
    rt.lib.halo_error(rt.ffi.NULL, -3, b"shared state")
    assert other.string(lib2.halo_last_error_message()) == b"shared state"
    p = lib2.halo_localmem_alloc(other.NULL, 1, 300)
    try:
        assert rt.localmem_in_use("vtcm") == 384
    finally:
        assert lib2.halo_localmem_free(other.NULL, 1, p) == 0
