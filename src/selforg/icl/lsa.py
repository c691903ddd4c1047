"""Multi-head linear self-attention (LSA) and stacks of it.

One layer (von Oswald et al., ICML 2023, eq. 7): for every token j,
``e_j <- e_j + sum_h P_h W_V,h (sum_i e_i e_i^T) W_K,h^T W_Q,h e_j`` with the sum over the
tokens i that j may see (a boolean mask). No softmax, no scaling, no bias, no LayerNorm; the
softmax variant masks logits with -inf and scales them by 1/sqrt(key size).
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from selforg.icl.precision import full_precision


def context_mask(n_tokens: int, n_ctx: int) -> Bool[Array, "t t"]:
    """``mask[j, i]``: token j sees token i iff i is a context token (i < n_ctx)."""
    return jnp.broadcast_to(jnp.arange(n_tokens)[None, :] < n_ctx, (n_tokens, n_tokens))


def causal_mask(n_tokens: int) -> Bool[Array, "t t"]:
    """``mask[j, i]``: token j sees token i iff i <= j (diagonal included)."""
    return jnp.tril(jnp.ones((n_tokens, n_tokens), dtype=bool))


@functools.partial(jax.jit, static_argnums=(1, 2))
def _variance_scaling(key: PRNGKeyArray, shape: tuple[int, ...], scale: float) -> Array:
    # Truncated-normal variance scaling (fan-in = last axis), as in the paper's code. Jitted
    # (compiled once per shape): eagerly, the truncated normal dispatches dozens of small ops.
    init = jax.nn.initializers.variance_scaling(scale, "fan_in", "truncated_normal", in_axis=-1,
                                                out_axis=-2)
    return init(key, shape)


def _init(key: PRNGKeyArray, shape: tuple[int, ...], scale: float, std: float | None) -> Array:
    if std is not None:
        return std * jax.random.normal(key, shape)
    return _variance_scaling(key, shape, scale)


class LSA(eqx.Module):
    """One multi-head (linear or softmax) self-attention layer with a residual connection.

    Attributes:
        w_q, w_k: (heads, key, dim) query and key maps.
        w_v: (heads, value, dim) value map.
        proj: (heads, dim, value) output projection P.
        softmax: use masked, scaled softmax attention instead of linear attention.
    """

    w_q: Float[Array, "h k d"]
    w_k: Float[Array, "h k d"]
    w_v: Float[Array, "h v d"]
    proj: Float[Array, "h d v"]
    softmax: bool = eqx.field(static=True, default=False)

    def __init__(self, dim: int, *, heads: int = 1, key_size: int | None = None,
                 value_size: int | None = None, softmax: bool = False, init_scale: float = 0.002,
                 init_std: float | None = None, key: PRNGKeyArray):
        """Args: dim: token size; key_size/value_size default to dim; init_scale: variance
        scaling factor (truncated normal); init_std: plain normal std instead (if given)."""
        ks = key_size or dim
        vs = value_size or dim
        k1, k2, k3, k4 = jax.random.split(key, 4)
        self.w_q = _init(k1, (heads, ks, dim), init_scale, init_std)
        self.w_k = _init(k2, (heads, ks, dim), init_scale, init_std)
        self.w_v = _init(k3, (heads, vs, dim), init_scale, init_std)
        self.proj = _init(k4, (heads, dim, vs), init_scale, init_std)
        self.softmax = softmax

    def __call__(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"]) -> Float[Array, "t d"]:
        """Apply the layer to the tokens ``e`` (t, d) of one sequence; returns (t, d)."""
        return self.attend(e, e, mask)

    @full_precision
    def attend(self, e: Float[Array, "t d"], e_q: Float[Array, "u d"],
               mask: Bool[Array, "u t"]) -> Float[Array, "u d"]:
        """The layer's output at the tokens ``e_q`` (u, d) querying the tokens ``e`` (t, d)
        (keys and values), ``mask[j, i]``: query j sees token i. ``attend(e, e, mask)`` is the
        layer; ``attend(e, e[-1:], mask[-1:])`` its output at the last token alone."""
        q = jnp.einsum("hkd,td->htk", self.w_q, e_q)
        k = jnp.einsum("hkd,td->htk", self.w_k, e)
        v = jnp.einsum("hvd,td->htv", self.w_v, e)
        a = jnp.einsum("htk,hsk->hts", q, k)
        if self.softmax:
            a = jnp.where(mask[None], a / math.sqrt(q.shape[-1]), -jnp.inf)
            a = jax.nn.softmax(a, axis=-1)
        else:
            a = jnp.where(mask[None], a, 0.0)
        out = jnp.einsum("hts,hsv->htv", a, v)
        return e_q + jnp.einsum("hdv,htv->td", self.proj, out)


@full_precision
def products(layer: LSA) -> tuple[Float[Array, "h d d"], Float[Array, "h d d"]]:
    """The products that define a linear layer: ``W_KQ = W_K^T W_Q`` and ``W_PV = P W_V``."""
    kq = jnp.einsum("hkd,hke->hde", layer.w_k, layer.w_q)
    pv = jnp.einsum("hdv,hve->hde", layer.proj, layer.w_v)
    return kq, pv


def from_products(kq: Float[Array, "h d d"], pv: Float[Array, "h d d"],
                  softmax: bool = False) -> LSA:
    """An LSA layer with the given ``W_K^T W_Q`` and ``P W_V`` (W_K = I, P = I)."""
    h, d, _ = kq.shape
    eye = jnp.broadcast_to(jnp.eye(d, dtype=kq.dtype), (h, d, d))
    layer = LSA(d, heads=h, softmax=softmax, key=jax.random.PRNGKey(0))
    return eqx.tree_at(lambda m: (m.w_q, m.w_k, m.w_v, m.proj), layer, (kq, eye, pv, eye))


class Stack(eqx.Module):
    """Layers applied in order; weight-tied when one layer is applied ``depth`` times.

    Attributes:
        layers: the distinct layers (one when tied).
        depth: how many layer applications.
    """

    layers: tuple[eqx.Module, ...]
    depth: int = eqx.field(static=True)

    def __init__(self, layers, depth: int | None = None):
        self.layers = tuple(layers)
        self.depth = depth if depth is not None else len(self.layers)

    @property
    def tied(self) -> bool:
        return len(self.layers) == 1 and self.depth > 1

    def __call__(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"]) -> Float[Array, "t d"]:
        return self.trace(e, mask)[-1]

    def layer(self, i: int) -> eqx.Module:
        """The layer applied at depth ``i`` (0-based)."""
        return self.layers[0] if len(self.layers) == 1 else self.layers[i]

    def trace(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"]) -> list[Array]:
        """Tokens after each layer: a list of depth + 1 arrays (t, d), the input first."""
        out = [e]
        for i in range(self.depth):
            out.append(self.layer(i)(out[-1], mask))
        return out

    def last_token(self, e: Float[Array, "t d"], mask: Bool[Array, "t t"]) -> Float[Array, " d"]:
        """The last token after the last layer, ``self(e, mask)[-1]``, computing that layer at
        the last token only (the layers must be `LSA` layers)."""
        for i in range(self.depth - 1):
            e = self.layer(i)(e, mask)
        return self.layer(self.depth - 1).attend(e, e[-1:], mask[-1:])[0]


def make_stack(dim: int, depth: int, *, tied: bool, key: PRNGKeyArray, **kwargs) -> Stack:
    """``depth`` LSA layers (one shared layer when ``tied``); kwargs go to `LSA`."""
    keys = jax.random.split(key, 1 if tied else depth)
    return Stack([LSA(dim, key=k, **kwargs) for k in keys], depth)


def regression_predict(model: Stack, tokens: Float[Array, "n1 d1"]) -> Float[Array, ""]:
    """Prediction for one regression task: minus the query's y-slot after the last layer."""
    mask = context_mask(tokens.shape[0], tokens.shape[0] - 1)
    return -model.last_token(tokens, mask)[-1]
