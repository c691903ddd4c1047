"""``selforg gallery``: build the web gallery of the zoo models (and serve it)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _gallery(args: argparse.Namespace) -> int:
    from selforg.gallery.build import build, serve
    from selforg.gallery.config import GalleryConfig

    cfg = GalleryConfig(models=tuple(str(m) for m in args.model),
                        soups=tuple(str(s) for s in args.soup), zoo=not args.no_zoo,
                        demo_soup=not args.no_demo_soup,
                        nca_size=args.size)
    res = build(cfg, out=args.out, quiet=args.quiet)
    print(f"gallery: {len(res.pages)} pages in {res.seconds:.1f} s")
    print(res.index.resolve())
    if args.serve is not None:
        serve(res.run_dir, args.serve, quiet=args.quiet)
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} (allowed: 0..65535; 0 picks a free one)")
    return value


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 8 <= value <= 2048:
        raise argparse.ArgumentTypeError(f"{value} (allowed: 8..2048)")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "gallery", help="the trained models running live in a web browser (WebGL2)",
        description="Build a self-contained web gallery: every μNCA texture and logic CA"
        " circuit of the zoo running live in the browser (the shaders `nca export --glsl`"
        " writes; circuits as bitwise integer-texture shaders), and a recorded soup run to"
        " scrub through. The folder opens from disk (file://) with nothing downloaded.",
    )
    p.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="the gallery folder, new or empty (default"
                   " runs/gallery-build/<time>-gallery/)")
    p.add_argument("--model", action="append", default=[], metavar="RUN_DIR",
                   help="also a page for this μNCA (a texture run folder, checkpoint, .bin or"
                   " zoo:NAME); repeatable")
    p.add_argument("--soup", action="append", default=[], metavar="RUN_DIR",
                   help="a recorded `selforg soup run` folder to show; repeatable (default: a"
                   " small demo soup is recorded)")
    p.add_argument("--no-zoo", action="store_true",
                   help="leave the zoo models out (only --model and --soup pages)")
    p.add_argument("--no-demo-soup", action="store_true",
                   help="without --soup, show no soup (default: record a small demo soup)")
    p.add_argument("--size", type=_size, default=128, metavar="N",
                   help="grid side of the μNCA pages at start (default 128)")
    p.add_argument("--serve", type=_port, nargs="?", const=8000, default=None, metavar="PORT",
                   help="after building, serve the folder at http://127.0.0.1:PORT/"
                   " (default port 8000)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_gallery)
