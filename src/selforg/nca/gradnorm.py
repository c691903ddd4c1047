"""Gradient normalisations used to train NCA through long rollouts.

- `normalize_per_param`: each parameter tensor's gradient divided by its norm, g/(‖g‖+1e-8)
  (Mordvintsev et al., "Growing Neural Cellular Automata", Distill 2020).
- `normalize_backward`: identity in the forward pass; in the backward pass the cotangent of each
  batch element is divided by its norm, applied to the state after every step of a μNCA rollout
  (Mordvintsev & Niklasson, "μNCA", arXiv 2111.13545), so no step's gradient explodes or vanishes.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

EPS = 1e-8


def normalize_per_param(grads: Any) -> Any:
    """Divide every array leaf of a gradient pytree by its own L2 norm (+1e-8)."""
    return jax.tree_util.tree_map(lambda g: g / (jnp.linalg.norm(g.ravel()) + EPS), grads)


@jax.custom_vjp
def normalize_backward(x: Float[Array, "b ..."]) -> Float[Array, "b ..."]:
    """Identity forward; backward maps the cotangent g to g[i]/(‖g[i]‖+1e-8) per batch element."""
    return x


def _fwd(x: Array) -> tuple[Array, None]:
    return x, None


def _bwd(_: None, g: Array) -> tuple[Array]:
    axes = tuple(range(1, g.ndim))
    norm = jnp.sqrt(jnp.sum(g * g, axis=axes, keepdims=True))
    return (g / (norm + EPS),)


normalize_backward.defvjp(_fwd, _bwd)
