"""The jitted training step of a logic CA, and the discrete checks of a learned rule.

Miotti et al., "Differentiable Logic Cellular Automata" (2025): the soft (relaxed) rollout gives
the loss and gradients, the hard (discrete) rollout of the same logits is monitored; the final
state's squared error on the target channels is the loss; element-wise clip at 100, then AdamW
(b1 0.9, b2 0.99, weight decay 1e-2) at a constant learning rate. `selforg.logic.train` runs
these in a run folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.core.errors import BadInput
from selforg.core.parallel import shard_batch
from selforg.core.runs import load_config
from selforg.core.train import clip_and
from selforg.logic import gates
from selforg.logic.circuit import Circuit
from selforg.logic.config import LogicConfig
from selforg.logic.model import (
    Params,
    build_wiring,
    coefficients,
    init_params,
    rollout,
    to_circuit,
    wiring_arrays,
)
from selforg.logic.tasks import Task


def optimiser(cfg: LogicConfig) -> optax.GradientTransformation:
    """Element-wise clip, then AdamW with the paper's betas."""
    adamw = optax.adamw(cfg.lr, b1=0.9, b2=0.99, weight_decay=cfg.weight_decay)
    return clip_and(adamw, cfg.clip)


def make_step(cfg: LogicConfig, wiring: Circuit, task: Task):
    """The jitted ``step(state, step) -> (state, metrics)`` with state (params, opt, key).

    On a fixed batch (`Task.fixed_batch`: lizard, colours) parameters whose hard loss is 0 are
    kept as they are, so a run that once grows its target exactly ends exact.

    Metrics: ``loss`` (of the training rollout: soft gates, or with `straight_through` the
    discrete gates of the possibly noisy logits), ``hard_loss`` (the clean discrete rule on the
    same batch), and for Life ``hard_errors_all`` (wrong cells over all 512 boards after the
    update; evaluated only when the batch's hard loss is 0, else −1).
    """
    opt = optimiser(cfg)
    t = task.target_channels
    fire = cfg.fire_rate if cfg.asynchronous else None

    def relaxed(logits):
        soft = gates.soft_coeffs(logits)
        if not cfg.straight_through:
            return soft
        return soft + jax.lax.stop_gradient(gates.hard_coeffs(logits) - soft)

    def losses(params: Params, x0, tgt, key, idx, noise_key):
        logits = params
        if cfg.gate_noise > 0:
            leaves, tree = jax.tree.flatten(params)
            keys = jax.random.split(noise_key, len(leaves))
            logits = jax.tree.unflatten(tree, [
                p + cfg.gate_noise * jax.random.gumbel(k, p.shape, p.dtype)
                for p, k in zip(leaves, keys, strict=True)
            ])
        soft = rollout(wiring, coefficients(logits, relaxed), x0, cfg.steps,
                       key=key, fire_rate=fire, idx=idx)
        hard_c = coefficients(jax.lax.stop_gradient(params), gates.hard_coeffs)
        hard = rollout(wiring, hard_c, x0, cfg.steps, key=key, fire_rate=fire, idx=idx)
        loss = jnp.sum((soft[..., :t] - tgt) ** 2)
        return loss, jnp.sum((hard[..., :t] - tgt) ** 2)

    def all_boards_errors(params: Params, idx):
        hard_c = coefficients(params, gates.hard_coeffs)
        out = rollout(wiring, hard_c, jnp.asarray(task.init), cfg.steps, idx=idx)
        return jnp.sum(jnp.abs(out[..., :t] - jnp.asarray(task.target)))

    @jax.jit
    def jitted(state, i, idx):
        params, opt_state, key = state
        k_iter = jax.random.fold_in(key, i)
        k_data, k_fire = jax.random.split(k_iter)
        x0, tgt = shard_batch(task.sample(k_data))  # split over devices (data parallel)
        grad_fn = jax.value_and_grad(losses, has_aux=True)
        # the noise key is folded off the side so runs without noise keep their streams
        (loss, hard), grads = grad_fn(params, x0, tgt, k_fire, idx,
                                      jax.random.fold_in(k_iter, 0x9E37))
        updates, opt_state = opt.update(grads, opt_state, params)
        new_params = optax.apply_updates(params, updates)
        if task.fixed_batch:
            # The batch is the whole task, so hard loss 0 means these parameters are exact:
            # keep them (the soft step could undo it) and every later step stays exact.
            params = jax.tree.map(lambda old, new: jnp.where(hard == 0, old, new), params,
                                  new_params)
        else:
            params = new_params
        metrics = {"loss": loss, "hard_loss": hard}
        if cfg.experiment == "life":
            # All 512 boards only when the batch is already right: most steps skip this pass.
            metrics["hard_errors_all"] = jax.lax.cond(
                hard == 0, lambda p: all_boards_errors(p, idx), lambda p: jnp.float32(-1), params
            )
        return (params, opt_state, key), metrics

    idx = wiring_arrays(wiring)
    return lambda state, i: jitted(state, i, idx)


def initial_state(cfg: LogicConfig, wiring: Circuit) -> tuple[Any, Any, jax.Array]:
    params = init_params(wiring)
    return params, optimiser(cfg).init(params), jax.random.PRNGKey(cfg.seed)


def final_check(cfg: LogicConfig, wiring: Circuit, params: Params, task: Task,
                rollouts: int = 32) -> dict[str, Any]:
    """The discrete rule of `params` on fresh rollouts of the task (not the training batches).

    A deterministic task (fixed initial state, synchronous) needs one rollout; random initial
    states or asynchronous updates get `rollouts` independent ones, because a single random
    rollout (what the training log shows) can be right by luck or wrong by bad luck.

    Returns:
        ``rollouts`` (grids checked: calls × cfg.batch), ``exact`` (grids with no wrong bit),
        ``wrong_bits_mean``, ``wrong_bits_max`` (wrong target bits per grid: cells × target
        channels), and ``example``: the first rollout's final
        target channels (h, w, t) as a NumPy array.
    """
    t = task.target_channels
    fire = cfg.fire_rate if cfg.asynchronous else None
    n = 1 if (task.init is not None and fire is None) else rollouts

    # parameters and wiring go in as arguments: closed over, XLA would constant-fold them
    @jax.jit
    def check(params, idx, keys):
        coeffs = coefficients(params, gates.hard_coeffs)

        def one(key):
            k_data, k_fire = jax.random.split(key)
            x0, tgt = task.sample(k_data)
            out = rollout(wiring, coeffs, x0, cfg.steps, key=k_fire, fire_rate=fire, idx=idx)
            wrong = jnp.sum(jnp.abs(out[..., :t] - tgt), axis=(1, 2, 3))
            return wrong, out[0, ..., :t]

        return jax.lax.map(one, keys)

    keys = jax.random.split(jax.random.PRNGKey(cfg.seed + 1_000_003), n)
    wrong, finals = check(params, wiring_arrays(wiring), keys)
    wrong = np.asarray(wrong).reshape(-1)
    return {"rollouts": int(wrong.size), "exact": int(np.sum(wrong == 0)),
            "wrong_bits_mean": float(wrong.mean()), "wrong_bits_max": float(wrong.max()),
            "example": np.asarray(finals[0])}


def target_around_seed(target: np.ndarray, size: int) -> np.ndarray:
    """(h, w) target → (size, size), placed where a rule grown from a seed cell at
    (size // 2, size // 2) should draw it: as on the training grid, whose seed is at (h/2, w/2)."""
    h, w = target.shape
    out = np.zeros((size, size), target.dtype)
    oy, ox = size // 2 - h // 2, size // 2 - w // 2
    out[oy:oy + h, ox:ox + w] = target
    return out


def larger_grid_check(cfg: LogicConfig, wiring: Circuit, params: Params, task: Task,
                      size: int = 40) -> dict[str, Any]:
    """Lizard: the discrete rule grown from one seed cell on a `size`×`size` torus for the
    training number of steps, against the target placed around the seed as in training.

    Returns:
        ``size``, ``wrong_cells`` (channel-0 cells that differ), ``exact``.
    """
    h, w = cfg.height, cfg.width
    if size < max(h, w):
        raise BadInput(f"the larger grid ({size}) must hold the {h}×{w} target")
    x0 = np.zeros((1, size, size, cfg.channels), np.float32)
    x0[0, size // 2, size // 2, :] = 1.0
    tgt = target_around_seed(task.target[0, ..., 0], size)
    run = jax.jit(lambda p, x, idx: rollout(wiring, coefficients(p, gates.hard_coeffs), x,
                                            cfg.steps, idx=idx))
    out = np.asarray(run(params, jnp.asarray(x0), wiring_arrays(wiring)))[0, ..., 0]
    wrong = int(np.sum(np.abs(out - tgt)))
    return {"size": size, "wrong_cells": wrong, "exact": wrong == 0}


def circuit_from_run(run_dir: str | Path, which: str = "latest") -> Circuit:
    """The discrete circuit of a run folder's checkpoint (also of an unfinished run).

    Args:
        which: ``latest`` (the whole training state) or ``best`` (the gate logits alone).

    Raises:
        BadInput: not a logic run folder, or no such checkpoint.
    """
    import json

    from selforg.core.runs import load_checkpoint_file

    try:
        verb = json.loads((Path(run_dir) / "config.json").read_text())["verb"]
    except (OSError, ValueError, KeyError):
        raise BadInput(f"{run_dir} is not a run folder (no readable config.json)") from None
    cfg = load_config(run_dir, LogicConfig, system="logic", verb=verb)
    wiring = build_wiring(cfg)
    template = initial_state(cfg, wiring)
    if which == "best":
        template = template[0]
    state, _ = load_checkpoint_file(Path(run_dir) / "checkpoints" / f"{which}.npz", template,
                                    system="logic")
    return to_circuit(wiring, state if which == "best" else state[0])


