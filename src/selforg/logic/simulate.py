"""Running a discrete logic CA circuit on a large grid with the packed engine (GIFs, damage).

Miotti et al. (2025) show learned rules generalising to larger grids and healing after damage;
`run_circuit` is that experiment for any circuit file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit
from selforg.logic.packed import PackedEngine


@dataclass(frozen=True)
class Damage:
    """Erase (set to 0) or randomise the box ``x, y, w, h`` at step `at`."""

    at: int
    box: tuple[int, int, int, int]
    mode: str = "erase"

    def apply(self, grid: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        x, y, w, h = self.box
        grid = grid.copy()
        region = grid[y : y + h, x : x + w]
        region[...] = 0 if self.mode == "erase" else rng.integers(0, 2, region.shape)
        return grid


def load_grid(path: str | Path, channels: int) -> np.ndarray:
    """An initial grid from a ``.npy`` (H, W[, C]) array or an image (bright = 1 on channel 0).

    Raises:
        BadInput: unreadable file or wrong channel count.
    """
    path = Path(path)
    if path.suffix == ".npy":
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise BadInput(f"cannot read {path} as a NumPy array ({e})") from None
        if arr.ndim == 2:
            arr = arr[..., None]
        if arr.ndim != 3 or arr.shape[2] not in (1, channels):
            raise BadInput(f"{path}: shape {arr.shape}, expected (H, W) or (H, W, {channels})")
    else:
        from selforg.core.media import load_image

        arr = (load_image(path, mode="RGB").mean(-1) > 0.5)[..., None]
    grid = np.zeros((*arr.shape[:2], channels), np.uint8)
    grid[..., : arr.shape[2]] = arr != 0
    return grid


def frame_image(grid: np.ndarray, crop: int = 256) -> np.ndarray:
    """Channel 0 of the top-left `crop`×`crop` window as a grey (h, w) uint8 picture."""
    return (255 - 255 * grid[:crop, :crop, 0]).astype(np.uint8)


def run_circuit(
    circuit: Circuit,
    *,
    size: int = 1024,
    steps: int = 1000,
    init: np.ndarray | None = None,
    seed: int = 0,
    density: float = 0.5,
    fire_rate: float | None = None,
    damage: Damage | None = None,
    gif: str | Path | None = None,
    frames: int = 100,
    crop: int = 256,
) -> dict[str, Any]:
    """Run `circuit` for `steps` steps on a size×size grid (random bits unless `init`).

    Returns:
        ``{"size", "steps", "seconds", "cell_updates_per_s", "alive_fraction", "gif"}``.
    """
    rng = np.random.default_rng(seed)
    c = circuit.channels
    grid = init if init is not None else (rng.random((size, size, c)) < density).astype(np.uint8)
    engine = PackedEngine(circuit)
    every = max(1, steps // max(frames, 1)) if gif else 0
    dmg = None if damage is None else (damage.at, lambda g: damage.apply(g, rng))
    t0 = time.perf_counter()
    final, saved = engine.run(grid, steps, fire_rate=fire_rate, rng=rng, save_every=every,
                              damage=dmg)
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {
        "size": list(grid.shape[:2]), "steps": steps, "seconds": round(seconds, 4),
        "cell_updates_per_s": grid.shape[0] * grid.shape[1] * steps / max(seconds, 1e-9),
        "alive_fraction": float(final[..., 0].mean()),
    }
    if gif:
        from selforg.core.media import upscale, write_gif

        pics = [frame_image(f, crop) for f in saved]
        factor = max(1, 256 // pics[0].shape[0])
        write_gif(gif, [upscale(p[..., None].repeat(3, -1), factor) for p in pics], fps=15)
        out["gif"] = str(gif)
    return out
