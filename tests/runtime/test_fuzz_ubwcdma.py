"""Fuzzing the UBWCDMA host API: a hypothesis state machine makes call sequences (engines,
wraps, prepares in both directions with any format code, transfers with any region, waits,
unprepares, detaches, power votes, in any order, misuse included) and one driver program built
with ASan+UBSan runs them (tests/runtime/c/fuzz_ubwcdma.c). Every call must succeed or return
an error with a message; completed reads hold their region's bytes, written frames their
writes; each sequence ends with nothing in use. A crash, hang, leak or sanitizer report fails
the sequence that caused it (and hypothesis shrinks it)."""
import os
import pathlib
import subprocess

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from halo.runtime import build

C_DIR = pathlib.Path(__file__).parent / "c"
SEQUENCES = int(os.environ.get("HALO_FUZZ_SEQUENCES", "2000"))
ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
       "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=98"}

# Regions that fit the 128x32 frame and keep the runtime's Raw alignment, most of the time, so
# that copies complete; any other region is drawn too.
ALIGNED = st.tuples(st.sampled_from([0, 64]), st.sampled_from([0, 8, 16]),
                    st.sampled_from([64, 128]), st.sampled_from([8, 16]))
ANY = st.tuples(st.integers(-70, 200), st.integers(-40, 60), st.integers(-4, 260), st.integers(-4, 70))


class Driver:
    """The ASan+UBSan driver process, fed one sequence at a time."""

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
        reply = self.proc.stdout.readline().strip()
        if not reply.startswith("ok "):
            self.proc.kill()
            err = self.proc.stderr.read()[-4000:]
            self.proc = None
            raise AssertionError(f"driver failed ({reply or 'no reply'}) on:\n" + "\n".join(lines) + f"\n{err}")
        self.sequences += 1
        self.completed += int(reply.split()[1])

    def close(self):
        if self.proc is not None:
            self.proc.stdin.close()
            rc = self.proc.wait(timeout=60)
            err = self.proc.stderr.read()
            assert rc == 0 and "Sanitizer" not in err, err[-4000:]


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    exe = build.build_c_program([C_DIR / "fuzz_ubwcdma.c"], tmp_path_factory.mktemp("fuzz") / "fuzz_ubwcdma",
                                sanitize="address,undefined")
    d = Driver(exe)
    yield d
    d.close()


slot = st.integers(0, 2)


class HostApiSequence(RuleBasedStateMachine):
    driver = None

    def __init__(self):
        super().__init__()
        self.lines = []

    @rule(e=slot)
    def allocate(self, e):
        self.lines.append(f"A {e}")

    @rule(e=slot)
    def deallocate(self, e):
        self.lines.append(f"D {e}")

    @rule(f=slot)
    def wrap(self, f):
        self.lines.append(f"W {f}")

    @rule(f=slot)
    def detach(self, f):
        self.lines.append(f"T {f}")

    @rule(f=slot, e=slot, direction=st.integers(0, 1),
          fmt=st.one_of(st.just(0), st.sampled_from([2, 3, 5, 13, -1, 99])))
    def prepare(self, f, e, direction, fmt):
        self.lines.append(f"P {f} {e} {direction} {fmt}")

    @rule(f=slot)
    def unprepare(self, f):
        self.lines.append(f"U {f}")

    @rule(mode=st.integers(-2, 9))
    def vote(self, mode):
        self.lines.append(f"V {mode}")

    @rule(k=st.integers(0, 3), f=slot, region=st.one_of(ALIGNED, ALIGNED, ANY))
    def start(self, k, f, region):
        self.lines.append(f"S {k} {f} " + " ".join(map(str, region)))

    @rule(k=st.integers(0, 3))
    def wait(self, k):
        self.lines.append(f"X {k}")

    @precondition(lambda self: len(self.lines) > 0)
    @rule()
    def prepared_read_of_a_whole_tile(self):
        # the common legal path, so that sequences reach completed copies often
        self.lines += ["A 0", "W 0", "P 0 0 0 0", "S 0 0 0 0 64 16", "X 0"]

    def teardown(self):
        self.driver.run(self.lines)


@pytest.mark.slow
def test_host_api_sequences_never_crash_leak_or_corrupt(driver):
    HostApiSequence.driver = driver
    run_state_machine_as_test(
        HostApiSequence,
        settings=settings(max_examples=SEQUENCES, stateful_step_count=25, deadline=None,
                          suppress_health_check=list(HealthCheck), derandomize=bool(os.environ.get("CI"))))
    assert driver.sequences >= SEQUENCES
    assert driver.completed > SEQUENCES // 4  # the sequences reach real copies, not only errors
