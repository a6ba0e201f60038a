"""The harness the runtime fuzzers share: a driver program built with ASan+UBSan (or TSan) reads
call sequences on stdin, one call a line, "Z" ending a sequence, and answers "ok N" (N: the
transfers it verified) or "FAIL ..."; the hypothesis state machines write the sequences."""
import os
import pathlib
import selectors
import subprocess

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from halo.runtime import build

C_DIR = pathlib.Path(__file__).parent / "c"
SEQUENCES = int(os.environ.get("HALO_FUZZ_SEQUENCES", "2000"))
ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
       "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=98",
       "TSAN_OPTIONS": "halt_on_error=1:exitcode=97"}
# Every fuzzer runs SEQUENCES under ASan+UBSan and a tenth as many under TSan (slower, and
# looking for races, not for bad arguments).
SANITIZERS = {"address,undefined": SEQUENCES, "thread": max(SEQUENCES // 10, 50)}
# A sequence has at most this many steps; a driver that does not answer within REPLY_SECONDS is
# taken to hang.
STEPS = 15
REPLY_SECONDS = 60


def fuzz_settings(examples=SEQUENCES):
    return settings(max_examples=examples, stateful_step_count=STEPS, deadline=None,
                    suppress_health_check=list(HealthCheck), derandomize=bool(os.environ.get("CI")))


class Driver:
    """One driver process, fed one sequence at a time (restarted after a failure)."""

    def __init__(self, exe):
        self.exe = exe
        self.proc = None
        self.sequences = self.completed = 0

    def run(self, lines):
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([str(self.exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, env=ENV)
        self.proc.stdin.write("\n".join(lines + ["Z"]) + "\n")
        self.proc.stdin.flush()
        reply = self._reply()
        if not reply.startswith("ok "):
            self.proc.kill()
            err = self.proc.stderr.read()[-4000:]
            self.proc = None
            raise AssertionError(f"driver failed ({reply or 'no reply'}) on:\n" + "\n".join(lines) + f"\n{err}")
        self.sequences += 1
        self.completed += int(reply.split()[1])

    def _reply(self):
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(REPLY_SECONDS):
                return f"no reply in {REPLY_SECONDS} s: a hang"
        return self.proc.stdout.readline().strip()

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            rc = self.proc.wait(timeout=REPLY_SECONDS)
            err = self.proc.stderr.read()
            assert rc == 0 and "Sanitizer" not in err, err[-4000:]


def build_driver(source, out_dir, sanitize="address,undefined"):
    return Driver(build.build_c_program([C_DIR / source], pathlib.Path(out_dir) / pathlib.Path(source).stem,
                                        sanitize=sanitize))


def run_fuzzer(machine, source, out_dir, sanitize):
    """Runs SANITIZERS[sanitize] sequences of the state machine through a driver built from
    source; the sequences must reach real transfers (a quarter as many as sequences), not only
    errors."""
    driver = build_driver(source, out_dir, sanitize)
    machine.driver = driver
    try:
        run_state_machine_as_test(machine, settings=fuzz_settings(SANITIZERS[sanitize]))
    finally:
        driver.close()
    assert driver.sequences >= SANITIZERS[sanitize]
    assert driver.completed > SANITIZERS[sanitize] // 4, driver.completed
    return driver
