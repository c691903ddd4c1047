"""Weights that make linear self-attention do gradient descent.

von Oswald et al., ICML 2023 (arXiv 2212.07677), Prop. 1: with tokens ``(x_i, y_i)``,
``W_K = W_Q = [[I_x, 0], [0, 0]]``, ``W_V = [[0, 0], [W_0, -I_y]]`` and ``P = (eta/N) I`` one
layer turns the query's y-slot into ``-(W_0 - eta grad L(W_0)) x_q`` (from W_0 = 0: minus the
GD-1 prediction) and every context y-slot into the new residual, so K layers are K GD steps.
GD++ adds ``-gamma X X^T`` on the x-slots (a curvature correction).

The causal construction (von Oswald et al. 2023, arXiv 2309.05858) does one GD step on
``L_t(Phi) = sum_{t'<=t} 1/2 ||s_{t'} - Phi s_{t'-1}||^2`` for all t at once with tokens
``[Phi_0 s_t, s_t, s_{t-1}]``.
"""

from __future__ import annotations

import jax.numpy as jnp
from jaxtyping import Array, Float

from selforg.icl.lsa import LSA, Stack, from_products
from selforg.icl.precision import full_precision


@full_precision
def gd_products(dim: int, eta: float, n_ctx: int, *, gamma: float = 0.0,
                w0: Float[Array, " dim"] | None = None) -> tuple[Array, Array]:
    """``W_K^T W_Q`` and ``P W_V`` (each (1, dim+1, dim+1)) of one GD (or GD++) step.

    Args:
        dim: input dimension d (tokens have d + 1 entries).
        eta: GD step size (divided by ``n_ctx`` as the loss is a mean over the context).
        n_ctx: N, context points.
        gamma: GD++ curvature step (x <- (I - gamma X X^T) x); 0 gives plain GD.
        w0: the starting linear model (default 0).
    """
    d1 = dim + 1
    kq = jnp.zeros((d1, d1)).at[:dim, :dim].set(jnp.eye(dim))
    w_v = jnp.zeros((d1, d1)).at[dim, dim].set(-1.0)
    w_v = w_v.at[:dim, :dim].set(jnp.eye(dim) if gamma else 0.0)
    if w0 is not None:
        w_v = w_v.at[dim, :dim].set(w0)
    p = jnp.zeros((d1, d1)).at[dim, dim].set(eta / n_ctx)
    p = p.at[:dim, :dim].set(-gamma * jnp.eye(dim))
    return kq[None], (p @ w_v)[None]


def gd_layer(dim: int, eta: float, n_ctx: int, *, gamma: float = 0.0) -> LSA:
    """An LSA layer whose forward pass is one GD (GD++ when ``gamma`` > 0) step."""
    return from_products(*gd_products(dim, eta, n_ctx, gamma=gamma))


def gd_stack(dim: int, n_ctx: int, etas, gammas=None, *, tied: bool = False) -> Stack:
    """K constructed layers, one GD(++) step each, with per-layer ``etas``/``gammas`` (K,).

    With ``tied`` the first (eta, gamma) is used for all ``len(etas)`` layers.
    """
    etas = [float(e) for e in jnp.atleast_1d(jnp.asarray(etas))]
    gammas = [0.0] * len(etas) if gammas is None else [float(g) for g in jnp.atleast_1d(
        jnp.asarray(gammas))]
    if tied:
        return Stack([gd_layer(dim, etas[0], n_ctx, gamma=gammas[0])], len(etas))
    return Stack([gd_layer(dim, e, n_ctx, gamma=g) for e, g in zip(etas, gammas, strict=True)])


def causal_gd_products(dim: int, eta: float,
                       phi0: Float[Array, "d d"] | None = None) -> tuple[Array, Array]:
    """The causal one-step GD construction on tokens ``[Phi_0 s_t, s_t, s_{t-1}]`` (3 dim).

    ``P W_V`` writes ``eta (s_t' - Phi_0 s_{t'-1})`` into the first slot; ``W_K^T W_Q`` pairs the
    key slot 3 (s_{t'-1}) with the query slot 2 (s_t). Returns (1, 3d, 3d) each.
    """
    d3 = 3 * dim
    phi0 = jnp.zeros((dim, dim)) if phi0 is None else phi0
    kq = jnp.zeros((d3, d3)).at[2 * dim:, dim:2 * dim].set(jnp.eye(dim))
    pv = jnp.zeros((d3, d3)).at[:dim, dim:2 * dim].set(eta * jnp.eye(dim))
    pv = pv.at[:dim, 2 * dim:].set(-eta * phi0)
    return kq[None], pv[None]


def causal_gd_layer(dim: int, eta: float, phi0: Float[Array, "d d"] | None = None) -> LSA:
    """An LSA layer (causal mask) whose first slot becomes ``(Phi_0 - eta grad L_t) s_t``."""
    return from_products(*causal_gd_products(dim, eta, phi0))
