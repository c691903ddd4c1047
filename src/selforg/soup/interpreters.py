"""Compiled interpreters of the seven soup languages (Numba).

Agüera y Arcas et al., "Computational Life: How Well-formed, Self-replicating Programs Emerge
from Simple Interaction" (arXiv 2406.19108). Semantics follow the authors' reference simulator
(cubff) exactly: a 128-byte tape (two 64-byte programs), at most 8192 steps, every visited byte
is a step, and the returned count is ops = steps − skipped no-ops.

Speed: in a random BFF soup ~96% of bytes are no-ops. The BFF interpreter keeps a 128-bit mask
(two uint64 words) of where the commands are; a run of no-ops is crossed in O(1)
(count-trailing-zeros on the mask, its length added to the step and skip counts), and bracket
matching hops from command to command. Every write updates the mask, so self-modification is
seen at once and the result is identical to stepping byte by byte.

In a soup of replicators almost every step is inside an innermost loop (the copy loop
`[{.>]`, thousands of iterations per run). When a `]` jumps back over a body without brackets,
the body is decoded once (head moves folded into offsets) and whole iterations run as a few data
ops each; a write that changes the kind of one of the loop's own bytes drops back to byte-by-byte
execution right after that write, so the result stays exact.

Forth, SUBLEQ and RSUBLEQ4 runs that reach the step limit are mostly cycles in which nothing
changes (jumps and no-ops; subtracting 0; writing the value already there). Brent's cycle
search over the pc, restarted at every change, finds them; the rest of the run is then counted
instead of stepped through.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros

from selforg.soup.languages import BFF_KIND, TAPE_SIZE

# Language ids: the order of `languages.LANGUAGES`.
BFF_NOHEADS, BFF, BFF8, FORTH, FORTHTRIVIAL, SUBLEQ, RSUBLEQ4 = range(7)

_KIND = BFF_KIND.astype(np.int64)
_K_DEC0, _K_INC0, _K_DEC1, _K_INC1, _K_PLUS, _K_MINUS, _K_COPY01, _K_COPY10, _K_OPEN, _K_CLOSE = (
    range(1, 11)
)
_IS_CMD = (BFF_KIND != 0).astype(np.uint64)

_ONE = np.uint64(1)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True)
def _ctz(x):
    """Index of the lowest set bit of a non-zero uint64 (one instruction: no branches)."""
    return np.int64(trailing_zeros(x))


@njit(cache=True)
def _msb(x):
    """Index of the highest set bit of a non-zero uint64."""
    return 63 - np.int64(leading_zeros(x))


@njit(cache=True)
def _next_set(lo, hi, p):
    """Smallest set position ≥ p in the 128-bit mask (lo = bits 0..63), or 128."""
    if p < 64:
        m = lo >> np.uint64(p)
        if m:
            return p + _ctz(m)
        if hi:
            return 64 + _ctz(hi)
        return 128
    if p < 128:
        m = hi >> np.uint64(p - 64)
        if m:
            return p + _ctz(m)
    return 128


@njit(cache=True)
def _prev_set(lo, hi, p):
    """Largest set position ≤ p in the 128-bit mask, or −1."""
    if p >= 64:
        m = hi & (_ALL >> np.uint64(127 - p))
        if m:
            return 64 + _msb(m)
        p = 63
    if p >= 0:
        m = lo & (_ALL >> np.uint64(63 - p))
        if m:
            return _msb(m)
    return -1


@njit(cache=True)
def _with_bit(word, bit, on):
    b = _ONE << np.uint64(bit)
    return (word | b) if on else (word & ~b)


@njit(cache=True)
def _run_inner_loop(tape, p, q, h0, h1, steps, nskip, clo, chi, max_steps):
    """Iterate an innermost loop whose ']' at q has just jumped back to its '[' at p.

    The body (bytes p+1..q-1, no brackets) is decoded once: head moves fold into offsets, so an
    iteration costs one pass over its data ops (+ - . ,) instead of one dispatch per byte.
    Whole iterations run while they fit in the step budget; a write into bytes p..q (the loop's
    own code) stops the fast path right after that op. Returns the state the byte-by-byte
    interpreter would have at that point: (pc of the last executed byte, h0, h1, steps, nskip,
    clo, chi).
    """
    span = q - p  # steps per iteration: the body bytes and the ']'
    body = np.empty((5, span), dtype=np.int64)  # kind, h0 offset, h1 offset, pc, no-ops before
    n = 0
    d0 = 0
    d1 = 0
    nk = 0
    for i in range(p + 1, q):
        k = _KIND[tape[i]]
        if k == 0:
            nk += 1
        elif k == _K_DEC0:
            d0 -= 1
        elif k == _K_INC0:
            d0 += 1
        elif k == _K_DEC1:
            d1 -= 1
        elif k == _K_INC1:
            d1 += 1
        else:
            body[0, n] = k
            body[1, n] = d0
            body[2, n] = d1
            body[3, n] = i
            body[4, n] = nk
            n += 1
    d0 &= 127
    d1 &= 127
    if n == 0:
        if d0 == 0:
            # The tape never changes and tape[h0] != 0 stays true: run to the step limit.
            it = (max_steps - steps) // span
            return (p, h0, (h1 + it * d1) & 127, steps + it * span, nskip + it * nk, clo, chi)
        while steps + span <= max_steps:
            h0 = (h0 + d0) & 127
            h1 = (h1 + d1) & 127
            steps += span
            nskip += nk
            if tape[h0] == 0:
                return q, h0, h1, steps, nskip, clo, chi
        return p, h0, h1, steps, nskip, clo, chi
    while steps + span <= max_steps:
        for j in range(n):
            k = body[0, j]
            a0 = (h0 + body[1, j]) & 127
            a1 = (h1 + body[2, j]) & 127
            w = a1 if k == _K_COPY01 else a0
            was = _KIND[tape[w]]
            if k == _K_COPY01:
                tape[a1] = tape[a0]
            elif k == _K_COPY10:
                tape[a0] = tape[a1]
            elif k == _K_PLUS:
                tape[a0] += np.uint8(1)
            else:
                tape[a0] -= np.uint8(1)
            now = _KIND[tape[w]]
            if now == was:
                continue
            # A byte changed kind: update the command mask; if it is one of the loop's own
            # bytes (p..q), the decoded body is stale: go back to byte-by-byte.
            if w < 64:
                clo = _with_bit(clo, w, now != 0)
            else:
                chi = _with_bit(chi, w - 64, now != 0)
            if p <= w <= q:
                pos = body[3, j]
                return pos, a0, a1, steps + pos - p, nskip + body[4, j], clo, chi
        h0 = (h0 + d0) & 127
        h1 = (h1 + d1) & 127
        steps += span
        nskip += nk
        if tape[h0] == 0:
            return q, h0, h1, steps, nskip, clo, chi
    return p, h0, h1, steps, nskip, clo, chi


@njit(cache=True)
def eval_bff(tape, variant, max_steps):
    """Run a BFF tape in place. variant: 0 bff_noheads, 1 bff, 2 bff8. Returns ops.

    Args:
        tape: (128,) uint8, modified in place.
        variant: 0 (heads at 0, pc 0), 1 (heads from tape[0], tape[1]; pc 2), 2 (as 1, and
            brackets jump by 8 without matching).
        max_steps: step limit (8192 in the soup).
    """
    if variant == 0:
        h0 = 0
        h1 = 0
        pc = 0
    else:
        h0 = tape[0] & 127
        h1 = tape[1] & 127
        pc = 2
    clo = np.uint64(0)
    chi = np.uint64(0)
    for i in range(64):
        clo |= _IS_CMD[tape[i]] << np.uint64(i)
        chi |= _IS_CMD[tape[64 + i]] << np.uint64(i)
    steps = 0
    nskip = 0
    while steps < max_steps:
        k = _KIND[tape[pc]]
        if k == 0:
            # A run of no-ops: each byte is one skipped step; cross it at once.
            q = _next_set(clo, chi, pc)
            n = q - pc
            room = max_steps - steps
            if n >= room:
                steps += room
                nskip += room
                break
            steps += n
            nskip += n
            pc = q
            if pc >= TAPE_SIZE:
                break
            continue
        steps += 1
        w = -1
        if k == _K_DEC0:
            h0 = (h0 - 1) & 127
        elif k == _K_INC0:
            h0 = (h0 + 1) & 127
        elif k == _K_DEC1:
            h1 = (h1 - 1) & 127
        elif k == _K_INC1:
            h1 = (h1 + 1) & 127
        elif k == _K_PLUS:
            tape[h0] += np.uint8(1)
            w = h0
        elif k == _K_MINUS:
            tape[h0] -= np.uint8(1)
            w = h0
        elif k == _K_COPY01:
            tape[h1] = tape[h0]
            w = h1
        elif k == _K_COPY10:
            tape[h0] = tape[h1]
            w = h0
        elif k == _K_OPEN:
            if tape[h0] == 0:
                if variant == 2:
                    pc += 8
                else:
                    depth = 1
                    p = pc + 1
                    while True:
                        p = _next_set(clo, chi, p)
                        if p >= TAPE_SIZE:
                            break
                        kp = _KIND[tape[p]]
                        if kp == _K_CLOSE:
                            depth -= 1
                            if depth == 0:
                                break
                        elif kp == _K_OPEN:
                            depth += 1
                        p += 1
                    pc = p  # on the matching ']' (or 128: no match, the run ends)
        else:  # ']'
            if tape[h0] != 0:
                if variant == 2:
                    pc -= 8
                else:
                    depth = 1
                    inner = True  # no bracket between the ']' and its '['
                    p = pc - 1
                    while True:
                        p = _prev_set(clo, chi, p)
                        if p < 0:
                            break
                        kp = _KIND[tape[p]]
                        if kp == _K_OPEN:
                            depth -= 1
                            if depth == 0:
                                break
                        elif kp == _K_CLOSE:
                            depth += 1
                            inner = False
                        p -= 1
                    if inner and p >= 0:
                        pc, h0, h1, steps, nskip, clo, chi = _run_inner_loop(
                            tape, p, pc, h0, h1, steps, nskip, clo, chi, max_steps
                        )
                    else:
                        pc = p  # on the matching '[' (or −1: no match, the run ends)
        if w >= 0:
            v = tape[w]
            if w < 64:
                clo = _with_bit(clo, w, _IS_CMD[v] != 0)
            else:
                chi = _with_bit(chi, w - 64, _IS_CMD[v] != 0)
        if pc < 0:
            break
        pc += 1
        if pc >= TAPE_SIZE:
            break
    return steps - nskip


@njit(cache=True)
def eval_forth(tape, trivial, max_steps):
    """Run a Forth tape in place ("forthtrivial" when `trivial`: 0x0C/0x0D copy). Returns ops."""
    return eval_forth_with(tape, trivial, max_steps, np.empty(128, dtype=np.uint8))


@njit(cache=True)
def eval_forth_with(tape, trivial, max_steps, stack):
    """`eval_forth` with the caller's (128,) uint8 stack (scratch: no allocation per run).

    Jumps, no-ops, `if0` on a non-empty stack and `drop` on an empty one change nothing; if the
    pc comes back to where it was with only such steps in between (Brent's cycle search), the
    run repeats that cycle to the step limit, and whole cycles are counted at once.
    """
    sp = 0
    overflow = False
    pos = 0
    nops = 0
    steps = 0
    tort = -1  # Brent's cycle search over pcs while nothing changes
    lam = 0
    power = 1
    nops_tort = 0
    while steps < max_steps:
        c = tape[pos]
        quiet = False
        if c >= 128:
            off = (c & 63) + 1
            pos += -off if c & 64 else off
            quiet = True
        elif c >= 64:
            if sp != 128:
                stack[sp] = c & 63
                sp += 1
            else:
                overflow = True
            pos += 1
        else:
            if c <= 1:  # read0 / read1
                a = 0
                if sp:
                    sp -= 1
                    a = stack[sp]
                v = tape[(64 if c else 0) + (a & 63)]
                if sp != 128:
                    stack[sp] = v
                    sp += 1
                else:
                    overflow = True
            elif c <= 3:  # write0 / write1
                v = 0
                if sp:
                    sp -= 1
                    v = stack[sp]
                a = 0
                if sp:
                    sp -= 1
                    a = stack[sp]
                tape[(64 if c == 3 else 0) + (a & 63)] = v
            elif c == 4:  # dup
                v = 0
                if sp:
                    sp -= 1
                    v = stack[sp]
                for _ in range(2):
                    if sp != 128:
                        stack[sp] = v
                        sp += 1
                    else:
                        overflow = True
            elif c == 5:  # drop
                quiet = sp == 0
                if sp:
                    sp -= 1
            elif c == 6:  # swap
                a = 0
                if sp:
                    sp -= 1
                    a = stack[sp]
                b = 0
                if sp:
                    sp -= 1
                    b = stack[sp]
                stack[sp] = a  # two pops made room for two pushes
                stack[sp + 1] = b
                sp += 2
            elif c == 7:  # if0
                v = 0
                quiet = sp != 0  # pop and push back the same value
                if sp:
                    sp -= 1
                    v = stack[sp]
                if v:
                    pos += 1
                stack[sp] = v
                sp += 1
            elif c == 8 or c == 9:  # inc / dec
                v = 0
                if sp:
                    sp -= 1
                    v = stack[sp]
                stack[sp] = (v + 1) & 255 if c == 8 else (v + 255) & 255
                sp += 1
            elif c == 10 or c == 11:  # add / sub (a = pop, b = pop, push a ∓ b)
                a = 0
                if sp:
                    sp -= 1
                    a = stack[sp]
                b = 0
                if sp:
                    sp -= 1
                    b = stack[sp]
                stack[sp] = (a + b) & 255 if c == 10 else (a - b) & 255
                sp += 1
            elif trivial and (c == 12 or c == 13):  # copy0 / copy1
                a = 0
                if sp:
                    sp -= 1
                    a = stack[sp]
                a &= 63
                if c == 12:
                    tape[64 + a] = tape[a]
                else:
                    tape[a] = tape[64 + a]
            else:
                nops += 1
                quiet = True
            pos += 1
        steps += 1
        if pos >= TAPE_SIZE or pos < 0 or overflow:
            break
        if not quiet:
            tort = pos
            lam = 0
            power = 1
            nops_tort = nops
        elif lam >= 0:
            lam += 1
            if pos == tort:
                # A cycle of lam steps, nops − nops_tort of them no-ops: skip whole cycles and
                # step through the rest (lam = −1: no more searching).
                reps = (max_steps - steps) // lam
                steps += reps * lam
                nops += reps * (nops - nops_tort)
                lam = -1
            elif lam == power:
                tort = pos
                power *= 2
                lam = 0
                nops_tort = nops
    return steps - nops


@njit(cache=True)
def eval_subleq(tape, max_steps):
    """Run a SUBLEQ tape in place. Returns ops (= steps).

    A step that subtracts 0 leaves the tape as it was; if the pc then comes back to where it
    was with no change in between (Brent's cycle search), the run repeats forever: it ends at
    the step limit, the tape untouched, and is not stepped through.
    """
    pos = 0
    steps = 0
    tort = -1  # Brent's cycle search over pcs while the tape does not change
    lam = 0
    power = 1
    while steps < max_steps:
        a = tape[pos] & 127
        b = tape[pos + 1] & 127
        d = tape[b]
        tape[a] -= d
        v = tape[a]
        if v == 0 or v & 128:
            pos = np.int64(tape[pos + 2])
        else:
            pos += 3
        steps += 1
        if pos + 3 > TAPE_SIZE:
            break
        if d != 0:
            tort = pos
            lam = 0
            power = 1
        else:
            lam += 1
            if pos == tort:
                return max_steps
            if lam == power:
                tort = pos
                power *= 2
                lam = 0
    return steps


@njit(cache=True)
def eval_rsubleq4(tape, max_steps):
    """Run a relative-addressing SUBLEQ (4 operands) tape in place. Returns ops (= steps).

    As in `eval_subleq`, a cycle of steps that write the value already there is recognised and
    ends the run at the step limit without stepping through it.
    """
    pos = 0
    steps = 0
    tort = -1
    lam = 0
    power = 1
    while steps < max_steps:
        a = (pos + tape[pos]) & 127
        b = (pos + tape[pos + 1]) & 127
        c = (pos + tape[pos + 2]) & 127
        old = tape[a]
        tape[a] = tape[b] - tape[c]
        v = tape[a]
        if v == 0 or v & 128:
            d = np.int64(tape[pos + 3])
            pos += d - 256 if d >= 128 else d
        else:
            pos += 4
        steps += 1
        if pos + 4 > TAPE_SIZE or pos < 0:
            break
        if v != old:
            tort = pos
            lam = 0
            power = 1
        else:
            lam += 1
            if pos == tort:
                return max_steps
            if lam == power:
                tort = pos
                power *= 2
                lam = 0
    return steps


@njit(cache=True)
def evaluate_with(tape, lang, max_steps, stack):
    """`evaluate` with a (128,) uint8 scratch stack for Forth (no allocation per run)."""
    if lang <= BFF8:
        return eval_bff(tape, lang, max_steps)
    if lang <= FORTHTRIVIAL:
        return eval_forth_with(tape, lang == FORTHTRIVIAL, max_steps, stack)
    if lang == SUBLEQ:
        return eval_subleq(tape, max_steps)
    return eval_rsubleq4(tape, max_steps)


@njit(cache=True)
def evaluate(tape, lang, max_steps):
    """Run `tape` ((128,) uint8, in place) in language id `lang`. Returns executed ops."""
    return evaluate_with(tape, lang, max_steps, np.empty(128, dtype=np.uint8))
