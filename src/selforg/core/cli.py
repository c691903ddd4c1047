"""Shared CLI pieces: the one-line-error parser, the common options, argument types.

Every system's ``cli.py`` defines ``add_parser(subparsers)``; leaf parsers set
``func=handler`` where ``handler(args) -> int | None``. Bad values raise `BadInput` (or
``argparse.ArgumentTypeError`` inside a ``type=``), which the top-level ``main`` turns into one
line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from selforg.core.errors import BadInput, require  # noqa: F401 - re-exported for the CLIs

T = TypeVar("T")


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line (``selforg ...: error: ...``) and exit 2.

    Abbreviated options are refused: with ``--iterations`` and its alias ``--iters`` side by
    side, a prefix would mean different options in different systems.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse drops every OSError here; a closed pipe must reach `selforg.cli.main`, which
        # ends quietly with the same status for help as for any other output.
        if not message:
            return
        try:
            (file or sys.stderr).write(message)
        except BrokenPipeError:
            raise
        except (AttributeError, OSError):
            pass

    def error(self, message: str) -> NoReturn:
        verbs = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)),
                     None)
        if verbs is not None and message.startswith("the following arguments are required: "
                                                    f"{verbs.dest}"):
            message = (f"name one of: {', '.join(verbs.choices)}"
                       f" (`{self.prog} --help` says what each does)")
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def add_common(
    parser: argparse.ArgumentParser,
    *,
    seed: int | None = 0,
    out: bool = True,
    resume: bool = True,
) -> None:
    """Add the options spelled the same everywhere: --seed, --out, --resume, --quiet.

    ``--seed`` defaults to None (so an unset seed never overrides a resumed run's own); its help
    states `seed`, the config's default. ``seed=None`` leaves the option out.
    """
    if seed is not None:
        parser.add_argument("--seed", type=int, default=None, metavar="N",
                            help=f"random seed (default {seed})")
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
            help="continue the run in DIR from its latest checkpoint (an option that"
            " contradicts its config.json is refused)",
        )
    parser.add_argument("--quiet", action="store_true", help="no progress bar (default: shown)")


def devices(text: str) -> int | str:
    """argparse type: ``all`` or a device count ≥ 1."""
    if text.strip().lower() == "all":
        return "all"
    return positive_int(text)


def add_devices(parser: argparse.ArgumentParser) -> None:
    """Add ``--devices N|all``: split each training step's batch over N JAX devices (data
    parallel; the parameters are replicated). Not part of the run's config: a run may resume on
    another number of devices. `selforg.cli` applies it around the verb."""
    parser.add_argument("--devices", type=devices, default=None, metavar="N|all",
                        help="split each step's batch over N devices, or all (default 1;"
                        " the batch must divide evenly)")


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


def add_iterations(
    parser: argparse.ArgumentParser, default: int, *, aliases: Sequence[str] = ()
) -> None:
    """Add ``--iterations N`` (dest ``iterations``, default None; help states `default`).

    The one name for the training length in every system; `aliases` keep older names working
    (``aliases=("--iters",)``). With ``--resume`` it extends a finished run where the system
    allows that.
    """
    parser.add_argument(
        "--iterations", *aliases, dest="iterations", type=positive_int, default=None,
        metavar="N", help=f"training steps (default {default}; with --resume: the new total)",
    )


def output_file(text: str) -> Path:
    """argparse type: a file to write. Refuses a folder, a missing or unwritable parent folder
    and an existing file that cannot be overwritten, in one line naming the path."""
    if not text:
        raise argparse.ArgumentTypeError("an empty output file name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name inside it")
    parent = path.parent
    if not parent.exists():
        raise argparse.ArgumentTypeError(f"{text}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {parent} is not a folder")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"{text} exists and is not writable")
    elif not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text}: the folder {parent} is not writable")
    return path


def base_config(
    args: argparse.Namespace, cls: type[T], *, system: str, verb: str, default: T | None = None
) -> T:
    """The config a verb's options are applied to.

    With ``--resume DIR`` it is the run's saved ``config.json``, so only options the user
    typed (not None) change it and are compared with the saved run by `open_run`; otherwise
    `default`, or ``cls()``. Use as ``replace(base_config(...), lr=args.lr, ...)``.

    Raises:
        BadInput: ``--resume`` names no run folder of this system and verb.
    """
    resume = getattr(args, "resume", None)
    if resume is not None:
        from selforg.core.runs import load_config

        return load_config(resume, cls, system=system, verb=verb)
    return default if default is not None else cls()
