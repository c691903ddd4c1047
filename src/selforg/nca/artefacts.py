"""Pictures of a trained NCA: final image, rollout GIF and MP4, loss curve, 3000-step
stability strip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from selforg.core import media
from selforg.core.runs import Run
from selforg.nca.rollout import simulate

STABILITY_AT = (0, 100, 300, 1000, 3000)


def _scale(side: int) -> int:
    return max(1, 256 // side)


def stability_picture(path: Path, model: Any, size: tuple[int, int], *, seed: int = 0,
                      steps: tuple[int, ...] = STABILITY_AT) -> Path:
    """A strip of the state at `steps` (0, 100, 300, 1000, 3000) of one rollout."""
    _, frames = simulate(model, size=size, steps=steps[-1], every=100, seed=seed)
    picks = [frames[s // 100] for s in steps]
    strip = media.image_grid([media.upscale(f, _scale(size[0])) for f in picks], cols=len(picks))
    return media.save_png(path, strip)


def loss_plot(run: Run, keys: tuple[str, ...] = ("loss",)) -> Path | None:
    """``plots/loss.png`` from the run's metrics (None before anything was logged)."""
    records = run.read_metrics()
    if not any(k in r for r in records for k in keys):
        return None
    return media.plot_metrics(run.artefact("plots", "loss.png"), records, list(keys),
                              title=f"{run.system} {run.verb}")


def _rollout_videos(run: Run, frames: list[np.ndarray]) -> None:
    media.write_gif(run.artefact("rollout.gif"), frames, fps=20)
    media.write_mp4(run.artefact("rollout.mp4"), frames, fps=30)


def write_texture_artefacts(run: Run, model: Any, exemplar: np.ndarray, cfg: Any) -> None:
    size = (cfg.size, cfg.size)
    _, frames = simulate(model, size=size, steps=400, every=8)
    k = _scale(cfg.size)
    media.save_png(run.artefact("final.png"), media.upscale(frames[-1], k))
    _rollout_videos(run, [media.upscale(f, k) for f in frames])
    media.save_png(run.artefact("exemplar.png"), exemplar)
    stability_picture(run.artefact("stability.png"), model, size)
    loss_plot(run, ("loss", "swd", "overflow"))


def write_grow_artefacts(run: Run, model: Any, target: np.ndarray) -> None:
    size = target.shape[:2]
    _, frames = simulate(model, size=size, steps=400, every=4, damage_at=200)
    k = _scale(size[0])
    media.save_png(run.artefact("final.png"), media.upscale(frames[-1], k))
    _rollout_videos(run, [media.upscale(f, k) for f in frames])
    stability_picture(run.artefact("stability.png"), model, size)
    loss_plot(run)
