"""Baselines written on the data directly: gradient descent, GD++, ridge least squares.

These are the references the attention constructions are tested against (von Oswald et al.,
ICML 2023, arXiv 2212.07677; and 2023, arXiv 2309.05858 for the sequence baselines).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.icl.precision import full_precision


@full_precision
def gdpp_predict(x: Float[Array, "n d"], y: Float[Array, " n"], xq: Float[Array, " d"],
                 etas: Float[Array, " k"], gammas: Float[Array, " k"] | None = None
                 ) -> Float[Array, ""]:
    """K steps of GD (GD++ when ``gammas`` given) on ``L(W) = 1/(2N) sum (W x_i - y_i)^2``.

    Starts at W = 0. In step k the residuals r_i = y_i - W x_i move by one GD step on the
    current inputs, then GD++ transforms every input ``x <- (I - gamma_k X^T X) x`` (the query
    too). Returns the prediction ``W_K x_q`` at the (transformed) query. Without ``gammas``
    (plain GD) the inputs stay as they are and no ``X^T X`` is formed.
    """
    n = x.shape[0]
    etas = jnp.atleast_1d(etas)
    gammas = None if gammas is None else jnp.atleast_1d(gammas)
    r, pred = y, jnp.zeros((), x.dtype)
    for k in range(etas.shape[0]):
        g = etas[k] / n * (r @ x)  # the GD step taken by W (with r the current residuals)
        r = r - x @ g
        pred = pred + g @ xq
        if gammas is not None:
            c = x.T @ x
            x = x - gammas[k] * x @ c
            xq = xq - gammas[k] * c @ xq
    return pred


def gd_predict(x, y, xq, eta: float, steps: int = 1) -> Float[Array, ""]:
    """``steps`` plain GD steps of size ``eta`` from W = 0 on one task (x (n, d), y (n,))."""
    return gdpp_predict(x, y, xq, jnp.full((steps,), eta))


@full_precision
def ridge_predict(x, y, xq, lam: float = 1e-6) -> Float[Array, ""]:
    """Ridge least squares ``argmin_W sum (W x_i - y_i)^2 + lam ||W||^2`` evaluated at x_q."""
    d = x.shape[1]
    w = jnp.linalg.solve(x.T @ x + lam * jnp.eye(d, dtype=x.dtype), x.T @ y)
    return w @ xq


def batch_loss(pred_fn, x: Float[Array, "b n1 d"], y: Float[Array, "b n1"]) -> Float[Array, ""]:
    """``0.5 mean (pred - y_q)^2`` of ``pred_fn(x_ctx, y_ctx, x_q)`` over a batch of tasks."""
    preds = jax.vmap(pred_fn)(x[:, :-1], y[:, :-1], x[:, -1])
    return 0.5 * jnp.mean((preds - y[:, -1]) ** 2)


def line_search(loss_of, lo: float = 1e-3, hi: float = 25.0, points: int = 200,
                rounds: int = 3) -> tuple[float, float]:
    """Minimise a scalar function on [lo, hi): a grid, then finer grids around the best.

    Args:
        loss_of: ``eta (array of candidates) -> losses (same shape)``, vectorised.

    Returns:
        (best eta, its loss).
    """
    a, b = lo, hi
    best = (lo, float("inf"))
    for _ in range(rounds):
        grid = np.linspace(a, b, points, endpoint=False)
        losses = np.asarray(loss_of(jnp.asarray(grid, jnp.float32)))
        i = int(np.nanargmin(losses))
        if losses[i] < best[1]:
            best = (float(grid[i]), float(losses[i]))
        step = (b - a) / points
        a, b = max(lo, grid[i] - step), min(hi, grid[i] + step)
    return best


def best_gd_eta(x, y, steps: int = 1, lo: float = 1e-3, hi: float = 25.0) -> tuple[float, float]:
    """Line search for the GD step size minimising the K-step GD loss on tasks (x, y)."""

    @jax.jit
    def losses(etas, x, y):
        return jax.lax.map(
            lambda e: batch_loss(lambda a, b, c: gd_predict(a, b, c, e, steps), x, y), etas)

    return line_search(lambda etas: losses(etas, x, y), lo, hi)


# ---- sequence baselines (one trajectory each; vmap over a batch) -------------------------

@full_precision
def seq_gd1_predict(s: Float[Array, "t1 d"], eta: float) -> Float[Array, "t d"]:
    """One GD step from Phi = 0 on ``L_t`` for every t: ``eta sum_{t'<=t} s_t' s_{t'-1}^T s_t``.

    Args:
        s: (T + 1, d) the states s_1 .. s_{T+1}.

    Returns:
        (T, d) the predictions of s_2 .. s_{T+1}.
    """
    cur = s[:-1]
    prev = jnp.concatenate([jnp.zeros_like(cur[:1]), cur[:-1]])
    phi = jnp.cumsum(jnp.einsum("ti,tj->tij", cur, prev), axis=0)
    return eta * jnp.einsum("tij,tj->ti", phi, cur)


@full_precision
def seq_ridge_predict(s: Float[Array, "t1 d"], lam: float = 1e-3, lag: int = 0
                      ) -> Float[Array, "t d"]:
    """Ridge least squares on the pairs seen so far.

    ``Phi_t = (sum_{t'<=t-lag} s_t' s_{t'-1}^T)(sum s_{t'-1} s_{t'-1}^T + lam I)^-1``; predicts
    ``Phi_t s_t`` for t = 1..T from s (T + 1, d). ``lag = 0`` uses every transition up to
    s_{t-1} -> s_t; ``lag = 1`` leaves out that most recent one (the convention that gives the
    paper's ridge number, see `selforg.icl.sequence.baselines`).
    """
    cur = s[:-1]
    prev = jnp.concatenate([jnp.zeros_like(cur[:1]), cur[:-1]])
    sv = jnp.cumsum(jnp.einsum("ti,tj->tij", cur, prev), axis=0)
    sk = jnp.cumsum(jnp.einsum("ti,tj->tij", prev, prev), axis=0)
    if lag:
        sv = jnp.concatenate([jnp.zeros_like(sv[:lag]), sv[:-lag]])
        sk = jnp.concatenate([jnp.zeros_like(sk[:lag]), sk[:-lag]])
    d = s.shape[-1]
    # Phi_t s_t = sv_t (sk_t + lam I)^-1 s_t
    z = jnp.linalg.solve(sk + lam * jnp.eye(d, dtype=s.dtype)[None], cur[..., None])[..., 0]
    return jnp.einsum("tij,tj->ti", sv, z)


def seq_losses(pred: Float[Array, "b t d"], s: Float[Array, "b t1 d"]) -> Float[Array, " t"]:
    """Per-time-step loss ``0.5 ||s_{t+1} - pred_t||^2`` averaged over the batch: (T,)."""
    return 0.5 * jnp.mean(jnp.sum((s[:, 1:] - pred) ** 2, axis=-1), axis=0)


def best_seq_gd_eta(s: Float[Array, "b t1 d"], lo: float = 1e-3, hi: float = 1.0
                    ) -> tuple[float, float]:
    """Line search for the step size of the causal GD-1 baseline (mean loss over t)."""

    @jax.jit
    def losses(etas, s):
        def one(e):
            return jnp.mean(seq_losses(jax.vmap(lambda q: seq_gd1_predict(q, e))(s), s))

        return jax.lax.map(one, etas)

    return line_search(lambda etas: losses(etas, s), lo, hi, points=100)
