"""The training state of a growing NCA (rule, optimiser state, pool, key), apart from
`selforg.nca.grow` so that loading a checkpoint (`selforg.nca.store`) needs no trainer, and the
trainer may load a model to fine-tune without an import cycle."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax

from selforg.nca.config import GrowConfig
from selforg.nca.model import GrowingNCA
from selforg.nca.training import optimiser


def grow_state(cfg: GrowConfig, model: GrowingNCA | None = None) -> dict[str, Any]:
    """``{"model", "opt", "pool", "key"}`` for `cfg`: `model`, or fresh weights from
    ``cfg.seed``; the pool ``(P, H, W, 16)`` all seeds (one sample in ``growing`` mode)."""
    key = jax.random.PRNGKey(cfg.seed)
    k_model, k_run = jax.random.split(key)
    if model is None:
        model = GrowingNCA(key=k_model, fire_rate=cfg.fire_rate)
    side = cfg.target_size + 2 * cfg.pad
    pool_n = cfg.pool_size if cfg.mode != "growing" else 1
    opt = optimiser(cfg.lr, (cfg.lr_decay_at,), cfg.lr_decay)
    return {
        "model": model,
        "opt": opt.init(eqx.filter(model, eqx.is_array)),
        "pool": model.seed((pool_n, side, side)),
        "key": k_run,
    }
