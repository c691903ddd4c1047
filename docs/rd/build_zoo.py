"""Make the rd zoo from training runs: copy each run's model into the package, measure it
(`selforg rd eval`, the wavelength under D and 4·D), write ``index.json``, the contact sheet
``docs/rd/zoo_textures.png`` (exemplar | at the training horizon | at 10× | 10× on a 128² grid)
and the diffusion figures (`figures`).

    python docs/rd/build_zoo.py NAME=RUN_DIR [NAME=RUN_DIR ...] [--only NAME ...] [--ramp NAME]

Each NAME's description and command come from `ENTRIES`; the run's config must be the one the
command makes (the zoo tests check it). The README table is written to stdout, to paste.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
from pathlib import Path

import numpy as np

from selforg.cli import build_parser
from selforg.core import media
from selforg.core.config import to_dict
from selforg.core.runs import wall_seconds
from selforg.nca.images import load_exemplar
from selforg.rd.config import EvalConfig, RunConfig
from selforg.rd.evaluation import evaluate
from selforg.rd.play import run_map
from selforg.rd.rollout import simulate
from selforg.rd.spectrum import dominant_wavelength
from selforg.rd.store import load_model, zoo_dir, zoo_index

ROOT = Path(__file__).resolve().parents[2]

ENTRIES: dict[str, tuple[str, str]] = {
    "dots": ("regular: polka dots (the built-in 'dots' pattern at 96 px), 48² grid",
             "selforg rd train dots --size 48 --exemplar-size 96 --iterations 4000"),
    "maze": ("random: a labyrinth (the built-in 'maze' pattern), 48² grid",
             "selforg rd train maze --size 48 --exemplar-size 128 --iterations 1500"),
    "stripes": ("stripy: wavy bands (the built-in 'stripes' pattern), 48² grid",
                "selforg rd train stripes --size 48 --exemplar-size 128 --iterations 1200"),
    "cells": ("cellular: Voronoi cells with dark borders (the built-in 'cells' pattern at"
              " 96 px), 48² grid",
              "selforg rd train cells --size 48 --exemplar-size 96 --iterations 1500"),
}



def add(name: str, run: Path) -> dict:
    description, command = ENTRIES[name]
    argv = shlex.split(command)
    args = build_parser(argv[1:]).parse_args(argv[1:])
    want = to_dict(args.make_config(args))
    loaded = load_model(run)
    got = to_dict(loaded.config)
    if got != want:
        raise SystemExit(f"{run}: its config is not what `{command}` makes")
    shutil.copyfile(run / "model.npz", zoo_dir() / f"{name}.npz")
    ev = evaluate(EvalConfig(model=str(run))).as_dict()
    lengths = {}
    steps = 10 * loaded.config.max_steps
    for label, scale in (("D", 1.0), ("4D", 4.0)):
        state, _ = simulate(loaded.model, size=(128, 128), steps=steps, every=steps, dmap=scale)
        lengths[label] = round(dominant_wavelength(np.asarray(loaded.model.rgb(state))), 2)
    lengths["ratio"] = round(lengths["4D"] / lengths["D"], 3)
    return {
        "file": f"{name}.npz",
        "description": description,
        "command": command,
        "eval_command": f"selforg rd eval zoo:{name}",
        "config": want,
        "iterations": loaded.config.iterations,
        "train_seconds": round(wall_seconds(
            [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()
             if line.strip()])),
        "eval": {k: round(v, 6) if isinstance(v, float) else v for k, v in ev.items()
                 if k in ("horizon", "distance_horizon", "distance_10x", "floor", "ceiling")},
        "structure": {k: round(v, 4) for k, v in (ev.get("structure") or {}).items()},
        "chroma": {k: round(v, 4) for k, v in (ev.get("chroma") or {}).items()},
        "wavelength_128": lengths,
    }


def sheet(index: dict, path: Path) -> None:
    """exemplar crop | horizon | 10× horizon | 10× on 128² (2× upscaled small grids)."""
    rows = []
    side = 128
    for name in index:
        m = load_model(f"zoo:{name}")
        cfg = m.config
        ex = load_exemplar(cfg.exemplar, cfg.exemplar_size)
        crop = media.resize(ex[:side, :side], side) if ex.shape[0] >= side else \
            media.resize(ex, side)
        h = cfg.max_steps
        _, f1 = simulate(m.model, size=(cfg.size, cfg.size), steps=10 * h, every=h)
        _, big = simulate(m.model, size=(side, side), steps=10 * h, every=10 * h)
        tiles = [crop, media.resize(f1[1], side), media.resize(f1[-1], side), big[-1]]
        rows.append(np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=1.0)
                                    for t in tiles], axis=1))
    media.save_png(path, np.concatenate(rows, axis=0))


def figures(index: dict, ramp: str) -> None:
    """``diffusion_scale.png`` (each zoo rule at D and at 4·D, 128², 10× horizon) and
    ``diffusion_ramp_<ramp>.png`` / ``diffusion_radial_<ramp>.png`` (the `ramp` rule under a
    map from D × 1 to D × 4)."""
    pad = ((2, 2), (2, 2), (0, 0))
    rows = []
    for name in index:
        m = load_model(f"zoo:{name}")
        steps = 10 * m.config.max_steps
        pics = [simulate(m.model, size=(128, 128), steps=steps, every=steps, dmap=c)[1][-1]
                for c in (1.0, 4.0)]
        rows.append(np.concatenate([np.pad(p, pad, constant_values=1.0) for p in pics], 1))
    media.save_png(ROOT / "docs" / "rd" / "diffusion_scale.png", np.concatenate(rows, 0))
    m = load_model(f"zoo:{ramp}")
    steps = 10 * m.config.max_steps
    for kind, size in (("ramp", (96, 320)), ("radial", (192, 192))):
        rc = RunConfig(model=f"zoo:{ramp}", size=size, diffusion_map=kind, map_max=4.0)
        _, frames = simulate(m.model, size=size, steps=steps, every=steps,
                             dmap=run_map(rc, size))
        media.save_png(ROOT / "docs" / "rd" / f"diffusion_{kind}_{ramp}.png",
                       media.upscale(frames[-1], 2))


HEADER = """# rd zoo: learned reaction-diffusion textures

Each file is the rule alone (8,320 float parameters: w1 32×128, b1 128, w2 128×32; D is the
fixed log-spaced spread d_min..d_max of its config), a core checkpoint loaded by
`selforg rd run zoo:NAME`. `index.json` holds each model's full config, the command that
trained it, its training time and its `selforg rd eval` numbers. `docs/rd/build_zoo.py` makes
this folder from the training runs.

The exemplars are the pattern classes of the paper's figure (polka-dotted, lined, a random
labyrinth, cellular), drawn by `selforg.core.patterns` (`selforg data list`), at a scale
where their period is 8–9 px: the period that the default diffusion spread (0.025..0.25)
forms within a training rollout.

Columns: `distance_*` is the evaluation texture distance of `nca eval` (patch sliced
Wasserstein, fixed projections) after the training horizon (the longest training rollout) and
after 10× that, from random blobs; `floor` is a random crop of the exemplar itself, `ceiling`
uniform noise. `structure` is the second judge (`selforg.core.texture_judge`: log power
shares over scales and orientations) at 10× the horizon, beside the exemplar's own crops
(`floor`) and those crops turned by 90° (`rot`): a rule whose every part is isotropic picks no
global orientation, so `rot` is its bar on an oriented exemplar. `chroma` is the mean chroma
of the texture and the exemplar's. `λ(D)`, `λ(4D)`: dominant wavelength (cells, first moment
of the radial power spectrum, 128² grid, 10× horizon) with every D scaled by 1 and by 4; the
PDE predicts a ratio of 2.

The contact sheet (exemplar | at the training horizon | at 10× | at 10× on a 128² grid) is
`docs/rd/zoo_textures.png` in the repository.

The seed: maze, stripes and cells were trained from the earlier sparse seed (one blob per
16×16 cells, σ 1.5–4), zoo:dots for its first 3,000 iterations too, then continued to 4,000
(`--resume RUN --iterations 4000`) from the current dense one (one blob per 4×4 cells, σ
0.7–1.5; `selforg.rd.model.SEED_PER_AREA`). Every number here is measured from the dense
seed: the pool teaches a rule to keep its pattern, whatever seed began it, and from the dense
seed the pattern fills the grid by the horizon without the target rings the sparse one left.

"""
COLUMNS = ("model", "exemplar", "iterations", "train time", "distance_horizon", "distance_10x",
           "floor", "ceiling", "structure", "floor", "rot", "chroma", "exemplar chroma", "λ(D)",
           "λ(4D)", "ratio")


def readme(index: dict) -> str:
    rows = []
    for name, e in index.items():
        ev, s, w, c = e["eval"], e.get("structure", {}), e["wavelength_128"], e["chroma"]
        rows.append(
            f"| zoo:{name} | {e['config']['exemplar']} ({e['config']['size']}² grid) |"
            f" {e['iterations']} | {round(e['train_seconds'] / 60)} min |"
            f" {ev['distance_horizon']:.4f} | {ev['distance_10x']:.4f} | {ev['floor']:.4f} |"
            f" {ev['ceiling']:.4f} | {s['distance_10x']:.2f} | {s['floor']:.2f} |"
            f" {s['rotated']:.2f} | {c['model']:.3f} | {c['exemplar']:.3f} |"
            f" {w['D']} | {w['4D']} | {w['ratio']:.2f} |")
    cmds = "\n".join(f"- zoo:{name} — {e['description']}\n\n  ```\n  {e['command']}\n  ```\n"
                     for name, e in index.items())
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS), *rows]
    return HEADER + "\n".join(table) + "\n\nCommands:\n\n" + cmds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="*", help="NAME=RUN_DIR")
    ap.add_argument("--only", nargs="*", help="keep only these names in the index, in order")
    ap.add_argument("--sheet-only", action="store_true")
    ap.add_argument("--ramp", default="dots", help="the rule shown under the diffusion maps")
    args = ap.parse_args()
    index = zoo_index()
    for spec in args.runs:
        name, run = spec.split("=", 1)
        index[name] = add(name, Path(run))
        print(f"{name}: {json.dumps(index[name]['eval'])}", flush=True)
    if args.only:
        for gone in set(index) - set(args.only):
            (zoo_dir() / index[gone]["file"]).unlink(missing_ok=True)
        index = {n: index[n] for n in args.only}
    if not args.sheet_only:
        (zoo_dir() / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    sheet(index, ROOT / "docs" / "rd" / "zoo_textures.png")
    figures(index, args.ramp)
    if not args.sheet_only:
        (zoo_dir() / "README.md").write_text(readme(index), encoding="utf-8")


if __name__ == "__main__":
    main()
