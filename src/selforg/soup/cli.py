"""``selforg soup run|show``: a primordial soup of programs where self-replicators emerge."""

from __future__ import annotations

import argparse
from pathlib import Path

from selforg.core.cli import (
    Parser,
    add_common,
    nonneg_int,
    output_file,
    positive_float,
    positive_int,
    probability,
    size_2d,
)
from selforg.soup.languages import LANGUAGES


def _even_programs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an integer (need an even number ≥ 2)"
        ) from None
    if n < 2 or n % 2:
        raise argparse.ArgumentTypeError(f"{n}: need an even number ≥ 2 (programs run in pairs)")
    return n


def _lang(text: str) -> str:
    if text not in LANGUAGES:
        raise argparse.ArgumentTypeError(
            f"unknown language {text!r}; choose one of {', '.join(LANGUAGES)}"
        )
    return text


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("soup", help="primordial soup of BFF/Forth/SUBLEQ programs",
                              description="A primordial soup of programs where"
                              " self-replicators emerge (Computational Life, arXiv 2406.19108).")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    r = verbs.add_parser(
        "run", help="run a soup; logs entropy, checkpoints, pictures",
        description="Run a soup of random programs: each epoch pairs every program with"
        " another, runs the joined 128-byte tape as code and splits it again. Logs entropy and"
        " the most common programs, checkpoints, and draws pictures into the run folder."
        " The defaults are the paper's headline run (hours on a CPU); try"
        " --programs 4096 --epochs 257 first.",
    )
    r.add_argument("--lang", type=_lang, default=None, metavar="LANG",
                   help=f"language: {', '.join(LANGUAGES)} (default bff_noheads)")
    r.add_argument("--programs", type=_even_programs, default=None, metavar="N",
                   help="number of 64-byte programs, even (default 131072)")
    r.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                   help="epochs (default 16384; with --resume: the new total, which extends"
                   " a finished run)")
    r.add_argument("--log-every", type=positive_int, default=None, metavar="K",
                   help="log after epochs e with e %% K == 0 and after the last (default 64)")
    r.add_argument("--mutation-rate", type=probability, default=None, metavar="P",
                   help="per-byte mutation probability per epoch, e.g. 0 or 1/4096"
                   " (default 1/4096)")
    r.add_argument("--zero-init", action="store_true", default=None,
                   help="start from all-zero programs (default: random bytes)")
    r.add_argument("--seed-program", default=None, metavar="PROG",
                   help="write PROG over the soup's start, as language text or hex:..."
                   " (default: none)")
    r.add_argument("--seed-copies", type=positive_int, default=None, metavar="K",
                   help="copies of --seed-program, one per program from program 0 (default 1)")
    r.add_argument("--grid", type=size_2d, default=None, metavar="WxH",
                   help="spatial soup on a WxH grid, pairs within distance 2; N = W·H"
                   " (default: no grid, any two programs may pair)")
    r.add_argument("--stop-at-entropy", type=positive_float, default=None, metavar="H",
                   help="stop once higher-order entropy ≥ H, e.g. 3.0: the transition"
                   " (default: never)")
    r.add_argument("--checkpoint-minutes", type=positive_float, default=None, metavar="M",
                   help="checkpoint at most every M minutes, and at the end or on Ctrl-C"
                   " (default 5)")
    r.add_argument("--no-images", action="store_true",
                   help="no soup pictures or GIF (default: a picture per log and a GIF)")
    r.add_argument("--threads", type=nonneg_int, default=0, metavar="T",
                   help="CPU threads (default 0: all; results do not depend on it)")
    add_common(r, seed=0)
    r.set_defaults(func=_run)

    s = verbs.add_parser(
        "show", help="top replicators of a run, with counts",
        description="The most frequent programs of a run's latest soup, with their"
        " self-replication scores, and the most frequent families.",
    )
    s.add_argument("run_dir", type=Path, nargs="?", default=None, metavar="RUN",
                   help="a soup run folder (default: the latest under runs/soup-run)")
    s.add_argument("--top", type=positive_int, default=None, metavar="K",
                   help="how many programs (default 10)")
    s.add_argument("--png", type=output_file, default=None, metavar="FILE",
                   help="also draw the latest soup into FILE (default: no picture)")
    s.add_argument("--plot", type=output_file, default=None, metavar="FILE",
                   help="also plot higher-order entropy over epochs into FILE (default: no plot)")
    s.add_argument("--quiet", action="store_true",
                   help="print nothing (with --png/--plot: only write the files)")
    s.set_defaults(func=_show)


def _config(args):
    from selforg.core.cli import base_config
    from selforg.core.config import replace
    from selforg.core.errors import BadInput
    from selforg.soup.config import SoupConfig

    changes = dict(
        lang=args.lang, programs=args.programs, epochs=args.epochs, log_every=args.log_every,
        mutation_rate=args.mutation_rate, zero_init=args.zero_init,
        seed_program=args.seed_program, seed_copies=args.seed_copies, seed=args.seed,
        stop_at_entropy=args.stop_at_entropy,
        checkpoint_seconds=(
            None if args.checkpoint_minutes is None else args.checkpoint_minutes * 60
        ),
        images=False if args.no_images else None,
    )
    if args.grid is not None:
        w, h = args.grid
        if args.programs is not None and args.programs != w * h:
            raise BadInput(
                f"--grid {w}x{h} holds {w * h} programs but --programs is {args.programs};"
                " leave --programs out or make them agree"
            )
        changes.update(grid_width=w, grid_height=h, programs=w * h)
    base = base_config(args, SoupConfig, system="soup", verb="run")
    return replace(base, **changes)


def _run(args) -> int:
    from selforg.soup.config import validate

    cfg = _config(args)
    validate(cfg)
    if args.threads:
        import numba

        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))
    from selforg.soup.simulation import run

    def start(run_dir, done):
        what = f"continuing at epoch {done}" if done else "starting"
        if done >= cfg.epochs:
            what = f"already done (--epochs N with --resume extends it to N) in {run_dir}"
            print(f"soup {cfg.lang}, {cfg.programs} programs, {cfg.epochs} epochs: {what}",
                  flush=True)
            return
        print(f"soup {cfg.lang}, {cfg.programs} programs, {cfg.epochs} epochs: {what} in"
              f" {run_dir} (Ctrl-C stops after a checkpoint; --resume {run_dir} continues)",
              flush=True)
        print(f"{'epoch':>7} {'H_high':>9} {'bpb':>7} {'brotli':>9} {'ops/int':>8}"
              f" {'int/s':>10}  top program", flush=True)

    def log_line(rec):
        top = rec["top_programs"][0]
        print(f"{rec['epoch']:7d} {rec['higher_entropy']:9.5f} {rec['brotli_bpb']:7.4f}"
              f" {rec['brotli_size']:9d} {rec['ops_per_interaction']:8.2f}"
              f" {rec['interactions_per_s']:10.0f}  {top['count']}× {top['text']}", flush=True)

    res = run(cfg, out=args.out, resume=args.resume, quiet=args.quiet, on_log=log_line,
                   on_start=start)
    note = " (stopped: higher entropy reached the threshold)" if res.stopped_at_entropy else ""
    print(f"{res.epochs_done} epochs done{note}; higher-order entropy {res.higher_entropy:.3f};"
          f" run folder {res.run_dir}")
    return 0


def _show(args) -> int:
    from selforg.core.config import replace
    from selforg.soup.summary import ShowConfig, latest_run, show

    cfg = replace(ShowConfig(run_dir=args.run_dir or latest_run()), top=args.top, png=args.png,
                  plot=args.plot)
    show(cfg, quiet=args.quiet)
    return 0
