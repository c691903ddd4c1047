"""`selforg nca eval`: how close a trained NCA comes to its exemplar or target.

Textures: the evaluation texture distance (fixed projections, `losses.texture_distance`) of
1000- and 3000-step rollouts to the exemplar, next to a random crop of the exemplar itself (the
floor) and uniform noise (the ceiling); and a second, independent judge
(`selforg.core.texture_judge`): the structure distance (orientation and scale of the power
spectrum) on the same images, crops (also turned by 90°) and noise, and the mean chroma of the
3000-step textures beside the exemplar's. Growing: MSE to the target at 100 steps, after 1000, and
100 steps after a fixed disc is erased.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import media, texture_judge
from selforg.nca import losses
from selforg.nca.config import EvalConfig
from selforg.nca.grow import per_sample_mse
from selforg.nca.images import load_exemplar, load_target
from selforg.nca.model import NCA
from selforg.nca.rollout import damage, default_damage_mask, run_steps
from selforg.nca.store import Loaded, load_model


def evaluate_texture(model: Any, exemplar: np.ndarray, size: int, *, samples: int = 2,
                     seed: int = 0) -> dict[str, Any]:
    """distance_1000, distance_3000, floor, ceiling (means over `samples`), and the structure
    and chroma judges' dicts (`texture_judge.structure_report`, `texture_judge.chroma_report`).
    """
    key = jax.random.PRNGKey(seed)
    x = model.seed((samples, size, size), key)
    k_run = jax.random.fold_in(key, 1)
    x1000 = run_steps(model, x, 1000, k_run)
    x3000 = run_steps(model, x1000, 2000, jax.random.fold_in(key, 2))

    imgs1000, imgs3000 = np.asarray(model.rgb(x1000)), np.asarray(model.rgb(x3000))

    def dist(imgs: np.ndarray) -> float:
        return float(np.mean([losses.texture_distance(im, exemplar) for im in imgs]))

    rng = np.random.default_rng(seed)
    crops = [media.random_crop(exemplar, min(size, exemplar.shape[0]), rng) for _ in range(samples)]
    noise = rng.uniform(0.0, 1.0, (samples, size, size, 3)).astype(np.float32)
    return {
        "distance_1000": dist(imgs1000),
        "distance_3000": dist(imgs3000),
        "floor": float(np.mean([losses.texture_distance(c, exemplar) for c in crops])),
        "ceiling": float(np.mean([losses.texture_distance(n, exemplar) for n in noise])),
        "structure": texture_judge.structure_report(exemplar, crops, list(noise),
                                                    distance_1000=list(imgs1000),
                                                    distance_3000=list(imgs3000))
        if size >= texture_judge.TILE else None,  # no judge below 16 px
        "chroma": texture_judge.chroma_report(list(imgs3000), exemplar),
    }


def evaluate_grow(model: Any, target: np.ndarray, *, samples: int = 4,
                  seed: int = 0) -> dict[str, float]:
    """mse_100, mse_1000, mse_2000 (undamaged), mse_just_damaged (a disc erased at step
    1000), mse_damage_100 (100 steps after that): means over `samples` stochastic rollouts."""
    h, w = target.shape[:2]
    key = jax.random.PRNGKey(seed)
    tgt = jnp.asarray(target)
    x = model.seed((samples, h, w))
    x100 = run_steps(model, x, 100, jax.random.fold_in(key, 1))
    x1000 = run_steps(model, x100, 900, jax.random.fold_in(key, 2))
    hurt = damage(model, x1000, default_damage_mask(h, w), key)
    healed = run_steps(model, hurt, 100, jax.random.fold_in(key, 3))
    x2000 = run_steps(model, x1000, 1000, jax.random.fold_in(key, 4))

    def mse(s: jax.Array) -> float:
        return float(jnp.mean(per_sample_mse(s, tgt)))

    return {"mse_100": mse(x100), "mse_1000": mse(x1000), "mse_2000": mse(x2000),
            "mse_damage_100": mse(healed), "mse_just_damaged": mse(hurt)}


@dataclass(frozen=True)
class EvalResult:
    """How close a model comes to its exemplar (texture) or target (grow).

    Texture models fill the ``distance_*``, `floor` and `ceiling` fields; growing models the
    ``mse_*`` fields; the others are None. `run_dir` is None: evaluating writes nothing.

    Attributes:
        source: where the model came from.
        kind: ``"texture"`` or ``"grow"``.
        distance_1000, distance_3000: evaluation texture distance after 1000 / 3000 steps.
        floor: the distance of random crops of the exemplar itself (the best reachable).
        ceiling: the distance of uniform noise.
        structure: the structure judge (`texture_judge.structure_distance`): distance_1000,
            distance_3000, floor (crops of the exemplar), rotated (those crops turned by 90°),
            ceiling (noise); None on grids under 16 px.
        chroma: mean chroma of the 3000-step textures (``model``) and of the exemplar.
        mse_100, mse_1000, mse_2000: MSE to the target after 100 / 1000 / 2000 steps
            (persistence: a rule that holds its shape keeps the later ones near the first).
        mse_just_damaged: right after a disc is erased at step 1000.
        mse_damage_100: 100 steps after that (regeneration: back near mse_1000).
    """

    source: str
    kind: str
    distance_1000: float | None = None
    distance_3000: float | None = None
    floor: float | None = None
    ceiling: float | None = None
    structure: dict[str, float] | None = None
    chroma: dict[str, float] | None = None
    mse_100: float | None = None
    mse_1000: float | None = None
    mse_2000: float | None = None
    mse_just_damaged: float | None = None
    mse_damage_100: float | None = None
    run_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that hold a value (JSON-able)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def evaluate(cfg: EvalConfig, *, out: str | Path | None = None,
             quiet: bool = True) -> EvalResult:
    """Evaluate ``cfg.model`` (``zoo:<name>``, a run folder or a checkpoint).

    Args:
        cfg: the model and the rollouts' seed (`EvalConfig`).
        out, quiet: accepted for the common shape; evaluating writes and prints nothing.

    Example:
        >>> evaluate(EvalConfig(model="zoo:brick")).distance_3000  # doctest: +SKIP
    """
    del out, quiet
    loaded: Loaded = load_model(cfg.model)
    mc = loaded.config
    if loaded.kind == "texture":
        exemplar = load_exemplar(mc.exemplar, mc.exemplar_size)
        numbers = evaluate_texture(loaded.model, exemplar, mc.size, seed=cfg.seed)
    else:
        target = load_target(mc.target, mc.target_size, mc.pad)
        numbers = evaluate_grow(loaded.model, target, seed=cfg.seed)
    return EvalResult(loaded.source, loaded.kind, **numbers)


def texture_score(model: NCA, exemplar: np.ndarray, size: int, steps: int,
                  seed: int = 0) -> float:
    """Mean evaluation texture distance of two `steps`-step rollouts from the seed, as
    `evaluate_texture` draws them (the float-vs-int8 comparison of ``nca quantize``)."""
    key = jax.random.PRNGKey(seed)
    x = model.seed((2, size, size), key)
    x = run_steps(model, x, steps, jax.random.fold_in(key, 1))
    return float(np.mean([losses.texture_distance(im, exemplar)
                          for im in np.asarray(model.rgb(x))]))
