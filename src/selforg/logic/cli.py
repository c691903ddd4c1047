"""``selforg logic ...``: train logic CA circuits, show, verify, run and export them, list the zoo.

Miotti et al., "Differentiable Logic Cellular Automata" (2025). Every verb is one library call
(`selforg.logic.train`, `show`, `verify_life`, `run`, `export_c`, `zoo`): parse, build the
config, call, print. Options that set a config field default to None, so only what the user
typed changes the config (and, with --resume, is compared with the run's saved one). Nothing
here imports JAX: `logic train` does so when it starts training.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from selforg.core.cli import (
    Parser,
    add_common,
    add_devices,
    add_iterations,
    base_config,
    nonneg_int,
    output_file,
    positive_float,
    positive_int,
    probability,
)
from selforg.core.config import replace
from selforg.logic.config import (
    DAMAGE_MODES,
    EXPERIMENTS,
    PRESETS,
    ExportConfig,
    RunConfig,
    ShowConfig,
    VerifyConfig,
    ZooConfig,
    preset,
)

CIRCUIT_HELP = "zoo:NAME (`selforg logic zoo` lists them), a circuit .json file, or a run folder"


def _box(text: str) -> tuple[int, int, int, int]:
    try:
        parts = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a box X,Y,W,H") from None
    if len(parts) != 4 or min(parts) < 0 or parts[2] < 1 or parts[3] < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: write X,Y,W,H with X,Y ≥ 0 and W,H ≥ 1")
    return parts  # type: ignore[return-value]


def _widths(text: str) -> tuple[int, ...]:
    """``256x10,128,64`` -> (256,)*10 + (128, 64)."""
    out: list[int] = []
    try:
        for part in text.split(","):
            width, _, times = part.partition("x")
            out.extend([int(width)] * (int(times) if times else 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write widths like 256x10,128,64") from None
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: widths must be ≥ 1")
    return tuple(out)


def _show_widths(widths: tuple[int, ...]) -> str:
    """(256,)*10 + (128, 64) -> ``256x10,128,64`` (the form `_widths` reads)."""
    parts, i = [], 0
    while i < len(widths):
        j = i
        while j < len(widths) and widths[j] == widths[i]:
            j += 1
        parts.append(f"{widths[i]}x{j - i}" if j - i > 1 else str(widths[i]))
        i = j
    return ",".join(parts)


def _preset_default(field: str, show=str) -> str:
    """``default 0.05`` or ``default per experiment: life 0.05, lizard 0.06, ...``."""
    values = {name: show(getattr(PRESETS[name], field)) for name in EXPERIMENTS}
    if len(set(values.values())) == 1:
        return f"default {next(iter(values.values()))}"
    return "default per experiment: " + ", ".join(f"{k} {v}" for k, v in values.items())


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("logic", help="differentiable logic-gate cellular automata")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    _add_train(verbs)

    s = verbs.add_parser("show", help="gate counts and a picture of a circuit's pruned graph")
    s.add_argument("circuit", help=CIRCUIT_HELP)
    s.add_argument("--png", type=output_file, default=None, metavar="FILE",
                   help="draw the pruned graph into FILE (default: circuit.png in the circuit's"
                   " run folder; none for a zoo circuit or a loose file)")
    s.add_argument("--json", action="store_true", help="print the counts as one JSON line")
    add_common(s, seed=None, out=False, resume=False)
    s.set_defaults(func=_show)

    d = VerifyConfig()
    v = verbs.add_parser("verify-life", help="compare a circuit with true Life, every cell and"
                         " step; exit 1 if any differs")
    v.add_argument("circuit", help=CIRCUIT_HELP)
    v.add_argument("--size", type=positive_int, default=None, metavar="N",
                   help=f"side of the periodic grid, a multiple of 64 (default {d.size})")
    v.add_argument("--steps", type=positive_int, default=None, metavar="N",
                   help=f"steps compared (default {d.steps})")
    v.add_argument("--density", type=probability, default=None, metavar="P",
                   help=f"live cells at the start (default {d.density})")
    add_common(v, seed=d.seed, out=False, resume=False)
    _add_out(v)
    v.set_defaults(func=_verify)

    d = RunConfig()
    r = verbs.add_parser("run", help="run a circuit on a large bit-packed grid (no JAX)")
    r.add_argument("circuit", help=CIRCUIT_HELP)
    r.add_argument("--size", type=positive_int, default=None, metavar="N",
                   help=f"grid side (default {d.size}; ignored with --init)")
    r.add_argument("--steps", type=nonneg_int, default=None, metavar="N",
                   help=f"automaton steps (default {d.steps})")
    r.add_argument("--init", default=None, metavar="START",
                   help="initial grid: random, seed (one centre cell, all bits 1), zeros, or a"
                   " .npy (H, W[, C]) / image file, bright = 1 (default: the circuit's own"
                   " start: seed for lizard, zeros for colors, else random)")
    r.add_argument("--density", type=probability, default=None, metavar="P",
                   help=f"1 bits in the random initial grid (default {d.density})")
    r.add_argument("--async", dest="fire_rate", nargs="?", const=0.6, default=None,
                   type=probability, metavar="RATE",
                   help="asynchronous updates, each cell firing with RATE per step (RATE"
                   " default 0.6; default: synchronous)")
    r.add_argument("--damage-at", type=nonneg_int, default=None, metavar="STEP",
                   help="damage the grid at STEP (default: none; with --damage-box: half-way)")
    r.add_argument("--damage-box", type=_box, default=None, metavar="X,Y,W,H",
                   help="the damaged box (default: the centre half of the grid)")
    r.add_argument("--damage-mode", choices=DAMAGE_MODES, default=None,
                   help=f"erase it or fill it with random bits (default {d.damage_mode})")
    r.add_argument("--gif", type=output_file, default=None, metavar="FILE",
                   help="write an animation of channel 0's centre 256² cells (default: none)")
    r.add_argument("--mp4", type=output_file, default=None, metavar="FILE",
                   help="write the same animation as an MP4 video (default: none)")
    r.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="Numba threads (default: all cores)")
    add_common(r, seed=d.seed, out=False, resume=False)
    _add_out(r)
    r.set_defaults(func=_run)

    e = verbs.add_parser("export-c", help="write the circuit as a standalone C program"
                         " (./prog WIDTH HEIGHT STEPS < in > out)")
    e.add_argument("circuit", help=CIRCUIT_HELP)
    e.add_argument("output", type=output_file, help="the .c file to write")
    add_common(e, seed=None, out=False, resume=False)
    e.set_defaults(func=_export)

    z = verbs.add_parser("zoo", help="list the trained circuits shipped with the package")
    z.add_argument("--json", action="store_true", help="one JSON object per circuit")
    add_common(z, seed=None, out=False, resume=False)
    z.set_defaults(func=_zoo)


def _add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="also write config.json and results.json into this new folder"
                        " (default: print them only)")


def _add_train(verbs) -> None:
    t = verbs.add_parser("train", help="learn a circuit: life, checkerboard, lizard, colors")
    t.add_argument("experiment", choices=EXPERIMENTS,
                   help="what to learn (each has the paper's settings as its preset)")
    t.add_argument("--async", dest="asynchronous", action="store_true", default=None,
                   help="asynchronous updates at fire rate 0.6 (the checkerboard's async"
                   " preset: 14×14, 50 steps; default: synchronous)")
    add_iterations(t, _preset_default("iters").removeprefix("default "), aliases=("--iters",))
    t.add_argument("--lr", type=positive_float, default=None,
                   help=f"learning rate ({_preset_default('lr')})")
    t.add_argument("--batch", type=positive_int, default=None, metavar="N",
                   help=f"rollouts per step ({_preset_default('batch')})")
    t.add_argument("--wiring", choices=["unique", "random"], default=None,
                   help=f"wiring of the gate layers ({_preset_default('wiring')})")
    t.add_argument("--wiring-draw", choices=["numpy", "reference"], default=None,
                   help="reference: permutations drawn as the paper's notebook draws them"
                   f" ({_preset_default('wiring_draw')})")
    t.add_argument("--gate-noise", type=float, default=None, metavar="SCALE",
                   help="Gumbel noise on the gate logits in the training rollout (default 0,"
                   " the paper's recipe)")
    t.add_argument("--straight-through", action="store_true", default=None,
                   help="train the discrete gates, gradients through the soft ones (with"
                   " --gate-noise 1: Gumbel logic gate networks; default: off)")
    t.add_argument("--grid", type=positive_int, default=None, metavar="N",
                   help=f"training grid side ({_preset_default('height')})")
    t.add_argument("--rollout-steps", type=positive_int, default=None, metavar="N",
                   help=f"automaton steps per rollout ({_preset_default('steps')})")
    t.add_argument("--kernels", type=positive_int, default=None, metavar="K",
                   help=f"perception kernels ({_preset_default('kernels')})")
    t.add_argument("--channels", type=positive_int, default=None, metavar="C",
                   help=f"bits per cell, = the last update width"
                   f" ({_preset_default('channels')})")
    t.add_argument("--update-widths", type=_widths, default=None, metavar="W[xN],...",
                   help="update layers, last = channels"
                   f" ({_preset_default('update_widths', _show_widths)})")
    t.add_argument("--update-inputs", type=nonneg_int, default=None, metavar="N",
                   help="wire the first update layer from the first N of its inputs (0 = all,"
                   f" as in the paper; {_preset_default('update_inputs')})")
    t.add_argument("--seed", type=int, default=None, metavar="N",
                   help=f"random seed ({_preset_default('seed')})")
    add_common(t, seed=None)
    add_devices(t)
    t.set_defaults(func=_train)


def _train(args) -> int:
    from selforg.logic.config import LogicConfig
    from selforg.logic.train import train

    default = None if args.resume else preset(args.experiment,
                                              asynchronous=bool(args.asynchronous))
    base = base_config(args, LogicConfig, system="logic", verb=args.experiment, default=default)
    cfg = replace(base, asynchronous=args.asynchronous, iters=args.iterations, lr=args.lr,
                  batch=args.batch, wiring=args.wiring, wiring_draw=args.wiring_draw,
                  seed=args.seed, height=args.grid, width=args.grid, steps=args.rollout_steps,
                  kernels=args.kernels, update_widths=args.update_widths,
                  channels=args.channels, update_inputs=args.update_inputs,
                  gate_noise=args.gate_noise, straight_through=args.straight_through)
    res = train(cfg, out=args.out, resume=args.resume, quiet=args.quiet)
    st = res.stats
    print(f"{'converged' if res.converged else 'not converged'} after {res.steps} steps"
          f" in {res.seconds:.1f} s; active gates {st['active_paper']} as the paper counts"
          f" them, {st['active_after_pruning']} after pruning")
    if res.check is not None:
        c = res.check
        print(f"final check of the discrete rule: {c['exact']}/{c['rollouts']} grids exact,"
              f" {c['wrong_bits_mean']:g} wrong target bits on average; picture:"
              f" {res.run_dir / 'final.png'}")
        if "larger_grid" in c:
            g = c["larger_grid"]
            print(f"grown on {g['size']}×{g['size']} from one seed cell: {g['wrong_cells']}"
                  " cells differ from the target")
    print(f"circuit: {res.run_dir / 'circuit.json'}")
    return 0


def _show(args) -> None:
    from selforg.logic.draw import show

    res = show(ShowConfig(args.circuit, png=None if args.png is None else str(args.png)),
               quiet=args.quiet)
    print(json.dumps(res.stats) if args.json else res.summary)
    if not args.json:
        print(f"picture: {res.png}" if res.png is not None
              else "picture: none (write one with --png FILE)")


def _verify(args) -> int:
    from selforg.logic.verify import verify_life

    cfg = replace(VerifyConfig(args.circuit), size=args.size, steps=args.steps,
                  density=args.density, seed=args.seed)
    res = verify_life(cfg, out=args.out, quiet=args.quiet)
    print(json.dumps(res.to_dict()))
    return 0 if res.exact else 1


def _run(args) -> None:
    from selforg.logic.simulate import run

    cfg = replace(RunConfig(args.circuit), size=args.size, steps=args.steps,
                  init=args.init, density=args.density,
                  fire_rate=args.fire_rate, damage_at=args.damage_at,
                  damage_box=args.damage_box, damage_mode=args.damage_mode,
                  gif=None if args.gif is None else str(args.gif),
                  mp4=None if args.mp4 is None else str(args.mp4), threads=args.threads,
                  seed=args.seed)
    res = run(cfg, out=args.out, quiet=args.quiet)
    print(json.dumps(res.to_dict()))


def _export(args) -> None:
    from selforg.logic.export_c import export_c

    res = export_c(ExportConfig(args.circuit, output=str(args.output)), quiet=args.quiet)
    print(f"wrote {res.path} ({res.ops} bitwise operations per 64 cells and step);"
          f" build: cc -O3 -o ca {res.path}; run: ./ca WIDTH HEIGHT STEPS < in.bin > out.bin")


def _zoo(args) -> None:
    from selforg.logic.zoo import zoo

    for e in zoo(ZooConfig(), quiet=args.quiet).entries:
        if args.json:
            print(json.dumps({"name": e.name, "experiment": e.experiment,
                              "description": e.description, "command": e.command}))
        else:
            print(f"zoo:{e.name}\t{e.experiment}\t{e.description}\t{e.command}")
