"""Running a discrete logic CA circuit on a large grid with the packed engine (GIFs, damage).

Miotti et al. (2025) show learned rules generalising to larger grids and healing after damage;
`run` is that experiment for any circuit (`run_circuit` for a `Circuit` in memory). Nothing
here needs JAX: the packed engine is Numba.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit
from selforg.logic.config import DAMAGE_MODES, STARTS, TRAINED_START, RunConfig


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
    """Channel 0 of the centre `crop`×`crop` window (where a seed grows) as a grey (h, w)
    uint8 picture, 1 = black."""
    h, w = grid.shape[:2]
    y, x = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
    return (255 - 255 * grid[y:y + crop, x:x + crop, 0]).astype(np.uint8)


def start_grid(start: str, size: int, channels: int) -> np.ndarray | None:
    """The (size, size, channels) grid of a built-in start (None for ``random``), or the grid
    of a file.

    Raises:
        BadInput: an unreadable file.
    """
    if start == "random":
        return None
    if start in ("seed", "zeros"):
        grid = np.zeros((size, size, channels), np.uint8)
        if start == "seed":  # where training put it: (h/2, w/2)
            grid[size // 2, size // 2, :] = 1
        return grid
    return load_grid(start, channels)


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
    on_step=None,
    mp4: str | Path | None = None,
) -> dict[str, Any]:
    """Run `circuit` for `steps` steps on a size×size grid (random bits unless `init`).

    Args:
        init: (H, W, C) 0/1 initial grid instead of random bits of `density`.
        fire_rate: None for synchronous steps.
        gif: write `frames` frames of channel 0's centre `crop`² cells there.
        on_step: ``on_step(steps_done)`` after every step.
        mp4: write the same frames as an MP4 video there.

    Returns:
        ``{"size", "steps", "seconds", "cell_updates_per_s", "alive_fraction", "final"}`` and
        ``"gif"`` / ``"mp4"`` when written; ``seconds`` times the steps alone (after the kernel
        is loaded); ``final`` is the last grid, (H, W, C) uint8.
    """
    from selforg.logic.packed import PackedEngine

    rng = np.random.default_rng(seed)
    c = circuit.channels
    grid = init if init is not None else (rng.random((size, size, c)) < density).astype(np.uint8)
    engine = PackedEngine(circuit, kernel="auto", shape=grid.shape, steps=steps)
    every = max(1, steps // max(frames, 1)) if gif or mp4 else 0
    dmg = None if damage is None else (damage.at, lambda g: damage.apply(g, rng))
    engine.warm()
    t0 = time.perf_counter()
    final, saved = engine.run(grid, steps, fire_rate=fire_rate, rng=rng, save_every=every,
                              damage=dmg, on_step=on_step)
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {
        "size": list(grid.shape[:2]), "steps": steps, "seconds": round(seconds, 4),
        "cell_updates_per_s": grid.shape[0] * grid.shape[1] * steps / max(seconds, 1e-9),
        "alive_fraction": float(final[..., 0].mean()), "final": final,
    }
    if gif or mp4:
        from selforg.core.media import upscale, write_gif, write_mp4

        pics = [frame_image(f, crop) for f in saved]
        factor = max(1, 256 // pics[0].shape[0])
        pics = [upscale(p[..., None].repeat(3, -1), factor) for p in pics]
        if gif:
            out["gif"] = str(write_gif(gif, pics, fps=15))
        if mp4:
            out["mp4"] = str(write_mp4(mp4, pics, fps=15))
    return out


@dataclass(frozen=True)
class RunResult:
    """What a run of a circuit measured.

    Attributes:
        run_dir: the folder `results.json` went to (None unless `out` was given).
        size: [H, W] of the grid.
        steps: steps run.
        seconds: wall time of the steps (not of loading or compiling).
        cell_updates_per_s: H·W·steps / seconds.
        alive_fraction: fraction of 1 bits on channel 0 at the end.
        gif, mp4: the animations written (None when not asked for).
        final: the last grid, (H, W, C) uint8 0/1.
    """

    run_dir: Path | None
    size: list[int]
    steps: int
    seconds: float
    cell_updates_per_s: float
    alive_fraction: float
    gif: Path | None = None
    mp4: Path | None = None
    final: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as JSON-able values (without `run_dir` and the grid)."""
        return {"size": self.size, "steps": self.steps, "seconds": self.seconds,
                "cell_updates_per_s": self.cell_updates_per_s,
                "alive_fraction": self.alive_fraction,
                "gif": None if self.gif is None else str(self.gif),
                "mp4": None if self.mp4 is None else str(self.mp4)}


def run(cfg: RunConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> RunResult:
    """Run the circuit `cfg.circuit` on a bit-packed grid (random bits, or `cfg.init`).

    Args:
        cfg: the circuit, grid, steps, damage and animation (default: the zoo's Life circuit,
            1024², 1000 steps).
        out: also write ``config.json`` and ``results.json`` into this new folder.
        quiet: no progress bar.

    Returns:
        `RunResult`: speed, the final fraction of 1 bits, the GIF.

    Raises:
        BadInput: no such circuit, an unreadable init.

    Example:
        >>> from selforg.logic import RunConfig, run
        >>> run(RunConfig("zoo:life", size=64, steps=10)).size
        [64, 64]
    """
    from selforg.logic.zoo import load_circuit

    cfg = cfg or RunConfig()
    if cfg.damage_mode not in DAMAGE_MODES:
        raise BadInput(f"damage mode {cfg.damage_mode!r} (allowed: {', '.join(DAMAGE_MODES)})")
    circuit = load_circuit(cfg.circuit)
    start = cfg.init
    if start is None:
        start = "random" if circuit.config is None else TRAINED_START[circuit.config.experiment]
    if start not in STARTS and not Path(start).is_file():
        raise BadInput(f"--init {start}: not a file, nor one of {', '.join(STARTS)}")
    init = start_grid(start, cfg.size, circuit.channels)
    height, width = init.shape[:2] if init is not None else (cfg.size, cfg.size)
    if cfg.threads:
        from selforg.logic.packed import set_threads

        set_threads(cfg.threads)
    damage = None
    if cfg.damage_at is not None or cfg.damage_box is not None:
        box = cfg.damage_box or (width // 4, height // 4, width // 2, height // 2)
        at = cfg.damage_at if cfg.damage_at is not None else cfg.steps // 2
        damage = Damage(at, box, cfg.damage_mode)
    numbers = _with_progress(
        quiet, cfg.steps, f"logic run {cfg.circuit}",
        lambda on_step: run_circuit(circuit, size=cfg.size, steps=cfg.steps, init=init,
                                    seed=cfg.seed, density=cfg.density, fire_rate=cfg.fire_rate,
                                    damage=damage, gif=cfg.gif, mp4=cfg.mp4, on_step=on_step))
    final = numbers.pop("final")
    result = RunResult(None, numbers["size"], numbers["steps"], numbers["seconds"],
                       numbers["cell_updates_per_s"], numbers["alive_fraction"],
                       *(None if numbers.get(k) is None else Path(numbers[k])
                         for k in ("gif", "mp4")), final=final)
    if out is not None:
        from selforg.core.runs import open_run

        folder = open_run("logic", "run", cfg, out=out)
        folder.write_json("results.json", result.to_dict())
        result = dataclasses.replace(result, run_dir=folder.path)
    return result


def _with_progress(quiet: bool, steps: int, title: str, fn):
    """``fn(on_step)`` with a progress bar on stderr unless `quiet` (updated ~100 times)."""
    if quiet or steps == 0:
        return fn(None)
    from selforg.core.progress import make_progress

    every = max(1, steps // 100)
    with make_progress() as bar:
        task = bar.add_task(title, total=steps, rate="")

        def on_step(done: int) -> None:
            if done % every == 0 or done == steps:
                bar.update(task, completed=done)

        return fn(on_step)
