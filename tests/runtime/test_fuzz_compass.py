"""Fuzzing the Compass DMA API: a hypothesis state machine issues synchronous and asynchronous
copies with any scope, dtype, width, stride and count (limits of the lsram, shared and async
registers included), and allocates, waits for, frees, reuses and repeats events, changes the
event limit and resets, in any order; one driver program runs the sequences under ASan+UBSan
and, fewer of them, under TSan (tests/runtime/c/fuzz_compass.c). Every call must succeed or
return an error with a message; a copy that succeeded holds exactly its rows once its event was
waited for, one that failed wrote nothing; sources never change; the events in use are what
the calls made them."""
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from .fuzz_driver import SANITIZERS, run_fuzzer

scope = st.one_of(st.sampled_from([0, 4, 5]), st.integers(-1, 8))  # global, lsram, shared; any
dtype = st.one_of(st.integers(0, 7), st.just(8))  # the runtime's eight dtypes; one it must refuse
held = st.integers(0, 5)
event = st.one_of(held, held, st.sampled_from([99, 100, 103, 104, 131, 132, 200]))  # >= 100: event - 100
small = st.tuples(st.integers(-1, 32), st.integers(-1, 48), st.integers(-1, 8), st.integers(-1, 48))
wide = st.sampled_from([8192, 8193, 16384, 16385, 32768, 32769, 65535, 65536, 70000])
large = st.builds(lambda w, pad, times: (w, w + pad[0], times, w + pad[1]), wide,
                  st.tuples(st.integers(0, 1), st.integers(0, 1)), st.integers(1, 2))


class CompassSequence(RuleBasedStateMachine):
    driver = None

    def __init__(self):
        super().__init__()
        self.lines = []

    @rule(async_=st.booleans(), ev=event, dscope=scope, sscope=scope, ddtype=dtype,
          sdtype=st.one_of(st.just(-1), dtype), counts=small, srcoff=st.integers(0, 4095),
          size=st.sampled_from([0, 0, 0, 0, 2, 3]))
    def small_copy(self, async_, ev, dscope, sscope, ddtype, sdtype, counts, srcoff, size):
        self._copy(async_, ev, dscope, ddtype, sscope, ddtype if sdtype < 0 else sdtype, counts, srcoff, size)

    @rule(async_=st.booleans(), ev=held, dscope=st.sampled_from([0, 4, 5]), sscope=st.sampled_from([0, 4, 5]),
          ddtype=dtype, counts=large)
    def large_copy(self, async_, ev, dscope, sscope, ddtype, counts):
        self._copy(async_, ev, dscope, ddtype, sscope, ddtype, counts, 0, 1)

    def _copy(self, async_, ev, dscope, ddtype, sscope, sdtype, counts, srcoff, size):
        width, sstride, times, dstride = counts
        self.lines.append(f"C {int(async_)} {ev} {dscope} {ddtype} {sscope} {sdtype} "
                          f"{width} {sstride} {times} {dstride} {srcoff} {size}")

    @rule(n=st.one_of(st.integers(1, 3), st.integers(-1, 34)))
    def alloc(self, n):
        self.lines.append(f"E {n}")

    @rule(op=st.sampled_from("FG"), evs=st.lists(event, max_size=4))
    def free_or_wait(self, op, evs):
        self.lines.append(" ".join([op] + [str(e) for e in evs]))

    @rule(n=st.one_of(st.integers(0, 33), st.just(4)))
    def limit(self, n):
        self.lines.append(f"L {n}")

    @rule(op=st.sampled_from("RQ"))
    def reset_or_count(self, op):
        self.lines.append(op)

    @precondition(lambda self: len(self.lines) > 0)
    @rule(ev=held)
    def async_copy_and_wait(self, ev):
        # the common path, so that sequences reach completed asynchronous copies often
        self.lines += ["E 2", f"C 1 {ev} 4 2 0 2 16 20 5 16 64 0", f"G {ev}", "Q"]

    def teardown(self):
        self.driver.run(self.lines)


@pytest.mark.slow
@pytest.mark.parametrize("sanitize", sorted(SANITIZERS))
def test_compass_sequences_never_crash_leak_race_or_corrupt(tmp_path, sanitize):
    run_fuzzer(CompassSequence, "fuzz_compass.c", tmp_path, sanitize)
