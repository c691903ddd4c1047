"""``selforg mplp ...``: meta-train learned learning rules, evaluate them, list the zoo.

Randazzo, Niklasson, Mordvintsev, "MPLP: Learning a Message Passing Learning Protocol" (2020).
Every verb is one library call (`selforg.mplp.train`, `evaluate`, `zoo`): parse, build the
config, call, print. Options that set a config field default to None, so only what the user
typed changes the config (and, with --resume, is compared with the run's saved one). Nothing
here imports JAX.
"""

from __future__ import annotations

import argparse
import json

from selforg.core.cli import (
    Parser,
    add_common,
    add_iterations,
    base_config,
    positive_float,
    positive_int,
)
from selforg.core.config import replace
from selforg.core.errors import BadInput
from selforg.mplp.config import (
    ACTIVATIONS,
    PRESETS,
    TASKS,
    EvalConfig,
    TrainConfig,
    ZooConfig,
    preset,
)

MODEL_HELP = "a run folder, a protocol .npz, or zoo:NAME (`selforg mplp zoo` lists them)"


def _widths(text: str) -> tuple[int, ...]:
    try:
        out = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write widths like 1,40,40,1") from None
    if len(out) < 2 or min(out) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least two widths, all ≥ 1")
    return out


def _defaults(field: str) -> str:
    return ", ".join(f"{t} {getattr(PRESETS[t], field)}" for t in TASKS)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "mplp", help="learned learning rules: message passing that trains networks (MPLP)",
        description="MPLP: every op of a small network is an agent; a meta-learned protocol"
        " of messages trains the network without gradients.")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    t = verbs.add_parser("train", help="meta-train a protocol (sinusoid, fewshot, digits)",
                         description="Meta-train a protocol; the defaults are the paper's"
                         " settings for the task.")
    t.add_argument("task", choices=TASKS, help="the task (its preset sets every default)")
    add_iterations(t, PRESETS["sinusoid"].iterations)
    t.add_argument("--lr", type=positive_float, default=None,
                   help=f"outer Adam learning rate (default {_defaults('lr')})")
    t.add_argument("--widths", type=_widths, default=None,
                   help="the target network, e.g. 1,20,20,1 (default: the task's)")
    t.add_argument("--activation", choices=ACTIVATIONS, default=None,
                   help=f"target activation (default {_defaults('activation')})")
    t.add_argument("--inner-batch", type=positive_int, default=None,
                   help=f"examples per inner step (default {_defaults('inner_batch')})")
    t.add_argument("--inner-steps", type=positive_int, default=None,
                   help=f"inner steps per task (default {_defaults('inner_steps')})")
    t.add_argument("--outer-batch", type=positive_int, default=None,
                   help=f"tasks per meta-gradient (default {_defaults('outer_batch')})")
    t.add_argument("--pool", type=positive_int, default=None,
                   help=f"fixed initial networks (default {_defaults('pool')})")
    t.add_argument("--message-size", type=positive_int, default=None,
                   help=f"message channels M (default {_defaults('message_size')})")
    t.add_argument("--hidden", type=positive_int, default=None,
                   help=f"GRU hidden channels (default {_defaults('hidden')})")
    t.add_argument("--log-every", type=positive_int, default=None,
                   help=f"steps between records (default {_defaults('log_every')})")
    t.add_argument("--checkpoint-every", type=positive_int, default=None,
                   help=f"steps between checkpoints (default {_defaults('checkpoint_every')})")
    t.add_argument("--init", default=None, metavar="MODEL",
                   help="start from this protocol's learners (zoo:NAME or a run folder), e.g."
                   " a ReLU protocol meta-trained further on --activation step (default: fresh)")
    add_common(t)
    t.set_defaults(func=_train, make_config=train_config)

    e = verbs.add_parser("eval", help="MPLP against Adam and SGD on fresh tasks (JSON + plot)",
                         description="Mean loss per inner step over fresh tasks and networks"
                         " for MPLP, Adam and SGD on the same tasks, networks and steps.")
    e.add_argument("model", help=MODEL_HELP)
    e.add_argument("--tasks", type=positive_int, default=None, help="fresh tasks (default 100)")
    e.add_argument("--steps", type=positive_int, default=None,
                   help="inner steps (default: the trained horizon; more is allowed)")
    e.add_argument("--activation", choices=ACTIVATIONS, default=None,
                   help="target activation (default: the trained one); step = max(0, sign(x))")
    e.add_argument("--widths", type=_widths, default=None,
                   help="a target network other than the trained one, e.g. 1,40,40,1")
    e.add_argument("--adam-lr", type=positive_float, default=None,
                   help="Adam's learning rate (default 0.01)")
    e.add_argument("--sgd-lr", type=positive_float, default=None,
                   help="SGD's learning rate (default 0.1 digits, 0.05 otherwise)")
    add_common(e, resume=False)
    e.set_defaults(func=_eval)

    z = verbs.add_parser("zoo", help="list the shipped protocols and their commands")
    z.add_argument("--quiet", action="store_true", help="accepted for symmetry (no output"
                   " changes)")
    z.set_defaults(func=_zoo)


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The `TrainConfig` that ``mplp train`` options stand for (on a resumed run's own)."""
    base = base_config(args, type(PRESETS[args.task]), system="mplp", verb=args.task,
                       default=preset(args.task))
    if args.resume is not None and base.task != args.task:
        raise BadInput(f"--resume {args.resume} is a {base.task} run, not {args.task}")
    return replace(base, iterations=args.iterations, lr=args.lr, widths=args.widths,
                   activation=args.activation, inner_batch=args.inner_batch,
                   inner_steps=args.inner_steps, outer_batch=args.outer_batch, pool=args.pool,
                   message_size=args.message_size, hidden=args.hidden,
                   log_every=args.log_every, checkpoint_every=args.checkpoint_every,
                   seed=args.seed, init=args.init)


def _train(args: argparse.Namespace) -> int:
    from selforg.mplp.train import train

    cfg = train_config(args)
    res = train(cfg, out=args.out, resume=args.resume, quiet=args.quiet)
    m = res.metrics
    print(f"run folder {res.run_dir}: {res.steps} meta-steps in {res.seconds:.0f} s,"
          f" {res.parameters:,} meta-parameters, outer loss {m.get('loss', float('nan')):.4g}")
    c = res.curves
    print("loss after the last inner step on fresh tasks: " + ", ".join(
        f"{k} {v[-1]:.4g}" for k, v in c.items()))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from selforg.mplp.evaluate import evaluate

    cfg = replace(EvalConfig(args.model), tasks=args.tasks, steps=args.steps,
                  activation=args.activation, widths=args.widths, adam_lr=args.adam_lr,
                  sgd_lr=args.sgd_lr, seed=args.seed)
    res = evaluate(cfg, out=args.out, quiet=args.quiet)
    print(json.dumps({**res.curves, **({"accuracy": res.accuracy} if res.accuracy else {})}))
    print(f"wrote {res.run_dir}/eval.json and inner_loss.png ({res.seconds:.0f} s)")
    return 0


def _zoo(args: argparse.Namespace) -> int:
    from selforg.mplp.zoo import zoo

    res = zoo(ZooConfig())
    if not res.entries:
        print("the zoo is empty")
    for e in res.entries:
        print(f"zoo:{e.name}  ({e.task}) {e.description}\n    {e.command}")
    return 0
