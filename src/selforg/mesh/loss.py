"""The texture NCA's patch sliced-Wasserstein loss (`selforg.nca.losses`) restricted to the
pixels that show the mesh.

A render is the mesh on a black background; only patches whose whole footprint lies on the
mesh are compared with the exemplar's, so neither the background nor the silhouette is learned
as texture. Which patches qualify depends on the view alone (the geometry is fixed), so it is
worked out once per camera: level l of the pyramid keeps a patch when the mask, eroded by the
5×5 blur of every level up to l and by the patch itself, covers it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.nca import losses


def _erode(mask: np.ndarray, k: int) -> np.ndarray:
    """Minimum over a centred k×k window (outside the image counts as empty)."""
    r = k // 2
    p = np.pad(mask, [(0, 0)] * (mask.ndim - 2) + [(r, r), (r, r)])
    h, w = mask.shape[-2:]
    out = np.ones_like(mask)
    for a in range(k):
        for b in range(k):
            out &= p[..., a:a + h, b:b + w]
    return out


def patch_masks(hit: np.ndarray, levels: int, patch: int = 5) -> list[np.ndarray]:
    """``(N, S, S)`` bool → per level ``(N, n_l)`` bool over the ``valid`` patch positions of
    that level (row-major, as `losses.projected_patches` orders them)."""
    out = []
    valid = hit.astype(bool)
    r = patch // 2
    for _ in range(levels):
        unsharp = _erode(valid, 5)
        full = _erode(unsharp, patch)
        h, w = full.shape[-2:]
        out.append(full[..., r:h - r, r:w - r].reshape(full.shape[0], -1))
        if min(h, w) < 2:
            break
        valid = unsharp[..., ::2, ::2]
    return out


def _blur(img: Array) -> Array:
    """`losses.blur` (5×5 Gaussian, reflected borders) as two 1-D passes of shifted slices:
    the same numbers, several times faster on a CPU under autodiff than a grouped
    convolution."""
    g = np.exp(-0.5 * np.arange(-2, 3, dtype=np.float64) ** 2)
    g = (g / g.sum()).astype(np.float32)
    h, w = img.shape[-3], img.shape[-2]
    p = jnp.pad(img, [(0, 0)] * (img.ndim - 3) + [(2, 2), (0, 0), (0, 0)], mode="reflect")
    img = sum(float(g[k]) * p[..., k:k + h, :, :] for k in range(5))
    p = jnp.pad(img, [(0, 0)] * (img.ndim - 3) + [(0, 0), (2, 2), (0, 0)], mode="reflect")
    return sum(float(g[k]) * p[..., :, k:k + w, :] for k in range(5))


def pyramid(img: Float[Array, "... h w c"], levels: int) -> list[Array]:
    """`losses.pyramid` with reflected borders, through `_blur`."""
    out = []
    for _ in range(levels):
        b = _blur(img)
        out.append(img + 2.0 * (img - b))
        if min(b.shape[-3], b.shape[-2]) < 2:
            break
        img = b[..., ::2, ::2, :]
    return out


def gather_patches(img: Float[Array, "n h w c"], idx: Array, size: int) -> Array:
    """The ``valid`` patches at row-major positions `idx` ``(n, K)`` of each image, flattened
    like `losses.patches` (rows, then columns, then channels): ``(n, K, size²·C)``."""
    n, h, w, c = img.shape
    cols = w - size + 1
    r, q = idx // cols, idx % cols
    da, db = np.divmod(np.arange(size * size), size)
    rr = r[..., None] + da[None, None, :]                                      # (n, K, s²)
    cc = q[..., None] + db[None, None, :]
    flat = img.reshape(n, h * w, c)
    pix = jax.vmap(lambda f, i: f[i])(flat, rr * w + cc)                       # (n, K, s², c)
    return pix.reshape(n, idx.shape[1], size * size * c)


def masked_texture_loss(
    imgs: Float[Array, "n s s 3"],
    masks: list[Array],
    target: list[Array],
    key: jax.Array,
    cfg: losses.PatchLoss,
) -> Float[Array, " n"]:
    """Per-image patch sliced-Wasserstein loss of `imgs` against `losses.exemplar_pyramid`,
    sampling `cfg.n_patches` patches per level among those `masks` (``(n, n_l)`` float, from
    `patch_masks`) allow. A level where an image has no such patch adds 0."""
    levels = pyramid(imgs, cfg.levels)
    total = jnp.zeros(imgs.shape[0], jnp.float32)
    for i, (lv, tl, m) in enumerate(zip(levels, target, masks, strict=False)):
        if min(tl.shape[0], tl.shape[1]) < cfg.patch:
            continue
        kp, ka, kb = jax.random.split(jax.random.fold_in(key, i), 3)
        proj = losses.random_projections(kp, cfg.patch * cfg.patch * tl.shape[-1],
                                         cfg.projections)
        # uniform over the allowed positions: inverse CDF of the mask's running count
        cdf = jnp.cumsum(m, axis=1)
        count = cdf[:, -1]
        any_ok = count > 0
        u = jax.random.uniform(ka, (imgs.shape[0], cfg.n_patches)) * count[:, None]
        idx = jax.vmap(lambda c, q: jnp.searchsorted(c, q, side="right"))(cdf, u)
        idx = jnp.minimum(idx, m.shape[1] - 1)
        # only the sampled patches are cut out and projected (not every position)
        a = gather_patches(lv, idx, cfg.patch) @ proj                          # (n, K, p)
        bidx = jax.random.randint(kb, (1, cfg.n_patches), 0,
                                  (tl.shape[0] - cfg.patch + 1) * (tl.shape[1] - cfg.patch + 1))
        b = gather_patches(tl[None], bidx, cfg.patch)[0] @ proj
        total = total + jnp.where(any_ok, losses.projected_wasserstein(a, b), 0.0)
    return total


def masked_distance(imgs: np.ndarray, hit: np.ndarray, exemplar: np.ndarray, *,
                    projections: int = 128, levels: int = 5) -> float:
    """The evaluation metric of `losses.texture_distance` over the mesh's pixels of several
    views: fixed projections (a key training never uses), every allowed patch of every view
    pooled into one sample per level, summed over the levels.

    Args:
        imgs: ``(N, S, S, 3)`` renders; hit: ``(N, S, S)`` the pixels that show the mesh;
            exemplar: ``(H, W, 3)``.
    """
    key = jax.random.PRNGKey(losses.EVAL_KEY)
    la = losses.pyramid(jnp.asarray(imgs, jnp.float32), levels, "reflect")
    lb = losses.pyramid(jnp.asarray(exemplar, jnp.float32), levels, "reflect")
    masks = patch_masks(hit, levels)
    total = 0.0
    for i, (a, b, m) in enumerate(zip(la, lb, masks, strict=False)):
        if min(b.shape[0], b.shape[1]) < 5 or not m.any():
            continue
        proj = losses.random_projections(jax.random.fold_in(key, i), 25 * a.shape[-1],
                                         projections)
        pa = np.asarray(losses.projected_patches(a, proj, 5, "valid"))[m]
        pb = losses.projected_patches(b, proj, 5, "valid")
        total += float(losses.projected_wasserstein(jnp.asarray(pa), pb))
    return total
