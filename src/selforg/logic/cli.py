"""``selforg logic ...``: train logic CA circuits, show, verify, run and export them.

Miotti et al., "Differentiable Logic Cellular Automata" (2025). Every verb is one library call.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from selforg.core.cli import (
    Parser,
    add_common,
    existing_path,
    nonneg_int,
    positive_float,
    positive_int,
    probability,
    require,
)


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


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("logic", help="differentiable logic-gate cellular automata")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    t = verbs.add_parser("train", help="learn a circuit: life, checkerboard, lizard, colors")
    t.add_argument("experiment", choices=["life", "checkerboard", "lizard", "colors"])
    t.add_argument("--async", dest="asynchronous", action="store_true",
                   help="asynchronous updates (fire rate 0.6; checkerboard preset)")
    t.add_argument("--iters", type=positive_int, default=None,
                   help="maximum iterations; with --resume, the new total (continues a run)")
    t.add_argument("--lr", type=positive_float, default=None, help="learning rate")
    t.add_argument("--batch", type=positive_int, default=None, help="rollouts per iteration")
    t.add_argument("--wiring", choices=["unique", "random"], default=None)
    t.add_argument("--wiring-draw", choices=["numpy", "reference"], default=None,
                   help="reference: permutations drawn as the paper's notebook draws them")
    t.add_argument("--gate-noise", type=float, default=None, metavar="SCALE",
                   help="Gumbel noise on the gate logits in the training rollout (0 = the paper)")
    t.add_argument("--straight-through", action="store_true", default=None,
                   help="train the discrete gates, gradients through the soft ones (with"
                   " --gate-noise 1: Gumbel logic gate networks)")
    t.add_argument("--grid", type=positive_int, default=None, help="training grid side")
    t.add_argument("--rollout-steps", type=positive_int, default=None,
                   help="automaton steps per rollout")
    t.add_argument("--kernels", type=positive_int, default=None, help="perception kernels")
    t.add_argument("--channels", type=positive_int, default=None,
                   help="bits per cell (= the last update width)")
    t.add_argument("--update-widths", type=_widths, default=None, metavar="W[xN],...",
                   help="update layers, e.g. 256x10,128,64,32,16,8,8 (last = channels)")
    t.add_argument("--update-inputs", type=int, default=None, metavar="N",
                   help="wire the first update layer from the first N of its inputs (0 = all, as"
                   " in the paper; the colors preset uses 257)")
    add_common(t, seed=None)
    t.add_argument("--seed", type=int, default=None, help="random seed (default: the preset's)")
    t.set_defaults(func=_train)

    s = verbs.add_parser("show", help="summary and graph picture of a circuit file")
    s.add_argument("circuit", type=existing_path)
    s.add_argument("--png", type=Path, default=None, help="picture path (default CIRCUIT.png)")
    s.add_argument("--json", action="store_true", help="print the counts as JSON")
    s.set_defaults(func=_show)

    v = verbs.add_parser("verify-life", help="compare a circuit with true Life (128², 300 steps)")
    v.add_argument("circuit", type=existing_path)
    v.add_argument("--size", type=positive_int, default=128, help="grid side, multiple of 64")
    v.add_argument("--steps", type=positive_int, default=300)
    v.add_argument("--seed", type=int, default=0)
    v.set_defaults(func=_verify)

    r = verbs.add_parser("run", help="run a circuit on a large bit-packed grid")
    r.add_argument("circuit", type=existing_path)
    r.add_argument("--size", type=positive_int, default=1024, help="grid side, multiple of 64")
    r.add_argument("--steps", type=nonneg_int, default=1000)
    r.add_argument("--init", type=existing_path, default=None,
                   help="initial grid: .npy (H, W[, C]) or an image (bright = 1)")
    r.add_argument("--density", type=probability, default=0.5, help="random initial density")
    r.add_argument("--async", dest="fire_rate", nargs="?", const=0.6, default=None,
                   type=probability, help="asynchronous updates (fire rate, default 0.6)")
    r.add_argument("--damage-at", type=nonneg_int, default=None, help="step of the damage")
    r.add_argument("--damage-box", type=_box, default=None, help="X,Y,W,H (default centre)")
    r.add_argument("--damage-mode", choices=["erase", "random"], default="erase")
    r.add_argument("--gif", type=Path, default=None, help="write an animation (top-left 256²)")
    r.add_argument("--threads", type=positive_int, default=None)
    r.add_argument("--seed", type=int, default=0)
    r.set_defaults(func=_run)

    e = verbs.add_parser("export-c", help="write the circuit as a standalone C program")
    e.add_argument("circuit", type=existing_path)
    e.add_argument("output", type=Path)
    e.set_defaults(func=_export)


def _train(args) -> int:
    from selforg.logic.config import preset
    from selforg.logic.train import train

    cfg = preset(args.experiment, asynchronous=args.asynchronous, iters=args.iters, lr=args.lr,
                 batch=args.batch, wiring=args.wiring, wiring_draw=args.wiring_draw,
                 seed=args.seed, height=args.grid, width=args.grid, steps=args.rollout_steps,
                 kernels=args.kernels, update_widths=args.update_widths, channels=args.channels,
                 update_inputs=args.update_inputs, gate_noise=args.gate_noise,
                 straight_through=args.straight_through)
    res = train(cfg, out=args.out, resume=args.resume, quiet=args.quiet, iters=args.iters)
    st = res.stats
    print(f"{'converged' if res.converged else 'not converged'} after {res.steps} steps"
          f" in {res.seconds:.1f} s; active gates {st['active']}, after pruning"
          f" {st['active_after_pruning']}")
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
    from selforg.logic.circuit import load, stats
    from selforg.logic.draw import draw, summary

    circuit = load(args.circuit)
    if args.json:
        print(json.dumps(stats(circuit)))
    else:
        print(summary(circuit))
    png = args.png or args.circuit.with_suffix(".png")
    print(f"picture: {draw(circuit, png)}")


def _verify(args) -> int:
    from selforg.logic.circuit import load
    from selforg.logic.verify import verify_life

    require(args.size % 64 == 0, f"--size {args.size} must be a multiple of 64")
    result = verify_life(load(args.circuit), size=args.size, steps=args.steps, seed=args.seed)
    print(json.dumps(result))
    return 0 if result["differing_cells"] == 0 else 1


def _run(args) -> None:
    from selforg.logic.circuit import load
    from selforg.logic.packed import set_threads
    from selforg.logic.simulate import Damage, load_grid, run_circuit

    circuit = load(args.circuit)
    init = load_grid(args.init, circuit.channels) if args.init else None
    size = init.shape[0] if init is not None else args.size
    width = init.shape[1] if init is not None else args.size
    require(width % 64 == 0, f"grid width {width} must be a multiple of 64")
    if args.threads:
        set_threads(args.threads)
    damage = None
    if args.damage_at is not None or args.damage_box is not None:
        box = args.damage_box or (width // 4, size // 4, width // 2, size // 2)
        damage = Damage(args.damage_at if args.damage_at is not None else args.steps // 2, box,
                        args.damage_mode)
    out = run_circuit(circuit, size=size, steps=args.steps, init=init, seed=args.seed,
                      density=args.density, fire_rate=args.fire_rate, damage=damage, gif=args.gif)
    print(json.dumps(out))


def _export(args) -> None:
    from selforg.logic.circuit import load
    from selforg.logic.export_c import write_c

    print(f"wrote {write_c(load(args.circuit), args.output)}")
