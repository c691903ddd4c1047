"""Tiny pure-Python interpreters of the soup languages: the specification, run slowly.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). Each function steps byte by byte
exactly as the reference simulator (cubff) does, with no shortcuts; the tests check that the
compiled interpreters in `interpreters.py` give the same tapes and op counts.
"""

from __future__ import annotations

_BFF = {ord(c): c for c in "<>{}+-.,[]"}


def run_bff(tape: bytearray, variant: str = "bff_noheads", max_steps: int = 8192) -> int:
    """Run a 128-byte BFF tape in place. variant: bff_noheads, bff or bff8. Returns ops."""
    n = len(tape)
    if variant == "bff_noheads":
        h0 = h1 = n
        pc = 0
    else:
        h0, h1, pc = tape[0] % n, tape[1] % n, 2
    steps = skipped = 0
    while steps < max_steps:
        h0 %= n
        h1 %= n
        steps += 1
        op = _BFF.get(tape[pc])
        if op == "<":
            h0 -= 1
        elif op == ">":
            h0 += 1
        elif op == "{":
            h1 -= 1
        elif op == "}":
            h1 += 1
        elif op == "+":
            tape[h0] = (tape[h0] + 1) % 256
        elif op == "-":
            tape[h0] = (tape[h0] - 1) % 256
        elif op == ".":
            tape[h1] = tape[h0]
        elif op == ",":
            tape[h0] = tape[h1]
        elif op == "[":
            if tape[h0] == 0:
                if variant == "bff8":
                    pc += 8
                else:
                    depth = 1
                    pc += 1
                    while pc < n and depth > 0:
                        depth += {"]": -1, "[": 1}.get(_BFF.get(tape[pc]), 0)
                        pc += 1
                    pc -= 1
                    if depth:
                        pc = n
        elif op == "]":
            if tape[h0] != 0:
                if variant == "bff8":
                    pc -= 8
                else:
                    depth = 1
                    pc -= 1
                    while pc >= 0 and depth > 0:
                        depth += {"]": 1, "[": -1}.get(_BFF.get(tape[pc]), 0)
                        pc -= 1
                    pc += 1
                    if depth:
                        pc = -1
        else:
            skipped += 1
        if pc < 0:
            break
        pc += 1
        if pc >= n:
            break
    return steps - skipped


def run_forth(tape: bytearray, trivial: bool = False, max_steps: int = 8192) -> int:
    """Run a 128-byte Forth tape in place ("forthtrivial" when `trivial`). Returns ops."""
    stack: list[int] = []
    overflow = False

    def push(v: int) -> None:
        nonlocal overflow
        if len(stack) < 128:
            stack.append(v % 256)
        else:
            overflow = True

    def pop() -> int:
        return stack.pop() if stack else 0

    pos = steps = nops = 0
    while steps < max_steps:
        c = tape[pos]
        if c >= 0x80:
            jump = (c & 63) + 1
            pos += -jump if c & 64 else jump
            pos -= 1
        elif c >= 0x40:
            push(c & 63)
        elif c in (0, 1):
            push(tape[64 * c + pop() % 64])
        elif c in (2, 3):
            v = pop()
            a = pop() % 64
            tape[64 * (c - 2) + a] = v
        elif c == 4:
            v = pop()
            push(v)
            push(v)
        elif c == 5:
            pop()
        elif c == 6:
            a, b = pop(), pop()
            push(a)
            push(b)
        elif c == 7:
            v = pop()
            if v:
                pos += 1
            push(v)
        elif c == 8:
            push(pop() + 1)
        elif c == 9:
            push(pop() - 1)
        elif c == 10:
            a, b = pop(), pop()
            push(a + b)
        elif c == 11:
            a, b = pop(), pop()
            push(a - b)
        elif trivial and c == 12:
            a = pop() % 64
            tape[64 + a] = tape[a]
        elif trivial and c == 13:
            a = pop() % 64
            tape[a] = tape[64 + a]
        else:
            nops += 1
        pos += 1
        steps += 1
        if pos >= 128 or pos < 0 or overflow:
            break
    return steps - nops


def run_subleq(tape: bytearray, max_steps: int = 8192) -> int:
    """Run a 128-byte SUBLEQ tape in place. Returns ops (= steps)."""
    pos = steps = 0
    while steps < max_steps:
        a, b = tape[pos] % 128, tape[pos + 1] % 128
        tape[a] = (tape[a] - tape[b]) % 256
        pos = tape[pos + 2] if tape[a] == 0 or tape[a] >= 128 else pos + 3
        steps += 1
        if pos + 3 > 128:
            break
    return steps


def run_rsubleq4(tape: bytearray, max_steps: int = 8192) -> int:
    """Run a 128-byte RSUBLEQ4 tape in place. Returns ops (= steps)."""
    pos = steps = 0
    while steps < max_steps:
        a, b, c = ((pos + tape[pos + i]) % 128 for i in range(3))
        tape[a] = (tape[b] - tape[c]) % 256
        if tape[a] == 0 or tape[a] >= 128:
            d = tape[pos + 3]
            pos += d - 256 if d >= 128 else d
        else:
            pos += 4
        steps += 1
        if pos + 4 > 128 or pos < 0:
            break
    return steps


def run(tape: bytearray, lang: str, max_steps: int = 8192) -> int:
    """Run `tape` in place in language `lang` (a name of `languages.LANGUAGES`). Returns ops."""
    if lang in ("bff_noheads", "bff", "bff8"):
        return run_bff(tape, lang, max_steps)
    if lang in ("forth", "forthtrivial"):
        return run_forth(tape, lang == "forthtrivial", max_steps)
    if lang == "subleq":
        return run_subleq(tape, max_steps)
    if lang == "rsubleq4":
        return run_rsubleq4(tape, max_steps)
    raise ValueError(f"unknown language {lang!r}")
