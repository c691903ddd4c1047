"""Training a logic CA in a run folder: the `train` verb.

Miotti et al., "Differentiable Logic Cellular Automata" (2025). `selforg.logic.learn` holds the
jitted step (soft rollout for the gradient, hard rollout monitored) and the checks of the learned
rule; this module runs them through `selforg.core.train.train_loop` and writes what a run leaves
behind: ``circuit.json`` (which carries its config), ``results.json``, ``final.png`` and the loss
curves. JAX is imported when a run starts, not with this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit, stats
from selforg.logic.config import LogicConfig, validate

if TYPE_CHECKING:
    from selforg.core.runs import Run
    from selforg.logic.tasks import Task


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced.

    Attributes:
        run_dir: the run folder (config.json, metrics.jsonl, checkpoints/, circuit.json, ...).
        circuit: the discrete circuit after the last step.
        steps: optimisation steps done in total.
        seconds: wall time of this call (including compilation).
        metrics: the last logged record.
        stats: `circuit.stats` of the circuit.
        check: non-Life experiments: `final_check` of the trained rule (without ``example``).
        converged: Life: the hard error on all 512 boards reached 0; other experiments: every
            rollout of `final_check` ends exactly on the target.
    """

    run_dir: Path
    circuit: Circuit
    steps: int
    seconds: float
    metrics: dict[str, float]
    stats: dict[str, Any]
    converged: bool
    check: dict[str, Any] | None = None


def train(
    cfg: LogicConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
) -> TrainResult:
    """Train `cfg` in a run folder and write ``circuit.json`` + ``results.json`` there.

    Args:
        cfg: the run (`preset(experiment)` gives the paper's settings).
        out: the run folder (default ``root/logic-<experiment>/<time>/``).
        resume: continue this run folder from its latest checkpoint. `cfg` must equal its saved
            config except `iters`: a larger total continues a finished run (the learning rate
            is constant, so the longer run equals one started with that length).
        quiet: no progress bar.

    Returns:
        `TrainResult`: the folder, the circuit, the steps done, its gate counts, convergence.

    Example:
        >>> from selforg.logic import LogicConfig, train
        >>> tiny = LogicConfig(experiment="checkerboard", height=4, width=4, channels=2,
        ...     steps=2, batch=2, iters=4, kernels=2, perception_widths=(9, 4, 2),
        ...     update_widths=(8, 4, 2), boundary="zero", stop_at_zero=False)
        >>> result = train(tiny, out=tmp / "run")  # doctest: +SKIP
        >>> result.steps, result.circuit.channels  # doctest: +SKIP
        (4, 2)
    """
    from selforg.core.runs import open_run
    from selforg.core.train import LoopSettings, train_loop
    from selforg.logic.learn import (
        final_check,
        initial_state,
        larger_grid_check,
        make_step,
    )
    from selforg.logic.model import build_wiring, to_circuit
    from selforg.logic.tasks import make_task

    t0 = time.monotonic()
    validate(cfg)
    _check_length(resume, cfg.iters)
    # The learning rate is constant, so the steps done do not depend on the total: a longer
    # total continues a run exactly as if it had been started with it.
    run = open_run("logic", cfg.experiment, cfg, out=out, resume=resume, root=root,
                   extendable=("iters",))
    wiring = build_wiring(run.config)
    cfg = run.config
    task = make_task(cfg)
    step = make_step(cfg, wiring, task)
    key_metric = "hard_errors_all" if cfg.experiment == "life" else "hard_loss"
    settings = LoopSettings(
        steps=cfg.iters, log_every=cfg.log_every, checkpoint_every=cfg.checkpoint_every,
        metric="loss", quiet=quiet, description=f"logic {cfg.experiment}",
    )
    # stop_at_zero is checked on the device every step, so a run ends exactly at its first
    # exact step whatever the logging cadence; best.npz holds the gate logits alone.
    state, steps, records = train_loop(
        run, initial_state(cfg, wiring), step, settings,
        stop_at_zero=key_metric if cfg.stop_at_zero else None, best_of=lambda s: s[0])
    metrics = records[-1] if records else (run.read_metrics() or [{}])[-1]
    circuit = to_circuit(wiring, state[0])
    circuit.save(run.artefact("circuit.json"))
    st = stats(circuit)
    if cfg.experiment == "life":
        check = None
        converged = metrics.get(key_metric, 1.0) == 0
    else:
        check = final_check(cfg, wiring, state[0], task)
        converged = check["exact"] == check["rollouts"]
        if cfg.experiment == "lizard":  # the paper: it still grows correctly on 40×40
            check["larger_grid"] = larger_grid_check(cfg, wiring, state[0], task)
        _picture(run, task, check.pop("example"))
    seconds = time.monotonic() - t0
    results = {"steps": steps, "seconds": round(seconds, 2), "converged": converged,
               "final": metrics, "circuit": st}
    if check is not None:
        results["final_check"] = check
    if cfg.experiment == "life":
        from selforg.logic.verify import compare_with_life

        results["verify_life"] = compare_with_life(circuit)
    run.write_json("results.json", results)
    _plot(run)
    return TrainResult(run.path, circuit, steps, seconds, metrics, st, converged, check)


def _check_length(resume: str | Path | None, iters: int) -> None:
    """Refuse a resumed total below the steps already done, before the run is re-stamped."""
    if resume is None:
        return
    from selforg.core.runs import read_checkpoint

    latest = Path(resume) / "checkpoints" / "latest.npz"
    if not latest.is_file():
        return  # open_run says what is missing
    done = int(read_checkpoint(latest)[0].get("step", 0))
    if iters < done:
        raise BadInput(f"--iterations {iters} is below the {done} steps {resume} has already"
                       " done")


def bits_image(bits: np.ndarray) -> np.ndarray:
    """(h, w, t) 0/1 target channels as an RGB uint8 picture: one channel black on white,
    three channels through the colour task's palette."""
    from selforg.logic.tasks import PALETTE

    b = np.rint(np.asarray(bits)).astype(np.int64)
    if b.shape[-1] == 3:
        return PALETTE[b[..., 0] + 2 * b[..., 1] + 4 * b[..., 2]]
    grey = (255 - 255 * b[..., 0]).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def _picture(run: Run, task: Task, example: np.ndarray) -> None:
    """``final.png``: the target next to what the discrete rule grew."""
    from selforg.core.media import image_grid, save_png, upscale

    factor = max(1, 256 // max(example.shape[:2]))
    tiles = [upscale(bits_image(task.target[0]), factor), upscale(bits_image(example), factor)]
    save_png(run.artefact("final.png"), image_grid(tiles, cols=2, pad=4, background=0.5))


def _plot(run: Run) -> None:
    """``plots/loss.png``: soft and hard loss per logged step (a hard loss of 0, the goal, is
    drawn at 0.001 so the log axis keeps it)."""
    from selforg.core.media import plot_metrics

    recs = [{**r, "hard_floor": max(r["hard_loss"], 1e-3)} for r in run.read_metrics()]
    if recs:
        plot_metrics(run.artefact("plots", "loss.png"), recs,
                     {"loss (training rollout)": "loss", "hard loss (0 drawn at 0.001)":
                      "hard_floor"}, title=f"logic {run.verb}")
