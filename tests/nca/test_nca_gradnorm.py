"""Per-parameter gradient normalisation and the per-sample backward normalisation."""

import jax
import jax.numpy as jnp
import numpy as np

from selforg.nca.gradnorm import normalize_backward, normalize_per_param


def test_per_param_norms_are_one():
    g = {"a": jnp.array([3.0, 4.0]), "b": jnp.ones((2, 2)) * 2.0}
    n = normalize_per_param(g)
    np.testing.assert_allclose(np.asarray(n["a"]), [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(float(jnp.linalg.norm(n["b"])), 1.0, rtol=1e-6)


def test_custom_vjp_identity_forward_per_sample_unit_backward():
    x = jax.random.normal(jax.random.PRNGKey(0), (3, 4, 5))
    np.testing.assert_array_equal(np.asarray(normalize_backward(x)), np.asarray(x))
    g = jnp.stack([jnp.full((4, 5), 2.0), jnp.zeros((4, 5)), jnp.arange(20.0).reshape(4, 5)])
    _, vjp = jax.vjp(normalize_backward, x)
    (out,) = vjp(g)
    want = np.asarray(g) / (np.linalg.norm(np.asarray(g).reshape(3, -1), axis=1) + 1e-8)[
        :, None, None
    ]
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-6)
    assert np.all(np.asarray(out[1]) == 0.0)  # a zero gradient stays zero (no NaN)
    # through a function: d/dx sum(c·normalize(x)) = c / ‖c‖ per sample
    c = jnp.stack([jnp.full((4, 5), 7.0)] * 3)
    grad = jax.grad(lambda x: jnp.sum(c * normalize_backward(x)))(x)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(grad).reshape(3, -1), axis=1), 1.0,
                               rtol=1e-6)
