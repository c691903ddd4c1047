"""The rule: its size, exact rotation equivariance, the D = 0 limit, the Laplacian, the seed."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core.errors import BadInput
from selforg.core.rollout import rollout
from selforg.rd.model import RD, RDRule, check_stable, gaussian_blobs, laplacian, param_count
from selforg.rd.rollout import diffusion_map, run_steps


def _model(scale=0.05, diffusion="fixed"):
    """A rule with a non-zero second layer (a fresh rule is pure diffusion)."""
    m = RD(key=jax.random.PRNGKey(0), diffusion=diffusion)
    w2 = jax.random.normal(jax.random.PRNGKey(1), m.w2.shape) * scale
    b1 = jax.random.normal(jax.random.PRNGKey(2), m.b1.shape) * 0.1
    return eqx.tree_at(lambda q: (q.w2, q.b1), m, (w2, b1))


def test_param_count_is_the_released_weights():
    m = RD(key=jax.random.PRNGKey(0))
    assert param_count(m) == 32 * 128 + 128 + 128 * 32 == 8320
    assert m.w1.shape == (32, 128) and m.b1.shape == (128,) and m.w2.shape == (128, 32)
    assert param_count(RD(key=jax.random.PRNGKey(0), diffusion="learned")) == 8320 + 32


def test_diffusion_is_a_fixed_log_spread_by_default():
    d = np.asarray(RD(key=jax.random.PRNGKey(0)).diffusion())
    assert d.shape == (32,) and np.all(d > 0)
    np.testing.assert_allclose(d[[0, -1]], [0.025, 0.25], rtol=1e-6)
    np.testing.assert_allclose(np.diff(np.log(d)), np.log(10) / 31, rtol=1e-4)
    learned = RD(key=jax.random.PRNGKey(0), diffusion="learned")
    np.testing.assert_allclose(np.asarray(learned.diffusion()), d, rtol=1e-5)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_one_step_commutes_with_rot90(k):
    m = _model()
    x = m.seed((2, 24, 24), jax.random.PRNGKey(3))
    a = m.step(jnp.rot90(x, k, axes=(1, 2)))
    b = jnp.rot90(m.step(x), k, axes=(1, 2))
    assert float(jnp.max(jnp.abs(a - b))) <= 1e-6


def test_fifty_step_rollout_commutes_with_rot90():
    m = _model(scale=0.01)
    x = m.seed((1, 32, 32), jax.random.PRNGKey(4))
    y = run_steps(m, x, 50)
    assert float(jnp.max(jnp.abs(y - x))) > 0.1  # the rule did something
    assert float(jnp.max(jnp.abs(y))) < 1e3
    z = run_steps(m, jnp.rot90(x, axes=(1, 2)), 50)
    assert float(jnp.max(jnp.abs(z - jnp.rot90(y, axes=(1, 2))))) <= 1e-6


def test_zero_diffusion_is_the_per_cell_ode():
    m = _model()
    x = m.seed((1, 16, 16), jax.random.PRNGKey(5))
    y, _ = rollout(RDRule(dmap=jnp.float32(0.0)), m, x, 20, key=None)
    # the ODE s ← s + dt·R(s) on each cell alone, cells as a batch of 1×1 grids
    cells = x.reshape(-1, 1, 1, 32)
    for _ in range(20):
        cells = cells + m.dt * m.reaction(cells)
    np.testing.assert_allclose(np.asarray(y), np.asarray(cells.reshape(y.shape)), atol=1e-5)
    # and nothing couples the cells: shuffling them commutes with the rollout
    perm = np.random.default_rng(0).permutation(256)
    xs = x.reshape(1, 256, 32)[:, perm].reshape(x.shape)
    ys, _ = rollout(RDRule(dmap=jnp.float32(0.0)), m, xs, 20, key=None)
    np.testing.assert_array_equal(np.asarray(ys.reshape(1, 256, 32)),
                                  np.asarray(y.reshape(1, 256, 32))[:, perm])


def test_laplacian_known_answers():
    n = 16
    const = jnp.full((n, n, 1), 3.0)
    assert float(jnp.max(jnp.abs(laplacian(const)))) == 0.0
    ys, xs = np.mgrid[0:n, 0:n].astype(np.float32)
    quad = jnp.asarray((xs**2 + ys**2)[..., None])
    # [[1,2,1],[2,−12,2],[1,2,1]]/16 = ∇²/4 (exact on quadratics away from the seam)
    np.testing.assert_allclose(np.asarray(laplacian(quad))[2:-2, 2:-2, 0], 1.0, atol=1e-4)
    delta = jnp.zeros((n, n, 1)).at[0, 0, 0].set(1.0)
    lap = np.asarray(laplacian(delta))[..., 0]
    assert lap[0, 0] == -0.75 and lap[0, 1] == lap[-1, 0] == 0.125 and lap[-1, -1] == 0.0625
    assert abs(lap.sum()) < 1e-7  # it conserves mass on the torus


def test_blob_seed_wraps_around_the_torus():
    x = np.asarray(gaussian_blobs(jax.random.PRNGKey(0), (3, 32, 32), 5))
    assert x.shape == (3, 32, 32, 5) and np.all(np.isfinite(x))
    assert not np.allclose(x[0], x[1])
    # smooth across the seam as inside: neighbouring differences are alike everywhere
    seam = np.abs(x[:, 0] - x[:, -1]).max()
    inside = np.abs(np.diff(x, axis=1)).max()
    assert seam <= inside + 1e-6


def test_diffusion_maps():
    ramp = diffusion_map("ramp", (8, 16), high=4.0)
    assert ramp.shape == (8, 16)
    np.testing.assert_allclose(ramp[:, 0], 1.0)
    np.testing.assert_allclose(ramp[:, -1], 4.0)
    radial = diffusion_map("radial", (17, 17), high=4.0)
    assert radial[8, 8] == pytest.approx(1.0) and radial[0, 0] == pytest.approx(4.0)
    assert np.all(diffusion_map(None, (4, 4)) == 1.0)
    with pytest.raises(BadInput, match="neither ramp, radial"):
        diffusion_map("no-such-map.png", (4, 4))


def test_unstable_or_negative_scale_is_refused():
    m = RD(key=jax.random.PRNGKey(0))
    check_stable(m, 8.0)  # dt·0.25·8 = 2: the edge of stability
    with pytest.raises(BadInput, match="unstable"):
        check_stable(m, 8.5)
    with pytest.raises(BadInput, match="≥ 0"):
        check_stable(m, -1.0)


def test_spatial_map_is_an_input_of_the_rollout():
    m = _model()
    x = m.seed((1, 16, 16), jax.random.PRNGKey(6))
    ones = run_steps(m, x, 5, np.ones((16, 16), np.float32))
    np.testing.assert_allclose(np.asarray(ones), np.asarray(run_steps(m, x, 5)), atol=1e-6)
    ramp = run_steps(m, x, 5, diffusion_map("ramp", (16, 16)))
    assert float(jnp.max(jnp.abs(ramp - ones))) > 1e-4
