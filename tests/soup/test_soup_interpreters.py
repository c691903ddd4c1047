"""Compiled soup interpreters against hand-worked programs and the pure-Python reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.soup import reference
from selforg.soup.interpreters import evaluate
from selforg.soup.languages import LANGUAGES, parse_program, program_text

NOOP = ord("A")
PALINDROME = b"[[{.>]-]" + b"A" * 48 + b"]-]>.{[["


def tape_of(prefix: bytes, fill: int = NOOP, rest: bytes = b"") -> np.ndarray:
    t = np.full(128, fill, dtype=np.uint8)
    t[: len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    if rest:
        t[128 - len(rest):] = np.frombuffer(rest, dtype=np.uint8)
    return t


def run(tape: np.ndarray, lang: str) -> tuple[int, np.ndarray]:
    """Run compiled and reference interpreters; check they agree; return (ops, tape)."""
    a = tape.copy()
    b = bytearray(tape.tobytes())
    ops = evaluate(a, LANGUAGES.index(lang), 8192)
    ref_ops = reference.run(b, lang)
    assert ops == ref_ops
    assert a.tobytes() == bytes(b)
    return ops, a


# --- BFF, worked by hand -------------------------------------------------------------------

def test_bff_plus_turns_itself_into_comma():
    ops, t = run(tape_of(b"+"), "bff_noheads")
    assert ops == 1  # 127 no-ops after it count as steps, not ops
    assert t[0] == ord(",") and (t[1:] == NOOP).all()


def test_bff_head_wraps_below_zero():
    ops, t = run(tape_of(b"<+<-"), "bff_noheads")
    assert ops == 4
    assert t[127] == NOOP + 1 and t[126] == NOOP - 1


def test_bff_open_bracket_jumps_past_matching_close():
    # head0 → 127 which holds 0, so '[' jumps to the matching ']' (nested pair skipped).
    ops, t = run(tape_of(b"<[+[+]+]+", rest=b"\x00"), "bff_noheads")
    assert ops == 3  # '<', '[', then the final '+' after the loop
    assert t[127] == 1


def test_bff_loop_runs_until_zero():
    # head0 on byte 127 = 3: "[-]" decrements it to 0 in 3 passes.
    ops, t = run(tape_of(b"<[-]", rest=b"\x03"), "bff_noheads")
    assert t[127] == 0
    assert ops == 1 + 1 + 3 * 2  # '<', first '[', then ('-', ']') × 3 (last ']' falls through)


def test_bff_unmatched_brackets_end_the_run():
    ops, t = run(tape_of(b"<[+", rest=b"\x00"), "bff_noheads")
    assert ops == 2 and t[2] == ord("+")  # no ']' → run ends at the '['
    ops, _ = run(tape_of(b"]+"), "bff_noheads")  # tape[0] = ']' ≠ 0, no '[' before → ends
    assert ops == 1


def test_bff_step_limit():
    ops, _ = run(tape_of(b"[]"), "bff_noheads")  # ']' jumps back forever: tape[0] is '[' ≠ 0
    assert ops == 8192


def test_bff_heads_from_tape_and_bff8_jumps():
    # head0 = 130 % 128 = 2, head1 = 5, pc = 2: '+' turns itself into ',', '.' copies that
    # ',' to byte 5, where it is then executed (the tape is live): 3 ops.
    t = tape_of(bytes([130, 5]) + b"+.")
    ops, out = run(t, "bff")
    assert ops == 3 and out[2] == out[5] == ord(",")
    # bff8: '[' with tape[head0] == 0 skips 8 bytes without looking for a ']'.
    t = tape_of(bytes([127, 0]) + b"[++++++++-", rest=b"\x00")
    ops, out = run(t, "bff8")
    assert ops == 2 and out[127] == 255


def test_palindromic_replicator_copies_itself():
    rng = np.random.default_rng(0)
    for _ in range(5):
        t = np.concatenate(
            [np.frombuffer(PALINDROME, np.uint8), rng.integers(0, 256, 64, dtype=np.uint8)]
        )
        run(t, "bff_noheads")
        out = t.copy()
        evaluate(out, 0, 8192)
        assert (out[:64] == np.frombuffer(PALINDROME, np.uint8)).all()
        assert (out[64:] == out[:64]).all()


# --- Forth, SUBLEQ, RSUBLEQ4 by hand --------------------------------------------------------

def test_forth_add_and_write():
    # push 10, push 30, push 2, add, write0 → tape[10] = 32 (a no-op); then no-ops (0x20).
    ops, t = run(tape_of(bytes([0x4A, 0x5E, 0x42, 0x0A, 0x02]), fill=0x21), "forth")
    assert ops == 5 and t[10] == 32


def test_forth_jump_if0_and_overflow():
    # push 1, if0 (1 ≠ 0: skip the next byte), [skipped 0x02], forward jump +2 over a 0x42.
    ops, t = run(tape_of(bytes([0x41, 0x07, 0x02, 0x81, 0x42]), fill=0x20), "forth")
    assert ops == 3 + 0  # push, if0, jump; the rest are no-ops
    # push 0 / jump back 1, forever: the 129th push overflows the 128-deep stack.
    ops, _ = run(tape_of(bytes([0x40, 0xC0]), fill=0x20), "forth")
    assert ops == 129 + 128


def test_forthtrivial_copy_is_a_noop_in_forth():
    t = tape_of(bytes([0x43, 0x0C]), fill=0x20)
    ops, out = run(t, "forthtrivial")
    assert ops == 2 and out[64 + 3] == out[3] == 0x20 and out[3] == t[3]
    t = tape_of(bytes([0x43, 0x0D]), fill=0x20)
    t[64 + 3] = 0x99
    _, out = run(t, "forthtrivial")
    assert out[3] == 0x99
    _, out = run(t, "forth")
    assert out[3] == 0x20


def test_subleq_by_hand():
    # a=10, b=11: tape[10] = 5 − 3 = 2 > 0 → pc = 3; then a=b=12: tape[12] = 0,
    # so pc = tape[5] = 200 → halt.
    t = np.zeros(128, dtype=np.uint8)
    t[:6] = [10, 11, 99, 12, 12, 200]
    t[10], t[11], t[12] = 5, 3, 7
    ops, out = run(t, "subleq")
    assert ops == 2 and out[10] == 2 and out[12] == 0


def test_rsubleq4_by_hand():
    # a, b, c = 0+20, 0+21, 0+22: tape[20] = tape[21] − tape[22] = 9 − 4 = 5 > 0 → pc = 4;
    # then a = b = c = 4+30: tape[34] = 0 → pc += (int8) 0xF8 = −8 → −4 → halt.
    t = np.zeros(128, dtype=np.uint8)
    t[:4] = [20, 21, 22, 0]
    t[21], t[22] = 9, 4
    t[4:8] = [30, 30, 30, 0xF8]
    ops, out = run(t, "rsubleq4")
    assert ops == 2 and out[20] == 5


# --- random tapes against the reference -----------------------------------------------------

BFF_BYTES = list(b"<>{}+-.,[]\x00") + [NOOP, 0x80, 0xFF]


@pytest.mark.parametrize("lang", LANGUAGES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_tapes_match_reference(lang, data):
    if lang.startswith("bff"):
        tape = data.draw(st.lists(st.sampled_from(BFF_BYTES), min_size=128, max_size=128))
    else:
        tape = data.draw(st.lists(st.integers(0, 255), min_size=128, max_size=128))
    run(np.array(tape, dtype=np.uint8), lang)


def test_uniform_random_tapes_match_reference():
    rng = np.random.default_rng(7)
    for lang in LANGUAGES:
        for _ in range(40):
            run(rng.integers(0, 256, 128, dtype=np.uint8), lang)


# --- text form ------------------------------------------------------------------------------

def test_program_text_round_trip():
    data = np.arange(256, dtype=np.uint8)
    for lang in LANGUAGES:
        assert (parse_program(program_text(data, lang), lang) == data).all()
    assert program_text(b"[\x00\xc4\x41", "bff") == "[0A\u0141"
    assert parse_program("[[{.>]-]", "bff_noheads").tobytes() == b"[[{.>]-]"
    assert parse_program("hex:5b00", "bff").tobytes() == b"[\x00"
    assert parse_program("0c0D", "forthtrivial").tobytes() == b"\x0c\x0d"


# --- innermost loops run as decoded bodies: exact under self-modification ---------------------

# Loop bodies made of head moves, data ops, no-ops and zeros; brackets around them, so that
# copy loops, loops that rewrite their own code and loops that never end all occur.
LOOP_BODY = list(b"<>{}+-.,") + [0, NOOP]


@st.composite
def loop_tapes(draw):
    tape = []
    while len(tape) < 128:
        if draw(st.booleans()):
            body = draw(st.lists(st.sampled_from(LOOP_BODY), min_size=0, max_size=12))
            tape += [ord("[")] + body + [ord("]")]
        else:
            tape += draw(st.lists(st.sampled_from(BFF_BYTES), min_size=1, max_size=8))
    return np.array(tape[:128], dtype=np.uint8)


@pytest.mark.parametrize("lang", ["bff_noheads", "bff"])
@settings(max_examples=100, deadline=None)
@given(tape=loop_tapes())
def test_loop_rich_tapes_match_reference(lang, tape):
    run(tape, lang)


def test_copy_loop_that_overwrites_itself():
    # '[{.>]' copies tape[h0] to tape[h1] backwards; h1 walks down into the loop itself and
    # rewrites its bytes: with a ',' or '<' stored at the right place the loop changes meaning.
    for filler in (ord(","), ord("<"), ord("]"), ord("["), 0, NOOP):
        t = tape_of(b"[[{.>]-]", fill=1)
        t[64:] = filler
        run(t, "bff_noheads")
    rng = np.random.default_rng(3)
    for _ in range(200):  # the replicator against random partners, as in a soup
        t = np.concatenate([np.frombuffer(PALINDROME, np.uint8),
                            rng.integers(0, 256, 64, dtype=np.uint8)])
        t[rng.integers(0, 128, 2)] = rng.integers(0, 256, 2)  # and a mutation or two
        run(t, "bff_noheads")


# --- cycles in which nothing changes end at the step limit without being stepped through ----

CYCLE_BYTES = {
    # jumps of ±1..3, no-ops, if0, drop, a push and a write: cycles with and without changes
    "forth": [0x80, 0x81, 0x82, 0xC0, 0xC1, 0xC2, 0x20, 0x3F, 0x07, 0x05, 0x41, 0x02, 0x04],
    "forthtrivial": [0x80, 0x81, 0xC0, 0xC1, 0xC2, 0x20, 0x07, 0x05, 0x41, 0x0C, 0x0D],
    # small addresses and jump targets, many zeros: subtracting 0 and jumping back is common
    "subleq": [0, 0, 0, 1, 2, 3, 5, 6, 9, 127, 128, 255],
    "rsubleq4": [0, 0, 0, 1, 2, 4, 8, 0xFC, 0xF8, 0xFF, 127, 128],
}


@pytest.mark.parametrize("lang", sorted(CYCLE_BYTES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_cycle_prone_tapes_match_reference(lang, data):
    tape = data.draw(st.lists(st.sampled_from(CYCLE_BYTES[lang]), min_size=128, max_size=128))
    run(np.array(tape, dtype=np.uint8), lang)


def test_quiet_cycles_by_hand():
    # Forth: no-op, jump back 1: 4096 jumps in 8192 steps are the ops.
    ops, _ = run(tape_of(bytes([0x20, 0xC0]), fill=0x20), "forth")
    assert ops == 4096
    # Forth: push 0, then if0 (0: no skip; pop and push back) and jump back 1, forever.
    ops, _ = run(tape_of(bytes([0x40, 0x07, 0xC0]), fill=0x20), "forth")
    assert ops == 8192
    # SUBLEQ: tape[0] −= tape[1] with tape[1] = 0 → 0 ≤ 0, jump to tape[2] = 0: the same step
    # forever, the tape unchanged.
    t = np.zeros(128, dtype=np.uint8)
    ops, out = run(t, "subleq")
    assert ops == 8192 and not out.any()
