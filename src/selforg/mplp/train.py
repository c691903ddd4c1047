"""Meta-training a protocol in a run folder: the `train` verb.

Randazzo et al., "MPLP" (arXiv 2007.00970). The jitted meta-step (`selforg.mplp.meta`) runs
through `selforg.core.train.train_loop` (checkpoints, resume, progress, divergence guard); the
run folder then holds ``protocol.npz`` (the single-file model, with its config),
``results.json``, the meta-training curves (``plots/loss.png``) and the inner-loss curves of the
trained protocol against Adam and SGD on 20 fresh tasks (``inner_loss.png``, ``eval.json``).
JAX is imported when a run starts, not with this module.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selforg.core.errors import BadInput
from selforg.mplp.config import TrainConfig, validate


@dataclass(frozen=True)
class TrainResult:
    """What a meta-training run produced.

    Attributes:
        run_dir: the run folder (config.json, metrics.jsonl, checkpoints/, protocol.npz, ...).
        model: the path of ``protocol.npz``.
        steps: meta-training steps done in total.
        seconds: wall time of this call (including compilation).
        parameters: meta-parameters of the protocol (learners + frozen statistics).
        metrics: the last logged record (``loss``, ``hint``, ``heldout``, few-shot also
            ``maml_heldout``).
        curves: the inner-loss curves on 20 fresh tasks (`EvalResult.curves` form).
    """

    run_dir: Path
    model: Path
    steps: int
    seconds: float
    parameters: int
    metrics: dict[str, float]
    curves: dict[str, list[float]]


def train(cfg: TrainConfig, *, out: str | Path | None = None,
          resume: str | Path | None = None, quiet: bool = True,
          root: str | Path = "runs", check_tasks: int = 20) -> TrainResult:
    """Meta-train the protocol `cfg` describes.

    Args:
        cfg: the run (`preset(task)` gives the spec's settings).
        out: the run folder (default ``root/mplp-<task>/<time>/``).
        resume: continue this run folder from its latest checkpoint; `cfg` must equal its saved
            config except `iterations` (constant learning rate: a longer total continues a
            finished run as if it had been started with it).
        quiet: no progress bar.
        check_tasks: fresh tasks for the closing inner-loss curves.

    Returns:
        `TrainResult`.

    Example:
        >>> from selforg.mplp import preset, train
        >>> tiny = preset("sinusoid", widths=(1, 4, 1), hidden=2, message_size=2,
        ...               iterations=2, pool=2, outer_batch=1)
        >>> train(tiny, out=tmp / "run").steps  # doctest: +SKIP
        2
    """
    from selforg.core.runs import open_run
    from selforg.core.train import LoopSettings, train_loop
    from selforg.mplp.evaluate import inner_curves, plot_inner
    from selforg.mplp.meta import (
        fresh_protocol,
        initial_learners,
        initial_state_template,
        make_step,
        net_of,
        protocol_of,
        save_model,
    )
    from selforg.mplp.model import count

    t0 = time.monotonic()
    validate(cfg)
    _check_length(resume, cfg.iterations)
    if cfg.init is not None and resume is None:
        initial_learners(cfg, fresh_protocol(cfg))  # refused before a run folder is made
    run = open_run("mplp", cfg.task, cfg, out=out, resume=resume, root=root,
                   extendable=("iterations",))
    cfg = run.config
    template = fresh_protocol(cfg)
    settings = LoopSettings(steps=cfg.iterations, log_every=cfg.log_every,
                            checkpoint_every=cfg.checkpoint_every, metric="loss", quiet=quiet,
                            description=f"mplp {cfg.task}")
    step = make_step(cfg, template)
    state, steps, records = train_loop(
        # a resumed run takes its statistics from the checkpoint: no initial pass
        run, initial_state_template(cfg, stats=not run.resumed), step, settings,
        best_of=lambda s: {"learners": s["learners"], "stats": s["stats"]})
    protocol = protocol_of(cfg, state)
    maml = state.get("maml")
    metrics = records[-1] if records else (run.read_metrics() or [{}])[-1]
    seconds = time.monotonic() - t0
    model = save_model(run.artefact("protocol.npz"), cfg, protocol, maml,
                       extra={"steps": steps})
    curves = inner_curves(protocol, net_of(cfg), cfg, tasks=check_tasks,
                          steps=cfg.inner_steps, seed=10_000, maml=maml)
    run.write_json("eval.json", curves)
    plot_inner(run.artefact("inner_loss.png"), curves,
               title=f"mplp {cfg.task}: loss per inner step, {check_tasks} fresh tasks")
    n = count(protocol.learners) + count(protocol.stats)
    run.write_json("results.json", {"steps": steps, "seconds": round(seconds, 2),
                                    "parameters": n, "final": metrics})
    _plot(run)
    return TrainResult(run.path, model, steps, seconds, n, metrics,
                       {k: v for k, v in curves.items() if isinstance(v, list)})


def _check_length(resume: str | Path | None, iterations: int) -> None:
    """Refuse a resumed total below the steps already done, before the run is re-stamped."""
    if resume is None:
        return
    from selforg.core.runs import read_checkpoint

    latest = Path(resume) / "checkpoints" / "latest.npz"
    if not latest.is_file():
        return  # open_run says what is missing
    done = int(read_checkpoint(latest)[0].get("step", 0))
    if iterations < done:
        raise BadInput(f"--iterations {iterations} is below the {done} steps {resume} has"
                       " already done")


def _plot(run: Any) -> None:
    from selforg.core.media import plot_metrics

    recs = run.read_metrics()
    if recs:
        keys = [k for k in ("loss", "hint", "heldout", "maml_heldout") if k in recs[-1]]
        plot_metrics(run.artefact("plots", "loss.png"), recs, keys,
                     title=f"mplp {run.verb}: meta-training")
