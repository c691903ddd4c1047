"""Training data and targets of the four experiments of Miotti et al. (2025).

- life: all 2⁹ = 512 periodic 3×3 boards and their one-step Life successors;
- checkerboard: random bits in, ((x//2)+(y//2)) % 2 on channel 0 out;
- lizard: one seed cell (all bits 1) grows the 🦎 silhouette on channel 0;
- colors: an all-zero grid grows a 3-bit-colour "G" on channels 0..2.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array

from selforg.logic.config import LogicConfig
from selforg.logic.life import life_step

#: 8-colour palette of the colour target, indexed by the 3 bits (channel 0 = least significant).
PALETTE = np.array(
    [[255, 255, 255], [219, 68, 55], [15, 157, 88], [0, 0, 0],
     [66, 133, 244], [160, 60, 200], [0, 170, 170], [244, 180, 0]], dtype=np.uint8,
)


def life_boards() -> tuple[np.ndarray, np.ndarray]:
    """All 512 3×3 boards (bit i of the index = cell i, row-major) and their periodic successors.

    Returns:
        (boards, successors): float32 (512, 3, 3, 1) each.
    """
    idx = np.arange(512)
    boards = ((idx[:, None] >> np.arange(9)[None]) & 1).reshape(512, 3, 3).astype(np.uint8)
    nxt = np.stack([life_step(b) for b in boards])
    return boards[..., None].astype(np.float32), nxt[..., None].astype(np.float32)


def checkerboard(h: int, w: int) -> np.ndarray:
    """(h, w) float32 target ((x//2)+(y//2)) % 2."""
    y, x = np.mgrid[:h, :w]
    return (((x // 2) + (y // 2)) % 2).astype(np.float32)


def lizard_target(h: int, w: int) -> np.ndarray:
    """(h, w) float32 filled silhouette of the lizard emoji, built as the reference notebook
    builds its target from the emoji's 32-pixel picture: the glyph's em square (artwork with its
    margins, not cropped to the glyph) averaged down to 32×32, resized to (h, w) with Lanczos,
    a cell on where any premultiplied R, G, B exceeds 0.26. At 20×20 that is 112 cells with a
    free border; the notebook's own picture gives 120, the 8 more all on the outline. (The
    notebook's comment calls it an outline; its mask is the filled body.)"""
    from selforg.core.media import load_emoji, resize

    img = load_emoji("lizard", tight=False)
    rgba = np.concatenate([img[..., :3] * img[..., 3:], img[..., 3:]], axis=-1)
    side = rgba.shape[0]
    if side % 32 == 0:
        # area average to 32×32, as the emoji's small picture is made
        k = side // 32
        rgba = rgba.reshape(32, k, 32, k, 4).mean(axis=(1, 3))
    rgba = resize(rgba, (h, w), crop=False) if rgba.shape[:2] != (h, w) else rgba
    return (rgba[..., :3] > 0.26).any(axis=-1).astype(np.float32)


def colour_g(h: int = 16, w: int = 16) -> np.ndarray:
    """(h, w, 3) float32 bits of a 4-colour "G" on white (palette indices 1, 7, 2, 4)."""
    img = np.zeros((h, w), np.int32)
    y, x = np.mgrid[:h, :w]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    r = np.hypot(y - cy, x - cx)
    ring = (r <= min(h, w) * 0.42) & (r >= min(h, w) * 0.25)
    angle = np.degrees(np.arctan2(cy - y, x - cx)) % 360
    gap = ring & (angle < 40) & (angle > 0)
    ring &= ~gap
    img[ring & (angle >= 40) & (angle < 150)] = 1  # red top
    img[ring & (angle >= 150) & (angle < 215)] = 7  # yellow left
    img[ring & (angle >= 215) & (angle < 320)] = 2  # green bottom
    img[ring & ((angle >= 320) | (angle == 0))] = 4  # blue right
    bar = (np.abs(y - cy) <= 1) & (x >= cx) & (x <= cx + min(h, w) * 0.42)
    img[bar] = 4
    return ((img[..., None] >> np.arange(3)) & 1).astype(np.float32)


@dataclass(frozen=True)
class Task:
    """What one experiment feeds the automaton and wants back.

    Attributes:
        cfg: the run's config.
        init: (n, h, w, c) float32 pool of initial states (Life: the 512 boards), or None for
            random bits.
        target: (n, h, w, t) float32 targets matching `init` rows, or (1, h, w, t) for all.
    """

    cfg: LogicConfig
    init: np.ndarray | None
    target: np.ndarray

    @property
    def target_channels(self) -> int:
        return self.target.shape[-1]

    @property
    def fixed_batch(self) -> bool:
        """Every training batch is the same rollout (fixed initial state, synchronous steps)."""
        return self.init is not None and self.cfg.experiment != "life" and not self.cfg.asynchronous

    def sample(self, key: Array) -> tuple[Array, Array]:
        """A batch (b, h, w, c) of initial states and its targets (b, h, w, t)."""
        cfg = self.cfg
        b = cfg.batch
        if cfg.experiment == "life":
            idx = jax.random.choice(key, self.init.shape[0], (b,), replace=False)
            return jnp.asarray(self.init)[idx], jnp.asarray(self.target)[idx]
        tgt = jnp.broadcast_to(jnp.asarray(self.target), (b, *self.target.shape[1:]))
        if self.init is None:
            shape = (b, cfg.height, cfg.width, cfg.channels)
            return jax.random.bernoulli(key, 0.5, shape).astype(jnp.float32), tgt
        return jnp.broadcast_to(jnp.asarray(self.init), (b, *self.init.shape[1:])), tgt


def make_task(cfg: LogicConfig) -> Task:
    """The data of `cfg.experiment`."""
    h, w, c = cfg.height, cfg.width, cfg.channels
    if cfg.experiment == "life":
        boards, nxt = life_boards()
        return Task(cfg, boards, nxt)
    if cfg.experiment == "checkerboard":
        return Task(cfg, None, checkerboard(h, w)[None, ..., None])
    if cfg.experiment == "lizard":
        seed = np.zeros((1, h, w, c), np.float32)
        seed[0, h // 2, w // 2, :] = 1.0
        return Task(cfg, seed, lizard_target(h, w)[None, ..., None])
    return Task(cfg, np.zeros((1, h, w, c), np.float32), colour_g(h, w)[None])
