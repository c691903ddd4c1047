"""``selforg data list|show``: the built-in exemplar images and emoji targets."""

from __future__ import annotations

import argparse
from pathlib import Path

from selforg.core.cli import Parser, positive_int
from selforg.core.media import emoji_font_path, list_builtins, load_image, save_png


def _list(args: argparse.Namespace) -> int:
    for name, desc in list_builtins().items():
        print(f"{name:<22} {desc}")
    if emoji_font_path() is None:
        print("# the Noto Color Emoji font is not installed: emoji names use drawn fallbacks")
    return 0


def _show(args: argparse.Namespace) -> int:
    img = load_image(args.name, size=args.size, mode="RGBA")
    path = save_png(args.png or Path(f"{Path(str(args.name)).stem}.png"), img)
    print(path)
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="built-in exemplar images and emoji targets")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    lst = verbs.add_parser("list", help="list the built-in images (name, description)")
    lst.set_defaults(func=_list)
    show = verbs.add_parser("show", help="write a built-in image (or any image) as PNG")
    show.add_argument("name", help="built-in name or image path")
    show.add_argument("--size", type=positive_int, default=None, help="resize to N×N")
    show.add_argument("--png", type=Path, default=None, help="output file (default NAME.png)")
    show.set_defaults(func=_show)
