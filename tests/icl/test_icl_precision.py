"""Float32 matmuls hold inside the library, whatever precision the caller has set.

A CPU computes float32 either way, so the tests read the precision each matmul was traced
with: with the default lowered to bfloat16, every dot in the jaxpr must still say HIGHEST.
"""

import re

import jax
import jax.numpy as jnp
import pytest

import selforg.icl as icl
from selforg.icl.lsa import causal_mask
from selforg.icl.tasks import constructed_tokens, dynamics_data, regression_data, regression_tokens


@pytest.fixture
def low_precision():
    before = jax.config.jax_default_matmul_precision
    jax.config.update("jax_default_matmul_precision", "bfloat16")
    yield
    jax.config.update("jax_default_matmul_precision", before)


def _dot_precisions(fn, *args) -> list[str]:
    text = str(jax.make_jaxpr(fn)(*args))
    found = re.findall(r"dot_general\[.*?precision=([^\n]*?)\n", text, flags=re.S)
    assert found, "no matmul traced"
    return found


def _all_highest(fn, *args) -> bool:
    return all(p.count("HIGHEST") == 2 for p in _dot_precisions(fn, *args))


def test_the_check_sees_a_low_precision_matmul(low_precision):
    assert not _all_highest(lambda a: a @ a, jnp.ones((3, 3)))


def test_constructions_used_directly_run_at_highest(low_precision):
    x, y = regression_data(jax.random.PRNGKey(0), 4)
    tokens = regression_tokens(x, y)
    stack = icl.gd_stack(10, 10, [6.0, 3.0])
    assert _all_highest(lambda t: jax.vmap(lambda e: icl.regression_predict(stack, e))(t),
                        tokens)
    layer = icl.causal_gd_layer(10, 0.1)
    e = constructed_tokens(dynamics_data(jax.random.PRNGKey(1), 1, length=8))[0]
    assert _all_highest(lambda e: layer(e, causal_mask(8)), e)
    mesa = icl.MesaLayer(30, heads=2, key_size=4, key=jax.random.PRNGKey(2))
    assert _all_highest(lambda e: mesa(e), e)
    assert _all_highest(jax.grad(lambda e: jnp.sum(mesa(e))), e)  # the backward pass too
    q = jnp.ones((6, 3))
    assert _all_highest(lambda q: icl.ridge_direct(q, q, q, 1.0), q)


def test_public_functions_run_in_highest_precision(low_precision, tmp_path, monkeypatch):
    import selforg.icl.regression as regression

    seen = []
    real = regression.best_gd_eta

    def spy(*args, **kwargs):
        seen.append(jax.config.jax_default_matmul_precision)
        return real(*args, **kwargs)

    monkeypatch.setattr(regression, "best_gd_eta", spy)
    icl.gd(icl.RegressionConfig(steps=1, batch=8, eval_tasks=16), out=tmp_path / "gd")
    assert seen == ["highest"]
    assert jax.config.jax_default_matmul_precision == "bfloat16"
