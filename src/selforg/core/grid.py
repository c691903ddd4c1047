"""2D cell-grid helpers shared by the neural cellular automata and reaction-diffusion systems.

States are channel-last float arrays ``(..., H, W, C)`` (any number of leading batch axes).
Perception is a depthwise 3×3 filter written as nine shifted adds of a once-padded array, which
on the CPU is several times faster than a grouped convolution (Mordvintsev et al., "Growing
Neural Cellular Automata", Distill 2020; Niklasson et al., "Self-Organising Textures", Distill
2021; Mordvintsev & Niklasson, "μNCA", arXiv 2111.13545).

Kernel scaling: the PyTorch / μNCA convention, i.e. the Sobel and Laplacian kernels are NOT
divided by 8. It is used everywhere in the package.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

IDENTITY = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], np.float32)
# Sobel_x = outer([1, 2, 1], [-1, 0, 1]): responds to an increase from left to right.
SOBEL_X = np.outer([1, 2, 1], [-1, 0, 1]).astype(np.float32)
SOBEL_Y = SOBEL_X.T.copy()
LAPLACIAN = np.array([[1, 2, 1], [2, -12, 2], [1, 2, 1]], np.float32)

KERNELS: dict[str, np.ndarray] = {
    "id": IDENTITY,
    "sobel_x": SOBEL_X,
    "sobel_y": SOBEL_Y,
    "lap": LAPLACIAN,
}
PADDINGS = ("circular", "zero")


def rotated_sobel(angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Sobel kernels of a frame rotated by `angle` radians: (cos·Sx − sin·Sy, sin·Sx + cos·Sy).

    Feeding a trained rule these instead of (Sx, Sy) rotates what it grows.
    """
    c, s = float(np.cos(angle)), float(np.sin(angle))
    return (c * SOBEL_X - s * SOBEL_Y).astype(np.float32), (s * SOBEL_X + c * SOBEL_Y).astype(
        np.float32
    )


def kernel_bank(names: Sequence[str], angle: float = 0.0) -> np.ndarray:
    """Stack named kernels into ``(K, 3, 3)``; Sobels rotated by `angle` radians."""
    rx, ry = rotated_sobel(angle)
    table = dict(KERNELS, sobel_x=rx, sobel_y=ry)
    return np.stack([table[n] for n in names]).astype(np.float32)


def pad(x: Float[Array, "... h w c"], padding: str) -> Float[Array, "... h2 w2 c"]:
    """Pad the two spatial axes by 1 cell: ``circular`` (a torus) or ``zero``."""
    widths = [(0, 0)] * (x.ndim - 3) + [(1, 1), (1, 1), (0, 0)]
    if padding == "circular":
        return jnp.pad(x, widths, mode="wrap")
    if padding == "zero":
        return jnp.pad(x, widths)
    raise ValueError(f"padding {padding!r}; allowed: {PADDINGS}")


def depthwise3x3(
    x: Float[Array, "... h w c"], kernel: Float[Array, "3 3"] | Float[Array, "3 3 c"], padding: str
) -> Float[Array, "... h w c"]:
    """Cross-correlate every channel with a 3×3 kernel (shared, or one per channel).

    ``out[i, j] = Σ_{a,b} k[a, b] · x[i + a − 1, j + b − 1]`` (the convention of conv layers).

    Args:
        x: state, ``(..., H, W, C)``.
        kernel: ``(3, 3)`` applied to all channels or ``(3, 3, C)``, one per channel.
        padding: ``"circular"`` or ``"zero"``.
    """
    h, w = x.shape[-3], x.shape[-2]
    xp = pad(x, padding)
    k = np.asarray(kernel) if not isinstance(kernel, jax.Array) else kernel
    out = None
    for a in range(3):
        for b in range(3):
            tap = k[a, b]
            if isinstance(k, np.ndarray) and np.all(tap == 0):
                continue  # skip structurally-zero taps (identity, Sobel centre column)
            if np.ndim(tap):  # per-channel taps: spell out the broadcast (rank promotion)
                tap = tap.reshape((1,) * (x.ndim - 1) + (-1,))
            term = xp[..., a : a + h, b : b + w, :] * tap
            out = term if out is None else out + term
    return jnp.zeros_like(x) if out is None else out


def perceive(
    x: Float[Array, "... h w c"], kernels: np.ndarray, padding: str
) -> Float[Array, "... h w kc"]:
    """Apply each kernel of ``(K, 3, 3)`` depthwise; concatenate as ``[k0(x), k1(x), ...]``.

    Returns ``(..., H, W, K·C)``, kernel-major (all channels of kernel 0 first).
    """
    outs = []
    for k in np.asarray(kernels):
        outs.append(x if np.array_equal(k, IDENTITY) else depthwise3x3(x, k, padding))
    return jnp.concatenate(outs, axis=-1)


def lift(v: Array, ndim: int) -> Array:
    """A per-channel vector ``(C,)`` reshaped to broadcast against a rank-`ndim` state."""
    return v.reshape((1,) * (ndim - 1) + (-1,))


def update_mask(key: jax.Array, shape: tuple[int, ...], rate: float) -> Float[Array, "... h w 1"]:
    """Per-cell Bernoulli(`rate`) mask shared by all channels, as 0/1 floats (NOT rescaled).

    Args:
        shape: the leading and spatial shape ``(..., H, W)``.
    """
    if rate >= 1.0:
        return jnp.ones((*shape, 1), jnp.float32)
    return jax.random.bernoulli(key, rate, (*shape, 1)).astype(jnp.float32)


def maxpool3x3(x: Float[Array, "... h w c"]) -> Float[Array, "... h w c"]:
    """3×3 max over the neighbourhood, cells outside the grid ignored."""
    h, w = x.shape[-3], x.shape[-2]
    widths = [(0, 0)] * (x.ndim - 3) + [(1, 1), (1, 1), (0, 0)]
    xp = jnp.pad(x, widths, constant_values=-jnp.inf)
    out = xp[..., 0:h, 0:w, :]
    for a in range(3):
        for b in range(3):
            if a or b:
                out = jnp.maximum(out, xp[..., a : a + h, b : b + w, :])
    return out


def alive_mask(
    x: Float[Array, "... h w c"], channel: int = 3, threshold: float = 0.1
) -> Float[Array, "... h w 1"]:
    """A cell is alive when some cell of its 3×3 neighbourhood has alpha > `threshold`."""
    return (maxpool3x3(x[..., channel : channel + 1]) > threshold).astype(x.dtype)


def circle_mask(
    shape: tuple[int, int], center: Float[Array, " 2"], radius: Float[Array, ""]
) -> Float[Array, "h w 1"]:
    """1 inside the disc (centre (y, x) and radius in cells), 0 outside; ``(H, W, 1)``."""
    ys = jnp.arange(shape[0], dtype=jnp.float32)[:, None]
    xs = jnp.arange(shape[1], dtype=jnp.float32)[None, :]
    d2 = (ys - center[0]) ** 2 + (xs - center[1]) ** 2
    return (d2 < radius**2).astype(jnp.float32)[..., None]


def random_circle_mask(
    key: jax.Array, shape: tuple[int, int], rmin: float = 0.1, rmax: float = 0.4
) -> Float[Array, "h w 1"]:
    """A disc of radius uniform in [rmin, rmax)·size, centred uniformly in the middle half."""
    kc, kr = jax.random.split(key)
    size = float(min(shape))
    center = (0.25 + 0.5 * jax.random.uniform(kc, (2,))) * jnp.array(shape, jnp.float32)
    radius = jax.random.uniform(kr, (), minval=rmin, maxval=rmax) * size
    return circle_mask(shape, center, radius)
