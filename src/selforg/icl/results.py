"""What each ``selforg icl`` experiment returns: its run folder, key numbers and models.

The full record (per-step curves, probes, OOD curves) is the run folder's ``results.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_MODELS = ("model", "models")


class _Summary:
    def summary(self) -> dict[str, Any]:
        """The numbers (and run folder) as plain JSON-able values, models left out."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name in _MODELS:
                continue
            v = getattr(self, f.name)
            out[f.name] = str(v) if isinstance(v, Path) else (list(v) if isinstance(v, tuple)
                                                              else v)
        return out


@dataclass(frozen=True)
class GDResult(_Summary):
    """`gd`: a 1-layer LSA trained on in-context regression vs one GD step.

    Attributes:
        run_dir: the run folder (results.json, plots/, checkpoints/).
        loss_trained, loss_gd, loss_zero: validation losses of the trained layer, GD-1 with the
            line-searched step size ``eta_gd``, and of predicting 0.
        model_cos, preds_diff, model_diff: alignment with GD-1 (see `selforg.icl.metrics`).
        steps_done: training steps in the checkpoint; ``steps_to_match_gd_1pct``: first logged
            step whose batch loss was within 1% of GD-1's on the same batch (None: never).
        train_seconds: wall time spent training (all segments of a resumed run).
        model: the trained `Stack`.
    """

    run_dir: Path
    loss_trained: float
    loss_gd: float
    loss_zero: float
    eta_gd: float
    model_cos: float
    preds_diff: float
    model_diff: float
    steps_done: int
    steps_to_match_gd_1pct: int | None
    train_seconds: float
    model: Any = field(repr=False)


@dataclass(frozen=True)
class GDPPResult(_Summary):
    """`gdpp`: a K-layer LSA vs GD-K and GD++ (per-layer ``eta_gdpp``, ``gamma_gdpp``)."""

    run_dir: Path
    layers: int
    tied: bool
    loss_trained: float
    loss_gd: float
    loss_gdpp: float
    eta_gd: float
    eta_gdpp: tuple[float, ...]
    gamma_gdpp: tuple[float, ...]
    model_cos_gd: float
    model_cos_gdpp: float
    steps_done: int
    train_seconds: float
    model: Any = field(repr=False)


@dataclass(frozen=True)
class SoftmaxResult(_Summary):
    """`softmax`: softmax self-attention per head count vs GD-1.

    Attributes:
        loss_heads: ``{"1": loss, "2": loss}`` validation loss per head count.
        train_seconds: per head count; models: the trained stacks by head count.
    """

    run_dir: Path
    loss_gd: float
    eta_gd: float
    loss_heads: dict[str, float]
    train_seconds: dict[str, float]
    models: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class SineResult(_Summary):
    """`sine`: learned features + LSA vs the same features with one GD step.

    Attributes:
        loss_lsa, loss_gd_features: validation losses; preds_diff: mean |difference| of the
            two learners' predictions.
        train_seconds, models: by learner (``lsa``, ``gd_features``).
    """

    run_dir: Path
    loss_lsa: float
    loss_gd_features: float
    preds_diff: float
    train_seconds: dict[str, float]
    models: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class MesaResult(_Summary):
    """`mesa`: sequence models on linear dynamics vs GD-1 and ridge least squares.

    Attributes:
        mean_loss: per-time-step loss averaged over t, by model (the trained ones, ``gd1``,
            ``lsq``); start_loss: the loss at t = 1.
        steps_done, train_seconds, models: by trained model.
    """

    run_dir: Path
    mean_loss: dict[str, float]
    start_loss: float
    eta_gd1: float
    steps_done: dict[str, int]
    train_seconds: dict[str, float]
    models: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class FewshotResult(_Summary):
    """`fewshot`: a dynamics-trained model prompted with regression pairs.

    Attributes:
        label_loss, label_loss_eop: label loss per number of pairs in context (pairs,), for
            prompts ``[x, y, ...]`` and with end-of-pair tokens ``[x, y, EOP, ...]``.
        model_name: which sequence model; source: the mesa run it came from ("" = trained here).
    """

    run_dir: Path
    model_name: str
    source: str
    label_loss: tuple[float, ...]
    label_loss_eop: tuple[float, ...]
    train_seconds: float
    model: Any = field(repr=False)
