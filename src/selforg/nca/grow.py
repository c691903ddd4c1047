"""Training the growing NCA (Mordvintsev et al., "Growing Neural Cellular Automata", Distill
2020): grow an RGBA target from one cell; with a pool, persist; with damage, regenerate.

Each iteration takes a batch from the pool, sorts it by loss, replaces the worst sample by the
seed (every `reseed_every` iterations; the paper: every one) and (regenerating mode) erases
random discs from the best ones, rolls the batch forward a random 'min_steps..max_steps'
steps, and trains on the MSE to the target.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import grid
from selforg.core.errors import BadInput
from selforg.core.parallel import shard_batch
from selforg.core.runs import Run
from selforg.nca.artefacts import write_grow_artefacts
from selforg.nca.config import GROW_MODES, GrowConfig
from selforg.nca.gradnorm import normalize_per_param
from selforg.nca.grow_state import grow_state
from selforg.nca.images import load_target
from selforg.nca.model import GrowingNCA
from selforg.nca.rollout import rollout
from selforg.nca.training import Prepared, Trainer, TrainResult, optimiser, train


def check_grow_config(cfg: GrowConfig) -> None:
    """Raise `BadInput` for values no run can use."""
    if cfg.mode not in GROW_MODES:
        raise BadInput(f"unknown mode {cfg.mode!r}; allowed: {', '.join(GROW_MODES)}")
    if not 4 <= cfg.target_size <= 512 or not 0 <= cfg.pad <= 256:
        raise BadInput(f"target size {cfg.target_size} / pad {cfg.pad}: need 4..512 and 0..256")
    if not 1 <= cfg.min_steps < cfg.max_steps:
        raise BadInput(f"rollout steps {cfg.min_steps}..{cfg.max_steps}: need 1 ≤ min < max")
    if cfg.batch > cfg.pool_size:
        raise BadInput(f"batch {cfg.batch} is larger than the pool {cfg.pool_size}")
    if cfg.reseed_every < 1:
        raise BadInput(f"reseed interval {cfg.reseed_every}: need ≥ 1")
    if cfg.mode == "regenerating" and cfg.damage_count >= cfg.batch:
        raise BadInput(f"damage count {cfg.damage_count} must be < batch {cfg.batch}")
    if cfg.init is not None:
        initial_model(cfg)  # unreadable or of another kind: refused before the run opens


def initial_model(cfg: GrowConfig) -> GrowingNCA | None:
    """The rule of ``cfg.init`` (a growing model whose fire rate is ``cfg.fire_rate``), or None
    for fresh weights.

    Raises:
        BadInput: ``cfg.init`` names no growing model, or one with another fire rate.
    """
    if cfg.init is None:
        return None
    from selforg.nca.store import load_model

    loaded = load_model(cfg.init)
    if loaded.kind != "grow":
        raise BadInput(f"--init {cfg.init}: a {loaded.kind} model; a growing NCA starts only"
                       " from a growing model")
    if loaded.model.fire_rate != cfg.fire_rate:
        raise BadInput(f"--init {cfg.init}: fire rate {loaded.model.fire_rate}, this run"
                       f" {cfg.fire_rate}")
    return loaded.model


def init_grow_state(cfg: GrowConfig) -> dict[str, Any]:
    """The initial training state (`grow_state`), from ``cfg.init``'s rule when given."""
    return grow_state(cfg, initial_model(cfg))


def per_sample_mse(x: jax.Array, target: jax.Array) -> jax.Array:
    """MSE of the RGBA channels to the target, one value per sample ``(B,)``."""
    target = target.reshape((1,) * (x.ndim - target.ndim) + target.shape)
    return jnp.mean(jnp.square(x[..., :4] - target), axis=(-3, -2, -1))


def make_grow_step(cfg: GrowConfig, target: np.ndarray):
    """The jitted training step ``(state, step) -> (state, metrics)`` (compiled once per config)."""
    tgt = jnp.asarray(target)
    return lambda state, i: _grow_step(state, jnp.asarray(i, jnp.int32), tgt, cfg)


@eqx.filter_jit
def _grow_step(state, i, target, cfg: GrowConfig):
    opt = optimiser(cfg.lr, (cfg.lr_decay_at,), cfg.lr_decay)
    side = target.shape[0]
    pooled = cfg.mode != "growing"
    model, pool = state["model"], state["pool"]
    key = jax.random.fold_in(state["key"], i)
    k_idx, k_len, k_dmg, k_roll = jax.random.split(key, 4)
    seed = model.seed((1, side, side))
    if pooled:
        idx = jax.random.choice(k_idx, cfg.pool_size, (cfg.batch,), replace=False)
        x = pool[idx]
        order = jnp.argsort(-per_sample_mse(x, target))  # worst first
        idx, x = idx[order], x[order]
        x = x.at[0].set(jnp.where(i % cfg.reseed_every == 0, seed[0], x[0]))
        if cfg.mode == "regenerating":
            keys = jax.random.split(k_dmg, cfg.damage_count)
            masks = jax.vmap(lambda k: grid.random_circle_mask(k, (side, side)))(keys)
            x = x.at[-cfg.damage_count :].set(x[-cfg.damage_count :] * (1.0 - masks))
    else:
        idx = None
        x = jnp.repeat(seed, cfg.batch, axis=0)
    x = shard_batch(x)  # split over devices when training data-parallel
    n = jax.random.randint(k_len, (), cfg.min_steps, cfg.max_steps)

    def loss_fn(m):
        y = rollout(m, x, cfg.max_steps - 1, k_roll, active=n)
        return jnp.mean(per_sample_mse(y, target)), y

    (loss, y), grads = eqx.filter_value_and_grad(loss_fn, has_aux=True)(model)
    grads = normalize_per_param(grads)
    updates, opt_state = opt.update(grads, state["opt"], eqx.filter(model, eqx.is_array))
    model = eqx.apply_updates(model, updates)
    new_pool = pool.at[idx].set(y) if pooled else pool
    return dict(state, model=model, opt=opt_state, pool=new_pool), {"loss": loss}


def _prepare(run: Run, cfg: GrowConfig) -> Prepared:
    target = load_target(cfg.target, cfg.target_size, cfg.pad)
    return Prepared(init_grow_state(cfg), make_grow_step(cfg, target),
                    lambda run, model: write_grow_artefacts(run, model, target))


GROW = Trainer(verb="grow", check=check_grow_config,
               name=lambda cfg: f"{Path(cfg.target).stem}-{cfg.mode}",
               describe=lambda cfg: f"nca grow {cfg.mode}", prepare=_prepare)


def train_grow(
    cfg: GrowConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
    checkpoint_every: int = 50,
    log_every: int = 10,
) -> TrainResult:
    """Train a growing NCA on ``cfg.target``; writes the run folder, model.npz and artefacts.

    Args:
        cfg: the run's settings (`GrowConfig`; with `resume`, the saved config must agree
            except for ``iterations``, which extends the run).
        out: the run folder (default ``runs/nca/grow/<time>-<target>-<mode>``).
        resume: a run folder to continue from its latest checkpoint.
        quiet: no progress bar.

    Returns:
        `TrainResult` (run folder, iterations done, final loss, seconds).

    Example:
        >>> res = train_grow(GrowConfig(target="lizard", target_size=8, pad=2, iterations=5))
        >>> res.steps
        5
    """
    return train(GROW, cfg, out=out, resume=resume, quiet=quiet, root=root,
                 checkpoint_every=checkpoint_every, log_every=log_every)
