"""Gates: each relaxation equals its truth table on {0,1}; hard ≡ soft for one-hot logits."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest

from selforg.logic import gates

# (a, b) = (0,0), (0,1), (1,0), (1,1): the paper's table, written out independently.
TRUTH = {
    0: (0, 0, 0, 0), 1: (0, 0, 0, 1), 2: (0, 0, 1, 0), 3: (0, 0, 1, 1),
    4: (0, 1, 0, 0), 5: (0, 1, 0, 1), 6: (0, 1, 1, 0), 7: (0, 1, 1, 1),
    8: (1, 0, 0, 0), 9: (1, 0, 0, 1), 10: (1, 0, 1, 0), 11: (1, 0, 1, 1),
    12: (1, 1, 0, 0), 13: (1, 1, 0, 1), 14: (1, 1, 1, 0), 15: (1, 1, 1, 1),
}


@pytest.mark.parametrize("op", range(16))
def test_relaxation_matches_truth_table(op):
    assert gates.truth_table(op) == TRUTH[op]
    a = jnp.array([0.0, 0.0, 1.0, 1.0])
    b = jnp.array([0.0, 1.0, 0.0, 1.0])
    co = jnp.broadcast_to(jnp.asarray(gates.COEFFS[op]), (4, 4))
    np.testing.assert_array_equal(np.asarray(gates.apply(co, a, b)), TRUTH[op])


@pytest.mark.parametrize("op", range(16))
def test_bitwise_and_c_forms_match(op):
    a = np.array([0b0011], np.uint64)
    b = np.array([0b0101], np.uint64)
    got = int(gates.bitwise(op, a, b)[0]) & 0b1111
    # bit i of the words is the input pair (a_i, b_i): (1,1), (0,1)... read back per pair.
    want = sum(TRUTH[op][2 * ((0b0011 >> i) & 1) + ((0b0101 >> i) & 1)] << i for i in range(4))
    assert got == want
    expr = gates.C_EXPR[op].replace("~(uint64_t)0", "~0").replace("A", "x").replace("B", "y")
    assert (eval(expr, {"x": 0b0011, "y": 0b0101}) & 0b1111) == want  # noqa: S307


def test_soft_is_mixture_and_hard_is_argmax():
    rng = np.random.default_rng(0)
    logits = jnp.asarray(rng.normal(size=(5, 16)).astype(np.float32))
    p = np.exp(np.asarray(logits)) / np.exp(np.asarray(logits)).sum(-1, keepdims=True)
    for a, b in itertools.product([0.0, 0.3, 1.0], repeat=2):
        soft = gates.apply(gates.soft_coeffs(logits), jnp.full(5, a), jnp.full(5, b))
        ops = [gates.COEFFS[k] @ np.array([1, a, b, a * b]) for k in range(16)]
        np.testing.assert_allclose(np.asarray(soft), p @ np.array(ops), rtol=1e-5, atol=1e-6)
    hard = np.asarray(gates.hard_coeffs(logits))
    np.testing.assert_array_equal(hard, gates.COEFFS[np.argmax(np.asarray(logits), -1)])


def test_one_hot_soft_equals_hard():
    ops = np.arange(16)
    logits = jnp.asarray(np.eye(16, dtype=np.float32)[ops] * 1e4)
    for a, b in itertools.product([0.0, 1.0], repeat=2):
        x, y = jnp.full(16, a), jnp.full(16, b)
        soft = gates.apply(gates.soft_coeffs(logits), x, y)
        hard = gates.apply(gates.hard_coeffs(logits), x, y)
        np.testing.assert_array_equal(np.asarray(soft), np.asarray(hard))


def test_uses_and_pass_through():
    assert gates.USES[0] == (False, False) and gates.USES[15] == (False, False)
    assert gates.USES[3] == (True, False) and gates.USES[5] == (False, True)
    assert gates.USES[12] == (True, False) and gates.USES[10] == (False, True)
    assert gates.PASS_THROUGH == (3, 5)


def test_soft_gates_stay_in_unit_interval_through_deep_rollouts():
    """Soft states must not leave [0, 1]: AND-like gates square any excess, and through
    12 steps × 10 layers a 1e-3 excess (TF32 matmuls on GPUs) grew to inf."""
    import jax

    jaxpr = jax.make_jaxpr(gates.soft_coeffs)(jnp.zeros((3, 16)))
    dots = [e for e in jaxpr.jaxpr.eqns if e.primitive.name == "dot_general"]
    assert dots and all(e.params["precision"] is not None and jax.lax.Precision.HIGHEST
                        in tuple(e.params["precision"]) for e in dots)
    rng = np.random.default_rng(1)
    x = jnp.asarray(rng.random((64,)).astype(np.float32))
    for _ in range(120):  # 120 layers of random soft gates
        logits = jnp.asarray(rng.normal(size=(64, 16)).astype(np.float32) * 3)
        x = gates.apply(gates.soft_coeffs(logits), x, x[::-1])
        assert float(x.min()) >= -1e-6 and float(x.max()) <= 1 + 1e-6
