"""Rollouts: many NCA steps under `lax.scan`, each step rematerialised in the backward pass
(`jax.checkpoint`) so memory stays flat in the number of steps."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from selforg.nca.gradnorm import normalize_backward


def rollout(
    model: Any,
    x: Float[Array, "b h w c"],
    steps: int,
    key: jax.Array,
    *,
    active: Array | int | None = None,
    angle: float = 0.0,
    grad_norm: bool = False,
    remat: bool = True,
) -> Float[Array, "b h w c"]:
    """Apply ``model.step`` `steps` times (compiled once for that count).

    Args:
        model: a rule with ``step(x, key, angle)``.
        x: states ``(B, H, W, C)``.
        steps: the (static) length of the scan.
        key: step ``i`` uses ``fold_in(key, i)``.
        active: optional traced count ≤ `steps`; steps ``i ≥ active`` are skipped (`lax.cond`),
            so a random rollout length costs no recompilation.
        angle: perception rotation in radians.
        grad_norm: wrap the state after each step in `normalize_backward` (μNCA training).
        remat: `jax.checkpoint` every step.

    Returns:
        the final states, same shape as `x`.
    """

    def one(x, i):
        y = model.step(x, jax.random.fold_in(key, i), angle)
        return normalize_backward(y) if grad_norm else y

    if remat:
        one = jax.checkpoint(one)

    def body(x, i):
        if active is None:
            return one(x, i), None
        return jax.lax.cond(i < active, one, lambda x, i: x, x, i), None

    x, _ = jax.lax.scan(body, x, jnp.arange(steps, dtype=jnp.int32))
    return x


def rollout_frames(
    model: Any,
    x: Float[Array, "b h w c"],
    frames: int,
    every: int,
    key: jax.Array,
    *,
    angle: float = 0.0,
    start: int = 0,
) -> tuple[Float[Array, "b h w c"], Float[Array, "f b h w c"]]:
    """Run ``frames·every`` steps, keeping the state after every `every` steps.

    Step numbering starts at `start` (keys ``fold_in(key, start + i)``), so a long run can be
    cut into pieces with the same result. Returns (final state, frames ``(F, B, H, W, C)``).
    """

    def outer(x, f):
        def inner(x, i):
            return model.step(x, jax.random.fold_in(key, start + f * every + i), angle), None

        x, _ = jax.lax.scan(inner, x, jnp.arange(every, dtype=jnp.int32))
        return x, x

    return jax.lax.scan(outer, x, jnp.arange(frames, dtype=jnp.int32))
