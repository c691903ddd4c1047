"""The one rollout shape: a rule applied `steps` times under `lax.scan`.

A system's update rule subclasses the abstract `Rule` (equinox's abstract-or-final: the
subclass is final and implements `Rule.step`); `rollout` runs it. Step ``i`` of a rollout that
starts at step `start` draws its randomness from ``jax.random.fold_in(key, start + i)``, so a
long rollout cut into pieces (``start=0``, then ``start=n``...) gives the same states as one
piece.

Example:
    >>> class Count(Rule):
    ...     def step(self, params, state, key):
    ...         return state + params
    >>> final, frames = rollout(Count(), 2, jnp.int32(0), 6, key=None, save_every=3)
    >>> int(final), frames.tolist()
    (12, [6, 12])
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from selforg.core.errors import BadInput

State = Any


class Rule(eqx.Module):
    """An update rule: hyperparameters that set shapes are static fields of the subclass;
    learned or swept parameters come in as `params` (so one `vmap` sweeps them)."""

    @abc.abstractmethod
    def step(self, params: Any, state: State, key: jax.Array | None) -> State:
        """One synchronous update. Returns a state of the same structure, shapes and dtypes.

        Args:
            params: the rule's parameters (a pytree; whatever the rule needs).
            state: the current state (a pytree, e.g. a grid ``(H, W, C)`` or a batch of them).
            key: this step's PRNG key, or None for a rollout given ``key=None``.
        """


def _key(key: jax.Array | None, i: jax.Array) -> jax.Array | None:
    return None if key is None else jax.random.fold_in(key, i)


def rollout(
    rule: Rule,
    params: Any,
    state: State,
    steps: int,
    *,
    key: jax.Array | None,
    save_every: int | None = None,
    start: int = 0,
    remat: bool = False,
) -> tuple[State, State | None]:
    """Apply ``rule.step`` `steps` times.

    Args:
        rule: the update rule.
        params: passed to every step.
        state: the initial state (any pytree).
        steps: how many steps (a Python int ≥ 0; a new value compiles anew).
        key: step ``i`` gets ``jax.random.fold_in(key, start + i)``; None for a deterministic
            rule (its steps get None).
        save_every: keep the state after every `save_every` steps; `steps` must be a multiple
            of it (no tail of steps after the last frame).
        start: the number of the first step (to continue an earlier rollout exactly).
        remat: rematerialise each step in the backward pass (`jax.checkpoint`), so training
            through a long rollout keeps memory flat in `steps`.

    Returns:
        (final state, frames): frames is None without `save_every`, else the states after
        steps ``save_every, 2·save_every, ..., steps``, stacked along a new leading axis of
        length ``steps // save_every``.

    Raises:
        BadInput: `steps` < 0, `save_every` < 1, or `steps` not a multiple of `save_every`.
    """
    if steps < 0:
        raise BadInput(f"rollout steps {steps} must be ≥ 0")
    if save_every is not None:
        if save_every < 1:
            raise BadInput(f"save_every {save_every} must be ≥ 1")
        if steps % save_every:
            raise BadInput(f"rollout steps {steps} are not a multiple of save_every {save_every}")

    def one(s: State, i: jax.Array) -> State:
        return rule.step(params, s, _key(key, start + i))

    if remat:
        one = jax.checkpoint(one)

    def body(s: State, i: jax.Array) -> tuple[State, None]:
        return one(s, i), None

    if save_every is None:
        final, _ = jax.lax.scan(body, state, jnp.arange(steps, dtype=jnp.int32))
        return final, None

    def frame(s: State, f: jax.Array) -> tuple[State, State]:
        s, _ = jax.lax.scan(body, s, f * save_every + jnp.arange(save_every, dtype=jnp.int32))
        return s, s

    return jax.lax.scan(frame, state, jnp.arange(steps // save_every, dtype=jnp.int32))
