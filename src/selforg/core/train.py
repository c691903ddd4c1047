"""The training loop every learned system shares.

The caller supplies a jitted ``step_fn(state, step) -> (state, metrics)``, where ``state`` is any
pytree (model, optimiser state, PRNG key as raw ``uint32``, sample pools...) and ``metrics`` a
dict of scalars. Randomness inside a step should come from ``jax.random.fold_in(key, step)``, so
that a resumed run draws exactly the numbers an uninterrupted run would.

The loop owns: resuming from the run folder's latest checkpoint, logging to metrics.jsonl,
checkpoint cadence (latest + best), a progress bar (step, loss, steps/s, ETA), the NaN/inf guard
and Ctrl-C (finish the step, checkpoint, raise `Interrupted`), and data parallelism: with
``devices`` > 1 the state is replicated on a 1-D device mesh and each step's batch, marked by
`selforg.core.parallel.shard_batch`, is split over it.

Each step runs inside one jitted guard that checks every floating-point leaf of the new state
and of the metrics. A non-finite step is not applied: the state stays the last finite one, the
step is recorded on the device, and the loop raises `TrainingDiverged` at its next look without
writing a checkpoint, so the last checkpoint on disk is always finite. The loop looks at the
device only on the logging cadence, at checkpoints and at the end; in between, steps are queued
without waiting for them, which keeps an accelerator busy.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.core.errors import BadInput, Interrupted, TrainingDiverged
from selforg.core.parallel import data_mesh, device_count, replicate, requested_devices
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
        metric: the metric that decides the ``best`` checkpoint (lower is better), compared at
            checkpoint time.
        quiet: no progress bar.
        description: the progress bar's label.
        devices: split each step's batch over this many devices (an int or ``"all"``; see
            `selforg.core.parallel`); None: as the enclosing `data_parallel` block says, else 1.
    """

    steps: int
    log_every: int = 10
    checkpoint_every: int = 100
    checkpoint_seconds: float = 120.0
    metric: str = "loss"
    quiet: bool = False
    description: str = "training"
    devices: int | str | None = None


def clip_and(optimiser: optax.GradientTransformation, clip: float) -> optax.GradientTransformation:
    """Element-wise gradient clipping at `clip` followed by `optimiser`."""
    return optax.chain(optax.clip(clip), optimiser)


# Steps queued ahead of the host before it waits for the oldest (bounds the memory of a long
# stretch between logs; an accelerator still has work queued while the host waits).
MAX_IN_FLIGHT = 16


def _to_float(v: Any) -> float:
    return float(np.asarray(v))


def _is_inexact(x: Any) -> bool:
    return eqx.is_array(x) and jnp.issubdtype(x.dtype, jnp.inexact)


def all_finite(tree: Any) -> jax.Array:
    """True (a scalar bool array) when every floating-point leaf of `tree` is finite."""
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree) if _is_inexact(x)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def _select(ok: jax.Array, new: Any, old: Any) -> Any:
    """`new` where `ok`, else `old`, leaf by leaf (non-array leaves: `new`)."""

    def pick(a: Any, b: Any) -> Any:
        if not eqx.is_array(a):
            return a
        if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
            data = _select(ok, jax.random.key_data(a), jax.random.key_data(b))
            return jax.random.wrap_key_data(data, impl=jax.random.key_impl(a))
        b = jnp.asarray(b, a.dtype)
        return jax.lax.select(jnp.broadcast_to(ok, a.shape), a, b)

    return jax.tree_util.tree_map(pick, new, old)


def _initial_status(metrics_shape: dict[str, Any]) -> dict[str, Any]:
    zeros = {k: jnp.zeros(v.shape, v.dtype) for k, v in metrics_shape.items()}
    return {"bad_step": jnp.int32(-1), "bad": zeros, "stop_step": jnp.int32(-1), "stop": zeros}


@functools.lru_cache(maxsize=8)
def _guard(step_fn: StepFn, stop_at_zero: str | None) -> Callable[..., Any]:
    """One jitted step: run `step_fn`, keep the old state unless everything is finite (and the
    run has not already stopped), and note the first bad step / the first step whose
    `stop_at_zero` metric is 0 in the carried status.

    Cached on the step function: a trainer that hands the same `step_fn` again (mplp's
    `make_step` does, per configuration) reuses the compiled guard."""

    @eqx.filter_jit
    def guarded(state: Any, step: Any, status: dict[str, Any]) -> Any:
        new, metrics = step_fn(state, step)
        metrics = dict(metrics)
        halted = (status["bad_step"] >= 0) | (status["stop_step"] >= 0)
        finite = all_finite(new) & all_finite(metrics)
        apply = finite & ~halted
        bad_now = ~finite & ~halted
        one_based = jnp.asarray(step, jnp.int32) + 1
        status = dict(status)
        status["bad_step"] = jnp.where(bad_now, one_based, status["bad_step"])
        status["bad"] = _select(bad_now, metrics, status["bad"])
        if stop_at_zero is not None:
            zero_now = apply & (metrics[stop_at_zero] == 0)
            status["stop_step"] = jnp.where(zero_now, one_based, status["stop_step"])
            status["stop"] = _select(zero_now, metrics, status["stop"])
        return _select(apply, new, state), metrics, status

    return guarded


def train_loop(
    run: Run,
    state: Any,
    step_fn: StepFn,
    settings: LoopSettings,
    *,
    on_log: Callable[[int, Any, dict[str, float]], None] | None = None,
    stop_when: Callable[[dict[str, float]], bool] | None = None,
    best_of: Callable[[Any], Any] | None = None,
    stop_at_zero: str | None = None,
) -> tuple[Any, int, list[dict[str, float]]]:
    """Run ``step_fn`` from the latest checkpoint (if the run is resumed) up to ``settings.steps``.

    Args:
        run: the open run folder (`open_run`).
        state: initial pytree; also the template for loading checkpoints.
        step_fn: ``(state, step: int32 scalar) -> (state, metrics)``, traceable by JAX (it is
            called inside the loop's own jitted guard); ``step`` is 0-based.
        settings: cadence and length.
        on_log: called as ``on_log(step, state, record)`` after each logged step (plots, previews).
        stop_when: ends training early (after checkpointing) when it returns True on a logged
            record (host-side; it sees only the records of the logging cadence).
        best_of: what ``checkpoints/best.npz`` holds, ``best_of(state)`` (e.g. the parameters
            without the optimiser or sample pool, which only ``latest`` needs to resume);
            default the whole state.
        stop_at_zero: a metric name; the run ends exactly at the first step where it is 0
            (checked on the device every step), with that step logged and checkpointed.

    Returns:
        (final state, number of completed steps, the records logged by this call).

    Raises:
        TrainingDiverged: a metric or the new state became NaN/inf; nothing after the last
            finite checkpoint was written.
        Interrupted: Ctrl-C; the state after the current step was checkpointed.
        BadInput: the resumed run has done more steps than ``settings.steps``.

    Example:
        >>> state, done, records = train_loop(run, state, step, LoopSettings(steps=100))
        ... # doctest: +SKIP
    """
    start = 0
    best = math.inf
    if run.resumed and run.has_checkpoint():
        state, start, extra = run.load_checkpoint(state)
        best = float(extra.get("best", math.inf))
        run.truncate_metrics("step", start)
        if start > settings.steps:
            raise BadInput(
                f"{run.path} has done {start} steps, more than the {settings.steps} asked;"
                f" give a length of at least {start}"
            )
    n_dev = device_count(settings.devices if settings.devices is not None
                         else requested_devices())
    mesh = data_mesh(n_dev) if n_dev > 1 else None
    if mesh is not None:
        state = replicate(state, mesh)
    guarded = _guard(step_fn, stop_at_zero)
    records: list[dict[str, float]] = []
    last_ckpt_time = time.monotonic()
    last_ckpt_step: int | None = start if run.has_checkpoint() else None
    t0 = time.monotonic()
    step = start
    status: dict[str, Any] | None = None
    in_flight: deque[Any] = deque()

    def checkpoint(s: Any, n: int, metrics: dict[str, float]) -> None:
        nonlocal best, last_ckpt_time, last_ckpt_step
        value = metrics.get(settings.metric, math.inf)
        is_best = value < best
        if is_best:
            best = value
        run.save_checkpoint(s, step=n, best=is_best, extra={"best": best},
                            best_state=best_of(s) if is_best and best_of is not None else None)
        last_ckpt_time = time.monotonic()
        last_ckpt_step = n

    def log(n: int, metrics: dict[str, float], s: Any) -> dict[str, float]:
        record = {"step": n, **metrics, "elapsed_s": round(time.monotonic() - t0, 3)}
        run.log(record)
        records.append(record)
        if on_log is not None:
            on_log(n, s, record)
        return record

    def diverged(status_host: dict[str, Any]) -> TrainingDiverged:
        at = int(status_host["bad_step"])
        bad = [k for k, v in status_host["bad"].items() if not np.all(np.isfinite(v))]
        what = f"{', '.join(bad)} became non-finite" if bad else (
            "the new state (weights, optimiser or pool) became non-finite, the metrics did not")
        kept = (f"the last good checkpoint (step {last_ckpt_step}) is kept in"
                f" {run.checkpoint_dir}" if last_ckpt_step is not None
                else "no checkpoint had been written yet")
        return TrainingDiverged(f"{what} at step {at}; {kept}")

    with (
        jax.set_mesh(mesh) if mesh is not None else contextlib.nullcontext(),
        graceful_interrupt() as flag,
        make_progress(quiet=settings.quiet, fields="{task.fields[info]}") as bar,
    ):
        task = bar.add_task(
            settings.description, total=settings.steps, completed=start, info="", rate=""
        )
        while step < settings.steps:
            if status is None:
                shapes = dict(eqx.filter_eval_shape(step_fn, state, np.int32(step))[1])
                if stop_at_zero is not None and stop_at_zero not in shapes:
                    raise ValueError(f"stop_at_zero={stop_at_zero!r} is not one of the step's"
                                     f" metrics {sorted(shapes)}")
                status = _initial_status(shapes)
            state, metrics, status = guarded(state, np.int32(step), status)
            step += 1
            in_flight.append(status["bad_step"])
            if len(in_flight) > MAX_IN_FLIGHT:
                in_flight.popleft().block_until_ready()
            elapsed = time.monotonic() - t0
            bar.update(task, completed=step,
                       rate=f"{(step - start) / max(elapsed, 1e-9):.2f} it/s")
            log_due = step % settings.log_every == 0 or step == settings.steps
            ckpt_due = (step % settings.checkpoint_every == 0
                        or time.monotonic() - last_ckpt_time > settings.checkpoint_seconds)
            if not (log_due or ckpt_due or flag.requested):
                continue
            host_metrics, host_status = jax.device_get((metrics, status))
            in_flight.clear()
            if int(host_status["bad_step"]) >= 0:
                raise diverged(host_status)
            done = False
            if int(host_status["stop_step"]) >= 0:
                # the state stayed at the stopping step; later steps were not applied
                step = int(host_status["stop_step"])
                host_metrics, log_due, done = host_status["stop"], True, True
            metrics_f = {k: _to_float(v) for k, v in host_metrics.items()}
            if log_due:
                record = log(step, metrics_f, state)
                bar.update(task, completed=step, info=" ".join(
                    f"{k} {v:.4g}" for k, v in list(metrics_f.items())[:3]))
                done = done or step == settings.steps or (
                    stop_when is not None and bool(stop_when(record)))
            if ckpt_due or done or flag.requested:
                checkpoint(state, step, metrics_f)
            if done:
                break
            if flag.requested:
                raise Interrupted(str(run.path))
    if mesh is not None:  # what the caller does next (checks, pictures) runs on one device
        state = replicate(state, data_mesh(1))
    return state, step, records
