"""The renderer: coverage against the analytic silhouette, visible faces face the camera, a
vertex's colour moves exactly its triangles' pixels, gradients against finite differences,
and the masked patch loss."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.mesh import render as R
from selforg.mesh.loss import gather_patches, masked_texture_loss, patch_masks, pyramid
from selforg.mesh.meshes import builtin
from selforg.nca import losses

S = 64


@pytest.fixture(scope="module")
def sphere():
    return builtin("icosphere-3")


@pytest.fixture(scope="module")
def views(sphere):
    return R.make_views(sphere, R.random_cameras(np.random.default_rng(0), 3), S)


def test_sphere_covers_its_analytic_disc(views):
    # a unit sphere seen from 2.5 under a 60° field: a disc of angular radius asin(1/2.5)
    r_px = np.tan(np.arcsin(1 / 2.5)) / np.tan(np.radians(30)) * S / 2
    expected = np.pi * r_px**2 / S**2
    assert views.hit.mean(axis=(1, 2)) == pytest.approx(np.full(3, expected), rel=0.03)


def test_visible_triangles_face_the_camera(sphere, views):
    for (az, el), tri in zip(views.cameras, views.tri, strict=True):
        eye, *_ = R._frame(az, el, R.DISTANCE)
        seen = np.unique(tri[tri >= 0])
        centre = sphere.vertices[sphere.faces[seen]].mean(axis=1)
        assert np.all(np.einsum("fi,fi->f", centre, eye - centre) > 0)


def test_barycentric_weights_sum_to_one(views):
    hit = views.tri >= 0
    np.testing.assert_allclose(views.bary[hit].sum(-1), 1.0, atol=1e-5)
    assert np.all(views.bary[hit] >= -1e-6)
    assert np.all(views.bary[~hit] == 0)


def test_a_vertex_colour_moves_exactly_its_triangles_pixels(sphere, views):
    rng = np.random.default_rng(1)
    col = rng.uniform(size=(sphere.n_vertices, 3)).astype(np.float32)
    before = R.render_np(col, views)
    for v in rng.choice(sphere.n_vertices, 5, replace=False):
        changed = col.copy()
        changed[v] += 0.5
        moved = np.any(R.render_np(changed, views) != before, axis=-1).reshape(3, -1)
        uses = (views.tri >= 0) & np.any(sphere.faces[np.maximum(views.tri, 0)] == v, axis=-1)
        weight = np.where(views.vidx == v, views.bary, 0).sum(-1)
        np.testing.assert_array_equal(moved, uses & (weight > 0))
        assert moved.sum() > 0 or not uses.any()


def test_render_gradients_match_finite_differences(sphere, views):
    rng = np.random.default_rng(2)
    col = jnp.asarray(rng.uniform(size=(sphere.n_vertices, 3)), jnp.float32)
    w = jnp.asarray(rng.normal(size=(3, S, S, 3)), jnp.float32)
    vidx, bary = jnp.asarray(views.vidx), jnp.asarray(views.bary)

    def f(c):
        img = R.render(c, vidx, bary, S)
        return jnp.sum(jnp.sin(3 * img) * w)

    grad = np.asarray(jax.grad(f)(col))
    eps = 1e-2
    for v in np.unique(views.vidx[views.tri >= 0])[::97][:6]:
        for ch in range(3):
            e = jnp.zeros_like(col).at[v, ch].set(eps)
            fd = (float(f(col + e)) - float(f(col - e))) / (2 * eps)
            assert grad[v, ch] == pytest.approx(fd, rel=2e-2, abs=2e-3)


def test_pyramid_and_patches_are_nca_losses():
    img = jnp.asarray(np.random.default_rng(3).uniform(size=(2, 32, 32, 3)), jnp.float32)
    for a, b in zip(pyramid(img, 3), losses.pyramid(img, 3, "reflect"), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5)
    every = np.asarray(losses.patches(img, 5, "valid"))
    idx = np.array([[0, 7, 100, 783], [5, 1, 2, 783]])
    np.testing.assert_array_equal(np.asarray(gather_patches(img, jnp.asarray(idx), 5)),
                                  np.take_along_axis(every, idx[..., None], 1))


def test_patch_masks_keep_patches_inside_the_mesh(views):
    masks = patch_masks(views.hit, 3)
    assert masks[0].shape == (3, (S - 4) ** 2)
    hit = views.hit[0]
    ok = masks[0][0].reshape(S - 4, S - 4)
    rows, cols = np.nonzero(ok)
    for r, c in zip(rows[::50], cols[::50], strict=True):
        assert hit[r:r + 5, c:c + 5].all()
    assert ok.sum() < hit.sum()


def test_masked_loss_ignores_the_background(views):
    ex = np.random.default_rng(4).uniform(size=(48, 48, 3)).astype(np.float32)
    cfg = losses.PatchLoss(levels=2, n_patches=256, projections=16)
    target = losses.exemplar_pyramid(jnp.asarray(ex), cfg)
    masks = [jnp.asarray(m, jnp.float32) for m in patch_masks(views.hit, 2)]
    img = np.random.default_rng(5).uniform(size=(3, S, S, 3)).astype(np.float32)
    other = np.where(views.hit[..., None], img, 0.7).astype(np.float32)
    key = jax.random.PRNGKey(0)
    a = masked_texture_loss(jnp.asarray(img), masks, target, key, cfg)
    b = masked_texture_loss(jnp.asarray(other), masks, target, key, cfg)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
    assert np.all(np.asarray(a) > 0)
