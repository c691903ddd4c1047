"""``selforg rd ...``: train, run, eval, zoo, gray-scott.

Each handler parses its options into the verb's config, calls the library function of the same
name in `selforg.rd` and prints the result. Options that set config fields default to None,
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
    add_iterations,
    base_config,
    nonneg_int,
    output_file,
    positive_float,
    positive_int,
    size_2d,
)
from selforg.core.config import replace
from selforg.rd.config import (
    DIFFUSION_MAPS,
    EvalConfig,
    GrayScottConfig,
    RunConfig,
    TrainConfig,
    ZooConfig,
)

# the names of `grayscott.PRESETS` (kept here so that --help needs no JAX; a test compares)
PRESET_NAMES = ("spots", "stripes", "mitosis", "coral", "maze", "holes", "chaos")


def _default(cls: type, name: str) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == name:
            if f.default is not dataclasses.MISSING:
                return f.default
            return f.default_factory()  # type: ignore[misc]
    raise KeyError(name)


def _d(cls: type, name: str, text: str = "") -> str:
    """A help text ending in the config's own default, so the two cannot drift apart."""
    value = _default(cls, name)
    shown = "none" if value is None else value
    return f"{text} (default {shown})" if text else f"default {shown}"


def nonneg_float(text: str) -> float:
    """argparse type: a finite float ≥ 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (need ≥ 0)") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number ≥ 0")
    return value


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The `TrainConfig` that ``rd train`` options stand for (on a resumed run's own)."""
    base = base_config(args, TrainConfig, system="rd", verb="train")
    return replace(base, exemplar=args.image, seed=args.seed, iterations=args.iterations,
                   size=args.size, exemplar_size=args.exemplar_size, batch=args.batch,
                   pool_size=args.pool, min_steps=args.min_steps, max_steps=args.max_steps,
                   lr=args.lr, reseed_every=args.reseed_every, diffusion=args.diffusion,
                   d_min=args.d_min, d_max=args.d_max)


def _train(args: argparse.Namespace) -> int:
    from selforg.rd.training import train_rd

    res = train_rd(train_config(args), out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"{res.run_dir}  ({res.steps} iterations, loss {res.final_loss:.4g},"
          f" {res.seconds:.0f} s)")
    return 0


def _str(p: Path | None) -> str | None:
    return None if p is None else str(p)


def _run(args: argparse.Namespace) -> int:
    from selforg.rd.play import run

    cfg = replace(RunConfig(model=args.model), size=args.size, steps=args.steps,
                  every=args.every, seed=args.seed, diffusion_scale=args.diffusion_scale,
                  diffusion_map=args.diffusion_map, map_max=args.map_max, png=_str(args.png),
                  gif=_str(args.gif), mp4=_str(args.mp4))
    res = run(cfg, out=args.out, quiet=args.quiet)
    print(res.run_dir)
    if not args.quiet:
        for p in res.files:
            print(f"  {p}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from selforg.rd.evaluation import evaluate

    res = evaluate(replace(EvalConfig(model=args.model), seed=args.seed), quiet=args.quiet)
    print(json.dumps(res.as_dict(), indent=2))
    return 0


def _zoo(args: argparse.Namespace) -> int:
    from selforg.rd.store import zoo

    for e in zoo(ZooConfig(), quiet=args.quiet).entries:
        print(f"{e.name}\t{e.description}")
    return 0


def _gray_scott(args: argparse.Namespace) -> int:
    from selforg.rd.grayscott import gray_scott

    cfg = replace(GrayScottConfig(), preset=args.preset, f=args.f, k=args.k, size=args.size,
                  steps=args.steps, every=args.every, start=args.start, seed=args.seed)
    res = gray_scott(cfg, out=args.out, quiet=args.quiet)
    print(f"{res.run_dir}  (F {res.f:g}, k {res.k:g}, {res.steps} steps,"
          f" v covers {100 * res.v_fraction:.0f} %)")
    return 0


def _size(text: str) -> tuple[int, int]:
    w, h = size_2d(text)
    if w > 4096 or h > 4096:
        raise argparse.ArgumentTypeError(f"{text}: sides must be ≤ 4096")
    return h, w


def _map(text: str) -> str:
    if text in DIFFUSION_MAPS or Path(text).is_file():
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is neither {' nor '.join(DIFFUSION_MAPS)} nor an"
                                     " image file")


def _train_parser(verbs) -> None:
    T = TrainConfig
    t = verbs.add_parser("train", help="train a reaction-diffusion texture on an exemplar",
                         description="Train a learned reaction-diffusion rule (8,320 params) on"
                         " an exemplar with the texture NCA's pool, truncated BPTT and patch"
                         " sliced-Wasserstein loss. CPU-sized by default.")
    t.add_argument("image", nargs="?", default=None,
                   help=_d(T, "exemplar", "built-in exemplar (brick, grass, gravel, ...; see"
                           " `selforg data`) or image path"))
    add_iterations(t, _default(T, "iterations"))
    t.add_argument("--size", type=positive_int, metavar="PX",
                   help=_d(T, "size", "training grid side"))
    t.add_argument("--exemplar-size", type=positive_int, metavar="PX",
                   help=_d(T, "exemplar_size", "exemplar side"))
    t.add_argument("--batch", type=positive_int, metavar="N", help=_d(T, "batch"))
    t.add_argument("--pool", type=positive_int, metavar="N", help=_d(T, "pool_size", "pool size"))
    t.add_argument("--min-steps", type=positive_int, metavar="N",
                   help=_d(T, "min_steps", "shortest rollout"))
    t.add_argument("--max-steps", type=positive_int, metavar="N",
                   help=_d(T, "max_steps", "rollouts are shorter than this"))
    t.add_argument("--lr", type=positive_float, help=_d(T, "lr", "learning rate"))
    t.add_argument("--reseed-every", type=positive_int, metavar="N",
                   help=_d(T, "reseed_every", "put fresh blobs into the pool every N iterations"))
    t.add_argument("--diffusion", choices=("fixed", "learned"), default=None,
                   help=_d(T, "diffusion", "per-channel D: a fixed log-spaced spread, or"
                           " learned through softplus"))
    t.add_argument("--d-min", type=float, metavar="D",
                   help=_d(T, "d_min", "smallest diffusion coefficient (≥ 0)"))
    t.add_argument("--d-max", type=float, metavar="D",
                   help=_d(T, "d_max", "largest diffusion coefficient"))
    add_common(t, seed=_default(T, "seed"))
    t.set_defaults(func=_train, make_config=train_config)


def _run_parser(verbs) -> None:
    R = RunConfig
    r = verbs.add_parser("run", help="run a trained rule: any size, diffusion scale or map",
                         description="Roll a trained rule out from random blobs. Writes a run"
                         " folder (config.json, final.png, rollout.gif, diffusion_map.png) and"
                         " any file asked for with --png/--gif/--mp4.")
    r.add_argument("model", help="run folder or zoo:<name> (see `selforg rd zoo`)")
    r.add_argument("--size", type=_size, default=None, metavar="WxH",
                   help="grid WxH or N (default: the grid it was trained on)")
    r.add_argument("--steps", type=nonneg_int, default=None, metavar="N", help=_d(R, "steps"))
    r.add_argument("--every", type=positive_int, default=None, metavar="N",
                   help=_d(R, "every", "a frame every N steps"))
    r.add_argument("--diffusion-scale", type=nonneg_float, default=None, metavar="C",
                   help=_d(R, "diffusion_scale", "multiply every D by C (the pattern scale by"
                           " √C)"))
    r.add_argument("--diffusion-map", type=_map, default=None, metavar="MAP",
                   help="ramp (×1 at the left to ×MAX at the right), radial (×1 at the centre"
                   " to ×MAX at the corners) or a greyscale image (black ×1, white ×MAX)"
                   " (default: none)")
    r.add_argument("--map-max", type=positive_float, default=None, metavar="MAX",
                   help=_d(R, "map_max", "the map's largest factor"))
    r.add_argument("--png", type=output_file, default=None, metavar="FILE",
                   help="also write the final image here (default: only the run folder's)")
    r.add_argument("--gif", type=output_file, default=None, metavar="FILE",
                   help="also write the frames as a GIF here (default: only the run folder's)")
    r.add_argument("--mp4", type=output_file, default=None, metavar="FILE",
                   help="write the frames as an H.264 MP4 here (default: none)")
    add_common(r, seed=_default(R, "seed"), resume=False)
    r.set_defaults(func=_run)


def _gray_scott_parser(verbs) -> None:
    G = GrayScottConfig
    g = verbs.add_parser("gray-scott", help="the Gray–Scott model: spots, stripes, mitosis...",
                         description="Two-species Gray–Scott reaction-diffusion (Du = 1,"
                         " Dv = 0.5, the /16 9-point Laplacian, dt = 1). Writes final.png,"
                         " state.npy (2, H, W: u, v) and rollout.gif.")
    g.add_argument("--preset", choices=PRESET_NAMES, default=None,
                   help=_d(G, "preset", "a textbook (F, k) regime"))
    g.add_argument("--f", type=nonneg_float, default=None, metavar="F",
                   help="feed rate (default: the preset's)")
    g.add_argument("--k", type=nonneg_float, default=None, metavar="K",
                   help="kill rate (default: the preset's)")
    g.add_argument("--size", type=positive_int, default=None, metavar="N",
                   help=_d(G, "size", "grid side"))
    g.add_argument("--steps", type=nonneg_int, default=None, metavar="S", help=_d(G, "steps"))
    g.add_argument("--every", type=positive_int, default=None, metavar="N",
                   help=_d(G, "every", "a GIF frame every N steps"))
    g.add_argument("--start", choices=("square", "gaussian"), default=None,
                   help=_d(G, "start", "initial state: Pearson's square or the demo's Gaussian"
                           " blob"))
    add_common(g, seed=_default(G, "seed"), resume=False)
    g.set_defaults(func=_gray_scott)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("rd", help="differentiable reaction-diffusion textures, Gray–Scott")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    _train_parser(verbs)
    _run_parser(verbs)
    E = EvalConfig
    e = verbs.add_parser("eval", help="texture distance at the training horizon and at 10×,"
                         " as JSON")
    e.add_argument("model", help="run folder or zoo:<name>")
    e.add_argument("--seed", type=int, default=None, metavar="N",
                   help=_d(E, "seed", "seed of the evaluation rollouts"))
    e.add_argument("--quiet", action="store_true", help="accepted by every verb")
    e.set_defaults(func=_eval)
    z = verbs.add_parser("zoo", help="list the trained RD textures shipped with the package")
    z.add_argument("--quiet", action="store_true", help="accepted by every verb")
    z.set_defaults(func=_zoo)
    _gray_scott_parser(verbs)


__all__ = ["add_parser"]
