"""The procedural exemplars: periodic, deterministic, the promised colours and scales."""

import numpy as np
import pytest

from selforg.core import media, patterns, texture_judge


@pytest.mark.parametrize("name", sorted(patterns.PATTERNS))
def test_pattern_is_a_deterministic_rgb_image(name):
    a, b = patterns.draw(name), patterns.draw(name)
    assert a.shape == (512, 512, 3) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    a[:8, :8] = 0.5  # a copy: the cached drawing is not changed through it
    np.testing.assert_array_equal(patterns.draw(name), b)


@pytest.mark.parametrize("name", sorted(patterns.PATTERNS))
def test_pattern_tiles_seamlessly(name):
    """Across the wrap, neighbouring pixels differ no more than neighbours inside do."""
    img = patterns.draw(name)
    inside = np.abs(np.diff(img, axis=1)).max()
    across = np.abs(img[:, 0] - img[:, -1]).max()
    assert across <= inside + 1e-6
    inside_v = np.abs(np.diff(img, axis=0)).max()
    assert np.abs(img[0] - img[-1]).max() <= inside_v + 1e-6


def test_dots_and_stripes_have_their_period():
    """The dominant horizontal frequency of stripes is 512/32 = 16 cycles; the dots' lattice
    has 11 discs along a row, which cover about a fifth of the image."""
    g = texture_judge.luminance(patterns.draw("stripes"))
    row_power = np.abs(np.fft.rfft(g - g.mean(), axis=1)).mean(axis=0)
    assert int(np.argmax(row_power[1:])) + 1 == 16
    d = texture_judge.luminance(patterns.draw("dots"))
    row = d[int(0.5 * 512 / 12)]  # through the centres of the first row of discs
    power = np.abs(np.fft.rfft(row - row.mean()))
    assert int(np.argmax(power[1:])) + 1 == 11
    assert 0.17 < np.mean(d > 0.6) < 0.25


def test_cells_have_thin_dark_borders_and_maze_is_isotropic():
    cells = patterns.draw("cells")
    dark = texture_judge.luminance(cells) < 0.3
    assert 0.05 < dark.mean() < 0.25  # borders, not blotches
    maze = texture_judge.luminance(patterns.draw("maze"))
    spectrum = np.abs(np.fft.fft2(maze - maze.mean())) ** 2
    ky = np.fft.fftfreq(512)[:, None]
    kx = np.fft.fftfreq(512)[None, :]
    horizontal = spectrum[np.abs(ky) < np.abs(kx)].sum()
    vertical = spectrum[np.abs(ky) > np.abs(kx)].sum()
    assert 0.8 < horizontal / vertical < 1.25


def test_patterns_are_builtin_images():
    assert set(patterns.PATTERNS) <= set(media.list_builtins())
    img = media.load_image("dots", size=64)
    assert img.shape == (64, 64, 3)
    grey = media.load_image("maze", size=32, mode="L")
    assert grey.shape == (32, 32, 1)
