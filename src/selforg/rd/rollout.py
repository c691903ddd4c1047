"""Reaction-diffusion rollouts in the core's one shape: ``core.rollout.rollout(RDRule(dmap),
model, state, steps, key=None)``; the diffusion map is the rule's input, the trained model its
parameters. Plus the maps themselves (`diffusion_map`) and `simulate`, which keeps frames.
"""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.rollout import rollout as core_rollout
from selforg.rd.model import RD, RDRule


@eqx.filter_jit
def _scan(model: RD, x: Array, dmap: Array, steps: int, every: int | None):
    return core_rollout(RDRule(dmap=dmap), model, x, steps, key=None, save_every=every)


def run_steps(model: RD, x: Float[Array, "... h w c"], steps: int,
              dmap: Float[Array, "h w"] | float = 1.0) -> Array:
    """`steps` updates of `x` under the diffusion map `dmap` (compiled once per shape and
    step count)."""
    if steps == 0:
        return x
    y, _ = _scan(model, x, jnp.asarray(dmap, jnp.float32), int(steps), None)
    return y


def diffusion_map(spec: str | None, size: tuple[int, int], *, low: float = 1.0,
                  high: float = 4.0) -> np.ndarray:
    """The map m(x, y) ``(H, W)``: None → ones; ``"ramp"`` → `low` at the left edge to `high`
    at the right; ``"radial"`` → `low` at the centre to `high` at the corners; anything else
    is an image file read as greyscale (black `low`, white `high`), resized to the grid.

    Raises:
        BadInput: an unreadable image, or `high` < `low`, or `low` < 0.
    """
    h, w = size
    if not (0 <= low <= high) or not np.isfinite(high):
        raise BadInput(f"diffusion map range {low:g}..{high:g}: need 0 ≤ low ≤ high")
    if spec is None:
        return np.ones((h, w), np.float32)
    if spec == "ramp":
        t = np.broadcast_to(np.linspace(0.0, 1.0, w, dtype=np.float32), (h, w))
    elif spec == "radial":
        ys = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / max((h - 1) / 2, 1)
        xs = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / max((w - 1) / 2, 1)
        t = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2) / np.sqrt(2.0)
    else:
        if not Path(spec).is_file():
            raise BadInput(f"diffusion map {spec!r} is neither ramp, radial nor an image file")
        t = media.load_image(spec, size=(h, w), mode="L")[..., 0]
    return (low + (high - low) * t).astype(np.float32)


def simulate(model: RD, *, size: tuple[int, int], steps: int, every: int = 10, seed: int = 0,
             dmap: np.ndarray | float = 1.0,
             batch: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Run a rule from its blob seed and keep frames.

    Args:
        model: the trained rule.
        size: (H, W).
        steps: total steps.
        every: a frame every this many steps (and after the last).
        seed: the blobs.
        dmap: the diffusion map ``(H, W)`` or a uniform scale.
        batch: samples run (frames show sample 0).

    Returns:
        (final state ``(B, H, W, C)``, RGB frames ``(F, H, W, 3)`` in [0, 1] of sample 0; the
        first frame is the seed).

    Example:
        >>> _, frames = simulate(model, size=(32, 32), steps=100, every=10)  # doctest: +SKIP
        >>> frames.shape
        (11, 32, 32, 3)
    """
    h, w = size
    x = model.seed((batch, h, w), jax.random.PRNGKey(seed))
    frames = [np.asarray(model.rgb(x[0]))]
    every = max(1, min(every, steps)) if steps else 1
    m = jnp.asarray(dmap, jnp.float32)
    n_frames, rest = divmod(steps, every)
    if n_frames:
        x, fr = _scan(model, x, m, n_frames * every, every)
        frames.extend(np.asarray(model.rgb(fr[:, 0])))
    if rest:
        x = run_steps(model, x, rest, m)
        frames.append(np.asarray(model.rgb(x[0])))
    return np.asarray(x), np.stack(frames)
