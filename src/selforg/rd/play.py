"""`selforg rd run`: a trained rule rolled out from blobs at any size, under a uniform
diffusion scale or a spatial diffusion map D(x, y) = D · scale · m(x, y).

Every call writes a run folder (``runs/rd-run/<time>-<name>/``: config.json, final.png,
rollout.gif, diffusion_map.png when a map is given, results.json with the dominant wavelength)
and, where asked, extra copies as PNG / GIF / MP4.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.runs import open_run
from selforg.rd.config import RunConfig
from selforg.rd.model import check_stable
from selforg.rd.rollout import diffusion_map, simulate
from selforg.rd.spectrum import dominant_wavelength
from selforg.rd.store import load_model


@dataclass(frozen=True)
class RunResult:
    """What `run` wrote.

    Attributes:
        run_dir: the run folder.
        files: every file written besides config.json and results.json, the run folder's
            first.
        size: the grid ``(H, W)``.
        steps: steps run.
        frames: frames in the GIF (the seed and one per `every` steps).
        wavelength: the dominant wavelength of the final image in cells (square grids; NaN
            otherwise).
    """

    run_dir: Path
    files: tuple[Path, ...]
    size: tuple[int, int]
    steps: int
    frames: int
    wavelength: float


def _name(spec: str) -> str:
    return spec[4:] if spec.startswith("zoo:") else Path(spec).stem or "model"


def run_map(cfg: RunConfig, size: tuple[int, int]) -> np.ndarray:
    """The factor of D at every cell ``(H, W)``: scale × map (the map from 1 to map_max)."""
    m = diffusion_map(cfg.diffusion_map, size, low=1.0, high=cfg.map_max)
    return (cfg.diffusion_scale * m).astype(np.float32)


def run(cfg: RunConfig, *, out: str | Path | None = None, quiet: bool = True,
        root: str | Path = "runs") -> RunResult:
    """Load ``cfg.model`` and roll it out from blobs; write the pictures.

    Args:
        cfg: model, grid, steps, frame cadence, seed, diffusion scale and map, extra files
            (`RunConfig`).
        out: the run folder (default ``<root>/rd-run/<time>-<name>/``).
        quiet: accepted for the common shape.

    Raises:
        BadInput: a bad model spec or map, a negative scale, or a scale × map under which the
            explicit step is unstable.

    Example:
        >>> res = run(RunConfig(model="zoo:dots", steps=100, size=(48, 48)))  # doctest: +SKIP
        >>> res.files[0].name
        'final.png'
    """
    del quiet
    if cfg.every < 1:
        raise BadInput(f"--every {cfg.every}: need ≥ 1")
    loaded = load_model(cfg.model)
    size = tuple(cfg.size) if cfg.size is not None else (loaded.config.size,) * 2
    dmap = run_map(cfg, size)
    check_stable(loaded.model, float(dmap.max()) if dmap.size else cfg.diffusion_scale)
    rec = open_run("rd", "run", cfg, out=out, name=_name(cfg.model), root=root)
    _, frames = simulate(loaded.model, size=size, steps=cfg.steps, every=cfg.every,
                         seed=cfg.seed, dmap=dmap)
    k = max(1, 256 // max(size))
    big = [media.upscale(f, k) for f in frames]
    written = [media.save_png(rec.artefact("final.png"), big[-1]),
               media.write_gif(rec.artefact("rollout.gif"), big, fps=20)]
    if cfg.diffusion_map is not None:
        lo, hi = float(dmap.min()), float(dmap.max())
        grey = (dmap - lo) / (hi - lo) if hi > lo else np.zeros_like(dmap)
        written.append(media.save_png(rec.artefact("diffusion_map.png"),
                                      media.upscale(np.repeat(grey[..., None], 3, -1), k)))
    if cfg.png is not None:
        written.append(media.save_png(Path(cfg.png), big[-1]))
    if cfg.gif is not None:
        written.append(media.write_gif(Path(cfg.gif), big, fps=20))
    if cfg.mp4 is not None:
        written.append(media.write_mp4(Path(cfg.mp4), big, fps=30))
    wl = dominant_wavelength(frames[-1]) if size[0] == size[1] else float("nan")
    rec.write_json("results.json", {"wavelength": wl, "steps": cfg.steps,
                                    "diffusion_max": float(dmap.max()),
                                    "diffusion_min": float(dmap.min())})
    return RunResult(rec.path, tuple(written), (int(size[0]), int(size[1])), cfg.steps,
                     len(frames), wl)
