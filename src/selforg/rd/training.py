"""`selforg rd train`: a learned reaction-diffusion texture (Mordvintsev, Randazzo, Niklasson,
ALIFE 2021, arXiv 2107.06862) trained with the texture NCA's machinery.

What is shared with `selforg.nca` rather than copied: the pool / truncated-BPTT iteration
(`selforg.nca.texture.pool_texture_step`: pick a batch from the pool, re-seed one sample every
few iterations, roll out a random number of steps, patch sliced-Wasserstein loss plus overflow
penalty, per-parameter gradient normalisation, Adam), the exemplar loading, the loss, and the
run / loop / saved-model plumbing (`selforg.nca.training.train` with a `Trainer`). What is
RD's own: the rule, its blob seed, and the pictures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.rollout import rollout as core_rollout
from selforg.core.runs import Run
from selforg.nca import losses
from selforg.nca.artefacts import loss_plot
from selforg.nca.images import load_exemplar
from selforg.nca.rollout import ForSteps
from selforg.nca.texture import patch_cfg, pool_texture_step
from selforg.nca.training import Prepared, Trainer, TrainResult, optimiser, train
from selforg.rd.config import TrainConfig
from selforg.rd.model import DIFFUSION_MODES, RD, RDRule
from selforg.rd.rollout import simulate

ARTEFACT_STEPS, ARTEFACT_EVERY = 640, 8


def check_config(cfg: TrainConfig) -> None:
    """Raise `BadInput` for values no run can use."""
    if cfg.size < 8 or cfg.size > 1024:
        raise BadInput(f"grid size {cfg.size} is outside 8..1024")
    if cfg.exemplar_size < 16 or cfg.exemplar_size > 2048:
        raise BadInput(f"exemplar size {cfg.exemplar_size} is outside 16..2048")
    if not 1 <= cfg.min_steps < cfg.max_steps:
        raise BadInput(f"rollout steps {cfg.min_steps}..{cfg.max_steps}: need 1 ≤ min < max")
    if cfg.batch > cfg.pool_size:
        raise BadInput(f"batch {cfg.batch} is larger than the pool {cfg.pool_size}")
    if cfg.diffusion not in DIFFUSION_MODES:
        raise BadInput(f"unknown diffusion {cfg.diffusion!r}; allowed:"
                       f" {', '.join(DIFFUSION_MODES)}")
    if not (cfg.d_min >= 0 and cfg.d_max >= 0):
        raise BadInput(f"diffusion coefficients must be ≥ 0 (got d_min {cfg.d_min:g},"
                       f" d_max {cfg.d_max:g})")
    if not 0 < cfg.d_min <= cfg.d_max:
        raise BadInput(f"diffusion spread {cfg.d_min:g}..{cfg.d_max:g}: need 0 < d_min ≤ d_max")
    if cfg.dt * cfg.d_max > 2.0:
        raise BadInput(f"dt·d_max = {cfg.dt * cfg.d_max:g} > 2: the explicit step would be"
                       " unstable")
    if cfg.channels < 3:
        raise BadInput(f"{cfg.channels} channels: need ≥ 3 (RGB are the first three)")
    if cfg.vgg_weights:
        raise BadInput("rd trains on the patch loss only (no VGG weights)")


def make_model(cfg: TrainConfig, key: jax.Array) -> RD:
    """The untrained rule of `cfg`."""
    return RD(key=key, channels=cfg.channels, hidden=cfg.hidden, diffusion=cfg.diffusion,
              d_min=cfg.d_min, d_max=cfg.d_max, dt=cfg.dt)


def init_state(cfg: TrainConfig) -> dict[str, Any]:
    """Model, optimiser state, the pool of blob seeds and the PRNG key (raw uint32)."""
    key = jax.random.PRNGKey(cfg.seed)
    k_model, k_pool, k_run = jax.random.split(key, 3)
    model = make_model(cfg, k_model)
    opt = optimiser(cfg.lr, cfg.lr_decay_at, cfg.lr_decay)
    return {
        "model": model,
        "opt": opt.init(eqx.filter(model, eqx.is_array)),
        "pool": model.seed((cfg.pool_size, cfg.size, cfg.size), k_pool),
        "key": k_run,
    }


def _roll(m: RD, x: Array, steps: int, n: Array, key: jax.Array) -> Array:
    del key
    (y, _), _ = core_rollout(ForSteps(RDRule(dmap=jnp.float32(1.0))), m,
                             (x, jnp.asarray(n, jnp.int32)), steps, key=None, remat=True)
    return y


@eqx.filter_jit
def _step(state, i, target, cfg: TrainConfig):
    def fresh(m: RD, key: jax.Array) -> Array:
        return m.seed((1, cfg.size, cfg.size), key)[0]

    return pool_texture_step(state, i, target, cfg, roll=_roll, fresh=fresh,
                             overflow=losses.overflow_abs)


def make_step(cfg: TrainConfig, exemplar: np.ndarray):
    """The jitted ``(state, i) -> (state, metrics)`` for `exemplar` ``(H, W, 3)``."""
    target = losses.exemplar_pyramid(jnp.asarray(exemplar), patch_cfg(cfg))
    return lambda state, i: _step(state, jnp.asarray(i, jnp.int32), target, cfg)


def _scale(side: int) -> int:
    return max(1, 256 // side)


def write_artefacts(run: Run, model: RD, exemplar: np.ndarray, cfg: TrainConfig) -> None:
    """final.png, rollout.gif / .mp4 (from blobs, 10× the longest training rollout),
    exemplar.png, plots/loss.png."""
    _, frames = simulate(model, size=(cfg.size, cfg.size), steps=ARTEFACT_STEPS,
                         every=ARTEFACT_EVERY)
    k = _scale(cfg.size)
    big = [media.upscale(f, k) for f in frames]
    media.save_png(run.artefact("final.png"), big[-1])
    media.write_gif(run.artefact("rollout.gif"), big, fps=20)
    media.write_mp4(run.artefact("rollout.mp4"), big, fps=30)
    media.save_png(run.artefact("exemplar.png"), exemplar)
    loss_plot(run, ("loss", "swd", "overflow"))


def _prepare(run: Run, cfg: TrainConfig) -> Prepared:
    exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
    return Prepared(init_state(cfg), make_step(cfg, exemplar),
                    lambda run, model: write_artefacts(run, model, exemplar, cfg))


TRAINER = Trainer(verb="train", check=check_config,
                  name=lambda cfg: f"{Path(cfg.exemplar).stem}",
                  describe=lambda cfg: f"rd {Path(cfg.exemplar).stem}", prepare=_prepare,
                  system="rd")


def train_rd(
    cfg: TrainConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
    checkpoint_every: int = 50,
    log_every: int = 10,
) -> TrainResult:
    """Train a reaction-diffusion texture; writes the run folder (config.json, metrics.jsonl,
    checkpoints/, model.npz, final.png, rollout.gif, rollout.mp4, exemplar.png, plots/loss.png).

    Args:
        cfg: the run's settings (`TrainConfig`; with `resume`, the saved config must agree
            except for ``iterations``, which extends the run: the learning-rate schedule is by
            absolute iteration).
        out: the run folder (default ``runs/rd-train/<time>-<exemplar>``).
        resume: a run folder to continue from its latest checkpoint.
        quiet: no progress bar.

    Returns:
        `TrainResult` (run folder, iterations done, final loss, seconds).

    Example:
        >>> cfg = TrainConfig(size=16, exemplar_size=32, min_steps=2, max_steps=4,
        ...                   iterations=3, pool_size=8)
        >>> train_rd(cfg, out="runs/tiny-rd").steps  # doctest: +SKIP
        3
    """
    return train(TRAINER, cfg, out=out, resume=resume, quiet=quiet, root=root,
                 checkpoint_every=checkpoint_every, log_every=log_every)
