"""The mesa-layer: causal attention that solves a ridge regression at every time step.

von Oswald et al., "Uncovering mesa-optimization algorithms in Transformers" (2023,
arXiv 2309.05858), Sec. 5: per head,
``Phi_t = argmin_Phi 1/2 sum_{t'<=t} ||v_t' - Phi k_t'||^2 + ||Phi||^2 / (2 lam) = S_t R_t`` with
``S_t = sum v k^T`` and ``R_t = (sum k k^T + I/lam)^-1``; the output is ``P Phi_t q_t``. R_t is
updated by Sherman-Morrison in a `lax.scan`, run in rematerialised chunks of about sqrt(T)
steps, so the backward pass keeps O(sqrt(T)) states rather than T. An O(1)-memory backward that
rebuilds R_{t-1} from R_t by the inverse Sherman-Morrison update (dividing by 1 - k^T R_t k) is
not used: once trained keys grow (k^T R k >> 1) its gradients lose every digit in float32, and a
paper-size run (batch 256) diverged at step 16,825 with it.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from selforg.icl.precision import full_precision


def _sm_update(r: Array, k: Array) -> Array:
    """Sherman-Morrison: (R^-1 + k k^T)^-1 from R."""
    rk = r @ k
    return r - jnp.outer(rk, rk) / (1.0 + k @ rk)


def _initial(k, v, lam):
    n = k.shape[-1]
    return lam * jnp.eye(n, dtype=k.dtype), jnp.zeros((v.shape[-1], n), k.dtype)


def _step(carry, inp):
    r, s = carry
    qt, kt, vt = inp
    r = _sm_update(r, kt)
    s = s + jnp.outer(vt, kt)
    return (r, s), s @ (r @ qt)


@full_precision
def mesa_attend_autodiff(q: Float[Array, "t k"], k: Float[Array, "t k"], v: Float[Array, "t v"],
                         lam: Float[Array, ""]) -> Float[Array, "t v"]:
    """``o_t = S_t R_t q_t`` by the Sherman-Morrison scan, differentiated by plain autodiff
    (stores R_t and S_t at every step: O(T) memory)."""
    return jax.lax.scan(_step, _initial(k, v, lam), (q, k, v))[1]


@full_precision
def mesa_attend(q: Float[Array, "t k"], k: Float[Array, "t k"], v: Float[Array, "t v"],
                lam: Float[Array, ""]) -> Float[Array, "t v"]:
    """``o_t = S_t R_t q_t`` (see module doc), with O(sqrt(T)) memory in the backward pass.

    The scan runs in chunks of about sqrt(T) steps; only the (R, S) carried between chunks is
    kept, and each chunk is recomputed during the backward pass, so the gradients are those of
    `mesa_attend_autodiff` exactly.

    Args:
        q, k: (T, key) queries and keys; v: (T, value) values; lam: ridge parameter (> 0).

    Returns:
        (T, value) outputs.
    """
    t = k.shape[0]
    c = max(1, math.isqrt(t))
    pad = (-t) % c
    if pad:  # zero keys at the end leave R and S (and so every earlier output) unchanged
        q, k, v = (jnp.pad(x, ((0, pad), (0, 0))) for x in (q, k, v))

    def chunks(x):
        return x.reshape((-1, c) + x.shape[1:])

    @jax.checkpoint
    def run_chunk(carry, inp):
        return jax.lax.scan(_step, carry, inp)

    _, o = jax.lax.scan(run_chunk, _initial(k, v, lam), (chunks(q), chunks(k), chunks(v)))
    return o.reshape(-1, o.shape[-1])[:t]


@full_precision
def mesa_attend_without_latest_pair(q: Float[Array, "t k"], k: Float[Array, "t k"],
                                    v: Float[Array, "t v"], lam: Float[Array, ""]
                                    ) -> Float[Array, "t v"]:
    """``o_t = S_{t-1} R_{t-1} q_t``: the ridge solve on the pairs before t, the current
    key/value pair left out (for evaluation; see `MesaLayer.without_latest_pair`)."""

    def step(carry, inp):
        r, s = carry
        return _step(carry, inp)[0], s @ (r @ inp[0])

    return jax.lax.scan(step, _initial(k, v, lam), (q, k, v))[1]


@full_precision
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
        custom_grad: rematerialised chunks, O(sqrt(T)) memory (True), or plain autodiff.
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
        return self._apply(e, mesa_attend if self.custom_grad else mesa_attend_autodiff)

    def without_latest_pair(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"] | None = None
                            ) -> Float[Array, "t d"]:
        """The layer with each step's own key/value pair left out of its ridge solve: the
        convention under which the paper's ridge baseline comes out (0.211 rather than 0.187),
        so the paper's mesa-layer number is compared under it too."""
        del mask
        return self._apply(e, mesa_attend_without_latest_pair)

    @full_precision
    def _apply(self, e, attend):
        q = jnp.einsum("hkd,td->htk", self.w_q, e)
        k = jnp.einsum("hkd,td->htk", self.w_k, e)
        v = jnp.einsum("hvd,td->htv", self.w_v, e)
        o = jax.vmap(attend)(q, k, v, self.lam)
        return e + jnp.einsum("hdv,htv->td", self.proj, o)
