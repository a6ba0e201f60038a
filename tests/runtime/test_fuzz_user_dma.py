"""Fuzzing the user-DMA API: a hypothesis state machine writes descriptors of both types with any
field values (misaligned, unmapped, straddling, oversized, chained to each other, to bad
addresses and in cycles), drives the engines with every command in any order and on any engine
number, unmaps and remaps memory and resets; one driver program built with ASan+UBSan (and, for
a tenth as many, with TSan) runs the sequences (tests/runtime/c/fuzz_user_dma.c). Every call
must succeed or return an error with a message; a descriptor the engine marked done moved
exactly its bytes, one not marked moved nothing, and nothing outside the destinations changed."""
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from .fuzz_driver import SANITIZERS, run_fuzzer


engine = st.sampled_from([0, 0, 1, 2, -1, 8])
slot = st.one_of(st.integers(0, 11), st.sampled_from([100, 101, 102, 103]))
# Mostly rows that fit a 1 KiB destination area with strides that cover them; anything else
# too (stride 0 means 65536; lengths beyond the 24-bit field must be refused by pack).
length = st.one_of(st.integers(0, 64), st.sampled_from([0x10000, 0xFFFFFF, 0x1000000]))
rows = st.one_of(st.integers(0, 8), st.just(0x10000))
stride = st.one_of(st.sampled_from([64, 128]), st.integers(0, 130), st.just(0x10000))
flags = st.one_of(st.sampled_from([0, 16]), st.integers(0, 255))


class UserDmaSequence(RuleBasedStateMachine):
    driver = None

    def __init__(self):
        super().__init__()
        self.lines = []

    @rule(k=st.integers(0, 11), off=st.sampled_from([0, 0, 2, 1, 3]), type_=st.sampled_from([0, 1, 1, 2, 3]),
          srcmode=st.sampled_from([0, 0, 1, 2, 3]), srcoff=st.integers(0, 4095),
          dstmode=st.sampled_from([0, 0, 0, 1, 2, 3]), len_=length, h=rows, ss=stride, ds=stride,
          nxt=st.one_of(st.just(-1), st.just(-1), slot), fl=flags)
    def descriptor(self, k, off, type_, srcmode, srcoff, dstmode, len_, h, ss, ds, nxt, fl):
        self.lines.append(f"D {k} {off} {type_} {srcmode} {srcoff} {dstmode} {len_} {h} {ss} {ds} {nxt} {fl}")

    @rule(e=engine, k=st.integers(0, 11), srcmode=st.sampled_from([0, 1, 2, 3]), srcoff=st.integers(0, 4095),
          len_=st.integers(0, 64), h=st.integers(0, 8), ss=st.sampled_from([0, 32, 64, 128, 0x10000]),
          ds=st.sampled_from([0, 64, 128, 0x10000]), ndescs=st.integers(0, 2))
    def copy_2d(self, e, k, srcmode, srcoff, len_, h, ss, ds, ndescs):
        self.lines.append(f"C {e} {k} {srcmode} {srcoff} {len_} {h} {ss} {ds} {ndescs}")

    @rule(e=engine, k=slot)
    def dmstart(self, e, k):
        self.lines.append(f"S {e} {k}")

    @rule(e=engine, tail=st.one_of(st.just(-1), slot), k=slot)
    def dmlink(self, e, tail, k):
        self.lines.append(f"L {e} {tail} {k}")

    @rule(e=engine, k=st.one_of(st.just(-1), slot))
    def dmresume(self, e, k):
        self.lines.append(f"R {e} {k}")

    @rule(e=engine, op=st.sampled_from("PWOY"))
    def engine_query(self, e, op):
        self.lines.append(f"{op} {e}")

    @rule(r=st.integers(0, 4), unmap=st.booleans())
    def mapping(self, r, unmap):
        self.lines.append(f"{'N' if unmap else 'M'} {r}")

    @rule()
    def reset(self):
        self.lines.append("X")

    @precondition(lambda self: len(self.lines) > 0)
    @rule(k=st.integers(0, 11), e=st.integers(0, 2))
    def a_legal_copy(self, k, e):
        # the common path, so that sequences reach completed copies often
        self.lines += ["P " + str(e), "M 3", f"D {k} 0 1 0 {k * 64} 0 48 4 64 128 -1 16", f"S {e} {k}", f"W {e}"]

    def teardown(self):
        self.driver.run(self.lines)


@pytest.mark.slow
@pytest.mark.parametrize("sanitize", sorted(SANITIZERS))
def test_user_dma_sequences_never_crash_leak_race_or_corrupt(tmp_path, sanitize):
    run_fuzzer(UserDmaSequence, "fuzz_user_dma.c", tmp_path, sanitize)
