"""``selforg nca ...``: grow / texture training, run, quantize, export, eval, contact-sheet,
zoo.

Each handler parses its options into the verb's config, calls the library function of the same
name in `selforg.nca` and prints the result. Options that set config fields default to None,
so a resumed run keeps its own settings and only what the user typed is compared with them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

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
    size_2d,
)
from selforg.core.config import replace
from selforg.core.errors import BadInput
from selforg.nca.config import (
    GROW_MODES,
    EvalConfig,
    ExportConfig,
    GrowConfig,
    QuantizeConfig,
    RunConfig,
    SheetConfig,
    TextureConfig,
    ZooConfig,
    paper_grow,
    paper_texture,
)

TEXTURE_MODELS = ("micro-68", "micro-150", "micro-264", "micro-588", "texture")


def _default(cls: type, name: str) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.default
    raise KeyError(name)


def _d(cls: type, name: str, text: str = "") -> str:
    """A help text ending in the config's own default, so the two cannot drift apart."""
    value = _default(cls, name)
    shown = "none" if value is None else value
    return f"{text} (default {shown})" if text else f"default {shown}"


def grow_config(args: argparse.Namespace) -> GrowConfig:
    """The `GrowConfig` that ``nca grow train`` options stand for (on a resumed run's own)."""
    default = paper_grow(GrowConfig()) if args.paper else None
    base = base_config(args, GrowConfig, system="nca", verb="grow", default=default)
    if args.paper and args.resume is not None:
        base = paper_grow(base)
    cfg = replace(base, target=args.target, mode=args.mode, seed=args.seed,
                  iterations=args.iterations, target_size=args.target_size, pad=args.pad,
                  batch=args.batch, pool_size=args.pool, min_steps=args.min_steps,
                  max_steps=args.max_steps, lr=args.lr, lr_decay_at=args.lr_decay_at,
                  damage_count=args.damage_count, reseed_every=args.reseed_every,
                  init=args.init)
    return cfg


def _grow_train(args: argparse.Namespace) -> int:
    from selforg.nca.grow import train_grow

    res = train_grow(grow_config(args), out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"{res.run_dir}  ({res.steps} iterations, loss {res.final_loss:.4g},"
          f" {res.seconds:.0f} s)")
    return 0


def texture_config(args: argparse.Namespace) -> TextureConfig:
    """The `TextureConfig` that ``nca texture train`` options stand for."""
    default = TextureConfig(model=args.model or _default(TextureConfig, "model"))
    if args.paper:
        default = paper_texture(default)
    base = base_config(args, TextureConfig, system="nca", verb="texture", default=default)
    if args.paper and args.resume is not None:
        base = paper_texture(base)
    cfg = replace(base, exemplar=args.image, model=args.model, seed=args.seed,
                  iterations=args.iterations, size=args.size, exemplar_size=args.exemplar_size,
                  batch=args.batch, pool_size=args.pool, min_steps=args.min_steps,
                  max_steps=args.max_steps, lr=args.lr, reseed_every=args.reseed_every,
                  stability_every=args.stability_every,
                  vgg_weights=str(args.vgg_weights) if args.vgg_weights else None)
    return cfg


def _texture_train(args: argparse.Namespace) -> int:
    from selforg.nca.texture import train_texture

    res = train_texture(texture_config(args), out=args.out, resume=args.resume,
                        quiet=args.quiet)
    print(f"{res.run_dir}  ({res.steps} iterations, loss {res.final_loss:.4g},"
          f" {res.seconds:.0f} s)")
    return 0


def _str(p: Path | None) -> str | None:
    return None if p is None else str(p)


def _run(args: argparse.Namespace) -> int:
    from selforg.nca.play import run

    cfg = replace(RunConfig(model=args.model), size=args.size, steps=args.steps,
                  every=args.every, seed=args.seed, angle=args.angle, damage_at=args.damage_at,
                  png=_str(args.png), gif=_str(args.gif), mp4=_str(args.mp4))
    res = run(cfg, out=args.out, quiet=args.quiet)
    print(res.run_dir)
    if not args.quiet:
        for p in res.files:
            print(f"  {p}")
    return 0


def _quantize(args: argparse.Namespace) -> int:
    from selforg.nca.codegen import quantize

    cfg = replace(QuantizeConfig(model=args.model), out=_str(args.out), steps=args.steps,
                  seed=args.seed)
    res = quantize(cfg, quiet=args.quiet)
    print(json.dumps(res.as_dict(), indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    from selforg.nca.codegen import export

    cfg = replace(ExportConfig(model=args.model), glsl=_str(args.glsl), c=_str(args.c))
    for p in export(cfg, quiet=args.quiet).files:
        print(p)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from selforg.nca.evaluation import evaluate

    res = evaluate(replace(EvalConfig(model=args.model), seed=args.seed), quiet=args.quiet)
    print(json.dumps(res.as_dict(), indent=2))
    return 0


def _sheet(args: argparse.Namespace) -> int:
    from selforg.nca.sheet import contact_sheet

    cfg = replace(SheetConfig(png=str(args.png)), models=tuple(args.models) or None,
                  steps=args.steps, seed=args.seed)
    res = contact_sheet(cfg, quiet=args.quiet)
    print(json.dumps(res.as_dict(), indent=2))
    return 0


def _zoo(args: argparse.Namespace) -> int:
    from selforg.nca.store import zoo

    for e in zoo(ZooConfig(kind=args.kind), quiet=args.quiet).entries:
        print(f"{e.name}\t{e.kind}\t{e.description}")
    return 0


def _size(text: str) -> tuple[int, int]:
    w, h = size_2d(text)
    if w > 4096 or h > 4096:
        raise argparse.ArgumentTypeError(f"{text}: sides must be ≤ 4096")
    return h, w


def _grow_parser(verbs) -> None:
    g = verbs.add_parser("grow", help="growing NCA").add_subparsers(
        dest="action", required=True, parser_class=Parser)
    gt = g.add_parser("train", help="train a growing NCA on an emoji name or RGBA image",
                      description="Grow an RGBA target from one cell (Mordvintsev et al.,"
                      " Distill 2020), CPU-sized by default; --paper for the published sizes.")
    G = GrowConfig
    gt.add_argument("target", nargs="?", default=None,
                    help=_d(G, "target", "emoji name (lizard, butterfly, ...) or image path"))
    gt.add_argument("--mode", choices=GROW_MODES, default=None, help=_d(G, "mode"))
    add_iterations(gt, _default(G, "iterations"))
    gt.add_argument("--target-size", type=positive_int, metavar="PX",
                    help=_d(G, "target_size", "target side in pixels"))
    gt.add_argument("--pad", type=nonneg_int, metavar="PX",
                    help=_d(G, "pad", "empty border around the target"))
    gt.add_argument("--batch", type=positive_int, metavar="N", help=_d(G, "batch"))
    gt.add_argument("--pool", type=positive_int, metavar="N", help=_d(G, "pool_size", "pool size"))
    gt.add_argument("--min-steps", type=positive_int, metavar="N",
                    help=_d(G, "min_steps", "shortest rollout"))
    gt.add_argument("--max-steps", type=positive_int, metavar="N",
                    help=_d(G, "max_steps", "rollouts are shorter than this"))
    gt.add_argument("--lr", type=positive_float, help=_d(G, "lr", "learning rate"))
    gt.add_argument("--lr-decay-at", type=positive_int, metavar="N",
                    help=_d(G, "lr_decay_at", "learning rate ×0.1 from this iteration"))
    gt.add_argument("--damage-count", type=nonneg_int, metavar="N",
                    help=_d(G, "damage_count", "samples damaged per batch (regenerating mode)"))
    gt.add_argument("--reseed-every", type=positive_int, metavar="N",
                    help=_d(G, "reseed_every",
                            "replace the batch's worst sample by the seed every N iterations"))
    gt.add_argument("--init", default=None, metavar="MODEL",
                    help="start from this growing model (zoo:NAME or a run folder) instead of"
                    " fresh weights: fine-tuning (default: fresh weights)")
    gt.add_argument("--paper", action="store_true",
                    help="the published sizes: 40 px + 16 pad, pool 1024, 64–96 steps, 8000"
                    " iterations (hours on a CPU)")
    add_common(gt, seed=_default(G, "seed"))
    add_devices(gt)
    gt.set_defaults(func=_grow_train, make_config=grow_config)


def _texture_parser(verbs) -> None:
    t = verbs.add_parser("texture", help="texture NCA and μNCA").add_subparsers(
        dest="action", required=True, parser_class=Parser)
    tt = t.add_parser("train", help="train a texture model on an exemplar",
                      description="Train a texture NCA or μNCA on an exemplar image with the"
                      " patch sliced-Wasserstein loss (or VGG16 Gram with --vgg-weights).")
    T = TextureConfig
    tt.add_argument("image", nargs="?", default=None,
                    help=_d(T, "exemplar", "built-in exemplar (brick, grass, gravel, ...) or"
                            " image path"))
    tt.add_argument("--model", choices=TEXTURE_MODELS, default=None, help=_d(T, "model"))
    add_iterations(tt, _default(T, "iterations"))
    tt.add_argument("--size", type=positive_int, metavar="PX",
                    help=_d(T, "size", "training grid side"))
    tt.add_argument("--exemplar-size", type=positive_int, metavar="PX",
                    help=_d(T, "exemplar_size", "exemplar side"))
    tt.add_argument("--batch", type=positive_int, metavar="N", help=_d(T, "batch"))
    tt.add_argument("--pool", type=positive_int, metavar="N", help=_d(T, "pool_size", "pool size"))
    tt.add_argument("--min-steps", type=positive_int, metavar="N",
                    help=_d(T, "min_steps", "shortest rollout"))
    tt.add_argument("--max-steps", type=positive_int, metavar="N",
                    help=_d(T, "max_steps", "rollouts are shorter than this"))
    tt.add_argument("--lr", type=positive_float, help=_d(T, "lr", "learning rate"))
    tt.add_argument("--reseed-every", type=positive_int, metavar="N",
                    help=_d(T, "reseed_every", "put a fresh seed into the pool every N"
                            " iterations"))
    tt.add_argument("--stability-every", type=nonneg_int, metavar="N",
                    help=_d(T, "stability_every", "score a 3000-step rollout every N iterations"
                            " and keep the best model as stable.npz; 0: never"))
    tt.add_argument("--vgg-weights", type=Path, default=None, metavar="FILE",
                    help="local VGG16 weights (.npz, or Keras .h5 with h5py): train on the Gram"
                    " style loss (default: none, the patch loss)")
    tt.add_argument("--paper", action="store_true",
                    help="the published sizes: 128² grid, 256² exemplar, longer rollouts,"
                    " 5k–10k iterations (hours on a CPU)")
    add_common(tt, seed=_default(T, "seed"))
    add_devices(tt)
    tt.set_defaults(func=_texture_train, make_config=texture_config)


def _run_parser(verbs) -> None:
    R = RunConfig
    r = verbs.add_parser("run", help="run a trained model: any size, steps, damage, rotation",
                         description="Roll a trained model out from its seed. Writes a run"
                         " folder (config.json, final.png, rollout.gif) and any file asked"
                         " for with --png/--gif/--mp4.")
    r.add_argument("model", help="run folder, checkpoint, μNCA .bin, or zoo:<name>"
                   " (see `selforg nca zoo`)")
    r.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="grid WxH or N (default: the grid it was trained on)")
    r.add_argument("--steps", type=nonneg_int, default=None, metavar="N", help=_d(R, "steps"))
    r.add_argument("--every", type=positive_int, default=None, metavar="N",
                   help=_d(R, "every", "a frame every N steps"))
    r.add_argument("--damage-at", type=nonneg_int, default=None, metavar="STEP",
                   help="erase a disc after this step (default: no damage)")
    r.add_argument("--angle", type=float, default=None, metavar="DEG",
                   help=_d(R, "angle", "rotate the perception by DEG degrees"))
    r.add_argument("--png", type=output_file, default=None, metavar="FILE",
                   help="also write the final image here (default: only the run folder's)")
    r.add_argument("--gif", type=output_file, default=None, metavar="FILE",
                   help="also write the frames as a GIF here (default: only the run folder's)")
    r.add_argument("--mp4", type=output_file, default=None, metavar="FILE",
                   help="write the frames as an H.264 MP4 here (default: none)")
    add_common(r, seed=_default(R, "seed"), resume=False)
    r.set_defaults(func=_run)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("nca", help="neural cellular automata: growing, textures, μNCA")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    _grow_parser(verbs)
    _texture_parser(verbs)
    _run_parser(verbs)

    Q = QuantizeConfig
    q = verbs.add_parser("quantize", help="μNCA to 1 byte per parameter; loss float vs int8")
    q.add_argument("model", help="μNCA run folder, checkpoint, .bin or zoo:<name>")
    q.add_argument("--out", type=output_file, default=None, metavar="FILE",
                   help="the byte file (default: quantized.bin in the model's run folder; for"
                   " a zoo model or a .bin, a new folder runs/nca-quantize/<time>-<name>/)")
    q.add_argument("--steps", type=positive_int, default=None, metavar="N",
                   help=_d(Q, "steps", "rollout steps of the float-vs-int8 comparison"))
    q.add_argument("--seed", type=int, default=None, metavar="N",
                   help=_d(Q, "seed", "seed of that rollout"))
    q.add_argument("--quiet", action="store_true", help="accepted by every verb")
    q.set_defaults(func=_quantize)

    x = verbs.add_parser("export", help="μNCA as a GLSL fragment shader and a standalone C program")
    x.add_argument("model", help="μNCA run folder, checkpoint, .bin or zoo:<name>")
    x.add_argument("--glsl", type=output_file, default=None, metavar="FILE",
                   help="write the shader (default: none)")
    x.add_argument("--c", type=output_file, default=None, metavar="FILE",
                   help="write the C program; build: cc -O2 -ffp-contract=off FILE; run:"
                   " ./prog WIDTH HEIGHT STEPS SEED OUT.ppm (default: none)")
    x.add_argument("--quiet", action="store_true", help="accepted by every verb")
    x.set_defaults(func=_export)

    E = EvalConfig
    e = verbs.add_parser("eval", help="texture distance / growing MSE as JSON")
    e.add_argument("model", help="run folder, checkpoint, .bin or zoo:<name>")
    e.add_argument("--seed", type=int, default=None, metavar="N",
                   help=_d(E, "seed", "seed of the evaluation rollouts"))
    e.add_argument("--quiet", action="store_true", help="accepted by every verb")
    e.set_defaults(func=_eval)

    S = SheetConfig
    c = verbs.add_parser("contact-sheet", help="the zoo textures beside their exemplars, as a PNG",
                         description="One row per zoo texture: exemplar | the model on its"
                         " training grid | on twice the side, each labelled with its patch and"
                         " structure distances and chroma; the numbers also print as JSON.")
    c.add_argument("models", nargs="*", metavar="NAME",
                   help="zoo texture names (default: every texture in the zoo)")
    c.add_argument("--png", type=output_file, required=True, metavar="FILE",
                   help="write the sheet here (required: there is no default)")
    c.add_argument("--steps", type=positive_int, default=None, metavar="N",
                   help=_d(S, "steps", "steps from the seed"))
    c.add_argument("--seed", type=int, default=None, metavar="N", help=_d(S, "seed"))
    c.add_argument("--quiet", action="store_true", help="accepted by every verb")
    c.set_defaults(func=_sheet)

    z = verbs.add_parser("zoo", help="list the trained models shipped with the package")
    z.add_argument("--kind", choices=("grow", "texture"), default=None,
                   help="only this kind (default: all)")
    z.add_argument("--quiet", action="store_true", help="accepted by every verb")
    z.set_defaults(func=_zoo)


__all__ = ["add_parser", "BadInput"]
