"""Media: loading (files, built-ins, emoji fallback), PNG/GIF/MP4 writing, grids."""

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from selforg.core import media
from selforg.core.errors import BadInput


def test_png_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (7, 5, 3)).astype(np.uint8)
    path = media.save_png(tmp_path / "a.png", img)
    back = media.load_image(path)
    np.testing.assert_array_equal(media.to_uint8(back), img)


def test_rgba_file_keeps_alpha(tmp_path):
    img = np.zeros((4, 4, 4), np.uint8)
    img[1:3, 1:3] = (255, 0, 0, 255)
    media.save_png(tmp_path / "a.png", img)
    back = media.load_image(tmp_path / "a.png", mode="RGBA")
    assert back.shape == (4, 4, 4)
    assert back[..., 3].sum() == 4.0


def test_gif_has_all_frames(tmp_path):
    frames = [np.full((8, 8, 3), v, np.float32) for v in (0.0, 0.5, 1.0)]
    path = media.write_gif(tmp_path / "a.gif", frames, fps=10)
    with Image.open(path) as im:
        assert im.n_frames == 3


def test_mp4_is_written_and_readable(tmp_path):
    frames = np.random.default_rng(1).random((6, 15, 17, 3)).astype(np.float32)
    path = media.write_mp4(tmp_path / "a.mp4", frames, fps=12)
    # imageio's ffmpeg reader leaks its pipes (ResourceWarning); ffmpeg's own count does not.
    n, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert n == 6


def test_builtin_texture_and_resize():
    img = media.load_image("brick", size=(32, 48))
    assert img.shape == (32, 48, 3) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0


def test_a_folder_does_not_shadow_a_builtin_name(tmp_path, monkeypatch):
    """A run folder called "lizard" in the working directory must not hide the built-in."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lizard").mkdir()
    (tmp_path / "brick").mkdir()
    assert media.load_image("lizard", size=8, mode="RGBA").shape == (8, 8, 4)
    assert media.load_image("brick", size=8).shape == (8, 8, 3)
    # a file of that name is what the user means
    media.save_png(tmp_path / "coins", np.zeros((4, 4, 3), np.uint8))
    assert media.load_image("coins").shape == (4, 4, 3)


def test_emoji_target_and_fallback(monkeypatch):
    rgba = media.load_image("lizard", size=40, mode="RGBA")
    assert rgba.shape == (40, 40, 4)
    assert 0.1 < rgba[..., 3].mean() < 0.9
    monkeypatch.setenv("SELFORG_EMOJI_FONT", "")
    fallback = media.load_image("lizard", size=40, mode="RGBA")
    assert fallback.shape == (40, 40, 4) and 0.1 < fallback[..., 3].mean() < 0.9


def test_unknown_name_and_unreadable_file(tmp_path):
    with pytest.raises(BadInput, match="neither a file nor a built-in"):
        media.load_image("no-such-texture")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG garbage")
    with pytest.raises(BadInput, match="cannot read image"):
        media.load_image(bad)


def test_image_grid_places_tiles():
    a = np.zeros((4, 4, 3), np.float32)
    b = np.ones((4, 4, 3), np.float32)
    grid = media.image_grid([a, b], cols=2, pad=1, background=0.5)
    assert grid.shape == (6, 11, 3)
    assert grid[1, 1, 0] == 0.0 and grid[1, 6, 0] == 1.0 and grid[0, 0, 0] == 0.5


def test_emoji_em_square_keeps_the_artwork_margins():
    if media.emoji_font_path() is None:
        pytest.skip("needs the emoji font (make installs fonts-noto-color-emoji)")
    square = media.load_emoji("lizard", tight=False)
    tight = media.load_emoji("lizard")
    assert square.shape == (128, 128, 4)
    ys, xs = np.nonzero(square[..., 3] > 0)
    # the glyph sits inside its em square with a free margin on every side
    assert ys.min() > 0 and xs.min() > 0 and ys.max() < 127 and xs.max() < 127
    # and it is the same artwork the tight framing shows, pixel for pixel
    glyph = square[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = glyph.shape[:2]
    side = tight.shape[0]
    top, left = (side - h) // 2, (side - w) // 2
    np.testing.assert_array_equal(tight[top:top + h, left:left + w], glyph)


def test_plot_metrics_skips_records_without_a_key(tmp_path, monkeypatch):
    drawn = {}

    def fake(path, curves, **kw):
        drawn.update(curves=curves, **kw)
        return path

    monkeypatch.setattr(media, "plot_curves", fake)
    records = [{"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5, "val": 0.7},
               {"step": 3, "loss": 0.25}]
    media.plot_metrics(tmp_path / "a.png", records, {"train": "loss", "validation": "val"},
                       title="t")
    assert drawn["curves"] == {"train": ([1, 2, 3], [1.0, 0.5, 0.25]), "validation": ([2], [0.7])}
    assert drawn["logy"] is True and drawn["ylabel"] == "loss" and drawn["title"] == "t"
    with pytest.raises(BadInput, match="no logged records"):
        media.plot_metrics(tmp_path / "b.png", records, ["missing"])


def test_plot_metrics_writes_a_png(tmp_path):
    records = [{"epoch": e, "h": 1.0 + e} for e in range(5)]
    path = media.plot_metrics(tmp_path / "p" / "h.png", records, ["h"], x="epoch",
                              xlabel="epoch", logy=False)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 100
