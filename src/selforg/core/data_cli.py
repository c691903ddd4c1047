"""``selforg data list|show``: the built-in exemplar images and emoji targets."""

from __future__ import annotations

import argparse
from pathlib import Path

from selforg.core.cli import Parser, output_file, positive_int
from selforg.core.media import emoji_font_path, list_builtins, load_image, save_png


def _list(args: argparse.Namespace) -> int:
    for name, desc in list_builtins().items():
        print(f"{name:<22} {desc}")
    if emoji_font_path() is None:
        print("# the Noto Color Emoji font is not installed: the emoji above are built in;"
              " other emoji characters need the font")
    return 0


def _default_png(name: str) -> Path:
    stem = Path(name).stem
    if not stem.isascii():  # an emoji character: name the file by its code points
        stem = "emoji_u" + "_".join(f"{ord(c):04x}" for c in stem)
    return output_file(f"{stem}.png")


def _show(args: argparse.Namespace) -> int:
    img = load_image(args.name, size=args.size, mode="RGBA")
    try:
        png = args.png or _default_png(str(args.name))
    except argparse.ArgumentTypeError as e:
        from selforg.core.errors import BadInput

        raise BadInput(f"--png: {e}") from None
    print(save_png(png, img))
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("data", help="built-in exemplar images and emoji targets")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    lst = verbs.add_parser("list", help="list the built-in images (name, description)")
    lst.set_defaults(func=_list)
    show = verbs.add_parser("show", help="write a built-in image (or any image) as PNG")
    show.add_argument("name", help="built-in name (see `selforg data list`), image file or emoji")
    show.add_argument("--size", type=positive_int, default=None, metavar="N",
                      help="resize to N×N, centre-cropped (default: the image's own size)")
    show.add_argument("--png", type=output_file, default=None, metavar="FILE",
                      help="output file (default NAME.png in the current folder)")
    show.set_defaults(func=_show)
