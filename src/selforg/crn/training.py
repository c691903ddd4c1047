"""Training a network in a run folder: the `train` verb.

Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Chemical Reaction Networks"
(2023). One jitted step for every task (`selforg.crn.tasks`): the task loss plus a sparsity
penalty (L1: Σk, or L½: Σ√k) on the rate constants, its weight ramped up over the first 30% of
the steps; at step `iterations` every reaction whose rate is below `prune_below` is removed
(inside the step, so a resumed run prunes at the same step) and the survivors are fine-tuned
without the penalty for `finetune` steps. Core's `train_loop` runs it (run folder, checkpoints,
resume, progress, Ctrl-C); a step whose loss or gradient is not finite (a candidate network
that blew up for some initial condition) is skipped, not applied, and counted.

A finished run holds ``network.txt`` (chemical notation), ``network.sbml``, ``model.json``
(the single-file model the zoo ships), ``results.json`` (the check of the learned network from
fresh initial conditions) and ``plots/`` (loss, trajectories, the species–reaction graph).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.crn.config import TrainConfig, validate
from selforg.crn.network import Network, format_network


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced.

    Attributes:
        run_dir: the run folder.
        network: the pruned, fine-tuned network.
        text: its chemical notation.
        reactions: reactions that survived pruning (the learned ones; the switch's fixed input
            decays and the chambers' oscillator copies not counted).
        candidates: the candidate reactions training started from.
        steps: optimisation steps done in total.
        seconds: wall time of this call (compilation included).
        numbers: the task's measured results (period, amplitude drift, correct bits, ...).
    """

    run_dir: Path
    network: Network
    text: str
    reactions: int
    candidates: int
    steps: int
    seconds: float
    numbers: dict[str, Any]


def _initial_state(task, cfg: TrainConfig, optimiser):
    import jax
    import jax.numpy as jnp

    key = jax.random.key(cfg.seed)
    theta = task.init_theta(jax.random.fold_in(key, 1_000_003))
    return {"theta": theta, "opt": optimiser.init(theta), "mask": jnp.ones_like(theta),
            "skipped": jnp.zeros((), jnp.int32)}


def _make_step(task, cfg: TrainConfig, optimiser):
    import jax
    import jax.numpy as jnp

    from selforg.crn.tasks import clamp, sparsity_penalty

    ramp = max(1.0, 0.3 * cfg.iterations)

    def step(state, i):
        theta, mask = state["theta"], state["mask"]
        k_now = jnp.exp(clamp(theta, cfg.log_rate_min, cfg.log_rate_max))
        mask = jnp.where(i == cfg.iterations, (k_now > cfg.prune_below) * mask, mask)
        weight = jnp.where(i < cfg.iterations,
                           cfg.sparsity_weight * jnp.minimum(1.0, i / ramp), 0.0)
        key = jax.random.fold_in(jax.random.key(cfg.seed), i)
        progress = jnp.minimum(1.0, i / max(cfg.iterations, 1))

        def total(th):
            loss, aux = task.loss(th, mask, key, progress)
            k = jnp.exp(clamp(th, cfg.log_rate_min, cfg.log_rate_max)) * mask
            penalty = sparsity_penalty(k, cfg.sparsity)
            return loss + weight * penalty, (loss, penalty, aux)

        (_, (loss, penalty, aux)), grad = jax.value_and_grad(total, has_aux=True)(theta)
        ok = jnp.isfinite(loss) & jnp.all(jnp.isfinite(grad))
        grad = jnp.where(ok, grad, 0.0)
        updates, opt = optimiser.update(grad, state["opt"], theta)
        new_theta = jnp.where(ok, theta + updates, theta)
        k_new = jnp.exp(clamp(new_theta, cfg.log_rate_min, cfg.log_rate_max)) * mask
        new = {"theta": new_theta, "opt": jax.tree_util.tree_map(
                   lambda a, b: jnp.where(ok, a, b), opt, state["opt"]),
               "mask": mask, "skipped": state["skipped"] + (~ok).astype(jnp.int32)}
        metrics = {"loss": jnp.where(ok, loss, 1e3), "penalty": penalty,
                   "active": jnp.sum(k_new > cfg.prune_below).astype(jnp.float32),
                   "skipped": new["skipped"].astype(jnp.float32),
                   **{k: jnp.where(ok, v, 0.0) for k, v in aux.items()}}
        return new, metrics

    return step


def train(cfg: TrainConfig, *, out: str | Path | None = None,
          resume: str | Path | None = None, quiet: bool = True,
          root: str | Path = "runs") -> TrainResult:
    """Learn a sparse network for `cfg.task` in a run folder.

    Args:
        cfg: the run (`preset(task)` gives each task's defaults).
        out: the run folder (default ``root/crn-<task>/<time>-<task>/``).
        resume: continue this run folder from its latest checkpoint. `cfg` must equal its
            saved config except `finetune` (a longer fine-tuning continues a finished run:
            the steps before do not depend on it).
        quiet: no progress bar.

    Returns:
        `TrainResult`.

    Example:
        >>> from selforg.crn import preset, train
        >>> tiny = preset("oscillator", species=2, iterations=4, finetune=2, batch=2,
        ...               burn_in=1.0, window=1.0)
        >>> res = train(tiny, out=tmp / "osc")  # doctest: +SKIP
        >>> res.steps  # doctest: +SKIP
        6
    """
    import jax
    import optax

    from selforg.core.runs import open_run
    from selforg.core.train import LoopSettings, train_loop
    from selforg.crn.evaluate import evaluate
    from selforg.crn.tasks import clamp, make_task

    t0 = time.monotonic()
    validate(cfg)
    run = open_run("crn", cfg.task, cfg, out=out, resume=resume, root=root,
                   extendable=("finetune",))
    cfg = run.config
    task = make_task(cfg)
    optimiser = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(cfg.lr))
    state = _initial_state(task, cfg, optimiser)
    settings = LoopSettings(steps=cfg.total_steps, log_every=cfg.log_every,
                            checkpoint_every=cfg.checkpoint_every, metric="loss", quiet=quiet,
                            description=f"crn {cfg.task}")
    state, steps, _ = train_loop(run, state, _make_step(task, cfg, optimiser), settings,
                                 best_of=lambda s: {"theta": s["theta"], "mask": s["mask"]})
    theta, mask = jax.device_get((state["theta"], state["mask"]))
    if steps <= cfg.iterations:  # no fine-tuning asked: prune the final rates
        k = np.exp(np.asarray(clamp(theta, cfg.log_rate_min, cfg.log_rate_max)))
        mask = (k > cfg.prune_below) * np.asarray(mask)
    net = task.network(theta, mask)
    learned = int(np.sum(np.asarray(mask) > 0))
    train_seconds = time.monotonic() - t0
    numbers = evaluate(task, net, run)
    numbers = {"learned reactions": learned, "training seconds": round(train_seconds, 1),
               **numbers}
    _write(run, task, net, cfg, numbers)
    return TrainResult(run.path, net, format_network(net), learned,
                       int(np.asarray(theta).shape[0]), steps, time.monotonic() - t0, numbers)


def command_of(cfg: TrainConfig) -> str:
    """The ``selforg crn train`` command line that sets every field differing from the
    task's preset (options the CLI has)."""
    from selforg.crn.config import PRESETS

    d = PRESETS[cfg.task]
    flags = {"species": "--species", "period": "--period", "network": "--network",
             "sparsity": "--sparsity", "sparsity_weight": "--sparsity-weight",
             "iterations": "--iterations", "finetune": "--finetune",
             "prune_below": "--prune-below", "lr": "--lr", "batch": "--batch",
             "search": "--search", "amplitude": "--amplitude", "seed": "--seed"}
    parts = [f"selforg crn train {cfg.task}"]
    for field, flag in flags.items():
        value = getattr(cfg, field)
        if value != getattr(d, field):
            parts.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
    return " ".join(parts)


def _finite_or_none(value):
    """JSON has no NaN or infinity: a measurement that failed is written as null."""
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _write(run, task, net: Network, cfg: TrainConfig, numbers: dict[str, Any]) -> None:
    from selforg.core.config import to_dict
    from selforg.core.media import plot_metrics
    from selforg.crn.models import Model
    from selforg.crn.plots import plot_network
    from selforg.crn.sbml import write_sbml

    numbers.update({k: _finite_or_none(v) for k, v in numbers.items()})
    x0 = np.asarray(numbers.pop("_x0"))
    t1 = float(numbers.pop("_t1"))
    compartments = getattr(task, "compartments", {})
    (run.path / "network.txt").write_text(format_network(net), encoding="utf-8")
    write_sbml(run.path / "network.sbml", net, x0, model_id=f"crn_{cfg.task}",
               compartments=compartments or None)
    Model(net, x0, t1, f"{cfg.task}", numbers.get("summary", ""), task.output,
          command_of(cfg), compartments,
          {"kind": "trained", "config": to_dict(cfg), "results": numbers}).save(
        run.path / "model.json")
    run.write_json("results.json", numbers)
    records = run.read_metrics()
    keys = [k for k in ("loss", "shape", "memory", "correlation", "penalty")
            if records and k in records[-1]]
    if records:
        plot_metrics(run.artefact("plots", "loss.png"), records,
                     [k for k in keys if k != "correlation"] or ["loss"],
                     title=f"crn {cfg.task}: loss (pruned at step {cfg.iterations})")
    plot_network(run.artefact("plots", "network.png"), net,
                 title=f"learned {cfg.task}: {net.n_reactions} reactions")
