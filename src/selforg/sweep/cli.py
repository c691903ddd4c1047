"""``selforg sweep SYSTEM VERB [options] --grid NAME=VALUES ... --out DIR`` and
``selforg sweep plot DIR``.

The sweep's own options may come anywhere; every other word belongs to the verb. ``--grid``
with a ``=`` is the sweep's (``--grid seed=0:32``); without one it is the verb's own option
(``soup run --grid 64x64``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from selforg.core.cli import Parser, positive_int
from selforg.core.errors import BadInput

EPILOG = """examples:
  selforg sweep soup run --programs 4096 --epochs 2048 --grid seed=0:32 --out sw
  selforg sweep logic train lizard --grid seed=0:8 --workers 2 --out lizard-seeds
  selforg sweep soup run --grid mutation-rate=1/4096,0 --grid seed=0:16 --address auto --out sw2
  selforg sweep --resume sw          (finished points are skipped)
  selforg sweep plot sw              (soup sweeps: fraction transitioned against epochs)"""


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run any verb over a grid of seeds and settings, on Ray",
        description="Run `selforg SYSTEM VERB ...` at every point of a grid: each point an\n"
        "ordinary run folder under --out DIR, executed as a Ray task (a local Ray instance, or\n"
        "an existing Ray cluster with --address). DIR/results.csv has one row per point.\n"
        "VALUES: 0:64 (a range, 64 left out), 0,1,5 (a list), 1/4096,0 (any text the verb's\n"
        "option takes). Exit 1 when a point failed (its error is in results.csv).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", nargs=argparse.REMAINDER, metavar="SYSTEM VERB [options]",
                   help="the verb to sweep and its options (or: plot DIR)")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=VALUES",
                   help="a swept option of the verb; several make the product")
    p.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                   help="join this Ray cluster (default: start a local Ray instance)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="K",
                   help="points running at once (default: the cluster's CPUs / C)")
    p.add_argument("--cpus-per-task", type=positive_int, default=None, metavar="C",
                   help="CPUs per point, also its thread count (default 1)")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="the sweep folder")
    p.add_argument("--resume", type=Path, default=None, metavar="DIR",
                   help="continue the sweep in DIR: finished points are skipped, interrupted"
                   " ones continue from their checkpoints")
    p.add_argument("--quiet", action="store_true", help="no progress bar (default: shown)")
    p.set_defaults(func=_sweep)


_VALUED = {"--grid": "grid", "--address": "address", "--workers": "workers",
           "--cpus-per-task": "cpus_per_task", "--out": "out", "--resume": "resume"}


def split_target(words: list[str], args: argparse.Namespace) -> list[str]:
    """Take the sweep's own options out of the words after ``sweep SYSTEM``; the rest is the
    verb's. Updates `args`."""
    rest: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        name, eq, inline = w.partition("=")
        if name in _VALUED:
            value = inline if eq else (words[i + 1] if i + 1 < len(words) else None)
            if name == "--grid" and (value is None or "=" not in value):
                rest.append(w)  # the verb's own --grid (soup's WxH)
                i += 1
                continue
            if value is None:
                raise BadInput(f"sweep: {name} needs a value")
            i += 1 if eq else 2
            dest = _VALUED[name]
            if dest == "grid":
                args.grid.append(value)
            elif dest in ("workers", "cpus_per_task"):
                try:
                    setattr(args, dest, positive_int(value))
                except argparse.ArgumentTypeError as e:
                    raise BadInput(f"sweep: {name} {e}") from None
            elif dest in ("out", "resume"):
                setattr(args, dest, Path(value))
            else:
                setattr(args, dest, value)
            continue
        if w == "--quiet":
            args.quiet = True
        else:
            rest.append(w)
        i += 1
    return rest


def _sweep(args: argparse.Namespace) -> int:
    if args.target[:1] == ["plot"]:
        return _plot(args.target[1:])
    target = split_target(list(args.target), args)
    if "-h" in target or "--help" in target:
        from selforg.cli import build_parser

        build_parser(["sweep"]).parse_args(["sweep", "--help"])
    from selforg.sweep.grid import parse_grid

    grids = tuple(parse_grid(g) for g in args.grid)
    if args.resume is not None and args.out is not None:
        raise BadInput("--out and --resume cannot be used together: --resume DIR continues the"
                       " sweep in its own folder")
    out = args.resume if args.resume is not None else args.out
    if out is None:
        raise BadInput("sweep: give --out DIR (a new folder for the sweep) or --resume DIR")
    if args.resume is None and not grids:
        raise BadInput("sweep: give at least one --grid NAME=VALUES, e.g. --grid seed=0:8")
    from selforg.core.errors import Interrupted
    from selforg.sweep.engine import SweepConfig, sweep

    cfg = SweepConfig(tuple(target), grids, out, address=args.address, workers=args.workers,
                      cpus_per_task=args.cpus_per_task or 1, resume=args.resume is not None)
    try:
        res = sweep(cfg, quiet=args.quiet)
    except Interrupted:
        import sys

        print(f"selforg: sweep interrupted; finished points are kept in {out}. Continue with"
              f" selforg sweep --resume {out}", file=sys.stderr)
        return 130
    counts = ", ".join(f"{v} {k}" for k, v in sorted(res.counts.items()))
    print(f"sweep: {len(res.rows)} points ({counts}) in {res.seconds:.1f} s;"
          f" {res.out / 'results.csv'}")
    return 0 if not res.counts.get("failed") else 1


def _plot(words: list[str]) -> int:
    p = Parser(prog="selforg sweep plot",
               description="Soup sweeps: the fraction of soups transitioned against epochs"
               " (with the count), the histogram of transition epochs and every point's"
               " higher-order entropy curve, in DIR/plots/transitions.png.")
    p.add_argument("dir", type=Path, metavar="DIR", help="a soup sweep folder")
    p.add_argument("--png", type=Path, default=None, metavar="FILE",
                   help="write the figure here (default DIR/plots/transitions.png)")
    p.add_argument("--threshold", type=float, default=None, metavar="H",
                   help="higher-order entropy that marks the transition (default: the sweep's"
                   " --stop-at-entropy, else 3)")
    a = p.parse_args(words)
    from selforg.sweep.plot import plot_soup_sweep

    res = plot_soup_sweep(a.dir, png=a.png, threshold=a.threshold)
    print(f"{res.transitioned} of {res.soups} soups transitioned (higher-order entropy ≥"
          f" {res.threshold:g}) within {res.epochs} epochs: {res.fraction:.1%}; {res.png}")
    return 0
