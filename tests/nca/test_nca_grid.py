"""Perception kernels, padding, alive and update masks against hand-computed values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core import grid


def reference_depthwise(x, k, padding):
    """Pure-Python cross-correlation, the definition written out."""
    h, w, c = x.shape
    out = np.zeros_like(x)
    for i in range(h):
        for j in range(w):
            for a in range(3):
                for b in range(3):
                    ii, jj = i + a - 1, j + b - 1
                    if padding == "circular":
                        ii, jj = ii % h, jj % w
                    elif not (0 <= ii < h and 0 <= jj < w):
                        continue
                    out[i, j] += k[a, b] * x[ii, jj]
    return out


def test_kernels_are_the_published_ones():
    assert grid.SOBEL_X.tolist() == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert grid.SOBEL_Y.tolist() == [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    assert grid.LAPLACIAN.tolist() == [[1, 2, 1], [2, -12, 2], [1, 2, 1]]
    assert grid.LAPLACIAN.sum() == 0


def test_sobel_of_a_ramp_is_eight_and_laplacian_of_a_delta():
    ramp = np.tile(np.arange(6, dtype=np.float32), (5, 1))[..., None]  # x[i, j] = j
    sx = np.asarray(grid.depthwise3x3(jnp.asarray(ramp), grid.SOBEL_X, "zero"))
    assert np.all(sx[1:-1, 1:-1, 0] == 8.0)  # (1+2+1)·(j+1 − (j−1))
    sy = np.asarray(grid.depthwise3x3(jnp.asarray(ramp), grid.SOBEL_Y, "circular"))
    assert np.all(sy == 0.0)
    delta = np.zeros((5, 5, 1), np.float32)
    delta[2, 2] = 1.0
    lap = np.asarray(grid.depthwise3x3(jnp.asarray(delta), grid.LAPLACIAN, "zero"))[..., 0]
    assert lap[1:4, 1:4].tolist() == [[1, 2, 1], [2, -12, 2], [1, 2, 1]]
    assert lap.sum() == 0.0


@pytest.mark.parametrize("padding", ["circular", "zero"])
@pytest.mark.parametrize("name", ["sobel_x", "sobel_y", "lap", "id"])
def test_depthwise_matches_reference(padding, name):
    x = np.random.default_rng(1).normal(size=(5, 7, 3)).astype(np.float32)
    k = grid.KERNELS[name]
    got = np.asarray(grid.depthwise3x3(jnp.asarray(x), k, padding))
    np.testing.assert_allclose(got, reference_depthwise(x, k, padding), atol=1e-5)


def test_per_channel_kernels_and_perceive_layout():
    x = np.random.default_rng(2).normal(size=(2, 4, 6, 2)).astype(np.float32)
    ks = np.stack([grid.SOBEL_X, grid.LAPLACIAN], axis=-1)
    got = np.asarray(grid.depthwise3x3(jnp.asarray(x), ks, "circular"))
    for c, k in enumerate([grid.SOBEL_X, grid.LAPLACIAN]):
        want = reference_depthwise(x[1, ..., c : c + 1], k, "circular")
        np.testing.assert_allclose(got[1, ..., c : c + 1], want, atol=1e-5)
    p = np.asarray(grid.perceive(jnp.asarray(x), grid.kernel_bank(("id", "sobel_x")), "zero"))
    assert p.shape == (2, 4, 6, 4)
    np.testing.assert_array_equal(p[..., :2], x)  # kernel-major: identity block first


def test_rotated_sobel():
    rx, ry = grid.rotated_sobel(np.pi / 2)
    np.testing.assert_allclose(rx, -grid.SOBEL_Y, atol=1e-6)
    np.testing.assert_allclose(ry, grid.SOBEL_X, atol=1e-6)
    rx, ry = grid.rotated_sobel(0.0)
    np.testing.assert_array_equal(rx, grid.SOBEL_X)


def test_alive_mask_semantics():
    x = np.zeros((7, 7, 4), np.float32)
    x[3, 3, 3] = 0.2
    alive = np.asarray(grid.alive_mask(jnp.asarray(x)))[..., 0]
    want = np.zeros((7, 7))
    want[2:5, 2:5] = 1
    np.testing.assert_array_equal(alive, want)
    x[3, 3, 3] = 0.1  # threshold is strict
    assert np.asarray(grid.alive_mask(jnp.asarray(x))).sum() == 0
    x[0, 0, 3] = 0.5  # corner: padding does not wrap, does not count
    a = np.asarray(grid.alive_mask(jnp.asarray(x)))[..., 0]
    assert a[:2, :2].sum() == 4 and a.sum() == 4
    neg = -np.ones((4, 4, 4), np.float32)  # padding never makes cells alive
    assert np.asarray(grid.alive_mask(jnp.asarray(neg))).sum() == 0


def test_update_mask_is_per_cell_binary_and_not_rescaled():
    key = jax.random.PRNGKey(0)
    m = np.asarray(grid.update_mask(key, (2, 64, 64), 0.5))
    assert m.shape == (2, 64, 64, 1)
    assert set(np.unique(m).tolist()) == {0.0, 1.0}
    assert abs(m.mean() - 0.5) < 0.02
    assert np.all(np.asarray(grid.update_mask(key, (3, 3), 1.0)) == 1.0)


def test_circle_mask():
    m = np.asarray(grid.circle_mask((9, 9), jnp.array([4.0, 4.0]), jnp.float32(2.0)))[..., 0]
    assert m[4, 4] == 1 and m[4, 6] == 0 and m[4, 5] == 1 and m.sum() == 9
