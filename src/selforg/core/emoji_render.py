"""Render the packaged emoji PNGs of `selforg.core.media.EMOJI` from Noto Color Emoji.

``python -m selforg.core.emoji_render [FONT]`` writes ``core/emoji/emoji_u<codepoints>.png``:
each glyph's whole bitmap as the font draws it, byte for byte. Run it only to add a built-in
emoji; the files are the reference (a font update must not change the built-in targets).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from selforg.core.errors import BadInput
from selforg.core.media import EMOJI, emoji_file, emoji_font_path, render_emoji_bitmap


def render_all(font_path: str | Path | None = None) -> list[Path]:
    """Write the PNG of every built-in emoji. Returns the paths written.

    Raises:
        BadInput: no font given or installed.
    """
    font = Path(font_path) if font_path else emoji_font_path()
    if font is None or not font.is_file():
        raise BadInput("the Noto Color Emoji font is needed (install fonts-noto-color-emoji)")
    written = []
    for name in EMOJI:
        path = emoji_file(name)
        if path in written:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(render_emoji_bitmap(EMOJI[name], font), mode="RGBA").save(
            path, format="PNG", optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in render_all(sys.argv[1] if len(sys.argv) > 1 else None):
        print(p)
