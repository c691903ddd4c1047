"""The training loop every learned system shares.

The caller supplies a jitted ``step_fn(state, step) -> (state, metrics)``, where ``state`` is any
pytree (model, optimiser state, PRNG key as raw ``uint32``, sample pools...) and ``metrics`` a
dict of scalars. Randomness inside a step should come from ``jax.random.fold_in(key, step)``, so
that a resumed run draws exactly the numbers an uninterrupted run would.

The loop owns: resuming from the run folder's latest checkpoint, logging to metrics.jsonl,
checkpoint cadence (latest + best), a progress bar (step, loss, steps/s, ETA), the NaN/inf guard
(stop, keep the last good checkpoint, raise `TrainingDiverged`), and Ctrl-C (finish the step,
checkpoint, raise `Interrupted`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np
import optax

from selforg.core.errors import Interrupted, TrainingDiverged
from selforg.core.progress import graceful_interrupt, make_progress
from selforg.core.runs import Run

StepFn = Callable[[Any, Any], tuple[Any, dict[str, Any]]]


@dataclass(frozen=True)
class LoopSettings:
    """How long to train and how often to log and checkpoint.

    Attributes:
        steps: total optimisation steps of the run (a resumed run continues up to this).
        log_every: append a metrics record every this many steps (and at the last step).
        checkpoint_every: write ``checkpoints/latest.npz`` every this many steps.
        checkpoint_seconds: also write it when this much wall time has passed since the last.
        metric: the metric that decides the ``best`` checkpoint (lower is better).
        stop_when: optional ``metrics -> bool``; the loop ends early when it returns True.
    """

    steps: int
    log_every: int = 10
    checkpoint_every: int = 100
    checkpoint_seconds: float = 120.0
    metric: str = "loss"
    quiet: bool = False
    description: str = "training"


def clip_and(optimiser: optax.GradientTransformation, clip: float) -> optax.GradientTransformation:
    """Element-wise gradient clipping at `clip` followed by `optimiser`."""
    return optax.chain(optax.clip(clip), optimiser)


def _to_float(v: Any) -> float:
    return float(np.asarray(v))


def train_loop(
    run: Run,
    state: Any,
    step_fn: StepFn,
    settings: LoopSettings,
    *,
    on_log: Callable[[int, Any, dict[str, float]], None] | None = None,
    stop_when: Callable[[dict[str, float]], bool] | None = None,
) -> tuple[Any, int, list[dict[str, float]]]:
    """Run ``step_fn`` from the latest checkpoint (if the run is resumed) up to ``settings.steps``.

    Args:
        run: the open run folder (`open_run`).
        state: initial pytree; also the template for loading checkpoints.
        step_fn: ``(state, step: int32 scalar) -> (state, metrics)``, usually jitted.
        settings: cadence and length.
        on_log: called as ``on_log(step, state, record)`` after each logged step (plots, previews).
        stop_when: ends training early (after checkpointing) when it returns True on a record.

    Returns:
        (final state, number of completed steps, the records logged by this call).

    Raises:
        TrainingDiverged: a metric became NaN/inf; the last good checkpoint is kept.
        Interrupted: Ctrl-C; the state after the current step was checkpointed.
    """
    start = 0
    best = math.inf
    if run.resumed and run.has_checkpoint():
        state, start, extra = run.load_checkpoint(state)
        best = float(extra.get("best", math.inf))
        run.truncate_metrics("step", start)
    records: list[dict[str, float]] = []
    last_ckpt_time = time.monotonic()
    t0 = time.monotonic()
    step = start

    def checkpoint(s: Any, n: int, metrics: dict[str, float]) -> None:
        nonlocal best, last_ckpt_time
        value = metrics.get(settings.metric, math.inf)
        is_best = value < best
        if is_best:
            best = value
        run.save_checkpoint(s, step=n, best=is_best, extra={"best": best})
        last_ckpt_time = time.monotonic()

    with (
        graceful_interrupt() as flag,
        make_progress(quiet=settings.quiet, fields="{task.fields[info]}") as bar,
    ):
        task = bar.add_task(
            settings.description, total=settings.steps, completed=start, info="", rate=""
        )
        while step < settings.steps:
            new_state, metrics = step_fn(state, np.int32(step))
            metrics = {k: _to_float(v) for k, v in jax.device_get(metrics).items()}
            bad = [k for k, v in metrics.items() if not math.isfinite(v)]
            if bad:
                raise TrainingDiverged(
                    f"{', '.join(bad)} became non-finite at step {step + 1}; the last good"
                    f" checkpoint is kept in {run.checkpoint_dir}"
                )
            state, step = new_state, step + 1
            elapsed = time.monotonic() - t0
            rate = (step - start) / max(elapsed, 1e-9)
            info = " ".join(f"{k} {v:.4g}" for k, v in list(metrics.items())[:3])
            bar.update(task, completed=step, info=info, rate=f"{rate:.2f} it/s")
            done = step == settings.steps or (stop_when is not None and stop_when(metrics))
            if step % settings.log_every == 0 or done:
                record = {"step": step, **metrics, "elapsed_s": round(elapsed, 3)}
                run.log(record)
                records.append(record)
                if on_log is not None:
                    on_log(step, state, record)
            due = step % settings.checkpoint_every == 0
            late = time.monotonic() - last_ckpt_time > settings.checkpoint_seconds
            if due or late or done or flag.requested:
                checkpoint(state, step, metrics)
            if flag.requested:
                raise Interrupted(str(run.path))
            if done:
                break
    return state, step, records
