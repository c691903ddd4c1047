"""NCA rollouts in the core's one shape, ``core.rollout.rollout(rule, params, state, steps, *,
key, save_every, start)``: the rule is `NCARule` (the perception angle; μNCA training's
per-step gradient normalisation), the params are the trained model (an `NCA`), the state a
batch of grids ``(B, H, W, C)``. Step ``i`` draws its fire-rate mask from
``fold_in(key, start + i)``.

Training rolls out a random number of steps without recompiling: `ForSteps` runs a fixed-length
scan whose steps past a traced count leave the state unchanged (`lax.cond`), and every step is
rematerialised in the backward pass (``remat``) so memory stays flat in the number of steps.

Running a trained model (`run_steps`, `simulate`): any grid size, any number of steps, damage,
rotated perception.
"""

from __future__ import annotations

from typing import final

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from selforg.core import grid
from selforg.core.rollout import Rule
from selforg.core.rollout import rollout as core_rollout
from selforg.nca.gradnorm import normalize_backward
from selforg.nca.model import NCA


@final
class NCARule(Rule):
    """One NCA update with ``params`` the model: ``params.step(x, key, angle)``.

    Attributes:
        angle: perception rotation in radians.
        grad_norm: wrap the new state in `normalize_backward` (identity forward; each batch
            element's cotangent normalised in the backward pass: μNCA training).
    """

    angle: float = eqx.field(static=True, default=0.0)
    grad_norm: bool = eqx.field(static=True, default=False)

    def step(self, params: NCA, state: Array, key: jax.Array | None) -> Array:
        y = params.step(state, key, self.angle)
        return normalize_backward(y) if self.grad_norm else y


@final
class ForSteps(Rule):
    """`rule` while a countdown lasts: the state is ``(x, left)``; a step with ``left ≤ 0``
    leaves `x` as it is. A scan of fixed length then runs a traced number of steps."""

    rule: NCARule

    def step(self, params: NCA, state: tuple[Array, Int[Array, ""]],
             key: jax.Array | None) -> tuple[Array, Int[Array, ""]]:
        x, left = state
        x = jax.lax.cond(left > 0, lambda x: self.rule.step(params, x, key), lambda x: x, x)
        return x, left - 1


def rollout(
    model: NCA,
    x: Float[Array, "b h w c"],
    steps: int,
    key: jax.Array,
    *,
    active: Array | int | None = None,
    angle: float = 0.0,
    grad_norm: bool = False,
    remat: bool = True,
) -> Float[Array, "b h w c"]:
    """`steps` updates of ``x`` (the training rollout; compiled once per `steps`).

    Args:
        model: the rule's parameters (`GrowingNCA`, `TextureNCA`, `MicroNCA`).
        x: states ``(B, H, W, C)``.
        steps: the (static) length of the scan.
        key: step ``i`` uses ``fold_in(key, i)``.
        active: optional traced count ≤ `steps`; the steps from it on are skipped, so a
            random rollout length costs no recompilation.
        angle: perception rotation in radians.
        grad_norm: per-step backward gradient normalisation (μNCA training).
        remat: `jax.checkpoint` every step.

    Returns:
        the final states, same shape as `x`.
    """
    rule = NCARule(angle=angle, grad_norm=grad_norm)
    if active is None:
        y, _ = core_rollout(rule, model, x, steps, key=key, remat=remat)
        return y
    (y, _), _ = core_rollout(ForSteps(rule), model, (x, jnp.asarray(active, jnp.int32)), steps,
                             key=key, remat=remat)
    return y


@eqx.filter_jit
def _scan(model, x, key, steps, every, angle, start):
    return core_rollout(NCARule(angle=angle), model, x, steps, key=key, save_every=every,
                        start=start)


def run_steps(model: NCA, x: Float[Array, "b h w c"], steps: int, key: jax.Array, *,
              angle: float = 0.0, start: int = 0) -> Array:
    """`steps` updates of ``(B, H, W, C)`` numbered from `start` (compiled once per shape and
    step count)."""
    if steps == 0:
        return x
    y, _ = _scan(model, x, key, int(steps), None, float(angle), jnp.int32(start))
    return y


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
    model: NCA,
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
        model: the trained rule.
        size: (H, W) of the grid.
        steps: total steps.
        every: keep a frame every this many steps (and after the last step).
        seed: the seed state's noise and the fire-rate masks.
        angle: perception rotation in radians.
        damage_at: erase `default_damage_mask` right after this step (a frame of the damaged
            state follows the frame of that step).
        batch: how many samples to run (frames show sample 0).

    Returns:
        (final state ``(B, H, W, C)``, RGB frames ``(F, H, W, 3)`` of sample 0, float in
        [0, 1]; the first frame is the seed).

    Example:
        >>> state, frames = simulate(model, size=(32, 32), steps=100, every=10)  # doctest: +SKIP
        >>> frames.shape  # the seed and 10 frames
        (11, 32, 32, 3)
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
            x, fr = _scan(model, x, k_run, n_frames * every, every, float(angle),
                          jnp.int32(done))
            frames.extend(np.asarray(model.rgb(fr[:, 0])))
            done += n_frames * every
        if rest:
            x = run_steps(model, x, rest, k_run, angle=angle, start=done)
            done += rest
            frames.append(np.asarray(model.rgb(x[0])))
        if damage_at is not None and not damaged and done == cut:
            damaged = True
            x = damage(model, x, default_damage_mask(h, w), k_dmg)
            frames.append(np.asarray(model.rgb(x[0])))
    return np.asarray(x), np.stack(frames)
