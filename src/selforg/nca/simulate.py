"""Running a trained NCA: any grid size, any number of steps, damage, rotated perception."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core import grid
from selforg.nca.model import NCA
from selforg.nca.rollout import rollout, rollout_frames


@eqx.filter_jit
def _run(model, x, key, steps, angle):
    return rollout(model, x, steps, key, angle=angle, remat=False)


def run_steps(model: Any, x: Float[Array, "b h w c"], steps: int, key: jax.Array, *,
              angle: float = 0.0) -> Array:
    """`steps` updates of ``(B, H, W, C)`` (compiled once per shape and step count)."""
    if steps == 0:
        return x
    return _run(model, x, key, int(steps), float(angle))


@eqx.filter_jit
def _frames(model, x, key, frames, every, angle, start):
    return rollout_frames(model, x, frames, every, key, angle=angle, start=start)


def damage(model: NCA, x: Array, mask: Float[Array, "h w 1"], key: jax.Array) -> Array:
    """Replace the cells under `mask` by what the model's erased cells become (dead cells for
    a growing NCA, its seed for textures): the 'erase a region' experiment."""
    fresh = model.erased(x.shape[:-1], key)
    mask = mask.reshape((1,) * (x.ndim - mask.ndim) + mask.shape)
    return x * (1.0 - mask) + fresh * mask


def default_damage_mask(h: int, w: int) -> Array:
    """A fixed disc (centre at 60 % height, middle column; radius 20 % of the size)."""
    return grid.circle_mask((h, w), jnp.array([0.6 * h, 0.5 * w]), jnp.float32(0.2 * min(h, w)))


def simulate(
    model: Any,
    *,
    size: tuple[int, int],
    steps: int,
    every: int = 10,
    seed: int = 0,
    angle: float = 0.0,
    damage_at: int | None = None,
    batch: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Grow / run a model from its seed and keep frames.

    Args:
        size: (H, W) of the grid.
        steps: total steps.
        every: keep a frame every this many steps.
        damage_at: erase `default_damage_mask` after this step (rounded down to a frame).

    Returns:
        (final state ``(B, H, W, C)``, RGB frames ``(F+1, H, W, 3)`` of sample 0, float in [0, 1]).
    """
    h, w = size
    key = jax.random.PRNGKey(seed)
    k_seed, k_run, k_dmg = jax.random.split(key, 3)
    x = model.seed((batch, h, w), k_seed)
    frames = [np.asarray(model.rgb(x[0]))]
    every = max(1, min(every, steps)) if steps else 1
    cut = steps if damage_at is None else min(max(damage_at, 0), steps)
    done, damaged = 0, False
    for seg_end in ([cut, steps] if damage_at is not None else [steps]):
        n_frames, rest = divmod(seg_end - done, every)
        if n_frames:
            x, fr = _frames(model, x, k_run, n_frames, every, float(angle), done)
            frames.extend(np.asarray(model.rgb(fr[:, 0])))
            done += n_frames * every
        if rest:
            x = rollout_frames_tail(model, x, k_run, rest, angle, done)
            done += rest
            frames.append(np.asarray(model.rgb(x[0])))
        if damage_at is not None and not damaged and done == cut:
            damaged = True
            x = damage(model, x, default_damage_mask(h, w), k_dmg)
            frames.append(np.asarray(model.rgb(x[0])))
    return np.asarray(x), np.stack(frames)


def rollout_frames_tail(model, x, key, n, angle, start):
    x, _ = _frames(model, x, key, 1, int(n), float(angle), start)
    return x
