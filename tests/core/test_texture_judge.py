"""The second texture judge (`selforg.core.texture_judge`) against answers known in advance:
identical images, rotation, translation, blur, streaks, noise, grey images, bad shapes."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, uniform_filter1d

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.texture_judge import (
    ORIENTATIONS,
    chroma_report,
    mean_chroma,
    structure_distance,
    structure_report,
    structure_signature,
)
from selforg.nca.images import load_exemplar


@pytest.fixture(scope="module")
def brick():
    return load_exemplar("brick", 64)


def _crops(img, n=4, size=32, seed=0):
    rng = np.random.default_rng(seed)
    return [media.random_crop(img, size, rng) for _ in range(n)]


def _mean(imgs, ex):
    return float(np.mean([structure_distance(im, ex) for im in imgs]))


def test_identical_images_are_at_zero(brick):
    assert structure_distance(brick, brick) == 0.0
    noise = np.random.default_rng(1).uniform(size=(40, 24, 3))
    assert structure_distance(noise, noise) == 0.0


def test_brightness_and_contrast_do_not_count(brick):
    # shares of the power: a gain and an offset change nothing
    assert structure_distance(0.5 * brick + 0.2, brick) == pytest.approx(0.0, abs=1e-6)


def test_a_crop_beats_a_rotated_crop_noise_a_blur_and_streaks(brick):
    """The anisotropic brick: crops of it (the floor) are nearer to it than the same crops
    turned by 90°, blurred, smeared into vertical streaks, or noise; the patch loss's colour
    and patch statistics alone cannot see a rotation."""
    crops = _crops(brick)
    rng = np.random.default_rng(2)
    floor = _mean(crops, brick)
    rotated = _mean([np.rot90(c) for c in crops], brick)
    blurred = _mean([gaussian_filter(c, (1.5, 1.5, 0), mode="wrap") for c in crops], brick)
    streaky = _mean([uniform_filter1d(c, 9, axis=0, mode="wrap") for c in crops], brick)
    noise = _mean([rng.uniform(size=(32, 32, 3)) for _ in range(4)], brick)
    assert floor < 0.5
    assert rotated > 2 * floor
    assert blurred > 4 * floor and streaky > 4 * floor and noise > 2 * floor


def test_translation_does_not_count():
    """A periodic texture rolled by any offset keeps its spectrum: far nearer than turned."""
    rng = np.random.default_rng(3)
    tile = gaussian_filter(rng.uniform(size=(16, 16)), (0.5, 2.0), mode="wrap")
    img = np.tile(tile, (4, 4))
    turned = structure_distance(img.T, img)
    for dy, dx in [(1, 0), (5, 11), (8, 8), (13, 3)]:
        moved = structure_distance(np.roll(img, (dy, dx), axis=(0, 1)), img)
        assert moved < 0.05 and moved < 0.01 * turned, (dy, dx)


def test_stripes_put_their_power_in_the_right_orientation():
    x = np.arange(64)
    vertical = np.tile(0.5 + 0.4 * np.sin(2 * np.pi * x / 5.0), (64, 1))  # varies along x
    sig = structure_signature(vertical)
    band, orient = np.unravel_index(np.argmax(sig), sig.shape)
    assert orient == 0 and band == 1  # horizontal frequencies; period 5 px: the 6.4–3.6 px band
    sig_t = structure_signature(vertical.T)
    assert np.unravel_index(np.argmax(sig_t), sig_t.shape)[1] == ORIENTATIONS // 2


def test_a_grey_image_has_zero_chroma(brick):
    assert mean_chroma(brick) == 0.0
    assert mean_chroma(np.full((8, 8, 3), 0.3)) == 0.0
    assert mean_chroma(np.zeros((8, 8))) == 0.0
    red = np.zeros((4, 4, 3))
    red[..., 0] = 1.0
    assert mean_chroma(red) == 1.0
    tinted = brick.copy()
    tinted[..., 1] += 0.05
    assert chroma_report([tinted], brick) == pytest.approx({"model": 0.05, "exemplar": 0.0})


def test_report_orders_floor_rotated_ceiling(brick):
    crops = _crops(brick, 2)
    noise = list(np.random.default_rng(4).uniform(size=(2, 32, 32, 3)))
    rep = structure_report(brick, crops, noise, same=crops)
    assert rep["same"] == rep["floor"] < rep["rotated"] < rep["ceiling"]


@pytest.mark.parametrize("bad,match", [
    (np.zeros((32, 32, 4)), r"expected an image \(H, W\), \(H, W, 1\) or \(H, W, 3\), got"
                            r" shape \(32, 32, 4\)"),
    (np.zeros(32), r"got shape \(32,\)"),
    (np.zeros((2, 32, 32, 3)), r"got shape \(2, 32, 32, 3\)"),
    (np.zeros((8, 64, 3)), r"8×64 px is too small; need sides ≥ 16"),
    (np.full((32, 32, 3), np.nan), r"NaN"),
])
def test_bad_images_are_refused_with_one_line(bad, match, brick):
    with pytest.raises(BadInput, match=match):
        structure_distance(bad, brick)
    with pytest.raises(BadInput, match=match):
        structure_distance(brick, bad)
