"""Tour part: a learned learning rule trains fresh sinusoid networks faster than Adam, and
keeps training a network whose activation is a step function, where gradients are zero.

Randazzo, Niklasson, Mordvintsev, "MPLP" (arXiv 2007.00970). The shipped sinusoid protocol
(``zoo:sinusoid``) runs on fresh tasks and fresh 1-20-20-1 networks next to Adam (0.01) and SGD
on the same batches; then ``zoo:sinusoid-step`` (the same protocol meta-trained further on
step networks) with max(0, sign(x)) as the activation.
"""

from __future__ import annotations

import time
from pathlib import Path

from selforg.core.report import Media, Section

TASKS = 20
MODEL = "zoo:sinusoid"
STEP_MODEL = "zoo:sinusoid-step"


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Evaluate ``zoo:sinusoid`` on 20 fresh tasks, ReLU and step activations; write two plots.

    Args:
        out: the tour folder; this part writes ``out/mplp/``.
        quiet: no progress output.

    Returns:
        The mplp `Section` of the tour page.
    """
    import shutil

    from selforg.mplp.config import EvalConfig
    from selforg.mplp.evaluate import evaluate

    t0 = time.monotonic()
    folder = Path(out) / "mplp"
    for name in ("relu", "step"):
        if (folder / name).exists():
            shutil.rmtree(folder / name)
    relu = evaluate(EvalConfig(MODEL, tasks=TASKS, seed=1), out=folder / "relu", quiet=quiet)
    step = evaluate(EvalConfig(STEP_MODEL, tasks=TASKS, seed=1), out=folder / "step",
                    quiet=quiet)
    shutil.copyfile(relu.run_dir / "inner_loss.png", folder / "relu.png")
    shutil.copyfile(step.run_dir / "inner_loss.png", folder / "step.png")
    r, s = relu.curves, step.curves
    k = len(r["mplp"]) - 1
    return Section(
        title=f"mplp: a learned learning rule against Adam on {TASKS} fresh sinusoid tasks,"
        " and with a step activation",
        summary=(
            "Every op of a 1-20-20-1 network is an agent; a meta-learned protocol of 8-channel"
            " messages (loss → activation → bias → weight agents, GRU learners) updates the"
            " weights without gradients. On fresh tasks and fresh networks its loss after"
            f" {k} inner steps is {r['mplp'][-1]:.4f}, against Adam (0.01) {r['adam'][-1]:.4f}"
            f" and SGD {r['sgd'][-1]:.4f}, from {r['mplp'][0]:.4f}. With max(0, sign(x)) as"
            " the activation, gradients vanish below the last layer (Adam and SGD train the"
            f" last layer alone); over {k} steps the protocol meta-trained on step networks"
            f" goes from {s['mplp'][0]:.4f} to {s['mplp'][-1]:.4f}, Adam to"
            f" {s['adam'][-1]:.4f}, SGD to {s['sgd'][-1]:.4f}."
        ),
        numbers={
            "tasks": TASKS,
            f"MPLP loss after {k} steps": r["mplp"][-1],
            f"Adam 0.01 after {k} steps": r["adam"][-1],
            f"SGD 0.05 after {k} steps": r["sgd"][-1],
            f"step activation: MPLP after {k} steps": s["mplp"][-1],
            f"step activation: Adam after {k} steps": s["adam"][-1],
            f"step activation: SGD after {k} steps": s["sgd"][-1],
        },
        media=[
            Media("mplp/relu.png", "evaluation loss per inner step, ReLU network",
                  command=f"selforg mplp eval {MODEL} --tasks {TASKS} --seed 1"),
            Media("mplp/step.png", "a protocol meta-trained on step-activation networks",
                  command=f"selforg mplp eval {STEP_MODEL} --tasks {TASKS} --seed 1"),
        ],
        seconds=time.monotonic() - t0,
        command=f"selforg mplp eval {MODEL} --tasks {TASKS} --seed 1",
    )
