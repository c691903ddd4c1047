"""`selforg nca run`: a trained model rolled out at any size, with damage or rotation."""

from __future__ import annotations

from pathlib import Path

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.nca.simulate import simulate
from selforg.nca.store import load_model


def render(
    spec: str,
    *,
    size: tuple[int, int] | None = None,
    steps: int = 500,
    every: int = 5,
    seed: int = 0,
    angle: float = 0.0,
    damage_at: int | None = None,
    png: str | Path | None = None,
    gif: str | Path | None = None,
    mp4: str | Path | None = None,
) -> list[Path]:
    """Load a model (``zoo:<name>``, run folder, checkpoint) and write its rollout.

    Writes the final image (default ``nca-run.png``) and, when asked, a GIF / MP4 of the frames.
    Returns the paths written.

    Raises:
        BadInput: a bad model spec, or `damage_at` beyond `steps`.
    """
    loaded = load_model(spec)
    cfg = loaded.config
    if size is None:
        side = cfg.target_size + 2 * cfg.pad if loaded.kind == "grow" else cfg.size
        size = (side, side)
    if damage_at is not None and damage_at > steps:
        raise BadInput(f"--damage-at {damage_at} is after the last step {steps}")
    _, frames = simulate(loaded.model, size=size, steps=steps, every=every, seed=seed,
                         angle=angle, damage_at=damage_at)
    k = max(1, 256 // max(size))
    big = [media.upscale(f, k) for f in frames]
    written = [media.save_png(Path(png or "nca-run.png"), big[-1])]
    if gif is not None:
        written.append(media.write_gif(gif, big, fps=20))
    if mp4 is not None:
        written.append(media.write_mp4(mp4, big, fps=30))
    return written
