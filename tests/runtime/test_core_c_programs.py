"""The runtime's C test programs (tests/runtime/c/), built with the runtime sources and run
under AddressSanitizer + UndefinedBehaviorSanitizer, and the threaded one under
ThreadSanitizer."""
import os
import pathlib
import subprocess

import pytest

from halo.runtime import build

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` runs the fast part

C_DIR = pathlib.Path(__file__).parent / "c"

CASES = [
    ("core_serial", "address,undefined", {}),
    ("core_threads", "address,undefined", {}),
    ("core_threads", "thread", {}),
    ("core_freestanding", "address,undefined", {"HALO_FREESTANDING": None}),
]


@pytest.mark.parametrize("program,sanitize,defines", CASES,
                         ids=[f"{p}-{s.replace(',', '+')}" for p, s, _ in CASES])
def test_c_program(program, sanitize, defines, tmp_path):
    exe = build.build_c_program([C_DIR / f"{program}.c"], tmp_path / program, sanitize=sanitize,
                                defines=defines)
    env = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
               TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1")
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == f"{program}: ok\n"
    assert "Sanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
