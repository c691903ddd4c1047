"""The GD constructions equal explicit gradient descent; metrics of a model vs itself."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.icl.construct import causal_gd_layer, gd_stack
from selforg.icl.lsa import causal_mask, from_products, products, regression_predict
from selforg.icl.metrics import compare, interpolate, lsa_learner, rescaled_products
from selforg.icl.solvers import (
    gd_predict,
    gdpp_predict,
    ridge_predict,
    seq_gd1_predict,
    seq_ridge_predict,
)
from selforg.icl.tasks import constructed_tokens, dynamics_data, regression_data, regression_tokens


def numpy_gd(x, y, xq, etas):
    """Plain GD on W for L(W) = 1/(2N) sum (W x - y)^2, float64, from W = 0."""
    x, y, xq = (np.asarray(a, np.float64) for a in (x, y, xq))
    w = np.zeros(x.shape[1])
    for eta in etas:
        w = w - eta * (x @ w - y) @ x / len(y)
    return w @ xq


@eqx.filter_jit
def construct_preds(model, x, y):
    return jax.vmap(lambda t: regression_predict(model, t))(regression_tokens(x, y))


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**30), eta=st.floats(0.1, 10.0), k=st.sampled_from([1, 3]))
def test_k_layer_construction_is_k_gd_steps(seed, eta, k):
    x, y = regression_data(jax.random.PRNGKey(seed), 16)
    etas = [eta * (0.8**i) for i in range(k)]
    preds = construct_preds(gd_stack(10, 10, etas), x, y)
    ref = [numpy_gd(x[b, :-1], y[b, :-1], x[b, -1], etas) for b in range(16)]
    np.testing.assert_allclose(np.asarray(preds), ref, rtol=1e-4, atol=1e-5)


def test_one_layer_is_one_gd_step_and_tied_equals_untied():
    x, y = regression_data(jax.random.PRNGKey(3), 32)
    p1 = construct_preds(gd_stack(10, 10, [6.0]), x, y)
    ref = jax.vmap(lambda a, b, c: gd_predict(a, b, c, 6.0))(x[:, :-1], y[:, :-1], x[:, -1])
    np.testing.assert_allclose(p1, ref, rtol=1e-5, atol=1e-6)
    tied = construct_preds(gd_stack(10, 10, [2.0, 2.0, 2.0], tied=True), x, y)
    untied = construct_preds(gd_stack(10, 10, [2.0, 2.0, 2.0]), x, y)
    assert gd_stack(10, 10, [2.0] * 3, tied=True).tied
    np.testing.assert_array_equal(tied, untied)


def numpy_gdpp(x, y, xq, etas, gammas):
    x, y, xq = (np.asarray(a, np.float64) for a in (x, y, xq))
    pred, r = 0.0, y.copy()
    for eta, gamma in zip(etas, gammas, strict=True):
        dw = eta / len(y) * r @ x
        r, pred = r - x @ dw, pred + dw @ xq
        c = x.T @ x
        x, xq = x - gamma * x @ c, xq - gamma * c @ xq
    return pred


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**30), gamma=st.floats(0.0, 0.3))
def test_gdpp_construction(seed, gamma):
    x, y = regression_data(jax.random.PRNGKey(seed), 16)
    etas, gammas = [8.0, 5.0, 3.0], [gamma, 0.5 * gamma, 0.1]
    preds = construct_preds(gd_stack(10, 10, etas, gammas), x, y)
    ref = jax.jit(jax.vmap(lambda a, b, c, e, g: gdpp_predict(a, b, c, e, g),
                           in_axes=(0, 0, 0, None, None)))(
        x[:, :-1], y[:, :-1], x[:, -1], jnp.array(etas), jnp.array(gammas))
    np.testing.assert_allclose(preds, ref, rtol=1e-4, atol=1e-5)
    ref64 = [numpy_gdpp(x[b, :-1], y[b, :-1], x[b, -1], etas, gammas) for b in range(16)]
    np.testing.assert_allclose(preds, ref64, rtol=1e-4, atol=1e-5)


def test_gdpp_with_zero_gamma_is_gd():
    x, y = regression_data(jax.random.PRNGKey(5), 8)
    a = construct_preds(gd_stack(10, 10, [4.0, 4.0], [0.0, 0.0]), x, y)
    b = construct_preds(gd_stack(10, 10, [4.0, 4.0]), x, y)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_metrics_of_construction_vs_itself():
    x, y = regression_data(jax.random.PRNGKey(1), 256)
    f = lsa_learner(gd_stack(10, 10, [6.0]))
    m = compare(f, f, x, y)
    assert float(m["model_cos"]) == np.float32(1.0) or abs(float(m["model_cos"]) - 1) < 1e-6
    assert float(m["model_diff"]) == 0.0
    assert float(m["preds_diff"]) == 0.0
    assert float(m["loss_a"]) == float(m["loss_b"])
    # the implicit linear model of one GD step is eta/N sum y_i x_i
    g = jax.grad(f, argnums=2)(x[0, :-1], y[0, :-1], x[0, -1])
    np.testing.assert_allclose(g, 6.0 / 10 * y[0, :-1] @ x[0, :-1], rtol=1e-5)
    # and vs plain GD: identical up to float error
    m2 = compare(f, lambda a, b, c: gd_predict(a, b, c, 6.0), x, y)
    assert float(m2["model_cos"]) > 1 - 1e-6 and float(m2["model_diff"]) < 1e-5


def test_interpolation_endpoints_and_rescaling():
    a = gd_stack(10, 10, [6.0]).layers[0]
    b = gd_stack(10, 10, [3.0]).layers[0]
    # a trained layer is only defined up to W_KQ -> W_KQ / beta, W_PV -> beta W_PV
    scaled = from_products(2.5 * products(b)[0], products(b)[1] / 2.5)
    kq_t, pv_t, beta = rescaled_products(scaled, 10)
    assert abs(float(beta) - 2.5) < 1e-6
    np.testing.assert_allclose(kq_t, products(b)[0], atol=1e-6)
    np.testing.assert_allclose(pv_t, products(b)[1], atol=1e-6)
    l0, lmid, l1 = interpolate(scaled, a, 10, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(products(l0)[1], products(a)[1], atol=1e-7)
    np.testing.assert_allclose(products(l1)[1], products(b)[1], atol=1e-7)
    # halfway between eta 6 and eta 3 is eta 4.5
    np.testing.assert_allclose(products(lmid)[1], products(gd_stack(10, 10, [4.5]).layers[0])[1],
                               atol=1e-6)


def test_ridge_solves_noiseless_regression():
    x, y = regression_data(jax.random.PRNGKey(4), 4, n_ctx=20)
    p = jax.jit(jax.vmap(lambda a, b, c: ridge_predict(a, b, c, 1e-8)))(x[:, :-1], y[:, :-1],
                                                                         x[:, -1])
    np.testing.assert_allclose(p, y[:, -1], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("lag", [0, 1, 3])
def test_sequence_ridge_uses_exactly_the_transitions_before_the_lag(lag):
    s = np.asarray(dynamics_data(jax.random.PRNGKey(2), 1, length=14)[0], np.float64)
    lam = 0.05
    pred = np.asarray(jax.jit(seq_ridge_predict, static_argnums=2)(jnp.asarray(s), lam, lag))
    for t in range(s.shape[0] - 1):  # predicts s[t + 1] from the pairs (s[i], s[i + 1])
        n = max(t - lag, 0)
        x, y = s[:n], s[1 : n + 1]
        phi = np.linalg.solve(x.T @ x + lam * np.eye(s.shape[1]), x.T @ y).T
        np.testing.assert_allclose(pred[t], phi @ s[t], rtol=1e-4, atol=1e-5)


def test_causal_gd_construction_is_one_gd_step_per_time():
    s = dynamics_data(jax.random.PRNGKey(0), 4, length=12)
    layer = causal_gd_layer(10, 0.07)
    out = jax.jit(jax.vmap(lambda e: layer(e, causal_mask(12))))(constructed_tokens(s))
    ref = jax.jit(jax.vmap(lambda q: seq_gd1_predict(q, 0.07)))(s)
    np.testing.assert_allclose(out[..., :10], ref, rtol=1e-4, atol=1e-5)
    # explicit: Phi_1 = eta sum_{t'<=t} s_t' s_{t'-1}^T  (s_0 = 0)
    s0 = np.asarray(s[0], np.float64)
    t = 7
    phi = 0.07 * sum(np.outer(s0[i], s0[i - 1]) for i in range(1, t + 1))
    np.testing.assert_allclose(out[0, t, :10], phi @ s0[t], rtol=1e-4, atol=1e-5)
