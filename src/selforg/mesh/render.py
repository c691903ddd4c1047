"""A differentiable renderer for a fixed mesh: visibility once per view, colours by a gather.

The geometry never changes while a texture grows, so for each camera a NumPy z-buffer finds,
once, the triangle every pixel sees and the pixel's perspective-correct barycentric weights.
A render is then ``pixel = Σ_k bary_k · colour[vertex_k]`` — a gather whose gradient with
respect to the vertex colours is exact. Flat colours, no lighting, black background.

Cameras as the authors' code draws them: distance 2.5, vertical field of view 60°, azimuth
U(0°, 360°), elevation arcsin(U(−1, 1)), looking at the origin with y up.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.mesh.meshes import Mesh

DISTANCE = 2.5
FOV_DEG = 60.0
# triangles × pixels of their bounding box handled in one vectorised pass
CHUNK = 1 << 21


@dataclass(frozen=True)
class Views:
    """Per-view pixel visibility of one mesh.

    Attributes:
        size: image side S.
        vidx: ``(N, S·S, 3)`` int32 vertices of the triangle each pixel sees (0 for none).
        bary: ``(N, S·S, 3)`` float32 their weights (0 for background pixels).
        tri: ``(N, S·S)`` int32 the triangle seen, −1 for background.
        cameras: ``(N, 2)`` float64 azimuth, elevation in radians.
    """

    size: int
    vidx: np.ndarray
    bary: np.ndarray
    tri: np.ndarray
    cameras: np.ndarray

    @property
    def hit(self) -> np.ndarray:
        """``(N, S, S)`` bool: the pixels that show the mesh."""
        return (self.tri >= 0).reshape(-1, self.size, self.size)


def random_cameras(rng: np.random.Generator, n: int) -> np.ndarray:
    """``(n, 2)`` azimuth U(0, 2π), elevation arcsin(U(−1, 1))."""
    return np.stack([rng.uniform(0, 2 * np.pi, n), np.arcsin(rng.uniform(-1, 1, n))], axis=1)


def turntable_cameras(n: int, elevation_deg: float = 20.0) -> np.ndarray:
    """``(n, 2)`` a full turn of azimuth at a fixed elevation."""
    az = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([az, np.full(n, np.radians(elevation_deg))], axis=1)


def _frame(azimuth: float, elevation: float, distance: float):
    eye = distance * np.array([np.cos(elevation) * np.sin(azimuth), np.sin(elevation),
                               np.cos(elevation) * np.cos(azimuth)])
    fwd = -eye / np.linalg.norm(eye)
    up = np.array([0.0, 1.0, 0.0]) if abs(fwd[1]) < 0.999 else np.array([0.0, 0.0, -1.0])
    right = np.cross(fwd, up)
    right /= np.linalg.norm(right)
    return eye, fwd, right, np.cross(right, fwd)


def project(vertices: np.ndarray, azimuth: float, elevation: float, size: int, *,
            distance: float = DISTANCE, fov_deg: float = FOV_DEG) -> np.ndarray:
    """``(V, 3)`` → ``(V, 3)``: pixel column, pixel row (continuous, centres at k + 0.5) and
    camera depth."""
    eye, fwd, right, up = _frame(azimuth, elevation, distance)
    p = np.asarray(vertices, np.float64) - eye
    z = p @ fwd
    t = np.tan(np.radians(fov_deg) / 2)
    x = (p @ right) / (z * t)
    y = (p @ up) / (z * t)
    return np.stack([(x + 1) * 0.5 * size, (1 - y) * 0.5 * size, z], axis=1)


def rasterise(mesh: Mesh, azimuth: float, elevation: float, size: int, *,
              distance: float = DISTANCE, fov_deg: float = FOV_DEG):
    """One view: ``(tri (S·S,), bary (S·S, 3))`` by a z-buffer (nearest surface wins)."""
    scr = project(mesh.vertices, azimuth, elevation, size, distance=distance, fov_deg=fov_deg)
    f = mesh.faces
    tri_xy = scr[f][:, :, :2]                                     # (F, 3, 2)
    tri_z = scr[f][:, :, 2]                                       # (F, 3)
    lo = np.ceil(tri_xy.min(axis=1) - 0.5).astype(np.int64)
    hi = np.floor(tri_xy.max(axis=1) - 0.5).astype(np.int64)
    lo, hi = np.clip(lo, 0, size - 1), np.clip(hi, 0, size - 1)
    ext = np.maximum(hi - lo + 1, 0).max(axis=1)
    keep = (tri_z.min(axis=1) > 1e-6) & (ext > 0) & (tri_xy.max(axis=1) >= 0).all(axis=1)
    pix_all, inv_all, face_all, lam_all = [], [], [], []
    for box in np.unique(ext[keep]):
        ids = np.flatnonzero(keep & (ext == box))
        oy, ox = np.divmod(np.arange(box * box), box)
        for start in range(0, ids.size, max(1, CHUNK // int(box * box))):
            sel = ids[start:start + max(1, CHUNK // int(box * box))]
            px = lo[sel, 0, None] + ox[None, :]                     # (n, B²)
            py = lo[sel, 1, None] + oy[None, :]
            cx, cy = px + 0.5, py + 0.5
            a, b, c = (tri_xy[sel, k] for k in range(3))
            area = ((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                    - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
            ok_area = np.abs(area) > 1e-12
            area = np.where(ok_area, area, 1.0)[:, None]

            def edge(p, q, cx=cx, cy=cy):
                return ((q[:, 0, None] - p[:, 0, None]) * (cy - p[:, 1, None])
                        - (q[:, 1, None] - p[:, 1, None]) * (cx - p[:, 0, None]))

            lam = np.stack([edge(b, c), edge(c, a), edge(a, b)], axis=-1) / area[..., None]
            inside = ((lam >= -1e-9).all(axis=-1) & ok_area[:, None]
                      & (px <= hi[sel, 0, None]) & (py <= hi[sel, 1, None]))
            n_i, k_i = np.nonzero(inside)
            lam_in = lam[n_i, k_i]
            inv_z = lam_in / tri_z[sel][n_i]                         # λ_k / z_k
            pix_all.append(py[n_i, k_i] * size + px[n_i, k_i])
            inv_all.append(inv_z.sum(axis=1))
            face_all.append(sel[n_i])
            lam_all.append(inv_z / inv_z.sum(axis=1, keepdims=True))
    tri = np.full(size * size, -1, np.int32)
    bary = np.zeros((size * size, 3), np.float32)
    if pix_all:
        pix, inv = np.concatenate(pix_all), np.concatenate(inv_all)
        face, lam = np.concatenate(face_all), np.concatenate(lam_all)
        order = np.lexsort((-inv, pix))                              # nearest first per pixel
        first = order[np.r_[True, pix[order][1:] != pix[order][:-1]]]
        tri[pix[first]] = face[first]
        bary[pix[first]] = lam[first]
    return tri, bary


def make_views(mesh: Mesh, cameras: np.ndarray, size: int) -> Views:
    """Visibility of `mesh` from every camera ``(N, 2)`` at ``size × size`` pixels."""
    tris, barys = zip(*(rasterise(mesh, az, el, size) for az, el in cameras), strict=True)
    tri = np.stack(tris)
    vidx = np.where(tri[..., None] >= 0, mesh.faces[np.maximum(tri, 0)], 0).astype(np.int32)
    return Views(size, vidx, np.stack(barys), tri, np.asarray(cameras, np.float64))


def render(colours: Float[Array, "v 3"], vidx: Array, bary: Array,
           size: int) -> Float[Array, "... s s 3"]:
    """Images ``(..., S, S, 3)`` of vertex `colours` ``(V, 3)`` for the views ``vidx, bary``
    ``(..., S·S, 3)``: ``Σ_k bary_k · colours[vidx_k]`` per pixel (0 on the background)."""
    img = jnp.einsum("...pk,...pkc->...pc", bary, colours[vidx])
    return img.reshape(*vidx.shape[:-2], size, size, colours.shape[-1])


def render_np(colours: np.ndarray, views: Views) -> np.ndarray:
    """`render` of every view, as NumPy: ``(N, S, S, 3)``."""
    img = np.einsum("npk,npkc->npc", views.bary, np.asarray(colours, np.float32)[views.vidx])
    return img.reshape(-1, views.size, views.size, img.shape[-1])
