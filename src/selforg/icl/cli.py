"""``selforg icl <verb>``: in-context learning experiments, each writing a run folder.

Each verb parses its options into a config, calls its function in `selforg.icl` (``gd`` ->
`gd`, ...) and prints the result's key numbers. Options that set config fields default to
None, so with ``--resume`` only the options typed are compared with the run's saved config.
"""

from __future__ import annotations

import argparse
import json

from selforg.core.cli import (
    Parser,
    add_common,
    add_devices,
    add_iterations,
    base_config,
    existing_path,
    positive_float,
    positive_int,
)
from selforg.core.config import replace

MODELS = ("lsa1", "lsa2", "lsa4", "lsa6", "mesa1")
FEWSHOT_MODELS = ("lsa1", "lsa2", "mesa1")
KINDS = ("full", "partial", "nonlinear")


def _config_class(name: str):
    from selforg.icl import config

    return getattr(config, name)


def _train_options(p: argparse.ArgumentParser, cls_name: str, *, eval_only: bool = False,
                   lr_note: str = "") -> None:
    # The defaults shown are read from the config class itself, so help and config agree.
    import dataclasses

    from selforg.icl import config

    fields = {f.name: f.default for f in dataclasses.fields(getattr(config, cls_name))}
    add_iterations(p, fields["steps"], aliases=("--steps",))
    p.add_argument("--batch", type=positive_int, default=None, metavar="N",
                   help=f"tasks per step (default {fields['batch']})")
    p.add_argument("--lr", type=positive_float, default=None,
                   help=f"learning rate (default {fields['lr']:g}{lr_note})")
    add_common(p, seed=fields["seed"])
    add_devices(p)
    if eval_only:
        p.add_argument("--eval-only", action="store_true",
                       help="with --resume DIR: evaluate DIR's latest checkpoint, no training")


def _config(args, cls_name: str, verb: str, default=None, **options):
    cls = _config_class(cls_name)
    base = base_config(args, cls, system="icl", verb=verb, default=default)
    return replace(base, steps=args.iterations, batch=args.batch, lr=args.lr, seed=args.seed,
                   **options)


def _report(result, keys: tuple[str, ...]) -> None:
    summary = result.summary()
    print(json.dumps({k: summary[k] for k in keys if k in summary}, indent=1))
    print(f"results: {result.run_dir / 'results.json'}  plots: {result.run_dir / 'plots'}")


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (need >= 0)") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number >= 0")
    return value


def _gd(args) -> int:
    from selforg.icl import gd

    cfg = _config(args, "RegressionConfig", "gd", stop_tolerance=args.stop_tolerance)
    res = gd(cfg, out=args.out, quiet=args.quiet, resume=args.resume,
                 eval_only=args.eval_only)
    _report(res, ("loss_trained", "loss_gd", "model_cos", "preds_diff", "model_diff", "eta_gd",
                  "steps_to_match_gd_1pct", "steps_done", "train_seconds"))
    return 0


def _gdpp(args) -> int:
    from selforg.icl import gdpp

    tied, lr = args.tied, args.lr
    if args.resume is None:
        # --layers K alone means K untied layers; 3+ layers train at half the learning rate
        tied = tied if tied is not None else args.layers is None
        if lr is None and (args.layers or 2) >= 3:
            lr = 5e-4
    cfg = _config(args, "GDPPConfig", "gdpp", layers=args.layers, tied=tied)
    cfg = replace(cfg, lr=lr)
    res = gdpp(cfg, out=args.out, quiet=args.quiet, resume=args.resume,
                   eval_only=args.eval_only)
    _report(res, ("layers", "tied", "loss_trained", "loss_gd", "loss_gdpp", "eta_gdpp",
                  "gamma_gdpp", "model_cos_gd", "model_cos_gdpp", "steps_done",
                  "train_seconds"))
    return 0


def _models(text: str) -> tuple[str, ...]:
    names = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [n for n in names if n not in MODELS]
    if bad or not names:
        raise argparse.ArgumentTypeError(
            f"unknown model(s) {', '.join(bad) or repr(text)}; choose from {', '.join(MODELS)}")
    return names


def _mesa(args) -> int:
    from selforg.icl import MesaConfig, mesa

    default = None
    if args.paper and args.resume is None:
        default = replace(MesaConfig(), models=MODELS, batch=256, steps=20000)
    cfg = _config(args, "MesaConfig", "mesa", default, models=args.models, kind=args.kind)
    res = mesa(cfg, out=args.out, quiet=args.quiet, resume=args.resume,
                   eval_only=args.eval_only)
    _report(res, ("mean_loss", "steps_done", "train_seconds"))
    return 0


def _sine(args) -> int:
    from selforg.icl import sine

    res = sine(_config(args, "SineConfig", "sine"), out=args.out, quiet=args.quiet,
                   resume=args.resume)
    _report(res, ("loss_lsa", "loss_gd_features", "preds_diff", "train_seconds"))
    return 0


def _softmax(args) -> int:
    from selforg.icl import softmax

    res = softmax(_config(args, "SoftmaxConfig", "softmax"), out=args.out,
                      quiet=args.quiet, resume=args.resume)
    _report(res, ("loss_gd", "loss_heads", "train_seconds"))
    return 0


def _fewshot(args) -> int:
    from selforg.icl import fewshot

    source = str(args.from_run) if args.from_run is not None else None
    cfg = _config(args, "FewshotConfig", "fewshot", model=args.model, source=source)
    res = fewshot(cfg, out=args.out, quiet=args.quiet, resume=args.resume)
    _report(res, ("label_loss", "label_loss_eop", "train_seconds"))
    return 0


def add_parser(subparsers) -> None:
    """Register ``selforg icl`` and its verbs."""
    p = subparsers.add_parser(
        "icl", help="transformers learn in context by gradient descent",
        description="In-context learning (von Oswald et al. 2023): trained attention layers"
        " compared with the gradient-descent constructions. Every verb writes a run folder"
        " (results.json, plots/, checkpoints/) and prints its key numbers.")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    v = verbs.add_parser("gd", help="1-layer linear self-attention vs one step of GD",
                         description="Train a 1-layer LSA on fresh in-context regression tasks"
                         " until it matches GD-1 on its training batches (at most --iterations"
                         " steps) and compare it with one GD step (loss, model cosine, OOD,"
                         " weights). --resume DIR --iterations N --stop-tolerance 0 extends a"
                         " finished run.")
    _train_options(v, "RegressionConfig", eval_only=True)
    defaults = _config_class("RegressionConfig")()
    v.add_argument("--stop-tolerance", type=_tolerance, default=None, metavar="TOL",
                   help="stop once the training loss, over GD-1's on the same batches and"
                   f" averaged over the last {defaults.stop_window} logged steps, is below"
                   f" 1 + TOL; 0 trains every step (default {defaults.stop_tolerance:g})")
    v.set_defaults(func=_gd)

    v = verbs.add_parser("gdpp", help="weight-tied 2-layer LSA vs GD-2 vs GD++",
                         description="A K-layer LSA against K GD steps and GD++ (learned step"
                         " size and curvature correction). --resume DIR --iterations N extends"
                         " a finished run.")
    v.add_argument("--layers", type=positive_int, default=None, metavar="K",
                   help="K layers, untied unless --tied (default 2, tied)")
    v.add_argument("--tied", action=argparse.BooleanOptionalAction, default=None,
                   help="share one layer's weights across the K layers (default: tied for"
                   " the default 2 layers, untied when --layers is given)")
    _train_options(v, "GDPPConfig", eval_only=True, lr_note="; 5e-4 for 3+ layers")
    v.set_defaults(func=_gdpp)

    v = verbs.add_parser(
        "mesa", help="constructed-token sequence models vs GD-1 and ridge LSQ",
        description="Sequence models on linear dynamics (the models of --models, each in its"
        " own part folder) against causal GD-1 and ridge least squares. Models of 3+ layers"
        " train at half of --lr. The learning rate decays (warm-up + cosine) over the run's"
        " --iterations, so a finished run cannot be extended; --resume continues an"
        " interrupted one. Measured runs and their times: docs/icl.md.")
    v.add_argument("--models", type=_models, default=None,
                   help=f"comma-separated subset of {','.join(MODELS)} (default lsa1,mesa1)")
    v.add_argument("--kind", choices=KINDS, default=None,
                   help="dynamics: full (10 observed states), partial (15 hidden, 5 observed)"
                   " or nonlinear (default full)")
    v.add_argument("--paper", action="store_true",
                   help="paper-size run: all models, batch 256, 20000 iterations (hours on a"
                   " CPU)")
    _train_options(v, "MesaConfig", eval_only=True)
    v.set_defaults(func=_mesa)

    v = verbs.add_parser("sine", help="sine regression: MLP features + LSA vs GD on features",
                         description="Learned features + one LSA layer against the same"
                         " features adapted by one explicit GD step. --resume DIR --iterations"
                         " N extends a finished run.")
    _train_options(v, "SineConfig")
    v.set_defaults(func=_sine)

    v = verbs.add_parser("softmax", help="softmax attention with 1 vs 2 heads vs GD-1",
                         description="One softmax self-attention layer per head count (1, 2)"
                         " against GD-1. --resume DIR --iterations N extends a finished run.")
    _train_options(v, "SoftmaxConfig")
    v.set_defaults(func=_softmax)

    v = verbs.add_parser("fewshot", help="a dynamics-trained model prompted with (x, y) pairs",
                         description="A sequence model trained on linear dynamics only, then"
                         " prompted with regression pairs [x1, y1, x2, y2, ...]. The learning"
                         " rate decays over --iterations, so a finished run cannot be"
                         " extended.")
    v.add_argument("--model", choices=FEWSHOT_MODELS, default=None,
                   help="the sequence model (default mesa1)")
    v.add_argument("--from-run", type=existing_path, default=None, metavar="DIR",
                   help="prompt the model trained by this 'selforg icl mesa' run (no training)")
    _train_options(v, "FewshotConfig")
    v.set_defaults(func=_fewshot)
