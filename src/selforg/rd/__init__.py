"""Differentiable reaction-diffusion: learned RD textures, Gray–Scott, non-uniform diffusion.

Paper: Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Reaction-Diffusion
Patterns" (ALIFE 2021, arXiv 2107.06862). Gray–Scott: Pearson, "Complex Patterns in a Simple
System" (Science 1993).

One function per command, each taking its config and returning a frozen result: `train_rd`
(``selforg rd train``), `run` (``rd run``), `evaluate` (``rd eval``), `zoo` and `gray_scott`
(``rd gray-scott``). Training reuses `selforg.nca`'s texture machinery (pool, truncated BPTT,
patch sliced-Wasserstein loss, run folders).

Example:
    >>> from selforg import rd
    >>> res = rd.run(rd.RunConfig(model="zoo:dots", size=(96, 96), steps=300,
    ...                           diffusion_map="ramp"))
    >>> res.wavelength  # cells per period of the final pattern
    >>> gs = rd.gray_scott(rd.GrayScottConfig(preset="spots", size=64, steps=2000))

The names load on first use, so that ``selforg rd --help`` does not import JAX.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selforg.nca.training import TrainResult
    from selforg.rd.config import (
        EvalConfig,
        GrayScottConfig,
        RunConfig,
        TrainConfig,
        ZooConfig,
    )
    from selforg.rd.evaluation import EvalResult, evaluate
    from selforg.rd.grayscott import PRESETS, GrayScottResult, gray_scott
    from selforg.rd.model import RD, RDRule, laplacian, param_count
    from selforg.rd.play import RunResult, run
    from selforg.rd.rollout import diffusion_map, simulate
    from selforg.rd.spectrum import dominant_wavelength, radial_power
    from selforg.rd.store import Loaded, ZooEntry, ZooResult, load_model, zoo
    from selforg.rd.training import train_rd

_WHERE = {
    "EvalConfig": "config", "GrayScottConfig": "config", "RunConfig": "config",
    "TrainConfig": "config", "ZooConfig": "config",
    "EvalResult": "evaluation", "evaluate": "evaluation",
    "PRESETS": "grayscott", "GrayScottResult": "grayscott", "gray_scott": "grayscott",
    "RD": "model", "RDRule": "model", "laplacian": "model", "param_count": "model",
    "RunResult": "play", "run": "play",
    "diffusion_map": "rollout", "simulate": "rollout",
    "dominant_wavelength": "spectrum", "radial_power": "spectrum",
    "Loaded": "store", "ZooEntry": "store", "ZooResult": "store", "load_model": "store",
    "zoo": "store",
    "train_rd": "training",
}

__all__ = [
    "PRESETS",
    "RD",
    "EvalConfig",
    "EvalResult",
    "GrayScottConfig",
    "GrayScottResult",
    "Loaded",
    "RDRule",
    "RunConfig",
    "RunResult",
    "TrainConfig",
    "TrainResult",
    "ZooConfig",
    "ZooEntry",
    "ZooResult",
    "diffusion_map",
    "dominant_wavelength",
    "evaluate",
    "gray_scott",
    "laplacian",
    "load_model",
    "param_count",
    "radial_power",
    "run",
    "simulate",
    "train_rd",
    "zoo",
]


def __getattr__(name: str) -> Any:
    if name == "TrainResult":
        from selforg.nca.training import TrainResult

        globals()[name] = TrainResult
        return TrainResult
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'selforg.rd' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"selforg.rd.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
