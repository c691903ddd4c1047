"""`selforg nca eval`: how close a trained NCA comes to its exemplar or target.

Textures: the evaluation texture distance (fixed projections, `losses.texture_distance`) of
1000- and 3000-step rollouts to the exemplar, next to a random crop of the exemplar itself (the
floor) and uniform noise (the ceiling). Growing: MSE to the target at 100 steps, after 1000, and
100 steps after a fixed disc is erased.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import media
from selforg.nca import losses
from selforg.nca.grow import per_sample_mse
from selforg.nca.images import load_exemplar, load_target
from selforg.nca.simulate import damage, default_damage_mask, run_steps
from selforg.nca.store import Loaded, load_model


def evaluate_texture(model: Any, exemplar: np.ndarray, size: int, *, samples: int = 2,
                     seed: int = 0) -> dict[str, float]:
    """distance_1000, distance_3000, floor, ceiling (means over `samples`)."""
    key = jax.random.PRNGKey(seed)
    x = model.seed((samples, size, size), key)
    k_run = jax.random.fold_in(key, 1)
    x1000 = run_steps(model, x, 1000, k_run)
    x3000 = run_steps(model, x1000, 2000, jax.random.fold_in(key, 2))

    def dist(states: jax.Array) -> float:
        imgs = np.asarray(model.rgb(states))
        return float(np.mean([losses.texture_distance(im, exemplar) for im in imgs]))

    rng = np.random.default_rng(seed)
    crops = [media.random_crop(exemplar, min(size, exemplar.shape[0]), rng) for _ in range(samples)]
    noise = rng.uniform(0.0, 1.0, (samples, size, size, 3)).astype(np.float32)
    return {
        "distance_1000": dist(x1000),
        "distance_3000": dist(x3000),
        "floor": float(np.mean([losses.texture_distance(c, exemplar) for c in crops])),
        "ceiling": float(np.mean([losses.texture_distance(n, exemplar) for n in noise])),
    }


def evaluate_grow(model: Any, target: np.ndarray, *, samples: int = 4,
                  seed: int = 0) -> dict[str, float]:
    """mse_100, mse_1000, mse_damage_100 (means over `samples` stochastic rollouts)."""
    h, w = target.shape[:2]
    key = jax.random.PRNGKey(seed)
    tgt = jnp.asarray(target)
    x = model.seed((samples, h, w))
    x100 = run_steps(model, x, 100, jax.random.fold_in(key, 1))
    x1000 = run_steps(model, x100, 900, jax.random.fold_in(key, 2))
    hurt = damage(model, x1000, default_damage_mask(h, w), key)
    healed = run_steps(model, hurt, 100, jax.random.fold_in(key, 3))

    def mse(s: jax.Array) -> float:
        return float(jnp.mean(per_sample_mse(s, tgt)))

    return {"mse_100": mse(x100), "mse_1000": mse(x1000), "mse_damage_100": mse(healed),
            "mse_just_damaged": mse(hurt)}


def evaluate(spec: str, *, seed: int = 0) -> dict[str, Any]:
    """Evaluate ``zoo:<name>``, a run folder or a checkpoint. Returns the JSON-able result."""
    loaded: Loaded = load_model(spec)
    cfg = loaded.config
    if loaded.kind == "texture":
        exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
        out = evaluate_texture(loaded.model, exemplar, cfg.size, seed=seed)
    else:
        target = load_target(cfg.target, cfg.target_size, cfg.pad)
        out = evaluate_grow(loaded.model, target, seed=seed)
    return {"source": loaded.source, "kind": loaded.kind, **out}


def quantize_model(spec: str, *, out: str | Path | None = None, steps: int = 1000,
                   seed: int = 0) -> dict[str, Any]:
    """Quantise a μNCA to int8 (one byte per parameter), write the byte file, and compare the
    evaluation texture distance of the float and the quantised model after `steps` steps
    (same seed, same rollout).

    Raises:
        BadInput: the model is not a μNCA.
    """
    from selforg.core.errors import BadInput
    from selforg.nca import quantize as qz
    from selforg.nca.model import MicroNCA

    loaded = load_model(spec)
    if not isinstance(loaded.model, MicroNCA):
        raise BadInput(f"{spec} is not a μNCA (only micro-68..micro-588 quantise to bytes)")
    q = loaded.quantized or qz.quantize(loaded.model)
    if out is None:
        base = Path(spec[4:] + ".bin") if spec.startswith("zoo:") else None
        if base is None:
            p = Path(spec)
            base = (p if p.is_dir() else p.parent) / "quantized.bin"
        out = base
    path, side = qz.write(q, out, {"source": loaded.source})
    cfg = loaded.config
    exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
    key = jax.random.PRNGKey(seed)

    def score(model: Any) -> float:
        # two samples, as `evaluate_texture`: the same compiled rollout serves both
        x = model.seed((2, cfg.size, cfg.size), key)
        x = run_steps(model, x, steps, jax.random.fold_in(key, 1))
        return float(np.mean([losses.texture_distance(im, exemplar)
                              for im in np.asarray(model.rgb(x))]))

    return {"bytes_file": str(path), "bytes": q.nbytes, "scales_file": str(side),
            "float_distance": score(loaded.model), "int8_distance": score(qz.dequantize(q)),
            "steps": steps}
