"""The rule: parameter count, perception against the sparse reference, rotation, the
stochastic update."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core.rollout import rollout
from selforg.mesh.meshes import Mesh, builtin
from selforg.mesh.model import MeshNCA, init_params, make_graph, param_count, perceive
from selforg.mesh.reference import SparseStep, laplacian


@pytest.fixture(scope="module")
def blob():
    return builtin("blob")


def _state(n, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)


def test_param_count():
    assert param_count(init_params(jax.random.PRNGKey(0))) == 12_432


def test_degree0_block_is_minus_laplacian(blob):
    x = _state(blob.n_vertices)
    z = np.asarray(perceive(make_graph(blob), jnp.asarray(x)))
    assert z.shape == (blob.n_vertices, 80)
    np.testing.assert_allclose(z[:, :16], -(laplacian(blob) @ x), atol=1e-4)
    np.testing.assert_array_equal(z[:, 64:], x)


def test_perception_matches_sparse_reference(blob):
    x = _state(blob.n_vertices, 1)
    params = init_params(jax.random.PRNGKey(1))
    ref = SparseStep(blob, params)
    z = np.asarray(perceive(make_graph(blob), jnp.asarray(x)))
    np.testing.assert_allclose(z, ref.perceive(x), atol=1e-4)


def test_rotation_rotates_degree1_blocks(blob):
    x = _state(blob.n_vertices, 2) * 0.1  # the scale of the seed and of trained states
    q, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))
    rot = q * np.sign(np.linalg.det(q))
    a = np.asarray(perceive(make_graph(blob), jnp.asarray(x)))
    turned = Mesh("turned", (blob.vertices.astype(np.float64) @ rot.T).astype(np.float32),
                  blob.faces, blob.senders, blob.receivers)
    b_graph = make_graph(turned)
    b = np.asarray(perceive(b_graph, jnp.asarray(x)))

    def vec(z):  # (V, 3, C) in x, y, z order from the [1, y, z, x] blocks
        blocks = z[:, :64].reshape(-1, 4, 16)
        return blocks[:, [3, 1, 2]]

    np.testing.assert_allclose(b[:, :16], a[:, :16], atol=1e-5)
    np.testing.assert_allclose(vec(b), np.einsum("ij,vjc->vic", rot, vec(a)), atol=1e-5)


def test_stochastic_update_per_vertex(blob):
    rule = MeshNCA(make_graph(blob))
    params = init_params(jax.random.PRNGKey(4))
    x = jnp.asarray(_state(blob.n_vertices, 5) * 0.1)
    key = jax.random.PRNGKey(6)
    y = np.asarray(rule.step(params, x, key))
    fire = np.asarray(jax.random.uniform(key, (blob.n_vertices, 1)) < 0.5)
    ref = SparseStep(blob, params).step(np.asarray(x), fire)
    np.testing.assert_allclose(y, ref, atol=1e-5)
    moved = np.any(y != np.asarray(x), axis=1)
    np.testing.assert_array_equal(moved, fire[:, 0])
    assert 0.4 < moved.mean() < 0.6


def test_rollout_is_the_steps_with_folded_keys(blob):
    rule = MeshNCA(make_graph(blob))
    params = init_params(jax.random.PRNGKey(7))
    x0 = rule.seed(jax.random.PRNGKey(8))
    assert float(x0.min()) >= 0.0 and float(x0.max()) < 0.1
    key = jax.random.PRNGKey(9)
    final, _ = rollout(rule, params, x0, 3, key=key)
    x = x0
    for i in range(3):
        x = rule.step(params, x, jax.random.fold_in(key, i))
    np.testing.assert_allclose(np.asarray(final), np.asarray(x), atol=1e-6)
