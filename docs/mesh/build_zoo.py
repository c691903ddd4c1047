"""Add a mesh training run to the zoo: copy its model into the package, measure it
(`selforg mesh eval`), write its ``index.json`` entry, the picture ``docs/mesh/NAME_meshes.png``
(exemplar, then the texture on its sphere and on the torus, capsule, peanut and blob it never
saw) and print its README section.

    python docs/mesh/build_zoo.py NAME RUN_DIR "DESCRIPTION" "COMMAND"

The run's config must be the one COMMAND makes (the zoo tests check it).
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

from selforg.core import media
from selforg.core.cli import Parser
from selforg.core.runs import wall_seconds
from selforg.mesh import cli
from selforg.mesh.config import EvalConfig
from selforg.mesh.grow import grow_on, still
from selforg.mesh.store import load_model, zoo_dir, zoo_index
from selforg.mesh.verbs import evaluate, mesh_for
from selforg.nca.images import load_exemplar

ROOT = Path(__file__).resolve().parents[2]
SHOWN = ("torus", "capsule", "peanut", "blob")


def _config_of(command: str):
    parser = Parser(prog="selforg")
    cli.add_parser(parser.add_subparsers(dest="command"))
    return cli.train_config(parser.parse_args(shlex.split(command)[1:]))


def picture(name: str, path: Path, size: int = 160, steps: int = 200) -> None:
    loaded = load_model(f"zoo:{name}")
    cfg = loaded.config
    tiles = [media.resize(load_exemplar(cfg.exemplar, cfg.exemplar_size), size)]
    for spec in (cfg.mesh, *SHOWN):
        mesh = mesh_for(loaded, spec)
        tiles.append(still(mesh, grow_on(loaded.params, mesh, steps, seed=0), size=size,
                           n=1)[0])
    media.save_png(path, media.image_grid(tiles, cols=len(tiles)))


def main(name: str, run: str, description: str, command: str) -> None:
    run_dir = Path(run)
    loaded = load_model(run_dir)
    if loaded.config != _config_of(command):
        raise SystemExit(f"{run}: its config is not what `{command}` makes")
    shutil.copyfile(run_dir / "model.npz", zoo_dir() / f"{name}.npz")
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
               if line.strip()]
    ev = evaluate(EvalConfig(model=str(run_dir))).as_dict()
    ev.pop("source", None)
    index = zoo_index()
    index[name] = {
        "file": f"{name}.npz",
        "description": description,
        "command": command,
        "config": json.loads((run_dir / "config.json").read_text())["config"],
        "iterations": loaded.config.iterations,
        "train_seconds": round(wall_seconds(records)),
        "final_loss": records[-1].get("loss"),
        "eval": json.loads(json.dumps(ev), parse_float=lambda s: round(float(s), 5)),
        "eval_command": f"selforg mesh eval zoo:{name}",
    }
    (zoo_dir() / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    picture(name, ROOT / "docs" / "mesh" / f"{name}_meshes.png")
    e = index[name]["eval"]
    print(f"| mesh | vertices | distance ({e['steps']} steps) | ÷ sphere | distance"
          f" ({e['long_steps']} steps) | max abs state ({e['long_steps']}) |")
    print("|---|---|---|---|---|---|")
    for mesh, d in e["distance"].items():
        long = e["distance_long"][mesh]
        print(f"| {mesh} | {e['vertices'][mesh]} | {d} | {e['ratio'][mesh]:.2f} |"
              f" {long if long is not None else 'diverged'} |"
              f" {e['max_abs'][mesh] if e['max_abs'][mesh] is not None else 'diverged'} |")
    print(f"\nfloor {e['floor']}, ceiling {e['ceiling']}.")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
