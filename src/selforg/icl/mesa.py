"""The mesa-layer: causal attention that solves a ridge regression at every time step.

von Oswald et al., "Uncovering mesa-optimization algorithms in Transformers" (2023,
arXiv 2309.05858), Sec. 5: per head,
``Phi_t = argmin_Phi 1/2 sum_{t'<=t} ||v_t' - Phi k_t'||^2 + ||Phi||^2 / (2 lam) = S_t R_t`` with
``S_t = sum v k^T`` and ``R_t = (sum k k^T + I/lam)^-1``; the output is ``P Phi_t q_t``. R_t is
updated by Sherman-Morrison in a `lax.scan`. The backward pass rebuilds R_{t-1} from R_t (and
S_{t-1} from S_t) while scanning back, so it stores no per-step state: O(1) memory in T beyond
the inputs and outputs themselves.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, PRNGKeyArray


def _sm_update(r: Array, k: Array) -> Array:
    """Sherman-Morrison: (R^-1 + k k^T)^-1 from R."""
    rk = r @ k
    return r - jnp.outer(rk, rk) / (1.0 + k @ rk)


def _forward(q, k, v, lam):
    n = k.shape[-1]
    r0 = lam * jnp.eye(n, dtype=k.dtype)
    s0 = jnp.zeros((v.shape[-1], n), k.dtype)

    def step(carry, inp):
        r, s = carry
        qt, kt, vt = inp
        r = _sm_update(r, kt)
        s = s + jnp.outer(vt, kt)
        return (r, s), s @ (r @ qt)

    (r, s), o = jax.lax.scan(step, (r0, s0), (q, k, v))
    return o, (r, s)


def mesa_attend_autodiff(q: Float[Array, "t k"], k: Float[Array, "t k"], v: Float[Array, "t v"],
                         lam: Float[Array, ""]) -> Float[Array, "t v"]:
    """``o_t = S_t R_t q_t`` by the Sherman-Morrison scan, differentiated by plain autodiff."""
    return _forward(q, k, v, lam)[0]


@jax.custom_vjp
def mesa_attend(q: Float[Array, "t k"], k: Float[Array, "t k"], v: Float[Array, "t v"],
                lam: Float[Array, ""]) -> Float[Array, "t v"]:
    """``o_t = S_t R_t q_t`` (see module doc) with an O(1)-memory custom backward.

    Args:
        q, k: (T, key) queries and keys; v: (T, value) values; lam: ridge parameter (> 0).

    Returns:
        (T, value) outputs.
    """
    return _forward(q, k, v, lam)[0]


def _fwd(q, k, v, lam):
    o, (r, s) = _forward(q, k, v, lam)
    return o, (q, k, v, r, s)


def _bwd(res, g):
    q, k, v, r_t, s_t = res
    n = k.shape[-1]

    def step(carry, inp):
        r, s, gr, gs = carry
        qt, kt, vt, gt = inp
        u = r @ qt
        gu = s.T @ gt
        gs = gs + jnp.outer(gt, u)
        gr = gr + jnp.outer(gu, qt)
        gq = r.T @ gu
        gv = gs @ kt
        gk = gs.T @ vt
        # Undo the step: R_{t-1} = R_t + R_t k k^T R_t / (1 - k^T R_t k); S_{t-1} = S_t - v k^T.
        rk = r @ kt
        r_prev = r + jnp.outer(rk, rk) / (1.0 - kt @ rk)
        s_prev = s - jnp.outer(vt, kt)
        _, pull = jax.vjp(_sm_update, r_prev, kt)
        gr_prev, gk2 = pull(gr)
        return (r_prev, s_prev, gr_prev, gs), (gq, gk + gk2, gv)

    zeros_r = jnp.zeros((n, n), k.dtype)
    zeros_s = jnp.zeros_like(s_t)
    (_, _, gr0, _), (gq, gk, gv) = jax.lax.scan(
        step, (r_t, s_t, zeros_r, zeros_s), (q, k, v, g), reverse=True)
    return gq, gk, gv, jnp.trace(gr0)


mesa_attend.defvjp(_fwd, _bwd)


def ridge_direct(q, k, v, lam) -> Float[Array, "t v"]:
    """Reference: at each t solve ``Phi_t = V_t K_t^T (K_t K_t^T + I/lam)^-1`` directly."""
    n = k.shape[-1]
    eye = (jnp.eye(n, dtype=k.dtype) / lam)[None]
    kk = jnp.cumsum(jnp.einsum("ti,tj->tij", k, k), axis=0) + eye
    vk = jnp.cumsum(jnp.einsum("ti,tj->tij", v, k), axis=0)
    z = jnp.linalg.solve(kk, q[..., None])[..., 0]
    return jnp.einsum("tij,tj->ti", vk, z)


_LAM_INIT = math.log(math.e - 1.0)  # softplus(_LAM_INIT) = 1


class MesaLayer(eqx.Module):
    """Multi-head mesa-layer with a residual connection and a learnable lambda per head.

    Attributes:
        w_q, w_k: (heads, key, dim); w_v: (heads, value, dim); proj: (heads, dim, value);
        lam_raw: (heads,) with lambda = softplus(lam_raw) (1 at init).
        custom_grad: use the O(1)-memory backward (True) or plain autodiff.
    """

    w_q: Float[Array, "h k d"]
    w_k: Float[Array, "h k d"]
    w_v: Float[Array, "h v d"]
    proj: Float[Array, "h d v"]
    lam_raw: Float[Array, " h"]
    custom_grad: bool = eqx.field(static=True, default=True)

    def __init__(self, dim: int, *, heads: int = 4, key_size: int = 20,
                 value_size: int | None = None, init_std: float = 2e-4, custom_grad: bool = True,
                 key: PRNGKeyArray):
        vs = value_size or key_size
        k1, k2, k3, k4 = jax.random.split(key, 4)
        self.w_q = init_std * jax.random.normal(k1, (heads, key_size, dim))
        self.w_k = init_std * jax.random.normal(k2, (heads, key_size, dim))
        self.w_v = init_std * jax.random.normal(k3, (heads, vs, dim))
        self.proj = init_std * jax.random.normal(k4, (heads, dim, vs))
        self.lam_raw = jnp.full((heads,), _LAM_INIT)
        self.custom_grad = custom_grad

    @property
    def lam(self) -> Float[Array, " h"]:
        return jax.nn.softplus(self.lam_raw)

    def __call__(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"] | None = None
                 ) -> Float[Array, "t d"]:
        """Apply to one sequence (t, d). The layer is causal by construction; ``mask`` is
        accepted for interface compatibility with `LSA` and ignored."""
        del mask
        q = jnp.einsum("hkd,td->htk", self.w_q, e)
        k = jnp.einsum("hkd,td->htk", self.w_k, e)
        v = jnp.einsum("hvd,td->htv", self.w_v, e)
        attend = mesa_attend if self.custom_grad else mesa_attend_autodiff
        o = jax.vmap(attend)(q, k, v, self.lam)
        return e + jnp.einsum("hdv,htv->td", self.proj, o)
