"""``selforg mesh ...``: train a texture on a sphere, grow it on any mesh, evaluate, graft.

Pajouheshgar et al., "Mesh Neural Cellular Automata" (SIGGRAPH 2024). Every verb is one
library call (`selforg.mesh.train`, `run`, `evaluate`, `graft`, `zoo`): parse, build the
config, call, print. Options that set a config field default to None, so that only what the
user typed changes the config (and, with --resume, is compared with the run's saved one).
Nothing here imports JAX or trimesh.
"""

from __future__ import annotations

import json
from dataclasses import replace as dc_replace

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
from selforg.mesh.config import MASKS, EvalConfig, GraftConfig, RunConfig, TrainConfig, ZooConfig

MODEL_HELP = "zoo:NAME (`selforg mesh zoo` lists them), a training run folder or a model .npz"
MESH_HELP = ("a built-in mesh (icosphere-K, capsule, cylinder, torus, cube, peanut, blob) or a"
             " mesh file (.obj .ply .glb .gltf .stl .off)")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("mesh", help="Mesh NCA: textures grown on 3D meshes")
    verbs = p.add_subparsers(dest="verb", required=True, parser_class=Parser)
    _add_train(verbs)
    _add_run(verbs)
    _add_eval(verbs)
    _add_graft(verbs)
    z = verbs.add_parser("zoo", help="list the shipped mesh textures, their commands and"
                         " evaluations")
    z.add_argument("--json", action="store_true", help="one JSON object per line")
    add_common(z, seed=None, out=False, resume=False)
    z.set_defaults(func=_zoo)


def _add_train(verbs) -> None:
    d = TrainConfig()
    t = verbs.add_parser("train", help="learn a rule that grows IMAGE's texture on a mesh,"
                         " from renders")
    t.add_argument("exemplar", nargs="?", default=None, metavar="IMAGE",
                   help=f"built-in exemplar (`selforg data list`) or an image file (default"
                   f" {d.exemplar})")
    t.add_argument("--mesh", default=None, help=f"the training mesh: {MESH_HELP} (default"
                   f" {d.mesh})")
    t.add_argument("--views", type=positive_int, default=None, metavar="N",
                   help=f"random views rendered per iteration (default {d.views})")
    t.add_argument("--size", type=positive_int, default=None, metavar="PX",
                   help=f"render side (default {d.size})")
    t.add_argument("--exemplar-size", type=positive_int, default=None, metavar="PX",
                   help=f"the exemplar is resized to this side (default {d.exemplar_size})")
    t.add_argument("--view-bank", type=positive_int, default=None, metavar="N",
                   help=f"cameras drawn once; each iteration uses --views of them (default"
                   f" {d.view_bank})")
    t.add_argument("--pool", dest="pool_size", type=positive_int, default=None, metavar="N",
                   help=f"sample pool size (default {d.pool_size})")
    t.add_argument("--batch", type=positive_int, default=None, metavar="B",
                   help=f"samples per iteration (default {d.batch})")
    t.add_argument("--min-steps", type=positive_int, default=None, metavar="N",
                   help=f"shortest rollout (default {d.min_steps})")
    t.add_argument("--max-steps", type=positive_int, default=None, metavar="N",
                   help=f"longest rollout (default {d.max_steps})")
    t.add_argument("--lr", type=positive_float, default=None,
                   help=f"Adam learning rate (default {d.lr:g}, ×{d.lr_decay:g} at"
                   f" {', '.join(map(str, d.lr_decay_at))})")
    t.add_argument("--init", default=None, metavar="MODEL",
                   help="fine-tune from this mesh model (" + MODEL_HELP + "; default: fresh"
                   " weights); a rule to graft with must start from the other")
    add_iterations(t, d.iterations)
    add_common(t, seed=d.seed)
    t.set_defaults(func=_train)


def _add_outputs(a, what: str) -> None:
    a.add_argument("--ply", type=output_file, default=None, metavar="FILE",
                   help=f"write the {what} mesh as PLY with vertex colours (default: none)")
    a.add_argument("--glb", type=output_file, default=None, metavar="FILE",
                   help=f"write the {what} mesh as GLB with vertex colours (default: none)")
    a.add_argument("--gif", type=output_file, default=None, metavar="FILE",
                   help="write a turntable GIF (default: none)")
    a.add_argument("--mp4", type=output_file, default=None, metavar="FILE",
                   help="write a turntable MP4 (default: none)")
    a.add_argument("--png", type=output_file, default=None, metavar="FILE",
                   help="write four views as one PNG (default: none)")


def _add_run(verbs) -> None:
    d = RunConfig()
    r = verbs.add_parser("run", help="grow a trained texture on any mesh; write the coloured"
                         " mesh and a turntable")
    r.add_argument("model", help=MODEL_HELP)
    r.add_argument("--mesh", default=None, help=f"{MESH_HELP} (default {d.mesh})")
    r.add_argument("--steps", type=nonneg_int, default=None, metavar="N",
                   help=f"steps from the seed (default {d.steps})")
    r.add_argument("--subdivide", type=nonneg_int, default=None, metavar="K",
                   help=f"split each triangle into four K times first: denser vertices, finer"
                   f" texture (default {d.subdivide})")
    r.add_argument("--size", type=positive_int, default=None, metavar="PX",
                   help=f"render side (default {d.size})")
    r.add_argument("--frames", type=positive_int, default=None, metavar="N",
                   help=f"turntable frames (default {d.frames})")
    _add_outputs(r, "coloured")
    add_common(r, seed=d.seed, resume=False)
    r.set_defaults(func=_run)


def _add_eval(verbs) -> None:
    d = EvalConfig()
    e = verbs.add_parser("eval", help="texture distance of renders to the exemplar on the"
                         " training sphere and on unseen meshes (JSON)")
    e.add_argument("model", help=MODEL_HELP)
    e.add_argument("--meshes", default=None, metavar="A,B,...",
                   help=f"meshes besides the training one (default {','.join(d.meshes)})")
    e.add_argument("--steps", type=positive_int, default=None, metavar="N",
                   help=f"steps before the renders (default {d.steps})")
    e.add_argument("--long-steps", type=positive_int, default=None, metavar="N",
                   help=f"the long rollout that must stay bounded (default {d.long_steps})")
    e.add_argument("--views", type=positive_int, default=None, metavar="N",
                   help=f"cameras per mesh (default {d.views})")
    add_common(e, seed=d.seed, out=False, resume=False)
    e.set_defaults(func=_eval)


def _add_graft(verbs) -> None:
    d = GraftConfig()
    g = verbs.add_parser("graft", help="grow two rules on one mesh, their updates mixed by a"
                         " mask over the vertices")
    g.add_argument("model_a", metavar="MODEL_A", help=MODEL_HELP)
    g.add_argument("model_b", metavar="MODEL_B", help="the second rule, fine-tuned from"
                   " MODEL_A (`selforg mesh train ... --init MODEL_A`)")
    g.add_argument("--mesh", default=None, help=f"{MESH_HELP} (default {d.mesh})")
    g.add_argument("--mask", default=None, metavar="|".join(MASKS) + "|FILE",
                   help=f"where B's update is used: height (top), x (right), radial (around"
                   f" +z), or a text/.npy file of one weight in [0, 1] per vertex (default"
                   f" {d.mask})")
    g.add_argument("--sharpness", type=positive_float, default=None, metavar="W",
                   help=f"width of the blend (default {d.sharpness:g})")
    g.add_argument("--steps", type=nonneg_int, default=None, metavar="N",
                   help=f"steps from the seed (default {d.steps})")
    g.add_argument("--size", type=positive_int, default=None, metavar="PX",
                   help=f"render side (default {d.size})")
    g.add_argument("--frames", type=positive_int, default=None, metavar="N",
                   help=f"turntable frames (default {d.frames})")
    _add_outputs(g, "grafted")
    add_common(g, seed=d.seed, resume=False)
    g.set_defaults(func=_graft)


def _str(path) -> str | None:
    return None if path is None else str(path)


def _outputs(args) -> dict[str, str | None]:
    return {k: _str(getattr(args, k)) for k in ("ply", "glb", "gif", "mp4", "png")}


def train_config(args) -> TrainConfig:
    """The `TrainConfig` a ``selforg mesh train`` command line asks for."""
    base = base_config(args, TrainConfig, system="mesh", verb="train")
    return replace(base, exemplar=args.exemplar, mesh=args.mesh, views=args.views,
                   size=args.size, exemplar_size=args.exemplar_size, view_bank=args.view_bank,
                   pool_size=args.pool_size, batch=args.batch, min_steps=args.min_steps,
                   max_steps=args.max_steps, lr=args.lr, init=args.init,
                   iterations=args.iterations, seed=args.seed)


def _train(args) -> int:
    from selforg.mesh.training import train

    res = train(train_config(args), out=args.out, resume=args.resume, quiet=args.quiet)
    print(f"run folder: {res.run_dir}")
    print(f"{res.steps} iterations on {res.vertices:,} vertices ({res.parameters:,} parameters)"
          f" in {res.seconds:.0f} s; final loss {res.final_loss:.4g}")
    return 0


def _run(args) -> int:
    from selforg.mesh.verbs import run

    cfg = replace(RunConfig(model=args.model), mesh=args.mesh, steps=args.steps,
                  subdivide=args.subdivide, size=args.size, frames=args.frames, seed=args.seed,
                  **_outputs(args))
    res = run(cfg, out=args.out, quiet=args.quiet)
    print(f"run folder: {res.run_dir}")
    print(f"{res.mesh}: {res.vertices:,} vertices, {res.steps} steps in {res.seconds:.2f} s"
          f" ({res.vertex_updates_per_s:.3g} vertex updates/s); max |state| {res.max_abs:.3g}")
    for f in res.files:
        print(f"wrote {f}")
    return 0


def _eval(args) -> int:
    from selforg.mesh.verbs import evaluate

    cfg = replace(EvalConfig(model=args.model), steps=args.steps, long_steps=args.long_steps,
                  views=args.views, seed=args.seed)
    if args.meshes is not None:
        cfg = dc_replace(cfg, meshes=tuple(m for m in args.meshes.split(",") if m))
    res = evaluate(cfg, quiet=args.quiet)
    print(json.dumps(res.as_dict(), indent=2))
    return 0


def _graft(args) -> int:
    from selforg.mesh.verbs import graft

    cfg = replace(GraftConfig(model_a=args.model_a, model_b=args.model_b), mesh=args.mesh,
                  mask=args.mask, sharpness=args.sharpness, steps=args.steps, size=args.size,
                  frames=args.frames, seed=args.seed, **_outputs(args))
    res = graft(cfg, out=args.out, quiet=args.quiet)
    print(f"run folder: {res.run_dir}")
    print(f"{res.mesh}: {res.vertices:,} vertices; B's share of the update: {res.share_b:.2f}")
    for f in res.files:
        print(f"wrote {f}")
    return 0


def _zoo(args) -> int:
    from selforg.mesh.verbs import zoo

    for e in zoo(ZooConfig()).entries:
        if args.json:
            print(json.dumps({"name": e.name, "description": e.description,
                              "command": e.command, "eval": e.eval}, ensure_ascii=False))
            continue
        print(f"zoo:{e.name}  {e.description}")
        print(f"    made by: {e.command}")
        if e.eval:
            print("    eval distance: " + ", ".join(f"{k} {v:.4g}" for k, v in e.eval.items()))
    return 0
