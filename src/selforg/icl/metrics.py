"""How close a trained attention model is to gradient descent (von Oswald et al., ICML 2023).

Every in-context learner here maps (context, query) to a prediction; its *implicit linear model*
for a task is the gradient of the prediction with respect to the query input x_q. Two learners
are compared on the same tasks by the loss, the mean absolute difference of their predictions
("preds diff"), the mean cosine of their implicit models ("model cos") and the mean L2 distance
between them ("model diff").
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from selforg.icl.lsa import LSA, Stack, from_products, products, regression_predict
from selforg.icl.tasks import regression_tokens

# A learner: (x_ctx (n, d), y_ctx (n,), x_q (d,)) -> prediction ().
Learner = Callable[[Array, Array, Array], Array]


def _lsa_predict(model: Stack, xc, yc, xq):
    x = jnp.concatenate([xc, xq[None]], axis=0)
    y = jnp.concatenate([yc, jnp.zeros((1,), yc.dtype)])
    return regression_predict(model, regression_tokens(x, y))


def lsa_learner(model: Stack) -> Learner:
    """The regression prediction of an LSA stack as a function of the raw task data.

    A pytree (`equinox.Partial`) holding the model's arrays, so `compare` and `learner_loss`
    compile once for every model of the same shape (each interpolated layer, say)."""
    return eqx.Partial(_lsa_predict, model)


def _preds_and_grads(learner: Learner, x, y):
    f = jax.vmap(jax.value_and_grad(learner, argnums=2))
    return f(x[:, :-1], y[:, :-1], x[:, -1])


@eqx.filter_jit
def compare(a: Learner, b: Learner, x: Float[Array, "b n1 d"], y: Float[Array, "b n1"]
            ) -> dict[str, Array]:
    """Loss of each learner and their alignment on the tasks (x, y) (query last).

    Returns:
        dict with ``loss_a``, ``loss_b``, ``preds_diff``, ``model_cos``, ``model_diff``.
    """
    pa, ga = _preds_and_grads(a, x, y)
    pb, gb = _preds_and_grads(b, x, y)
    cos = jnp.sum(ga * gb, -1) / (jnp.linalg.norm(ga, axis=-1) * jnp.linalg.norm(gb, axis=-1)
                                   + 1e-12)
    return {
        "loss_a": 0.5 * jnp.mean((pa - y[:, -1]) ** 2),
        "loss_b": 0.5 * jnp.mean((pb - y[:, -1]) ** 2),
        "preds_diff": jnp.mean(jnp.abs(pa - pb)),
        "model_cos": jnp.mean(cos),
        "model_diff": jnp.mean(jnp.linalg.norm(ga - gb, axis=-1)),
    }


@eqx.filter_jit
def learner_loss(learner: Learner, x, y) -> Float[Array, ""]:
    """``0.5 mean (prediction - y_q)^2`` over the tasks."""
    p = jax.vmap(learner)(x[:, :-1], y[:, :-1], x[:, -1])
    return 0.5 * jnp.mean((p - y[:, -1]) ** 2)


def rescaled_products(layer: LSA, dim: int) -> tuple[Array, Array, Array]:
    """``(W_KQ / beta, W_PV * beta, beta)`` with beta the mean of the first ``dim`` diagonal
    entries of the trained ``W_KQ`` (the attention products are defined up to this scale)."""
    kq, pv = products(layer)
    beta = jnp.mean(jnp.diagonal(kq[0])[:dim])
    return kq / beta, pv * beta, beta


def interpolate(trained: LSA, constructed: LSA, dim: int, alphas) -> list[LSA]:
    """Layers whose products are ``(1 - a) * constructed + a * rescaled trained`` for each a."""
    kq_t, pv_t, _ = rescaled_products(trained, dim)
    kq_c, pv_c = products(constructed)
    h = min(kq_t.shape[0], kq_c.shape[0])
    return [from_products((1 - a) * kq_c[:h] + a * kq_t[:h], (1 - a) * pv_c[:h] + a * pv_t[:h])
            for a in alphas]


def training_seconds(records: list[dict[str, float]]) -> float:
    """Wall time a run spent training, from its logged records (``elapsed_s`` per record).

    ``elapsed_s`` restarts at every resume, so the total is the sum of each segment's last
    value. Evaluating a checkpoint later (no training) leaves it unchanged.
    """
    total, last = 0.0, 0.0
    for r in records:
        e = float(r.get("elapsed_s", 0.0))
        if e < last:  # a new training segment (the run was resumed)
            total += last
        last = e
    return total + last
