"""Parameter counts, the rules written out by hand, rotation, rollouts."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core import grid
from selforg.nca.model import GrowingNCA, MicroNCA, TextureNCA, param_count
from selforg.nca.rollout import rollout

KEY = jax.random.PRNGKey(0)


@pytest.mark.parametrize(
    "model, count",
    [
        (lambda: GrowingNCA(key=KEY), 8336),
        (lambda: TextureNCA(key=KEY), 5868),
        (lambda: MicroNCA("micro-68", key=KEY), 68),
        (lambda: MicroNCA("micro-150", key=KEY), 150),
        (lambda: MicroNCA("micro-264", key=KEY), 264),
        (lambda: MicroNCA("micro-588", key=KEY), 588),
    ],
)
def test_parameter_counts(model, count):
    assert param_count(model()) == count


def test_micro68_rule_written_out():
    m = MicroNCA("micro-68", key=jax.random.PRNGKey(3))
    w = np.asarray(jax.random.normal(KEY, (16, 4)))  # large weights, so every term matters
    m = eqx.tree_at(lambda t: t.w, m, jnp.asarray(w))
    s = np.random.default_rng(0).uniform(-0.5, 0.5, (6, 5, 4)).astype(np.float32)
    filters = [grid.LAPLACIAN, grid.LAPLACIAN, grid.SOBEL_X, grid.SOBEL_Y]
    from test_nca_grid import reference_depthwise

    p = np.concatenate(
        [reference_depthwise(s[..., c : c + 1], k, "circular") for c, k in enumerate(filters)], -1
    )
    w0, w1, w2, w3 = w[0:4], w[4:8], w[8:12], w[12:16]
    want = s + np.asarray(m.b) + s @ w0 + p @ w1 + np.abs(s) @ w2 + np.abs(p) @ w3
    got = np.asarray(m.step(jnp.asarray(s)))
    np.testing.assert_allclose(got, want, atol=1e-4)


def test_growing_starts_as_do_nothing_and_masks_dead_cells():
    m = GrowingNCA(key=KEY)
    x = m.seed((1, 9, 9))
    assert float(x[0, 4, 4, 3]) == 1.0 and float(x[0, 4, 4, :3].sum()) == 0.0
    step = eqx.filter_jit(lambda m, x: m.step(x, KEY))
    y = step(m, x)
    np.testing.assert_array_equal(np.asarray(y), np.asarray(x))  # zero-initialised last layer
    # a live cell whose alpha drops away dies, and nothing outside its neighbourhood changes
    z = np.asarray(step(m, x.at[0, 4, 4, 3].set(0.05)))
    assert np.all(z == 0.0)


def test_texture_model_is_rotation_equivariant_with_angle():
    # fire rate 1 makes the step deterministic; rotating the state by 90° and the perception
    # by 90° commutes with the rule
    m = TextureNCA(key=KEY, fire_rate=1.0)
    m = eqx.tree_at(lambda t: t.w2, m, 0.1 * jax.random.normal(KEY, m.w2.shape))
    x = jax.random.uniform(KEY, (1, 8, 8, 12), minval=-0.5, maxval=0.5)
    rot = lambda a: jnp.rot90(a, k=1, axes=(1, 2))  # noqa: E731
    step = eqx.filter_jit(lambda m, x, angle: m.step(x, KEY, angle))  # one program per angle
    a = rot(step(m, x, 0.0))
    b = step(m, rot(x), np.pi / 2)
    c = step(m, rot(x), -np.pi / 2)
    err = min(float(jnp.abs(a - b).max()), float(jnp.abs(a - c).max()))
    assert err < 1e-4
    assert float(jnp.abs(a - step(m, rot(x), 0.0)).max()) > 1e-3  # without the angle it differs


def test_rollout_equals_repeated_steps_and_active_cuts_it_short():
    m = TextureNCA(key=KEY)
    m = eqx.tree_at(lambda t: t.w2, m, 0.05 * jax.random.normal(KEY, m.w2.shape))
    x = m.seed((2, 6, 6))
    want = x
    for i in range(5):
        want = m.step(want, jax.random.fold_in(KEY, i))
    np.testing.assert_allclose(np.asarray(rollout(m, x, 5, KEY)), np.asarray(want), atol=1e-6)
    cut = rollout(m, x, 8, KEY, active=jnp.int32(5))
    np.testing.assert_allclose(np.asarray(cut), np.asarray(want), atol=1e-6)


def test_micro_seed_is_noise_in_half_range():
    m = MicroNCA("micro-150", key=KEY)
    s = np.asarray(m.seed((2, 16, 16), KEY))
    assert s.shape == (2, 16, 16, 6) and s.min() >= -0.5 and s.max() <= 0.5 and s.std() > 0.2


def test_simulate_frames_and_damage():
    from selforg.nca.rollout import simulate

    m = MicroNCA("micro-68", key=KEY)
    state, frames = simulate(m, size=(8, 10), steps=20, every=5, damage_at=10)
    assert state.shape == (1, 8, 10, 4) and frames.shape == (6, 8, 10, 3)  # 0,5,10,hit,15,20
    _, frames = simulate(m, size=(8, 10), steps=20, every=5, damage_at=20)
    assert frames.shape[0] == 6  # damage at the very end happens once
    _, again = simulate(m, size=(8, 10), steps=20, every=5, damage_at=20)
    np.testing.assert_array_equal(frames, again)  # same seed, same pictures


def test_rules_are_abstract_or_final():
    # the Equinox pattern: one abstract NCA with what a rollout needs, final rules under it,
    # and no concrete method overridden anywhere
    from selforg.nca import model as nca_model

    rules = [GrowingNCA, TextureNCA, MicroNCA]
    assert set(nca_model.NCA.__subclasses__()) == set(rules)
    assert nca_model.NCA.__abstractmethods__ >= {"step", "seed", "erased", "rgb"}
    for cls in rules:
        assert not cls.__abstractmethods__ and not cls.__subclasses__()
        for name, value in vars(nca_model.NCA).items():
            if callable(value) and not getattr(value, "__isabstractmethod__", False):
                assert name not in vars(cls) or name.startswith("__"), (cls, name)


def test_damage_asks_the_rule_what_erased_cells_become():
    from selforg.nca.rollout import damage, default_damage_mask

    mask = default_damage_mask(9, 9)
    inside = np.asarray(mask[..., 0]) > 0
    # a growing NCA of any channel count: erased cells are dead, not a new seed
    g = GrowingNCA(key=KEY, channels=8)
    x = jnp.ones((1, 9, 9, 8))
    hurt = np.asarray(damage(g, x, mask, KEY))
    assert np.all(hurt[0][inside] == 0.0) and np.all(hurt[0][~inside] == 1.0)
    # a μNCA: erased cells become fresh seed noise
    m = MicroNCA("micro-68", key=KEY)
    hurt = np.asarray(damage(m, jnp.ones((1, 9, 9, 4)), mask, KEY))
    assert np.all(np.abs(hurt[0][inside]) <= 0.5) and hurt[0][inside].std() > 0.1
    assert np.all(hurt[0][~inside] == 1.0)
