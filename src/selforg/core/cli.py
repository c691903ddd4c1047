"""Shared CLI pieces: the one-line-error parser, the common options, argument types.

Every system's ``cli.py`` defines ``add_parser(subparsers)``; leaf parsers set
``func=handler`` where ``handler(args) -> int | None``. Bad values raise `BadInput` (or
``argparse.ArgumentTypeError`` inside a ``type=``), which the top-level ``main`` turns into one
line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

from selforg.core.errors import BadInput, require  # noqa: F401 - re-exported for the CLIs


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (``selforg ...: error: ...``) and exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def add_common(
    parser: argparse.ArgumentParser,
    *,
    seed: int | None = 0,
    out: bool = True,
    resume: bool = True,
) -> None:
    """Add the options spelled the same everywhere: --seed, --out, --resume, --quiet."""
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    if out:
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            metavar="DIR",
            help="write the run folder here (default runs/<system>-<verb>/<time>-<name>/)",
        )
    if resume:
        parser.add_argument(
            "--resume",
            type=Path,
            default=None,
            metavar="DIR",
            help="continue the run in DIR from its latest checkpoint",
        )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer (need ≥ 1)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be ≥ 1")
    return value


def nonneg_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer (need ≥ 0)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must be ≥ 0")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (need > 0)") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number > 0")
    return value


def probability(text: str) -> float:
    """argparse type: a float in [0, 1], written as a decimal or a fraction like ``1/4096``."""
    try:
        value = float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a probability (write 0.00024 or 1/4096)"
        ) from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is outside [0, 1]")
    return value


def size_2d(text: str) -> tuple[int, int]:
    """argparse type: ``WxH`` (or a single N for N×N), both ≥ 1. Returns (W, H)."""
    parts = text.lower().split("x")
    try:
        if len(parts) == 1:
            w = h = int(parts[0])
        elif len(parts) == 2:
            w, h = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size (write WxH, e.g. 240x135)"
        ) from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: both sides must be ≥ 1")
    return w, h


def existing_path(text: str) -> Path:
    """argparse type: a path that exists."""
    p = Path(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{text} does not exist")
    return p
