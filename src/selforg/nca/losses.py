"""Texture losses without a pretrained network: sliced Wasserstein distance between the
multi-scale 5×5 patch distributions of two images (the loss the μNCA authors trained with,
Mordvintsev & Niklasson, arXiv 2111.13545), plus the overflow penalties.

Pyramid: 5 levels; each level is ``unsharp = img + 2·(img − blur)`` with ``blur`` a 5×5
Gaussian (σ = 1); the next level is the blur subsampled by 2. Each level contributes the sliced
Wasserstein distance between its 75-D RGB patches under random unit projections: both sides
projected, sorted, matched by quantile, squared differences averaged. Levels are summed.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

# Fixed projections of the evaluation metric come from this key, never used by training.
EVAL_KEY = 20211125


class PatchLoss(NamedTuple):
    """Settings of the patch sliced-Wasserstein loss."""

    levels: int = 5
    patch: int = 5
    n_patches: int = 1024
    projections: int = 32


def _gauss5() -> np.ndarray:
    g = np.exp(-0.5 * np.arange(-2, 3, dtype=np.float64) ** 2)
    return (g / g.sum()).astype(np.float32)


def _pad2(img: Array, r: int, padding: str) -> Array:
    widths = [(0, 0)] * (img.ndim - 3) + [(r, r), (r, r), (0, 0)]
    return jnp.pad(img, widths, mode="wrap" if padding == "circular" else "reflect")


def _conv_valid(x: Array, w: Array, groups: int = 1) -> Array:
    """VALID cross-correlation of ``(..., H, W, C)`` with an HWIO kernel (batch axes folded)."""
    lead = x.shape[:-3]
    xb = x.reshape(-1, *x.shape[-3:])
    y = jax.lax.conv_general_dilated(
        xb, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups,
    )
    return y.reshape(*lead, *y.shape[1:])


def blur(img: Float[Array, "... h w c"], padding: str) -> Float[Array, "... h w c"]:
    """5×5 Gaussian (σ = 1); ``circular`` or ``reflect`` borders."""
    g = _gauss5()
    c = img.shape[-1]
    # one depthwise convolution: compiles far faster than 25 shifted slices under autodiff
    k = np.repeat(np.outer(g, g)[:, :, None, None], c, axis=3).astype(np.float32)
    return _conv_valid(_pad2(img, 2, padding), jnp.asarray(k), groups=c)


def pyramid(img: Float[Array, "... h w c"], levels: int, padding: str) -> list[Array]:
    """The unsharp-masked levels, finest first."""
    out = []
    for _ in range(levels):
        b = blur(img, padding)
        out.append(img + 2.0 * (img - b))
        if min(b.shape[-3], b.shape[-2]) < 2:
            break
        img = b[..., ::2, ::2, :]
    return out


def patches(img: Float[Array, "... h w c"], size: int, padding: str) -> Float[Array, "... n d"]:
    """All ``size×size`` patches flattened to ``D = size²·C``.

    ``circular``: one patch per cell (the image is a torus). ``valid``: only patches inside the
    image. Returns ``(..., N, D)``.
    """
    h, w = img.shape[-3], img.shape[-2]
    if padding == "circular":
        r = size // 2
        xp = _pad2(img, r, "circular")
        oh, ow = h, w
    elif padding == "valid":
        xp, oh, ow = img, h - size + 1, w - size + 1
        if oh < 1 or ow < 1:
            return jnp.zeros((*img.shape[:-3], 0, size * size * img.shape[-1]), img.dtype)
    else:
        raise ValueError(f"patch padding {padding!r}; allowed: circular, valid")
    taps = [xp[..., a : a + oh, b : b + ow, :] for a in range(size) for b in range(size)]
    p = jnp.concatenate(taps, axis=-1)
    return p.reshape(*p.shape[:-3], oh * ow, p.shape[-1])


def projected_patches(
    img: Float[Array, "... h w c"], proj: Float[Array, "d p"], size: int, padding: str
) -> Float[Array, "... n p"]:
    """``patches(img, size, padding) @ proj`` computed as one convolution (no patch array)."""
    c = img.shape[-1]
    w = proj.reshape(size, size, c, proj.shape[-1])
    if padding == "circular":
        img = _pad2(img, size // 2, "circular")
    elif padding != "valid":
        raise ValueError(f"patch padding {padding!r}; allowed: circular, valid")
    if img.shape[-3] < size or img.shape[-2] < size:
        return jnp.zeros((*img.shape[:-3], 0, proj.shape[-1]), img.dtype)
    y = _conv_valid(img, w)
    return y.reshape(*y.shape[:-3], y.shape[-3] * y.shape[-2], y.shape[-1])


def random_projections(key: jax.Array, dim: int, n: int) -> Float[Array, "d n"]:
    """`n` random unit vectors in R^dim as columns."""
    v = jax.random.normal(key, (dim, n), jnp.float32)
    return v / jnp.linalg.norm(v, axis=0, keepdims=True)


def _quantiles(sorted_vals: Array, n: int) -> Array:
    m = sorted_vals.shape[-2]
    if m == n:
        return sorted_vals
    idx = ((np.arange(n) + 0.5) * m / n).astype(np.int32)
    return sorted_vals[..., idx, :]


def sliced_wasserstein(
    a: Float[Array, "... n d"], b: Float[Array, "m d"], proj: Float[Array, "d p"]
) -> Float[Array, ...]:
    """Mean squared difference of the sorted projections (quantile-matched if N ≠ M)."""
    return projected_wasserstein(a @ proj, b @ proj)


_MAGNITUDE = np.int32(0x7FFFFFFF)


def _order_key(x: Array) -> Array:
    """int32 keys ordered as the float32 values (negative floats: magnitude bits flipped)."""
    i = jax.lax.bitcast_convert_type(x, jnp.int32)
    return jnp.where(i < 0, i ^ _MAGNITUDE, i)


def _from_key(k: Array) -> Array:
    return jax.lax.bitcast_convert_type(jnp.where(k < 0, k ^ _MAGNITUDE, k), jnp.float32)


@jax.custom_vjp
def sort_samples(a: Float[Array, "... n p"]) -> Float[Array, "... n p"]:
    """`a` (float32) sorted along its sample axis −2: the values of ``jnp.sort(a, axis=-2)``.

    Sorted as int32 keys with the floats' order, one operand and no payload: XLA's CPU sort of
    float32 goes through a NaN-aware comparator and took 2/3 of the texture loss; this sort is
    3–4× faster. The gradient gives each value the cotangent of its sorted position (found by a
    binary search in the sorted column), which is the sort's gradient; values that are equal,
    where every order of them is a sort, share their positions' cotangents evenly.
    """
    return _from_key(jax.lax.sort(_order_key(a), dimension=a.ndim - 2, is_stable=False))


def _sort_fwd(a: Array) -> tuple[Array, tuple[Array, Array]]:
    s = sort_samples(a)
    return s, (a, s)


def _count_below(s: Array, a: Array, *, inclusive: bool) -> Array:
    """Per value of `a`, how many values of its sorted column of `s` are < it (≤ with
    `inclusive`): a binary search of all values at once, log2(N) gathers."""
    n = s.shape[-2]
    pos = jnp.zeros(a.shape, jnp.int32)
    step = 1 << (n.bit_length() - 1)
    while step:
        cand = pos + step
        v = jnp.take_along_axis(s, jnp.minimum(cand, n) - 1, axis=-2)
        pos = jnp.where((cand <= n) & ((v <= a) if inclusive else (v < a)), cand, pos)
        step >>= 1
    return pos


def _sort_bwd(res: tuple[Array, Array], g: Array) -> tuple[Array]:
    a, s = res
    lo = _count_below(s, a, inclusive=False)  # a's sorted positions are lo .. hi − 1
    hi = _count_below(s, a, inclusive=True)
    one = jnp.take_along_axis(g, jnp.clip(lo, 0, s.shape[-2] - 1), axis=-2)
    # equal values share their positions' cotangents evenly (the mean over the orders of a tie)
    cum = jnp.concatenate([jnp.zeros_like(g[..., :1, :]), jnp.cumsum(g, axis=-2)], axis=-2)
    span = jnp.take_along_axis(cum, hi, axis=-2) - jnp.take_along_axis(cum, lo, axis=-2)
    tied = jnp.maximum(hi - lo, 1)
    return (jnp.where(hi - lo <= 1, one, span / tied.astype(g.dtype)),)


sort_samples.defvjp(_sort_fwd, _sort_bwd)


def projected_wasserstein(a: Float[Array, "... n p"], b: Float[Array, "m p"]) -> Float[Array, ...]:
    """`sliced_wasserstein` of already projected samples."""
    pa = sort_samples(a)
    pb = sort_samples(b)
    n = min(pa.shape[-2], pb.shape[-2])
    qa, qb = _quantiles(pa, n), _quantiles(pb, n)
    qb = qb.reshape((1,) * (qa.ndim - qb.ndim) + qb.shape)  # explicit broadcast over the batch
    d = qa - qb
    return jnp.mean(d * d, axis=(-2, -1))


def _subsample(key: jax.Array, p: Array, n: int) -> Array:
    """At most `n` rows of ``(..., N, D)`` (with replacement); all rows if N ≤ n."""
    count = p.shape[-2]
    if count <= n:
        return p
    idx = jax.random.randint(key, (*p.shape[:-2], n), 0, count)
    return jnp.take_along_axis(p, idx[..., None], axis=-2)


_DEFAULT = PatchLoss()


def exemplar_pyramid(exemplar: Float[Array, "h w 3"], cfg: PatchLoss = _DEFAULT) -> list[Array]:
    """Pyramid levels of the exemplar (reflected borders: it need not tile); `texture_loss`
    projects their ``valid`` patches with each step's projections."""
    return list(pyramid(exemplar, cfg.levels, "reflect"))


def texture_loss(
    imgs: Float[Array, "b h w 3"],
    target: list[Array],
    key: jax.Array,
    cfg: PatchLoss = _DEFAULT,
) -> Float[Array, " b"]:
    """Per-sample patch sliced-Wasserstein loss of periodic images against `exemplar_pyramid`.

    Projections (and patch subsamples) are drawn from `key`: redraw them every step.
    """
    levels = pyramid(imgs, cfg.levels, "circular")
    total = jnp.zeros(imgs.shape[:-3], jnp.float32)
    for i, (lv, tl) in enumerate(zip(levels, target, strict=False)):
        if min(tl.shape[0], tl.shape[1]) < cfg.patch:
            continue
        kp, ka, kb = jax.random.split(jax.random.fold_in(key, i), 3)
        proj = random_projections(kp, cfg.patch * cfg.patch * tl.shape[-1], cfg.projections)
        a = _subsample(ka, projected_patches(lv, proj, cfg.patch, "circular"), cfg.n_patches)
        b = _subsample(kb, projected_patches(tl, proj, cfg.patch, "valid"), cfg.n_patches)
        total = total + projected_wasserstein(a, b)
    return total


def texture_distance(
    img: Float[Array, "h w 3"], exemplar: Float[Array, "h2 w2 3"], *, projections: int = 128,
    levels: int = 5,
) -> float:
    """The evaluation metric: patch sliced-Wasserstein with FIXED projections (a key training
    never uses), all ``valid`` patches of both images, summed over the pyramid levels."""
    return float(_distance(jnp.asarray(img), jnp.asarray(exemplar), projections, levels))


@partial(jax.jit, static_argnums=(2, 3))
def _distance(img: Array, exemplar: Array, projections: int, levels: int) -> Array:
    key = jax.random.PRNGKey(EVAL_KEY)
    la = pyramid(img, levels, "reflect")
    lb = pyramid(exemplar, levels, "reflect")
    total = jnp.float32(0.0)
    for i, (a, b) in enumerate(zip(la, lb, strict=False)):
        if min(a.shape[0], a.shape[1], b.shape[0], b.shape[1]) < 5:
            continue
        proj = random_projections(jax.random.fold_in(key, i), 25 * a.shape[-1], projections)
        pa = projected_patches(a, proj, 5, "valid")
        pb = projected_patches(b, proj, 5, "valid")
        total = total + projected_wasserstein(pa, pb)
    return total


def overflow_abs(x: Float[Array, "b h w c"]) -> Float[Array, ""]:
    """Texture NCA overflow penalty Σ|s − clip(s, −1, 1)| (mean over the batch)."""
    return jnp.sum(jnp.abs(x - jnp.clip(x, -1.0, 1.0))) / x.shape[0]


def overflow_sq(x: Float[Array, "b h w c"]) -> Float[Array, ""]:
    """μNCA overflow penalty Σ(s − clip(s, −1, 1))² (mean over the batch)."""
    return jnp.sum(jnp.square(x - jnp.clip(x, -1.0, 1.0))) / x.shape[0]
