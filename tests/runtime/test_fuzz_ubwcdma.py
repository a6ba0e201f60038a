"""Fuzzing the UBWCDMA host API: a hypothesis state machine makes call sequences (engines, wraps,
prepares in both directions with any format code, transfers with any region, waits, unprepares,
detaches, power votes, in any order, misuse included) and one driver program built with
ASan+UBSan (and, for a tenth as many, with TSan) runs them (tests/runtime/c/fuzz_ubwcdma.c).
Every call must succeed or return an error with a message; completed reads hold their region's
bytes, written frames their writes; each sequence ends with nothing in use. A crash, hang, leak
or sanitizer report fails the sequence that caused it (and hypothesis shrinks it)."""
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from .fuzz_driver import SANITIZERS, run_fuzzer

# Regions that fit the 128x32 frame and keep the runtime's Raw alignment, most of the time, so
# that copies complete; any other region is drawn too.
ALIGNED = st.tuples(st.sampled_from([0, 64]), st.sampled_from([0, 8, 16]),
                    st.sampled_from([64, 128]), st.sampled_from([8, 16]))
ANY = st.tuples(st.integers(-70, 200), st.integers(-40, 60), st.integers(-4, 260), st.integers(-4, 70))


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

    @rule(f=slot, size=st.sampled_from([0, 0, 1, 1, 2, 3]))
    def wrap(self, f, size):
        self.lines.append(f"W {f} {size}")

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
        self.lines += ["A 0", "W 0 1", "P 0 0 0 0", "S 0 0 0 0 64 16", "X 0"]

    def teardown(self):
        self.driver.run(self.lines)


@pytest.mark.slow
@pytest.mark.parametrize("sanitize", sorted(SANITIZERS))
def test_host_api_sequences_never_crash_leak_race_or_corrupt(tmp_path, sanitize):
    run_fuzzer(HostApiSequence, "fuzz_ubwcdma.c", tmp_path, sanitize)
