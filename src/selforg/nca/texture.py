"""Training texture NCA and μNCA on an exemplar (Niklasson et al., "Self-Organising Textures",
Distill 2021; Mordvintsev & Niklasson, "μNCA", arXiv 2111.13545).

A pool of states is rolled forward from where the last iterations left them (so the rule learns
to persist), a pool sample is re-seeded every few iterations (so it learns to start from the
seed), and the loss is the patch sliced-Wasserstein distance to the exemplar plus an overflow
penalty. Gradients are normalised per parameter; μNCA also normalises each sample's gradient
after every step of the backward pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core.errors import BadInput
from selforg.core.parallel import shard_batch
from selforg.core.runs import Run
from selforg.nca import losses
from selforg.nca.artefacts import write_texture_artefacts
from selforg.nca.config import TextureConfig
from selforg.nca.gradnorm import normalize_per_param
from selforg.nca.images import load_exemplar
from selforg.nca.model import TEXTURE_MODELS, make_texture_model
from selforg.nca.rollout import rollout, run_steps
from selforg.nca.training import (
    Prepared,
    Trainer,
    TrainResult,
    optimiser,
    read_stable,
    save_model,
    train,
)


def check_texture_config(cfg: TextureConfig) -> None:
    """Raise `BadInput` for values no run can use."""
    if cfg.model not in TEXTURE_MODELS:
        raise BadInput(f"unknown model {cfg.model!r}; allowed: {', '.join(TEXTURE_MODELS)}")
    if cfg.size < 8 or cfg.size > 1024:
        raise BadInput(f"grid size {cfg.size} is outside 8..1024")
    if cfg.exemplar_size < 16 or cfg.exemplar_size > 2048:
        raise BadInput(f"exemplar size {cfg.exemplar_size} is outside 16..2048")
    if not 1 <= cfg.min_steps < cfg.max_steps:
        raise BadInput(f"rollout steps {cfg.min_steps}..{cfg.max_steps}: need 1 ≤ min < max")
    if cfg.batch > cfg.pool_size:
        raise BadInput(f"batch {cfg.batch} is larger than the pool {cfg.pool_size}")


def patch_cfg(cfg: TextureConfig) -> losses.PatchLoss:
    lc = cfg.loss
    return losses.PatchLoss(lc.levels, lc.patch, lc.n_patches, lc.projections)


def init_texture_state(cfg: TextureConfig) -> dict[str, Any]:
    """Model, optimiser state, the pool of seeds and the PRNG key (raw uint32)."""
    key = jax.random.PRNGKey(cfg.seed)
    k_model, k_pool, k_run = jax.random.split(key, 3)
    model = make_texture_model(cfg.model, key=k_model)
    opt = optimiser(cfg.lr, cfg.lr_decay_at, cfg.lr_decay)
    return {
        "model": model,
        "opt": opt.init(eqx.filter(model, eqx.is_array)),
        "pool": model.seed((cfg.pool_size, cfg.size, cfg.size), k_pool),
        "key": k_run,
    }


def make_texture_step(cfg: TextureConfig, exemplar: np.ndarray):
    """The jitted training step ``(state, step) -> (state, metrics)`` for `exemplar` (H, W, 3).

    Compiled once per config and shape: the jitted function is module-level with the (hashable)
    config static, so a second run of the same config reuses the compiled step.
    """
    if cfg.vgg_weights:
        from selforg.nca import vgg

        params = vgg.load_vgg16(cfg.vgg_weights)
        target = (params, vgg.target_grams(params, jnp.asarray(exemplar)))
    else:
        target = losses.exemplar_pyramid(jnp.asarray(exemplar), patch_cfg(cfg))
    return lambda state, i: _texture_step(state, jnp.asarray(i, jnp.int32), target, cfg)


@eqx.filter_jit
def _texture_step(state, i, target, cfg: TextureConfig):
    micro = cfg.model != "texture"

    def roll(m, x, steps, n, key):
        return rollout(m, x, steps, key, active=n, grad_norm=micro)

    def fresh(m, key):
        return m.seed((1, cfg.size, cfg.size), key)[0]

    overflow = losses.overflow_sq if micro else losses.overflow_abs
    return pool_texture_step(state, i, target, cfg, roll=roll, fresh=fresh, overflow=overflow)


def pool_texture_step(state, i, target, cfg: Any, *, roll, fresh, overflow):
    """One pool / truncated-BPTT / texture-loss iteration, for any rule (traced, not jitted).

    The texture systems (the NCA here, reaction-diffusion in `selforg.rd`) differ only in how
    a batch is rolled out and seeded, so those come in as functions:

    Args:
        state: ``{"model", "opt", "pool", "key"}`` as `init_texture_state` makes it.
        i: the iteration (traced int32).
        target: `losses.exemplar_pyramid` of the exemplar (or the VGG pair when
            ``cfg.vgg_weights``).
        cfg: any config with the `TextureConfig` training fields (pool_size, batch,
            reseed_every, min_steps, max_steps, lr, lr_decay_at, lr_decay, overflow_weight,
            loss, vgg_weights).
        roll: ``(model, x, steps, n, key) -> y``: `n` (traced) of at most `steps` (static)
            updates of a batch ``(B, H, W, C)``.
        fresh: ``(model, key) -> (H, W, C)``: one new seed.
        overflow: the overflow penalty of a batch.

    Returns:
        (new state, metrics ``{"loss", "swd", "overflow"}``).
    """
    pc = patch_cfg(cfg)
    opt = optimiser(cfg.lr, cfg.lr_decay_at, cfg.lr_decay)
    model, pool = state["model"], state["pool"]
    key = jax.random.fold_in(state["key"], i)
    k_idx, k_len, k_seed, k_loss, k_roll = jax.random.split(key, 5)
    idx = jax.random.choice(k_idx, cfg.pool_size, (cfg.batch,), replace=False)
    x = pool[idx]
    x = x.at[0].set(jnp.where(i % cfg.reseed_every == 0, fresh(model, k_seed), x[0]))
    x = shard_batch(x)  # split over devices when training data-parallel
    n = jax.random.randint(k_len, (), cfg.min_steps, cfg.max_steps)

    def loss_fn(m):
        y = roll(m, x, cfg.max_steps - 1, n, k_roll)
        # the loss sees the unclipped image so gradients flow everywhere
        if cfg.vgg_weights:
            from selforg.nca import vgg

            swd = vgg.style_loss(target[0], y[..., :3] + 0.5, target[1]).mean()
        else:
            swd = losses.texture_loss(y[..., :3] + 0.5, target, k_loss, pc).mean()
        ov = overflow(y)
        return swd + cfg.overflow_weight * ov, (y, swd, ov)

    (loss, (y, swd, ov)), grads = eqx.filter_value_and_grad(loss_fn, has_aux=True)(model)
    grads = normalize_per_param(grads)
    updates, opt_state = opt.update(grads, state["opt"], eqx.filter(model, eqx.is_array))
    model = eqx.apply_updates(model, updates)
    new = dict(state, model=model, opt=opt_state, pool=pool.at[idx].set(y))
    return new, {"loss": loss, "swd": swd, "overflow": ov}


def stability_score(model: Any, exemplar: np.ndarray, size: int, steps: int,
                    seed: int = 0) -> float:
    """Eval-metric texture distance of one `steps`-step rollout from a seed (long-term quality)."""
    key = jax.random.PRNGKey(seed)
    x = model.seed((1, size, size), key)
    x = run_steps(model, x, steps, jax.random.fold_in(key, 1))
    return losses.texture_distance(np.asarray(model.rgb(x))[0], exemplar)


def _prepare(run: Run, cfg: TextureConfig) -> Prepared:
    exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
    best_stable = read_stable(run)

    def on_log(n: int, st: Any, record: dict[str, float]) -> None:
        nonlocal best_stable
        if cfg.stability_every and n % cfg.stability_every == 0:
            score = stability_score(st["model"], exemplar, cfg.size, cfg.stability_steps)
            run.log({"step": n, "stability": score})
            if score < best_stable:
                best_stable = score
                save_model(run, st["model"], step=n, extra={"stability": score}, name="stable")

    return Prepared(init_texture_state(cfg), make_texture_step(cfg, exemplar),
                    lambda run, model: write_texture_artefacts(run, model, exemplar, cfg),
                    on_log)


TEXTURE = Trainer(verb="texture", check=check_texture_config,
                  name=lambda cfg: f"{Path(cfg.exemplar).stem}-{cfg.model}",
                  describe=lambda cfg: f"nca texture {cfg.model}", prepare=_prepare)


def train_texture(
    cfg: TextureConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
    checkpoint_every: int = 50,
    log_every: int = 10,
) -> TrainResult:
    """Train a texture model; writes the run folder with checkpoints, the model and artefacts.

    Args:
        cfg: the run's settings (`TextureConfig`; with `resume`, the saved config must agree
            except for ``iterations``, which extends the run).
        out: the run folder (default ``runs/nca/texture/<time>-<exemplar>-<model>``).
        resume: a run folder to continue from its latest checkpoint.
        quiet: no progress bar.

    Returns:
        `TrainResult` (run folder, iterations done, final loss, seconds).

    Example:
        >>> cfg = TextureConfig(model="micro-68", size=16, exemplar_size=32, iterations=5)
        >>> train_texture(cfg).steps
        5
    """
    return train(TEXTURE, cfg, out=out, resume=resume, quiet=quiet, root=root,
                 checkpoint_every=checkpoint_every, log_every=log_every)
