"""The soup's languages: names, byte tables, text form of programs, parsing and byte colours.

Text forms follow the reference simulator (cubff) of Agüera y Arcas et al., "Computational Life"
(arXiv 2406.19108), so programs printed here can be pasted there and back:

- BFF family: the ten commands ``< > { } + - . , [ ]`` as themselves, byte 0 as ``0``, every
  other byte b as the character U+0100+b, except 0xC4–0xCC → ``A``–``I`` and 0xF1–0xF3 →
  ``J``–``L`` (the reference replaces those code points, which are digraph letters).
- Forth and SUBLEQ families: two hex digits per byte.

Any program may also be given as hex with a ``hex:`` prefix.
"""

from __future__ import annotations

import numpy as np

from selforg.core.errors import BadInput

LANGUAGES: tuple[str, ...] = (
    "bff_noheads", "bff", "bff8", "forth", "forthtrivial", "subleq", "rsubleq4",
)
BFF_FAMILY = ("bff_noheads", "bff", "bff8")
PROGRAM_SIZE = 64
TAPE_SIZE = 128
MAX_STEPS = 8192

# BFF op kinds (0 = no-op); the order is the interpreters' dispatch order.
BFF_COMMANDS = "<>{}+-.,[]"
BFF_KIND = np.zeros(256, dtype=np.uint8)
for _k, _c in enumerate(BFF_COMMANDS):
    BFF_KIND[ord(_c)] = _k + 1


def lang_id(name: str) -> int:
    """Index of a language name in `LANGUAGES`.

    Raises:
        BadInput: unknown name.
    """
    if name not in LANGUAGES:
        raise BadInput(f"unknown language {name!r}; choose one of {', '.join(LANGUAGES)}")
    return LANGUAGES.index(name)


def _bff_char(b: int) -> str:
    if BFF_KIND[b]:
        return chr(b)
    if b == 0:
        return "0"
    if 0xC4 <= b <= 0xCC:
        return chr(ord("A") + b - 0xC4)
    if 0xF1 <= b <= 0xF3:
        return chr(ord("J") + b - 0xF1)
    return chr(0x100 + b)


_BFF_CHARS = [_bff_char(b) for b in range(256)]
_BFF_PARSE = {c: b for b, c in enumerate(_BFF_CHARS)}


def program_text(program: bytes | np.ndarray, lang: str) -> str:
    """A program (or tape) in the language's text form (see the module docstring)."""
    if isinstance(program, bytes | bytearray):
        data = bytes(program)
    else:
        data = np.asarray(program, dtype=np.uint8).tobytes()
    if lang in BFF_FAMILY:
        return "".join(_BFF_CHARS[b] for b in data)
    return data.hex().upper()


def parse_program(text: str, lang: str, *, max_bytes: int | None = None) -> np.ndarray:
    """Parse a program from its text form (or ``hex:...``) into uint8 bytes.

    Args:
        text: the program, e.g. ``"[[{.>]-]"`` for BFF or ``"0C0C"`` for Forth.
        lang: language name.
        max_bytes: refuse programs longer than this.

    Returns:
        (L,) uint8, 1 ≤ L.

    Raises:
        BadInput: empty program, a character outside the language's alphabet, bad hex, too long.
    """
    lang_id(lang)
    body = text.strip()
    is_hex = lang not in BFF_FAMILY
    if body.lower().startswith("hex:"):
        body, is_hex = body[4:].strip(), True
    if not body:
        raise BadInput("the seed program is empty")
    if is_hex:
        if len(body) % 2:
            raise BadInput(f"seed program {text!r}: hex needs an even number of digits")
        try:
            data = bytes.fromhex(body)
        except ValueError:
            raise BadInput(f"seed program {text!r} is not hex (digits 0-9 and A-F)") from None
    else:
        out = []
        for i, ch in enumerate(body):
            if ch not in _BFF_PARSE:
                raise BadInput(
                    f"seed program {text!r}: character {ch!r} at position {i} is not BFF text"
                    f" (commands {BFF_COMMANDS}, '0' for byte 0, A-L or U+0100-U+01FF for other"
                    " bytes; or write hex:..)"
                )
            out.append(_BFF_PARSE[ch])
        data = bytes(out)
    if max_bytes is not None and len(data) > max_bytes:
        raise BadInput(f"seed program has {len(data)} bytes; at most {max_bytes} fit the soup")
    return np.frombuffer(data, dtype=np.uint8).copy()


def noop_mask(lang: str) -> np.ndarray:
    """(256,) bool: bytes that are no-ops in `lang` (used to group programs into families)."""
    m = np.zeros(256, dtype=bool)
    if lang in BFF_FAMILY:
        m[:] = BFF_KIND == 0
        m[0] = False  # 0 matters: it is the only value that ends a loop
    elif lang == "forth":
        m[0x0C:0x40] = True
    elif lang == "forthtrivial":
        m[0x0E:0x40] = True
    return m


def byte_colours(lang: str) -> np.ndarray:
    """(256, 3) uint8 colour of each byte value, as the reference simulator draws soups."""
    c = np.zeros((256, 3), dtype=np.uint8)
    i = np.arange(256)
    if lang in BFF_FAMILY:
        grey = (192 + i // 4).astype(np.uint8)
        c[:] = grey[:, None]
        for ch in "[]":
            c[ord(ch)] = (0, 192, 0)
        for ch in "+-.,":
            c[ord(ch)] = (200, 0, 200)
        for ch in "<>{}":
            c[ord(ch)] = (200, 128, 220)
        c[0] = (255, 0, 0)
    elif lang == "forthtrivial":
        def scaled(rgb, offset, num):
            mult = 1.0 - offset * 0.2 / (num - 1)
            return [int(round(min(255.0, max(0.0, mult * v)))) for v in rgb]

        for b in (0x00, 0x01, 0x02, 0x03, 0x0C, 0x0D):
            c[b] = (0x73, 0x01, 0xCE)
        for b in (0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B):
            c[b] = (0x4E, 0x10, 0x01)
        c[0x07] = (0, 0, 0)
        for b in range(0x80, 0xC0):
            c[b] = scaled((0x94, 0xD9, 0xFF), b - 0x80, 64)
        for b in range(0xC0, 0x100):
            c[b] = scaled((0xFF, 0x77, 0x7D), b - 0xC0, 64)
        for b in range(0x40, 0x80):
            c[b] = scaled((0xFF, 0xFF, 0xFF), b - 0x40, 64)
        for b in range(0x0E, 0x40):
            c[b] = scaled((0x02, 0x8A, 0x37), b - 0x0E, 50)
    else:
        c[:, 0] = i
        c[:, 2] = 255 - i
        if lang == "forth":
            c[:0x0C, 1] = 128
    return c
