"""`selforg nca run`: a trained model rolled out at any size, with damage or rotation.

Every call writes a run folder (``runs/nca-run/<time>-<name>/``: config.json, final.png,
rollout.gif) and, where the config asks for them, extra copies as PNG / GIF / MP4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.runs import open_run
from selforg.nca.config import RunConfig
from selforg.nca.rollout import simulate
from selforg.nca.store import Loaded, load_model


@dataclass(frozen=True)
class RunResult:
    """What `run` wrote.

    Attributes:
        run_dir: the run folder (config.json, final.png, rollout.gif).
        files: every file written besides config.json, the run folder's first.
        size: the grid ``(H, W)``.
        steps: steps run.
        frames: frames in the GIF (one per `every` steps, the seed, and the damage).
    """

    run_dir: Path
    files: tuple[Path, ...]
    size: tuple[int, int]
    steps: int
    frames: int


def grid_size(loaded: Loaded) -> tuple[int, int]:
    """The ``(H, W)`` grid a loaded model was trained on."""
    cfg = loaded.config
    side = cfg.target_size + 2 * cfg.pad if loaded.kind == "grow" else cfg.size
    return side, side


def _name(spec: str) -> str:
    return spec[4:] if spec.startswith("zoo:") else Path(spec).stem or "model"


def run(cfg: RunConfig, *, out: str | Path | None = None, quiet: bool = True,
        root: str | Path = "runs") -> RunResult:
    """Load ``cfg.model`` and roll it out from its seed; write the pictures.

    Args:
        cfg: model, grid size, steps, frame cadence, seed, angle (degrees), damage step, and
            optional extra files (`RunConfig`).
        out: the run folder (default ``<root>/nca-run/<time>-<name>/``).
        quiet: accepted for the common shape; a rollout prints nothing.

    Returns:
        `RunResult`.

    Raises:
        BadInput: a bad model spec, or `damage_at` beyond `steps`.

    Example:
        >>> res = run(RunConfig(model="zoo:brick", steps=50, size=(32, 32)))
        >>> res.files[0].name
        'final.png'
    """
    del quiet
    if cfg.damage_at is not None and cfg.damage_at > cfg.steps:
        raise BadInput(f"--damage-at {cfg.damage_at} is after the last step {cfg.steps}")
    if cfg.every < 1:
        raise BadInput(f"--every {cfg.every}: need ≥ 1")
    loaded = load_model(cfg.model)
    size = tuple(cfg.size) if cfg.size is not None else grid_size(loaded)
    rec = open_run("nca", "run", cfg, out=out, name=_name(cfg.model), root=root)
    _, frames = simulate(loaded.model, size=size, steps=cfg.steps, every=cfg.every,
                         seed=cfg.seed, angle=math.radians(cfg.angle), damage_at=cfg.damage_at)
    k = max(1, 256 // max(size))
    big = [media.upscale(f, k) for f in frames]
    written = [media.save_png(rec.artefact("final.png"), big[-1]),
               media.write_gif(rec.artefact("rollout.gif"), big, fps=20)]
    if cfg.png is not None:
        written.append(media.save_png(Path(cfg.png), big[-1]))
    if cfg.gif is not None:
        written.append(media.write_gif(Path(cfg.gif), big, fps=20))
    if cfg.mp4 is not None:
        written.append(media.write_mp4(Path(cfg.mp4), big, fps=30))
    return RunResult(rec.path, tuple(written), (int(size[0]), int(size[1])), cfg.steps,
                     len(frames))
