"""Add meta-training runs to the mplp zoo: copy each run's ``protocol.npz`` into the package,
evaluate it on 100 fresh tasks (`selforg mplp eval`, plus the variants `EXTRA` names: the
step activation, larger networks) and write its ``index.json`` entry.

    python docs/mplp/build_zoo.py NAME=RUN_DIR [NAME=RUN_DIR ...]

Each NAME's description and command come from `ENTRIES`; the run's config must be the one the
command makes (the zoo test checks it). The numbers are printed as Markdown tables, to paste
into the zoo README.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from selforg.core.runs import wall_seconds
from selforg.mplp.config import EvalConfig
from selforg.mplp.evaluate import evaluate
from selforg.mplp.zoo import ZOO

ENTRIES: dict[str, tuple[str, str]] = {
    "sinusoid-step": (
        "1-20-20-1 sinusoid regression with the step activation max(0, sign(x)), GRU learners"
        " per layer (115,081 meta-parameters): zoo:sinusoid meta-trained further on step"
        " networks, 5 inner steps of 10 points",
        "selforg mplp train sinusoid --init zoo:sinusoid --activation step --lr 0.0001"
        " --iterations 3000 --checkpoint-every 250 --seed 0"),
    "fewshot": (
        "few-shot sinusoid: a meta-learned initial 1-20-20-1 ReLU network and stateless"
        " learners (64,903 meta-parameters), 2 inner steps of 10 points, MAML meta-trained"
        " beside it",
        "selforg mplp train fewshot --iterations 3000 --lr 0.0005 --checkpoint-every 250"
        " --seed 0"),
    "digits": (
        "12×12 digits, 144-50-10 sigmoid, softmax + cross-entropy, one weight and one bias"
        " learner shared by every dense layer (46,829 meta-parameters), 20 inner steps of 8"
        " images",
        "selforg mplp train digits --iterations 500 --checkpoint-every 25 --seed 0"),
}

# further evaluations beside the trained setting: (label, EvalConfig changes)
EXTRA: dict[str, list[tuple[str, dict]]] = {
    "digits": [("widths 144,100,10", {"widths": (144, 100, 10)}),
               ("widths 144,50,50,10", {"widths": (144, 50, 50, 10)})],
}



def _numbers(res) -> dict:
    out = {"curves": res.curves}
    if res.accuracy is not None:
        out["accuracy"] = res.accuracy
    return out


def _table(label: str, curves: dict, accuracy: dict | None) -> str:
    steps = len(curves["mplp"])
    shown = list(range(steps)) if steps <= 6 else [0, 1, 2, 5, 10, 15, steps - 1]
    shown = sorted({s for s in shown if s < steps})
    lines = [f"{label}:", "", "| step | " + " | ".join(map(str, shown)) + " |",
             "|---|" + "---|" * len(shown)]
    for k, v in curves.items():
        lines.append(f"| {k} | " + " | ".join(f"{v[s]:.4f}" for s in shown) + " |")
    if accuracy:
        lines += ["", "accuracy after the last step: "
                  + ", ".join(f"{k} {v:.3f}" for k, v in accuracy.items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", metavar="NAME=RUN_DIR")
    args = ap.parse_args()
    index_path = ZOO / "index.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    for item in args.runs:
        name, run = item.split("=", 1)
        run = Path(run)
        description, command = ENTRIES[name]
        config = json.loads((run / "config.json").read_text())["config"]
        shutil.copyfile(run / "protocol.npz", ZOO / f"{name}.npz")
        entry = {"task": config["task"], "file": f"{name}.npz", "description": description,
                 "command": command, "iterations": config["iterations"],
                 "train_seconds": round(wall_seconds(
            [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()
             if line.strip()]))}
        index[name] = entry
        index_path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
        res = evaluate(EvalConfig(f"zoo:{name}", tasks=100), out=Path("/tmp") / f"zoo-{name}")
        entry["eval_100_tasks"] = _numbers(res)
        print(_table(f"zoo:{name}, 100 tasks", res.curves, res.accuracy))
        for label, changes in EXTRA.get(name, []):
            r = evaluate(EvalConfig(f"zoo:{name}", tasks=100, **changes),
                         out=Path("/tmp") / f"zoo-{name}-{label.replace(' ', '_')}")
            entry.setdefault("eval_100_tasks_variants", {})[label] = _numbers(r)
            print(_table(f"zoo:{name}, {label}, 100 tasks", r.curves, r.accuracy))
        index_path.write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
