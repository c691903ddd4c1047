"""``selforg crn ...``: simulate, check, export and train chemical reaction networks.

Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Chemical Reaction Networks"
(2023). Every verb is one library call (`selforg.crn.simulate`, `check`, `export`, `zoo`,
`train`): parse, build the config, call, print. Options that set a config field default to
None, so that only what the user typed changes the config (and, with --resume, is compared
with the run's saved one). Nothing here imports JAX.
"""

from __future__ import annotations

import argparse
import json

from selforg.core.cli import (
    Parser,
    add_common,
    add_iterations,
    base_config,
    nonneg_int,
    output_file,
    positive_float,
    positive_int,
)
from selforg.core.config import replace
from selforg.crn.config import (
    PRESETS,
    SPARSITY,
    TASKS,
    CheckConfig,
    ExportConfig,
    SimulateConfig,
    TrainConfig,
    ZooConfig,
)

MODEL_HELP = ("zoo:NAME (`selforg crn zoo` lists them), a .json/.txt/.sbml file, a training run"
              " folder, or the notation itself, e.g. \"A + B -> 2 C @ 0.5; C ->\"")


def _points(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("need at least 2 saved points")
    return value


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("crn", help="differentiable chemical reaction networks")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    d = SimulateConfig()
    s = verbs.add_parser("simulate", help="integrate a network under mass action; print the"
                         " final concentrations, write a plot and a CSV")
    s.add_argument("model", help=MODEL_HELP)
    s.add_argument("--t1", type=positive_float, default=None, metavar="T",
                   help="end time (default: the model's own, else 10)")
    s.add_argument("--x0", default=None, metavar="A=1,B=0.5",
                   help="initial concentrations (default: the model's own; other species 0)")
    s.add_argument("--solver", choices=("rk4", "tsit5", "kvaerno5"), default=None,
                   help=f"rk4: fixed step; tsit5: adaptive; kvaerno5: adaptive, stiff"
                   f" (default {d.solver})")
    s.add_argument("--points", type=_points, default=None, metavar="N",
                   help=f"saved times in [0, T] (default {d.points})")
    s.add_argument("--dt", type=positive_float, default=None, metavar="H",
                   help=f"rk4 step; adaptive solvers: the first step (default {d.dt})")
    s.add_argument("--rtol", type=positive_float, default=None,
                   help=f"adaptive solvers' relative tolerance (default {d.rtol})")
    s.add_argument("--atol", type=positive_float, default=None,
                   help=f"adaptive solvers' absolute tolerance (default {d.atol})")
    s.add_argument("--plot", type=output_file, default=None, metavar="FILE",
                   help="write the trajectories as a PNG plot (default: none)")
    s.add_argument("--csv", type=output_file, default=None, metavar="FILE",
                   help="write the trajectory as CSV: t, then one column per species"
                   " (default: none)")
    add_common(s, seed=None, out=False, resume=False)
    s.set_defaults(func=_simulate)

    c = verbs.add_parser("check", help="the classic networks (A <-> B, Lotka-Volterra,"
                         " Brusselator) against their known answers; exit 1 if one fails")
    add_common(c, seed=None, out=False, resume=False)
    c.set_defaults(func=_check)

    e = verbs.add_parser("export", help="write a network as SBML and/or chemical notation")
    e.add_argument("model", help=MODEL_HELP)
    e.add_argument("--sbml", type=output_file, default=None, metavar="FILE",
                   help="the SBML (L3V2) file to write (default: none)")
    e.add_argument("--text", type=output_file, default=None, metavar="FILE",
                   help="the notation file to write (default: none; the notation is printed)")
    add_common(e, seed=None, out=False, resume=False)
    e.set_defaults(func=_export)

    z = verbs.add_parser("zoo", help="list the shipped networks and the commands that made"
                         " them")
    z.add_argument("--json", action="store_true", help="one JSON object per line")
    add_common(z, seed=None, out=False, resume=False)
    z.set_defaults(func=_zoo)

    _add_train(verbs)


def _add_train(verbs) -> None:
    t = verbs.add_parser("train", help="learn a sparse network from the dense candidate set")
    tasks = t.add_subparsers(dest="task", required=True, parser_class=Parser)
    helps = {
        "oscillator": "an output species oscillates with a target period",
        "switch": "a bistable memory set and reset by input pulses",
        "chambers": "a clock in one chamber drives a second chamber through a learned membrane",
    }
    for task in TASKS:
        d = PRESETS[task]
        a = tasks.add_parser(task, help=helps[task])
        if task != "chambers":
            a.add_argument("--species", type=positive_int, default=None, metavar="N",
                           help=f"species of the dense candidate set (default {d.species})")
        if task == "oscillator":
            a.add_argument("--period", type=positive_float, default=None, metavar="P",
                           help=f"target period (default {d.period:g})")
        if task != "switch":
            a.add_argument("--search", type=nonneg_int, default=None, metavar="N",
                           help=f"random starts tried, the best kept (default {d.search};"
                           " 0: none)")
        if task != "switch":
            a.add_argument("--amplitude", type=positive_float, default=None, metavar="A",
                           help="target amplitude of the output" + (
                               " as a fraction of the clock's" if task == "chambers" else "")
                           + f" (default {d.amplitude:g})")
        if task == "chambers":
            a.add_argument("--network", default=None, metavar="MODEL",
                           help=f"the oscillator both chambers run (default {d.network})")
        a.add_argument("--sparsity", choices=SPARSITY, default=None,
                       help=f"penalty on the rates: L1 = Σk, Lhalf = Σ√k (default"
                       f" {d.sparsity})")
        a.add_argument("--sparsity-weight", type=float, default=None, metavar="W",
                       help=f"weight of the penalty (default {d.sparsity_weight:g})")
        add_iterations(a, d.iterations)
        a.add_argument("--finetune", type=nonneg_int, default=None, metavar="N",
                       help=f"steps after pruning, without the penalty (default {d.finetune})")
        a.add_argument("--prune-below", type=positive_float, default=None, metavar="K",
                       help=f"remove reactions with a rate below K (default {d.prune_below:g})")
        a.add_argument("--lr", type=positive_float, default=None,
                       help=f"Adam learning rate on the log rates (default {d.lr:g})")
        a.add_argument("--batch", type=positive_int, default=None, metavar="B",
                       help=f"random initial conditions per step (default {d.batch})")
        add_common(a, seed=d.seed)
        a.set_defaults(func=_train)


def _simulate(args) -> int:
    from selforg.crn.verbs import simulate

    d = SimulateConfig()
    cfg = replace(d, model=args.model, t1=args.t1, x0=args.x0, solver=args.solver,
                  points=args.points, dt=args.dt, rtol=args.rtol, atol=args.atol,
                  plot=args.plot, csv=args.csv)
    res = simulate(cfg, quiet=args.quiet)
    print(f"{res.model.network.n_species} species, {res.model.network.n_reactions} reactions,"
          f" t = 0 .. {res.trajectory.ts[-1]:g} ({cfg.solver},"
          f" {int(res.trajectory.steps)} steps)")
    print("at t1: " + ", ".join(f"{k}={v:.6g}" for k, v in res.final.items()))
    for f in res.files:
        print(f"wrote {f}")
    return 0


def _check(args) -> int:
    from selforg.crn.classics import check

    res = check(CheckConfig(), quiet=args.quiet)
    print(res.text())
    n_ok = sum(i.passed for i in res.items)
    print(f"{n_ok}/{len(res.items)} checks passed in {res.seconds:.1f} s")
    return 0 if res.passed else 1


def _export(args) -> int:
    from selforg.crn.verbs import export

    res = export(ExportConfig(args.model, sbml=args.sbml, text=args.text), quiet=args.quiet)
    if args.text is None:
        print(res.text, end="")
    for f in res.files:
        print(f"wrote {f}")
    return 0


def _zoo(args) -> int:
    from selforg.crn.verbs import zoo

    for e in zoo(ZooConfig()).entries:
        if args.json:
            print(json.dumps({"name": e.name, "kind": e.kind, "description": e.description,
                              "reactions": e.reactions, "command": e.command,
                              "network": e.network}, ensure_ascii=False))
            continue
        print(f"zoo:{e.name}  ({e.kind}, {e.reactions} reactions) {e.description}")
        print(f"    made by: {e.command}")
        for line in e.network.splitlines():
            print(f"    {line}")
    return 0


def _train(args) -> int:
    from selforg.crn.training import train

    base = base_config(args, TrainConfig, system="crn", verb=args.task,
                       default=PRESETS[args.task])
    cfg = replace(base, species=getattr(args, "species", None),
                  period=getattr(args, "period", None), network=getattr(args, "network", None),
                  search=getattr(args, "search", None),
                  amplitude=getattr(args, "amplitude", None),
                  sparsity=args.sparsity, sparsity_weight=args.sparsity_weight,
                  iterations=args.iterations, finetune=args.finetune,
                  prune_below=args.prune_below, lr=args.lr, batch=args.batch, seed=args.seed)
    res = train(cfg, out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"run folder: {res.run_dir}")
    print(f"{res.reactions} reactions survive pruning (of {res.candidates} candidates):")
    print(res.text, end="")
    for k, v in res.numbers.items():
        print(f"{k}: {v}")
    return 0
