"""The patch sliced-Wasserstein texture loss, the evaluation metric and overflow penalties."""

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.core import media
from selforg.nca import losses

KEY = jax.random.PRNGKey(0)
# every patch on both sides, so the loss is a function of the two patch sets only
ALL = losses.PatchLoss(levels=3, patch=5, n_patches=10**6, projections=16)
texture_loss = jax.jit(losses.texture_loss, static_argnums=3)


def test_projected_patches_equal_explicit_patches():
    img = jax.random.uniform(KEY, (2, 9, 8, 3))
    proj = losses.random_projections(KEY, 75, 7)
    for padding in ("circular", "valid"):
        want = jax.jit(losses.patches, static_argnums=(1, 2))(img, 5, padding) @ proj
        got = jax.jit(losses.projected_patches, static_argnums=(2, 3))(img, proj, 5, padding)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-5)
    p = np.asarray(jax.jit(losses.patches, static_argnums=(1, 2))(img, 5, "valid"))
    assert p.shape == (2, 5 * 4, 75)
    # first patch = the top-left 5×5 block, row-major, channels innermost
    np.testing.assert_array_equal(p[0, 0], np.asarray(img[0, :5, :5, :]).reshape(-1))


def test_projections_are_unit_vectors():
    v = np.asarray(losses.random_projections(KEY, 75, 32))
    np.testing.assert_allclose(np.linalg.norm(v, axis=0), 1.0, atol=1e-5)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_swd_zero_for_same_set_and_invariant_to_shuffling(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(50, 6)).astype(np.float32)
    b = rng.normal(size=(50, 6)).astype(np.float32) + 0.5
    proj = np.asarray(losses.random_projections(jax.random.PRNGKey(seed), 6, 8))
    assert float(losses.sliced_wasserstein(a, a[rng.permutation(50)], proj)) == 0.0
    d = float(losses.sliced_wasserstein(a, b, proj))
    d_shuffled = float(losses.sliced_wasserstein(a[rng.permutation(50)], b, proj))
    assert d > 0.0 and abs(d - d_shuffled) <= 1e-6 * d


def test_texture_loss_is_zero_for_identical_and_invariant_to_translation():
    img = jax.random.uniform(KEY, (1, 32, 32, 3))
    # identical inputs: the metric of an image against itself
    assert losses.texture_distance(img[0], img[0], projections=16, levels=3) == 0.0
    # a periodic image's patch set does not change when it is rolled (a permutation of patches;
    # shifts divisible by 4 keep the 3-level pyramid's subsampling grid)
    target = losses.exemplar_pyramid(jax.random.uniform(jax.random.PRNGKey(1), (40, 40, 3)), ALL)
    a = float(texture_loss(img, target, KEY, ALL)[0])
    rolled = jnp.roll(img, (8, 12), axis=(1, 2))
    b = float(texture_loss(rolled, target, KEY, ALL)[0])
    assert a > 0 and abs(a - b) <= 1e-4 * a


def test_metric_orders_textures():
    brick = media.load_image("brick", size=128)
    grass = media.load_image("grass", size=128)
    crop = brick[20:84, 30:94]
    noise = np.random.default_rng(0).uniform(size=(64, 64, 3)).astype(np.float32)
    same = losses.texture_distance(crop, brick)
    other = losses.texture_distance(grass[20:84, 30:94], brick)
    ceiling = losses.texture_distance(noise, brick)
    assert same < other < ceiling
    assert ceiling > 10 * same


def test_loss_gradients_finite_and_lower_for_the_exemplar_itself():
    ex = jax.random.uniform(KEY, (48, 48, 3))
    cfg = losses.PatchLoss(levels=3, n_patches=256, projections=16)
    target = losses.exemplar_pyramid(ex, cfg)
    imgs = jnp.stack([jnp.tile(ex[:24, :24], (1, 1, 1)), jnp.full((24, 24, 3), 0.5)])
    def total(x):
        per = texture_loss(x, target, KEY, cfg)
        return per.sum(), per

    (_, per), g = jax.value_and_grad(total, has_aux=True)(imgs)
    assert np.all(np.isfinite(np.asarray(g))) and float(jnp.abs(g).sum()) > 0
    assert float(per[0]) < float(per[1])


def test_overflow_penalties():
    x = jnp.array([[[[0.5, 1.5, -3.0]]]])
    assert float(losses.overflow_abs(x)) == 2.5
    assert float(losses.overflow_sq(x)) == 0.25 + 4.0
    assert float(losses.overflow_sq(jnp.clip(x, -1, 1))) == 0.0


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 40), st.integers(1, 5),
       st.sampled_from([None, 3, 1]))
def test_sort_samples_is_the_sort_and_its_gradient(seed, n, p, levels):
    # `levels`: values drawn from that many distinct values (ties), or continuous (None);
    # zeros of both signs and values of both signs included
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(2, n, p)).astype(np.float32)
    if levels is not None:
        a = rng.choice(np.array([-1.5, -0.0, 0.0, 2.0], np.float32)[:levels + 1], size=a.shape)
    w = rng.normal(size=a.shape).astype(np.float32)
    got = np.asarray(losses.sort_samples(jnp.asarray(a)))
    np.testing.assert_array_equal(got, np.sort(a, axis=-2))
    grad = np.asarray(jax.grad(lambda x: jnp.sum(losses.sort_samples(x) * w))(jnp.asarray(a)))
    # by hand: value v at sorted positions lo..hi-1 gets the mean of w there (one position
    # when v is not tied)
    s = np.sort(a, axis=-2)
    for b in range(2):
        for j in range(p):
            for i in range(n):
                lo = int(np.sum(s[b, :, j] < a[b, i, j]))
                hi = int(np.sum(s[b, :, j] <= a[b, i, j]))
                want = w[b, lo, j] if hi - lo == 1 else w[b, lo:hi, j].mean()
                np.testing.assert_allclose(grad[b, i, j], want, rtol=1e-5, atol=1e-6)


def test_sort_samples_gradient_is_jnp_sorts_without_ties():
    a = jax.random.normal(KEY, (3, 64, 4))
    w = jax.random.normal(jax.random.PRNGKey(1), a.shape)
    assert np.unique(np.asarray(a)).size == a.size
    want = jax.grad(lambda x: jnp.sum(jnp.sort(x, axis=-2) * w))(a)
    got = jax.grad(lambda x: jnp.sum(losses.sort_samples(x) * w))(a)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
