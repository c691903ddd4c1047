"""The one rollout shape, against a rule whose every step is known by hand."""

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core import rollout as rollout_mod
from selforg.core.errors import BadInput
from selforg.core.rollout import Rule, rollout


class Counter(Rule):
    """state: (count, last key data); each step adds `params` and records its key."""

    def step(self, params, state, key):
        count, _ = state
        return count + params, jax.random.key_data(key)


def _state():
    return jnp.int32(0), jnp.zeros((2,), jnp.uint32)


def test_final_state_and_key_folding():
    key = jax.random.PRNGKey(7)
    (count, last), frames = rollout(Counter(), jnp.int32(3), _state(), 5, key=key)
    assert frames is None and int(count) == 15
    np.testing.assert_array_equal(last, jax.random.fold_in(key, 4))


def test_frames_are_the_states_after_every_save_every_steps():
    key = jax.random.PRNGKey(1)
    (count, _), (counts, keys) = rollout(Counter(), jnp.int32(1), _state(), 6, key=key,
                                         save_every=2, start=10)
    assert int(count) == 6 and counts.tolist() == [2, 4, 6]
    # frame f ends with step start + 2f + 1
    for f in range(3):
        np.testing.assert_array_equal(keys[f], jax.random.fold_in(key, 10 + 2 * f + 1))


def test_two_pieces_equal_one_rollout():
    class Noisy(Rule):
        def step(self, params, state, key):
            return state * params + jax.random.normal(key, state.shape)

    key, x = jax.random.PRNGKey(0), jnp.ones((3,))
    whole, _ = rollout(Noisy(), 0.5, x, 8, key=key)
    half, _ = rollout(Noisy(), 0.5, x, 5, key=key)
    rest, _ = rollout(Noisy(), 0.5, half, 3, key=key, start=5)
    np.testing.assert_array_equal(whole, rest)
    # remat changes the backward pass only
    grad = lambda r: jax.grad(lambda p: rollout(Noisy(), p, x, 8, key=key, remat=r)[0].sum())  # noqa: E731
    np.testing.assert_allclose(grad(True)(0.5), grad(False)(0.5), rtol=1e-6)


def test_deterministic_rule_takes_no_key():
    class Double(Rule):
        def step(self, params, state, key):
            assert key is None
            return state * 2

    final, frames = rollout(Double(), None, jnp.float32(1), 4, key=None, save_every=1)
    assert float(final) == 16 and frames.tolist() == [2, 4, 8, 16]


def test_rule_is_abstract_and_bad_lengths_are_refused():
    with pytest.raises(TypeError):
        Rule()
    with pytest.raises(BadInput, match="not a multiple"):
        rollout(Counter(), 1, _state(), 5, key=jax.random.PRNGKey(0), save_every=2)
    with pytest.raises(BadInput, match="≥ 0"):
        rollout(Counter(), 1, _state(), -1, key=jax.random.PRNGKey(0))


def test_module_example_runs():
    globs = {"Rule": Rule, "rollout": rollout, "jnp": jnp}
    result = doctest.testmod(rollout_mod, globs=globs)
    assert result.attempted > 0 and result.failed == 0
