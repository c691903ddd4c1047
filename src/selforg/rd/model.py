"""The learned reaction-diffusion rule (Mordvintsev, Randazzo, Niklasson, "Differentiable
Programming of Reaction-Diffusion Patterns", ALIFE 2021, arXiv 2107.06862).

One step of a channel-last state ``s`` of shape ``(..., H, W, C)`` on a torus::

    s ← s + dt · (R(s) + D ⊙ m(x, y) ⊙ ∇²s)

- R: a per-cell MLP on the state alone, Linear 32→128 with bias, ReLU, Linear 128→32 without
  bias (8,320 parameters: the shapes of the authors' released weights);
- ∇²: the isotropic 9-point Laplacian ``[[1, 2, 1], [2, −12, 2], [1, 2, 1]] / 16``, summed in
  pairs that rot90 maps onto each other, so one step commutes with rot90 bit for bit;
- D: one diffusion coefficient per channel. The default is a FIXED spread, log-spaced over a
  decade (``D_i = d_min · (d_max/d_min)^(i/(C−1))``): with D fixed the rule cannot switch
  diffusion off, every channel keeps its own length scale, and the pattern's scale is set by
  D alone, so scaling D by c scales the pattern by √c (the non-uniform-diffusion result).
  ``diffusion="learned"`` makes D a parameter through softplus (32 more parameters);
- m(x, y): an optional diffusion map ``(H, W)`` given to the rollout (1 everywhere by default),
  not part of the trained model;
- no fire-rate mask: updates are synchronous and deterministic; the seed (random Gaussian blobs
  per channel) breaks the symmetry.
"""

from __future__ import annotations

import math
from typing import final

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core import grid
from selforg.core.errors import BadInput
from selforg.core.rollout import Rule

DIFFUSION_MODES = ("fixed", "learned")
# explicit Euler on the /16 stencil is stable while dt · D ≤ 2 (the stencil's spectrum is
# [−1, 0])
STABLE_DT_D = 2.0
# The seed: a blob every ~4×4 cells, narrower than the zoo patterns' period (8–9 cells), so the
# pattern nucleates everywhere at once. Sparse, wide blobs (one per 16×16) act as pacemakers:
# the pattern spreads from them as target rings that persist for thousands of steps.
SEED_PER_AREA = 1 / 16
SEED_SIGMA = (0.7, 1.5)


def laplacian(x: Float[Array, "... h w c"]) -> Float[Array, "... h w c"]:
    """The isotropic 9-point Laplacian ``[[1,2,1],[2,−12,2],[1,2,1]]/16`` on a torus.

    Opposite neighbours are added first, then the two pairs (edges: N+S and E+W; corners: the
    two diagonals): rot90 swaps the members of each sum, and float addition is commutative, so
    ``laplacian(rot90(x)) == rot90(laplacian(x))`` exactly.
    """
    h, w = x.shape[-3], x.shape[-2]
    widths = [(0, 0)] * (x.ndim - 3) + [(1, 1), (1, 1), (0, 0)]
    p = jnp.pad(x, widths, mode="wrap")

    def at(a: int, b: int) -> Array:
        return p[..., a : a + h, b : b + w, :]

    edges = (at(0, 1) + at(2, 1)) + (at(1, 0) + at(1, 2))
    corners = (at(0, 0) + at(2, 2)) + (at(0, 2) + at(2, 0))
    return (corners + 2.0 * edges - 12.0 * x) * (1.0 / 16.0)


def diffusion_spread(channels: int, d_min: float, d_max: float) -> np.ndarray:
    """Log-spaced coefficients ``(C,)`` from `d_min` (channel 0) to `d_max` (channel C−1)."""
    if channels == 1:
        return np.array([d_min], np.float32)
    return np.geomspace(d_min, d_max, channels).astype(np.float32)


def _softplus_inv(y: np.ndarray) -> np.ndarray:
    return np.log(np.expm1(y)).astype(np.float32)


def gaussian_blobs(key: jax.Array, shape: tuple[int, ...], channels: int, *,
                   per_area: float = SEED_PER_AREA,
                   sigma: tuple[float, float] = SEED_SIGMA,
                   amplitude: float = 0.25) -> Float[Array, "... h w c"]:
    """Random Gaussian blobs per channel on a torus: ``(*shape, C)`` for ``shape = (..., H, W)``.

    Each sample holds ``n = max(1, round(H·W·per_area))`` blobs; each blob has a centre, a width
    σ (uniform in `sigma`, cells) and one amplitude per channel (normal · `amplitude`), so the
    channels are different mixtures of the same blobs. Distances wrap around the torus.
    """
    *lead, h, w = shape
    n = max(1, round(h * w * per_area))
    b = int(np.prod(lead)) if lead else 1
    ky, kx, ks, ka = jax.random.split(key, 4)
    cy = jax.random.uniform(ky, (b, n, 1)) * h
    cx = jax.random.uniform(kx, (b, n, 1)) * w
    s = jax.random.uniform(ks, (b, n, 1), minval=sigma[0], maxval=sigma[1])
    amp = jax.random.normal(ka, (b, n, channels)) * amplitude

    def profile(c: Array, side: int) -> Array:
        d = jnp.abs(jnp.arange(side, dtype=jnp.float32)[None, None, :] - c)
        d = jnp.minimum(d, side - d)
        return jnp.exp(-0.5 * (d / s) ** 2)

    x = jnp.einsum("bnh,bnw,bnc->bhwc", profile(cy, h), profile(cx, w), amp)
    return x.reshape(*lead, h, w, channels)


@final
class RD(eqx.Module):
    """A learned reaction-diffusion rule: the reaction MLP and the per-channel diffusion.

    Attributes:
        w1, b1: first layer ``(C, hidden)``, ``(hidden,)``.
        w2: second layer ``(hidden, C)``, no bias; zero at the start (pure diffusion).
        d_raw: ``(C,)`` softplus-inverse of the learned coefficients; None when D is fixed.
        channels, hidden: the shapes (32, 128).
        dt: the Euler step.
        d_min, d_max: the fixed spread (also the learned D's starting point).
    """

    w1: Float[Array, "c hidden"]
    b1: Float[Array, " hidden"]
    w2: Float[Array, "hidden c"]
    d_raw: Float[Array, " c"] | None
    channels: int = eqx.field(static=True, default=32)
    hidden: int = eqx.field(static=True, default=128)
    dt: float = eqx.field(static=True, default=1.0)
    d_min: float = eqx.field(static=True, default=0.025)
    d_max: float = eqx.field(static=True, default=0.25)

    def __init__(self, *, key: jax.Array, channels: int = 32, hidden: int = 128,
                 diffusion: str = "fixed", d_min: float = 0.025, d_max: float = 0.25,
                 dt: float = 1.0):
        if diffusion not in DIFFUSION_MODES:
            raise BadInput(f"unknown diffusion {diffusion!r}; allowed: "
                           f"{', '.join(DIFFUSION_MODES)}")
        if not (0 < d_min <= d_max) or not dt > 0:
            raise BadInput(f"diffusion {d_min}..{d_max} and dt {dt}: need 0 < d_min ≤ d_max"
                           " and dt > 0")
        if dt * d_max > STABLE_DT_D:
            raise BadInput(f"dt·d_max = {dt * d_max:g} > {STABLE_DT_D:g}: the explicit step"
                           " would be unstable")
        self.channels, self.hidden, self.dt = channels, hidden, float(dt)
        self.d_min, self.d_max = float(d_min), float(d_max)
        bound = 1.0 / math.sqrt(channels)
        self.w1 = jax.random.uniform(key, (channels, hidden), jnp.float32, -bound, bound)
        self.b1 = jnp.zeros((hidden,), jnp.float32)
        self.w2 = jnp.zeros((hidden, channels), jnp.float32)
        spread = diffusion_spread(channels, d_min, d_max)
        self.d_raw = jnp.asarray(_softplus_inv(spread)) if diffusion == "learned" else None

    @property
    def diffusion_mode(self) -> str:
        return "fixed" if self.d_raw is None else "learned"

    def diffusion(self) -> Float[Array, " c"]:
        """The coefficients D ``(C,)``, all ≥ 0."""
        if self.d_raw is None:
            return jnp.asarray(diffusion_spread(self.channels, self.d_min, self.d_max))
        return jax.nn.softplus(self.d_raw)

    def reaction(self, x: Float[Array, "... h w c"]) -> Float[Array, "... h w c"]:
        """R(s): the per-cell MLP."""
        return jax.nn.relu(x @ self.w1 + grid.lift(self.b1, x.ndim)) @ self.w2

    def step(self, x: Float[Array, "... h w c"],
             dmap: Float[Array, "h w"] | float = 1.0) -> Float[Array, "... h w c"]:
        """One update; `dmap` multiplies D at every cell (a scalar or ``(H, W)``)."""
        m = jnp.asarray(dmap, x.dtype)
        m = m.reshape((1,) * x.ndim) if m.ndim == 0 else m.reshape(
            (1,) * (x.ndim - 3) + m.shape + (1,))
        d = grid.lift(self.diffusion(), x.ndim)
        return x + self.dt * (self.reaction(x) + d * m * laplacian(x))

    def seed(self, shape: tuple[int, ...], key: jax.Array) -> Float[Array, "... h w c"]:
        """Random Gaussian blobs, ``(*shape, C)`` for ``shape = (..., H, W)``."""
        return gaussian_blobs(key, shape, self.channels)

    def rgb(self, x: Float[Array, "... h w c"]) -> Float[Array, "... h w 3"]:
        """Channels 0–2 + 0.5, clipped to [0, 1] (as the texture NCA)."""
        return jnp.clip(x[..., :3] + 0.5, 0.0, 1.0)


@final
class RDRule(Rule):
    """The core `Rule` of a reaction-diffusion rollout: ``params`` is the trained `RD`.

    Attributes:
        dmap: the diffusion map m(x, y) ``(H, W)`` (or a scalar: a uniform scale of D). It is
            an input of the rollout, not of the model: the same rule runs under any map.
    """

    dmap: Float[Array, "h w"] | float = 1.0

    def step(self, params: RD, state: Array, key: jax.Array | None) -> Array:
        del key  # deterministic: no fire-rate mask
        return params.step(state, self.dmap)


def param_count(model: eqx.Module) -> int:
    """Number of learned scalars (all array leaves)."""
    leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array))
    return int(sum(leaf.size for leaf in leaves))


def check_stable(model: RD, scale: float) -> None:
    """Refuse a diffusion scale under which the explicit step is unstable.

    Raises:
        BadInput: negative scale, or ``dt · max(D) · scale > 2``.
    """
    if not scale >= 0 or not math.isfinite(scale):
        raise BadInput(f"diffusion scale {scale:g} must be a finite number ≥ 0")
    dmax = float(jnp.max(model.diffusion()))
    if model.dt * dmax * scale > STABLE_DT_D:
        limit = STABLE_DT_D / (model.dt * dmax)
        raise BadInput(f"diffusion scale {scale:g} makes the explicit step unstable"
                       f" (dt·max D·scale = {model.dt * dmax * scale:.3g} > 2); use ≤ {limit:.3g}")
