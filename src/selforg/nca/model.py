"""The three NCA rules: growing (Mordvintsev et al., Distill 2020), texture (Niklasson et al.,
Distill 2021) and μNCA (Mordvintsev & Niklasson, arXiv 2111.13545).

Each model is a final Equinox module under the abstract `NCA`: array leaves for its parameters,
static fields for its shape, and what a rollout and the damage experiment need — ``step(x,
key, angle)`` advances a channel-last state ``(..., H, W, C)`` by one update, ``seed`` makes
the initial state, ``rgb`` the picture, ``erased`` the state a cell takes when erased.
"""

from __future__ import annotations

import abc
import math
from typing import final

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core import grid
from selforg.core.errors import BadInput

# μNCA variants: the filter of each channel, in channel order.
MICRO_FILTERS: dict[str, tuple[str, ...]] = {
    "micro-68": ("lap", "lap", "sobel_x", "sobel_y"),
    "micro-150": ("lap",) * 2 + ("sobel_x",) * 2 + ("sobel_y",) * 2,
    "micro-264": ("lap",) * 4 + ("sobel_x",) * 2 + ("sobel_y",) * 2,
    "micro-588": ("lap",) * 4 + ("sobel_x",) * 4 + ("sobel_y",) * 4,
}
TEXTURE_MODELS = (*MICRO_FILTERS, "texture")


def _dense_init(key: jax.Array, fan_in: int, fan_out: int) -> Array:
    # PyTorch's default for a 1×1 conv: U(−1/√fan_in, 1/√fan_in).
    bound = 1.0 / math.sqrt(fan_in)
    return jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -bound, bound)


def _mlp(p: Array, w1: Array, b1: Array, w2: Array, b2: Array) -> Array:
    h = jax.nn.relu(p @ w1 + grid.lift(b1, p.ndim))
    return h @ w2 + grid.lift(b2, p.ndim)


def param_count(model: eqx.Module) -> int:
    """Number of learned scalars (all array leaves)."""
    leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array))
    return int(sum(leaf.size for leaf in leaves))


class NCA(eqx.Module):
    """A neural cellular automaton's rule (abstract): what rollouts, damage and pictures use.

    Subclasses are final (`GrowingNCA`, `TextureNCA`, `MicroNCA`): they implement every method
    here and override nothing concrete, so code that runs a model never asks which one it has.
    """

    channels: eqx.AbstractVar[int]

    @abc.abstractmethod
    def step(self, x: Float[Array, "... h w c"], key: jax.Array,
             angle: float = 0.0) -> Float[Array, "... h w c"]:
        """One update of ``(..., H, W, C)``; `angle` (radians) rotates the perception. The
        stochastic rules draw their fire-rate mask from `key`."""

    @abc.abstractmethod
    def seed(self, shape: tuple[int, ...], key: jax.Array | None = None) -> Array:
        """The initial state ``(*shape, C)`` for ``shape = (..., H, W)``."""

    @abc.abstractmethod
    def erased(self, shape: tuple[int, ...], key: jax.Array) -> Array:
        """What erased cells become, ``(*shape, C)``: the damage experiment's fill."""

    @abc.abstractmethod
    def rgb(self, x: Float[Array, "... h w c"]) -> Float[Array, "... h w 3"]:
        """The picture of a state, in [0, 1]."""


@final
class GrowingNCA(NCA):
    """16 channels (RGBA + 12 hidden); perception id, Sobel_x, Sobel_y (48 features);
    rule 48→128 ReLU → 16 with the last layer zero-initialised; alive masking. 8,336 params."""

    w1: Float[Array, "48 128"]
    b1: Float[Array, " 128"]
    w2: Float[Array, "128 16"]
    b2: Float[Array, " 16"]
    fire_rate: float = eqx.field(static=True, default=0.5)
    channels: int = eqx.field(static=True, default=16)

    def __init__(self, *, key: jax.Array, channels: int = 16, hidden: int = 128,
                 fire_rate: float = 0.5):
        self.channels, self.fire_rate = channels, fire_rate
        self.w1 = _dense_init(key, 3 * channels, hidden)
        self.b1 = jnp.zeros((hidden,), jnp.float32)
        self.w2 = jnp.zeros((hidden, channels), jnp.float32)  # "do nothing" at the start
        self.b2 = jnp.zeros((channels,), jnp.float32)

    def step(self, x: Float[Array, "... h w c"], key: jax.Array, angle: float = 0.0) -> Array:
        """One stochastic update of a state ``(..., H, W, 16)`` (the fire-rate mask from
        `key`)."""
        pre = grid.alive_mask(x)
        p = grid.perceive(x, grid.kernel_bank(("id", "sobel_x", "sobel_y"), angle), "zero")
        ds = _mlp(p, self.w1, self.b1, self.w2, self.b2)
        x = x + ds * grid.update_mask(key, x.shape[:-1], self.fire_rate)
        post = grid.alive_mask(x)
        return x * pre * post

    def seed(self, shape: tuple[int, ...], key: jax.Array | None = None) -> Array:
        """Zeros with alpha and hidden channels = 1 at the centre; shape ``(..., H, W)``."""
        del key
        x = jnp.zeros((*shape, self.channels), jnp.float32)
        h, w = shape[-2], shape[-1]
        return x.at[..., h // 2, w // 2, 3:].set(1.0)

    def erased(self, shape: tuple[int, ...], key: jax.Array) -> Array:
        """Dead cells (all zeros): a growing NCA has to regrow them from their neighbours."""
        del key
        return jnp.zeros((*shape, self.channels), jnp.float32)

    def rgb(self, x: Float[Array, "... h w c"]) -> Array:
        """Premultiplied RGBA composited on white, clipped to [0, 1]."""
        a = jnp.clip(x[..., 3:4], 0.0, 1.0)
        return jnp.clip(1.0 - a + x[..., :3], 0.0, 1.0)


@final
class TextureNCA(NCA):
    """12 channels (RGB = first 3, image = s + 0.5); perception id, Sobel_x, Sobel_y,
    Laplacian (48 features); rule 48→96 ReLU → 12, last layer zero; fire rate 0.5;
    circular padding. 5,868 params."""

    w1: Float[Array, "48 96"]
    b1: Float[Array, " 96"]
    w2: Float[Array, "96 12"]
    b2: Float[Array, " 12"]
    fire_rate: float = eqx.field(static=True, default=0.5)
    channels: int = eqx.field(static=True, default=12)

    def __init__(self, *, key: jax.Array, channels: int = 12, hidden: int = 96,
                 fire_rate: float = 0.5):
        self.channels, self.fire_rate = channels, fire_rate
        self.w1 = _dense_init(key, 4 * channels, hidden)
        self.b1 = jnp.zeros((hidden,), jnp.float32)
        self.w2 = jnp.zeros((hidden, channels), jnp.float32)
        self.b2 = jnp.zeros((channels,), jnp.float32)

    def step(self, x: Float[Array, "... h w c"], key: jax.Array, angle: float = 0.0) -> Array:
        """One stochastic update of a state ``(..., H, W, 12)`` (the fire-rate mask from
        `key`)."""
        names = ("id", "sobel_x", "sobel_y", "lap")
        p = grid.perceive(x, grid.kernel_bank(names, angle), "circular")
        ds = _mlp(p, self.w1, self.b1, self.w2, self.b2)
        return x + ds * grid.update_mask(key, x.shape[:-1], self.fire_rate)

    def seed(self, shape: tuple[int, ...], key: jax.Array | None = None) -> Array:
        """All zeros, ``(..., H, W, 12)``."""
        del key
        return jnp.zeros((*shape, self.channels), jnp.float32)

    def erased(self, shape: tuple[int, ...], key: jax.Array) -> Array:
        """The seed's cells (zeros)."""
        return self.seed(shape, key)

    def rgb(self, x: Float[Array, "... h w c"]) -> Array:
        """Channels 0–2 + 0.5, clipped to [0, 1]."""
        return jnp.clip(x[..., :3] + 0.5, 0.0, 1.0)


def micro_kernels(filters: tuple[str, ...], angle: float = 0.0) -> np.ndarray:
    """Per-channel kernels ``(3, 3, C)`` of a μNCA variant; Sobels rotated by `angle`."""
    return np.moveaxis(grid.kernel_bank(filters, angle), 0, -1)


@final
class MicroNCA(NCA):
    """μNCA: one fixed filter per channel, y = [s, filt(s)], z = [y, |y|], ds = z·W + b.

    Synchronous (update rate 1), circular padding, C·(4C + 1) params.
    """

    w: Float[Array, "4c c"]
    b: Float[Array, " c"]
    filters: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, variant: str = "micro-588", *, key: jax.Array):
        if variant not in MICRO_FILTERS:
            raise BadInput(f"unknown μNCA variant {variant!r}; allowed: {', '.join(MICRO_FILTERS)}")
        self.filters = MICRO_FILTERS[variant]
        c = len(self.filters)
        kw, kb = jax.random.split(key)
        self.w = jax.random.normal(kw, (4 * c, c), jnp.float32) * 1e-3
        self.b = jax.random.normal(kb, (c,), jnp.float32) * 1e-3

    @property
    def channels(self) -> int:
        return len(self.filters)

    @property
    def variant(self) -> str:
        return {v: k for k, v in MICRO_FILTERS.items()}[self.filters]

    def step(self, x: Float[Array, "... h w c"], key: jax.Array | None = None,
             angle: float = 0.0) -> Array:
        """One synchronous update of ``(..., H, W, C)`` (`key` unused: no stochastic mask)."""
        del key
        p = grid.depthwise3x3(x, micro_kernels(self.filters, angle), "circular")
        y = jnp.concatenate([x, p], axis=-1)
        z = jnp.concatenate([y, jnp.abs(y)], axis=-1)
        return x + z @ self.w + grid.lift(self.b, x.ndim)

    def seed(self, shape: tuple[int, ...], key: jax.Array | None = None) -> Array:
        """Uniform noise in [−0.5, 0.5], ``(..., H, W, C)`` (breaks the symmetry)."""
        if key is None:
            raise BadInput("a μNCA seed is random noise: it needs a key")
        return jax.random.uniform(key, (*shape, self.channels), jnp.float32, -0.5, 0.5)

    def erased(self, shape: tuple[int, ...], key: jax.Array) -> Array:
        """Fresh seed noise."""
        return self.seed(shape, key)

    def rgb(self, x: Float[Array, "... h w c"]) -> Array:
        """Channels 0–2 + 0.5, clipped to [0, 1]."""
        return jnp.clip(x[..., :3] + 0.5, 0.0, 1.0)


def make_texture_model(name: str, *, key: jax.Array) -> TextureNCA | MicroNCA:
    """``"texture"`` or a μNCA variant name (``micro-68`` … ``micro-588``)."""
    if name == "texture":
        return TextureNCA(key=key)
    if name in MICRO_FILTERS:
        return MicroNCA(name, key=key)
    raise BadInput(f"unknown texture model {name!r}; allowed: {', '.join(TEXTURE_MODELS)}")
