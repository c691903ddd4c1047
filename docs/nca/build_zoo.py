"""Add texture runs to the nca zoo: quantise each run's model to one byte per parameter into the
package, measure it (`selforg nca eval`), record it in ``index.json``, and redraw the contact
sheet ``docs/nca/zoo.png``.

    python docs/nca/build_zoo.py NAME=RUN_DIR [NAME=RUN_DIR ...] [--sheet-only]

Each NAME's description and command come from `ENTRIES`; the run's config must be the one the
command makes (the zoo tests check it again). The README rows of the new entries are printed,
to paste into ``src/selforg/nca/zoo/README.md``.
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

from selforg.cli import build_parser
from selforg.core.config import to_dict
from selforg.core.runs import wall_seconds
from selforg.nca import EvalConfig, QuantizeConfig, SheetConfig, contact_sheet, evaluate, quantize
from selforg.nca.store import zoo_dir, zoo_index

ROOT = Path(__file__).resolve().parents[2]

_TRAIN = ("selforg nca texture train {ex} --model micro-588 --size 64 --exemplar-size 128"
          " --iterations 2000 --seed 0")

ENTRIES: dict[str, tuple[str, str]] = {
    "dots": ("μNCA micro-588 (588 bytes) living texture of the built-in 'dots' pattern"
             " (cream polka dots on red), 64² grid", _TRAIN.format(ex="dots")),
    "stripes": ("μNCA micro-588 (588 bytes) living texture of the built-in 'stripes' pattern"
                " (wavy navy bands on cream), 64² grid", _TRAIN.format(ex="stripes")),
    "maze": ("μNCA micro-588 (588 bytes) living texture of the built-in 'maze' pattern"
             " (a dark labyrinth on sand), 64² grid",
             _TRAIN.format(ex="maze") + " --stability-every 100"),
    "stars": ("μNCA micro-588 (588 bytes) living texture of skimage's Hubble deep field"
              " (galaxies on black), 64² grid",
              _TRAIN.format(ex="hubble_deep_field") + " --stability-every 250"),
}


def _config_of(command: str) -> dict:
    argv = shlex.split(command)[1:]
    args = build_parser(argv).parse_args(argv)
    return to_dict(args.make_config(args))


def _round(d: dict) -> dict:
    return {k: _round(v) if isinstance(v, dict) else float(f"{v:.4g}") for k, v in d.items()}


def add(name: str, run: Path) -> dict:
    """Quantise `run`'s model (its best-scoring one when it scored its long rollouts) into
    the zoo as NAME.bin and return its index entry."""
    description, command = ENTRIES[name]
    want = _config_of(command)
    got = json.loads((run / "config.json").read_text())["config"]
    if got != want:
        raise SystemExit(f"{run}: its config is not what `{command}` makes")
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()
               if line.strip()]
    done = max(r["step"] for r in records if "step" in r)
    if done < want["iterations"]:
        raise SystemExit(f"{run}: trained to {done} of {want['iterations']} iterations")
    # a run that scored its 3000-step rollouts ships the best-scoring rule (stable.npz)
    model_file, iteration = "model.npz", want["iterations"]
    if want["stability_every"] and (run / "stable.npz").is_file():
        model_file = "stable.npz"
        iteration = json.loads((run / "stable.json").read_text())["step"]
    quantize(QuantizeConfig(model=str(run / model_file), out=str(zoo_dir() / f"{name}.bin")))
    # the byte file's side record names the zoo entry, not this machine's run folder
    side = zoo_dir() / f"{name}.bin.json"
    info = json.loads(side.read_text())
    info["source"] = f"zoo:{name}"
    side.write_text(json.dumps(info, indent=2) + "\n")
    entry = {
        "kind": "texture",
        "file": f"{name}.bin",
        "description": description,
        "config": want,
        "command": command,
        "model_iteration": iteration,
        "model_file": model_file,
        "then": f"selforg nca quantize RUN/{model_file}",
        "note": f"the bytes are the run's {model_file} (iteration {iteration}"
                + (", the best 3000-step score" if model_file == "stable.npz" else "")
                + "), quantised to int8",
        "train_seconds": round(wall_seconds(records)),
    }
    ev = evaluate(EvalConfig(model=str(zoo_dir() / f"{name}.bin"))).as_dict()
    entry["eval"] = _round({k: ev[k] for k in ("distance_1000", "distance_3000", "floor",
                                                "ceiling", "structure", "chroma")})
    entry["eval_command"] = f"selforg nca eval zoo:{name}"
    return entry


def readme_row(name: str, e: dict) -> str:
    ev, st, ch = e["eval"], e["eval"]["structure"], e["eval"]["chroma"]
    return (f"| `zoo:{name}` | {e['config']['model']} (int8, one byte per parameter) |"
            f" iteration {e['model_iteration']} of {e['config']['iterations']} |"
            f" {ev['distance_1000']:.4g} / {ev['distance_3000']:.4g} (floor {ev['floor']:.4g},"
            f" ceiling {ev['ceiling']:.4g}) | {st['distance_3000']:.4g} ({st['floor']:.4g} /"
            f" {st['rotated']:.4g} / {st['ceiling']:.4g}); chroma {ch['model']:.4g} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="*", help="NAME=RUN_DIR")
    ap.add_argument("--sheet-only", action="store_true", help="only redraw docs/nca/zoo.png")
    args = ap.parse_args()
    index = zoo_index()
    for spec in args.runs:
        name, run = spec.split("=", 1)
        index[name] = add(name, Path(run))
        print(readme_row(name, index[name]), flush=True)
    # the recognisable textures first: the contact sheet shows the zoo in the index's order
    first = [n for n in ENTRIES if n in index]
    index = {n: index[n] for n in first + [n for n in index if n not in first]}
    if args.runs:
        (zoo_dir() / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
    contact_sheet(SheetConfig(png=str(ROOT / "docs" / "nca" / "zoo.png")))


if __name__ == "__main__":
    main()
