"""`selforg rd eval`: how close a trained RD rule comes to its exemplar, and whether it stays
there.

The evaluation texture distance of `selforg.nca` (fixed projections,
`selforg.nca.losses.texture_distance`) of rollouts from blobs after the training horizon
(``max_steps``) and after 10× that, next to a random crop of the exemplar itself (the floor)
and uniform noise (the ceiling): the convention of ``nca eval``, whose second judge
(`selforg.core.texture_judge`: structure and chroma) is reported here too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np

from selforg.core import media, texture_judge
from selforg.nca import losses
from selforg.nca.images import load_exemplar
from selforg.rd.config import EvalConfig
from selforg.rd.model import RD
from selforg.rd.rollout import run_steps
from selforg.rd.store import load_model


def evaluate_texture(model: RD, exemplar: np.ndarray, size: int, horizon: int, *,
                     samples: int = 2, seed: int = 0) -> dict[str, Any]:
    """distance_horizon, distance_10x, floor, ceiling (means over `samples` rollouts), and the
    structure and chroma judges' dicts, as `selforg.nca.evaluation.evaluate_texture`."""
    x = model.seed((samples, size, size), jax.random.PRNGKey(seed))
    x1 = run_steps(model, x, horizon)
    x10 = run_steps(model, x1, 9 * horizon)

    imgs1, imgs10 = np.asarray(model.rgb(x1)), np.asarray(model.rgb(x10))

    def dist(imgs: np.ndarray) -> float:
        return float(np.mean([losses.texture_distance(im, exemplar) for im in imgs]))

    rng = np.random.default_rng(seed)
    crops = [media.random_crop(exemplar, min(size, exemplar.shape[0]), rng)
             for _ in range(samples)]
    noise = rng.uniform(0.0, 1.0, (samples, size, size, 3)).astype(np.float32)
    return {
        "horizon": horizon,
        "distance_horizon": dist(imgs1),
        "distance_10x": dist(imgs10),
        "floor": float(np.mean([losses.texture_distance(c, exemplar) for c in crops])),
        "ceiling": float(np.mean([losses.texture_distance(n, exemplar) for n in noise])),
        "structure": texture_judge.structure_report(exemplar, crops, list(noise),
                                                    distance_horizon=list(imgs1),
                                                    distance_10x=list(imgs10))
        if size >= texture_judge.TILE else None,  # no judge below 16 px
        "chroma": texture_judge.chroma_report(list(imgs10), exemplar),
    }


@dataclass(frozen=True)
class EvalResult:
    """How close a rule comes to its exemplar. `run_dir` is None: evaluating writes nothing.

    Attributes:
        source: where the model came from.
        horizon: the training horizon in steps (the longest training rollout).
        distance_horizon: evaluation texture distance after `horizon` steps from blobs.
        distance_10x: the same after 10 × `horizon` steps (alive and still the texture?).
        floor: the distance of random crops of the exemplar itself (the best reachable).
        ceiling: the distance of uniform noise.
        structure: the structure judge (`texture_judge.structure_distance`): distance_horizon,
            distance_10x, floor (crops), rotated (crops turned by 90°), ceiling (noise);
            None on grids under 16 px.
        chroma: mean chroma of the 10×-horizon textures (``model``) and of the exemplar.
    """

    source: str
    horizon: int
    distance_horizon: float
    distance_10x: float
    floor: float
    ceiling: float
    structure: dict[str, float] | None = None
    chroma: dict[str, float] | None = None
    run_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that hold a value (JSON-able)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def evaluate(cfg: EvalConfig, *, out: str | Path | None = None,
             quiet: bool = True) -> EvalResult:
    """Evaluate ``cfg.model`` (``zoo:<name>`` or a run folder).

    Example:
        >>> evaluate(EvalConfig(model="zoo:dots")).distance_10x  # doctest: +SKIP
    """
    del out, quiet
    loaded = load_model(cfg.model)
    mc = loaded.config
    exemplar = load_exemplar(mc.exemplar, mc.exemplar_size)
    numbers = evaluate_texture(loaded.model, exemplar, mc.size, mc.max_steps,
                               samples=cfg.samples, seed=cfg.seed)
    return EvalResult(loaded.source, **numbers)
