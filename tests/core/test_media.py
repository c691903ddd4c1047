"""Media: loading (files, built-ins, packaged emoji), PNG/GIF/MP4 writing, grids, plots."""

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


def _font_rendering(char, font_path, *, tight):
    """The font path as it was before the packaged PNGs: the reference they must equal."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_path), 109)
    canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((8, 8), char, font=font, embedded_color=True)
    if not tight:
        left, top, right, bottom = font.getbbox(char)
        side = min(right - left, bottom - top)
        x0 = 8 + left + (right - left - side) // 2
        y0 = 8 + top + (bottom - top - side) // 2
        return np.asarray(canvas.crop((x0, y0, x0 + side, y0 + side))).astype(np.float32) / 255
    rgba = np.asarray(canvas.crop(canvas.getbbox())).astype(np.float32) / 255
    h, w = rgba.shape[:2]
    side = max(h, w)
    square = np.zeros((side, side, 4), np.float32)
    square[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = rgba
    return square


@pytest.mark.parametrize("name", sorted(media.EMOJI))
def test_packaged_emoji_equal_the_font_rendering(name, monkeypatch):
    font = media.emoji_font_path()
    assert font is not None, "the Noto Color Emoji font is installed by make setup"
    expected = {tight: _font_rendering(media.EMOJI[name], font, tight=tight)
                for tight in (True, False)}
    # the font hidden: built-in names load the same, bit for bit
    monkeypatch.setenv("SELFORG_EMOJI_FONT", "")
    assert media.emoji_font_path() is None
    for tight in (True, False):
        got = media.load_emoji(name, tight=tight)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected[tight])
    assert media.load_emoji(name, tight=False).shape == (128, 128, 4)


def test_emoji_targets_without_the_font(monkeypatch):
    monkeypatch.setenv("SELFORG_EMOJI_FONT", "")
    rgba = media.load_image("lizard", size=40, mode="RGBA")
    assert rgba.shape == (40, 40, 4) and 0.1 < rgba[..., 3].mean() < 0.9
    # another emoji needs the font: one line saying so
    with pytest.raises(BadInput, match="needs the Noto Color Emoji font") as e:
        media.load_image("\U0001f422")
    assert len(str(e.value).splitlines()) == 1


def test_any_emoji_character_from_the_font():
    turtle = media.load_image("\U0001f422", mode="RGBA")
    assert turtle.shape[-1] == 4 and 0.1 < turtle[..., 3].mean() < 0.9
    np.testing.assert_array_equal(media.load_emoji("\U0001f98e"), media.load_emoji("lizard"))
    with pytest.raises(BadInput, match="no glyph"):
        media.load_emoji("\u2fff")


def test_emoji_without_the_font_is_exit_2(monkeypatch, capsys, tmp_path):
    from selforg.cli import main

    monkeypatch.setenv("SELFORG_EMOJI_FONT", "")
    assert main(["data", "show", "\U0001f422", "--png", str(tmp_path / "t.png")]) == 2
    assert "Noto Color Emoji" in capsys.readouterr().err
    assert main(["data", "show", "lizard", "--png", str(tmp_path / "l.png")]) == 0
    assert (tmp_path / "l.png").exists()


def test_the_emoji_notice_is_packaged_with_them():
    notice = (media.EMOJI_DIR / "LICENSE-OFL.txt").read_text()
    assert "Copyright 2013-2017 Google Inc." in notice
    assert "SIL OPEN FONT LICENSE Version 1.1" in notice
    for name in media.EMOJI:
        assert media.emoji_file(name).is_file()


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


def test_mp4_from_library_code_raises_no_fork_warning(tmp_path):
    import warnings

    import jax.numpy as jnp

    jnp.zeros(1).block_until_ready()  # JAX's backend is up, so it would warn on a fork
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        media.write_mp4(tmp_path / "a.mp4", np.zeros((3, 8, 8, 3), np.float32))
    assert not [w for w in caught if "fork" in str(w.message)], [str(w.message) for w in caught]
