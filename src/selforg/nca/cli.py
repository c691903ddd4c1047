"""``selforg nca ...``: grow / texture training, run, quantize, eval, zoo (thin CLI)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from selforg.core.cli import Parser, add_common, nonneg_int, positive_float, positive_int, size_2d
from selforg.core.config import replace
from selforg.core.errors import BadInput


def _grow_train(args: argparse.Namespace) -> int:
    from selforg.nca.config import GrowConfig, paper_grow
    from selforg.nca.grow import train_grow

    cfg = GrowConfig()
    if args.paper:
        cfg = paper_grow(cfg)
    cfg = replace(cfg, target=args.target, mode=args.mode, seed=args.seed,
                  iterations=args.iterations, target_size=args.target_size, pad=args.pad,
                  batch=args.batch, pool_size=args.pool, min_steps=args.min_steps,
                  max_steps=args.max_steps, lr=args.lr, lr_decay_at=args.lr_decay_at,
                  damage_count=args.damage_count, reseed_every=args.reseed_every)
    res = train_grow(cfg, out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"{res.run_dir}  ({res.steps} iterations, loss {res.final_loss:.4g},"
          f" {res.seconds:.0f} s)")
    return 0


def _texture_train(args: argparse.Namespace) -> int:
    from selforg.nca.config import TextureConfig, paper_texture
    from selforg.nca.texture import train_texture

    cfg = TextureConfig(model=args.model or TextureConfig.model)
    if args.paper:
        cfg = paper_texture(cfg)
    cfg = replace(cfg, exemplar=args.image, seed=args.seed, iterations=args.iterations,
                  size=args.size, exemplar_size=args.exemplar_size, batch=args.batch,
                  pool_size=args.pool, min_steps=args.min_steps, max_steps=args.max_steps,
                  lr=args.lr, stability_every=args.stability_every,
                  vgg_weights=str(args.vgg_weights) if args.vgg_weights else None)
    res = train_texture(cfg, out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"{res.run_dir}  ({res.steps} iterations, loss {res.final_loss:.4g},"
          f" {res.seconds:.0f} s)")
    return 0


def _run(args: argparse.Namespace) -> int:
    from selforg.nca.play import render

    written = render(args.model, size=args.size, steps=args.steps, every=args.every,
                     seed=args.seed, angle=math.radians(args.angle), damage_at=args.damage_at,
                     png=args.png, gif=args.gif, mp4=args.mp4)
    for p in written:
        print(p)
    return 0


def _quantize(args: argparse.Namespace) -> int:
    from selforg.nca.evaluate import quantize_model

    print(json.dumps(quantize_model(args.model, out=args.out), indent=2))
    return 0


def _export(args: argparse.Namespace) -> int:
    from selforg.nca.export import export

    for p in export(args.model, glsl=args.glsl, c=args.c):
        print(p)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from selforg.nca.evaluate import evaluate

    print(json.dumps(evaluate(args.model, seed=args.seed), indent=2))
    return 0


def _zoo(args: argparse.Namespace) -> int:
    from selforg.nca.store import zoo_index

    for name, e in zoo_index().items():
        print(f"{name}\t{e['kind']}\t{e.get('description', '')}")
    return 0


def _size(text: str) -> tuple[int, int]:
    w, h = size_2d(text)
    if w > 4096 or h > 4096:
        raise argparse.ArgumentTypeError(f"{text}: sides must be ≤ 4096")
    return h, w


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("nca", help="neural cellular automata: growing, textures, μNCA")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)

    g = verbs.add_parser("grow", help="growing NCA").add_subparsers(
        dest="action", required=True, parser_class=Parser)
    gt = g.add_parser("train", help="train a growing NCA on an emoji name or RGBA image")
    gt.add_argument("target", help="emoji name (lizard, butterfly, ...) or image path")
    gt.add_argument("--mode", choices=("growing", "persistent", "regenerating"), default=None)
    gt.add_argument("--iterations", type=positive_int)
    gt.add_argument("--target-size", type=positive_int, help="target side in px (default 24)")
    gt.add_argument("--pad", type=nonneg_int)
    gt.add_argument("--batch", type=positive_int)
    gt.add_argument("--pool", type=positive_int)
    gt.add_argument("--min-steps", type=positive_int)
    gt.add_argument("--max-steps", type=positive_int)
    gt.add_argument("--lr", type=positive_float)
    gt.add_argument("--lr-decay-at", type=positive_int, help="lr ×0.1 from this iteration")
    gt.add_argument("--damage-count", type=nonneg_int, help="samples damaged per batch")
    gt.add_argument("--reseed-every", type=positive_int,
                    help="replace the batch's worst sample by the seed every N iterations (1)")
    gt.add_argument("--paper", action="store_true", help="the published sizes (hours on a CPU)")
    add_common(gt)
    gt.set_defaults(func=_grow_train)

    t = verbs.add_parser("texture", help="texture NCA and μNCA").add_subparsers(
        dest="action", required=True, parser_class=Parser)
    tt = t.add_parser("train", help="train a texture model on an exemplar")
    tt.add_argument("image", help="built-in exemplar (brick, grass, gravel, ...) or image path")
    tt.add_argument("--model", choices=("micro-68", "micro-150", "micro-264", "micro-588",
                                        "texture"), default=None)
    tt.add_argument("--iterations", type=positive_int)
    tt.add_argument("--size", type=positive_int, help="training grid side (default 64)")
    tt.add_argument("--exemplar-size", type=positive_int, help="exemplar side (default 128)")
    tt.add_argument("--batch", type=positive_int)
    tt.add_argument("--pool", type=positive_int)
    tt.add_argument("--min-steps", type=positive_int)
    tt.add_argument("--max-steps", type=positive_int)
    tt.add_argument("--lr", type=positive_float)
    tt.add_argument("--stability-every", type=nonneg_int,
                    help="score a 3000-step rollout this often and keep the best (0: never)")
    tt.add_argument("--vgg-weights", type=Path, default=None, metavar="FILE",
                    help="local VGG16 weights (.npz, or Keras .h5 with h5py): Gram style loss")
    tt.add_argument("--paper", action="store_true", help="the published sizes (hours on a CPU)")
    add_common(tt)
    tt.set_defaults(func=_texture_train)

    r = verbs.add_parser("run", help="run a trained model: any size, steps, damage, rotation")
    r.add_argument("model", help="run folder, checkpoint, μNCA .bin, or zoo:<name>")
    r.add_argument("--size", type=_size, default=None, help="grid WxH or N (default: training)")
    r.add_argument("--steps", type=nonneg_int, default=500)
    r.add_argument("--every", type=positive_int, default=5, help="frame every N steps")
    r.add_argument("--damage-at", type=nonneg_int, default=None, help="erase a disc at this step")
    r.add_argument("--angle", type=float, default=0.0, help="rotate the perception (degrees)")
    r.add_argument("--png", type=Path, default=None, help="final image (default nca-run.png)")
    r.add_argument("--gif", type=Path, default=None)
    r.add_argument("--mp4", type=Path, default=None)
    r.add_argument("--seed", type=int, default=0)
    r.set_defaults(func=_run)

    q = verbs.add_parser("quantize", help="μNCA to 1 byte per parameter; loss float vs int8")
    q.add_argument("model", help="μNCA run folder, checkpoint or zoo:<name>")
    q.add_argument("--out", type=Path, default=None, help="byte file (default next to it)")
    q.set_defaults(func=_quantize)

    x = verbs.add_parser("export", help="μNCA as a GLSL fragment shader and a standalone C program")
    x.add_argument("model", help="μNCA run folder, checkpoint, .bin or zoo:<name>")
    x.add_argument("--glsl", type=Path, default=None, metavar="FILE", help="write the shader")
    x.add_argument("--c", type=Path, default=None, metavar="FILE",
                   help="write the C program (build: cc -O2 -ffp-contract=off FILE)")
    x.set_defaults(func=_export)

    e = verbs.add_parser("eval", help="texture distance / growing MSE as JSON")
    e.add_argument("model", help="run folder, checkpoint or zoo:<name>")
    e.add_argument("--seed", type=int, default=0)
    e.set_defaults(func=_eval)

    z = verbs.add_parser("zoo", help="list the trained models shipped with the package")
    z.set_defaults(func=_zoo)


__all__ = ["add_parser", "BadInput"]
