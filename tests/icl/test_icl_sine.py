"""The sine-regression learners: the token (x, y) front end and the GD-on-features control."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.icl.config import SineConfig
from selforg.icl.sine_regression import FeatureGD, FeatureLSA
from selforg.icl.tasks import sine_data

CFG = SineConfig(embed=8, hidden=16)


def test_feature_lsa_embeds_tokens_and_ignores_the_query_label():
    model = FeatureLSA(CFG, key=jax.random.PRNGKey(0))
    assert model.features.embed.weight.shape == (CFG.embed, 2)  # token (x, y) -> embed
    assert model.lsa.w_q.shape == (1, CFG.embed, CFG.embed)  # key size = embed
    x, y = sine_data(jax.random.PRNGKey(1), 1)
    x, y = x[0], y[0]
    p = model(x, y)
    assert p.shape == ()
    assert model(x, y.at[-1].set(123.0)) == p  # the query's label is never seen
    assert model(x, y.at[0].add(1.0)) != p  # a context label is


def test_feature_gd_is_one_gd_step_on_the_features():
    w0 = jax.random.normal(jax.random.PRNGKey(3), (CFG.embed,))  # a non-zero start
    model = eqx.tree_at(lambda m: m.w0, FeatureGD(CFG, key=jax.random.PRNGKey(2)), w0)
    x, y = sine_data(jax.random.PRNGKey(4), 1)
    x, y = np.asarray(x[0], np.float64), np.asarray(y[0], np.float64)
    phi = np.asarray(model.features(jnp.asarray(x)[:, None]), np.float64)
    w = np.asarray(w0, np.float64)
    grad = phi[:-1].T @ (phi[:-1] @ w - y[:-1]) / (len(x) - 1)
    expected = (w - CFG.eta_gd * grad) @ phi[-1]
    np.testing.assert_allclose(float(model(jnp.asarray(x), jnp.asarray(y))), expected,
                               rtol=1e-4, atol=1e-5)
