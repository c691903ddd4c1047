"""Images in and out: built-in exemplars, emoji targets, PNG, GIF, MP4, grids and plots.

Images are float32 arrays ``(H, W, C)`` with values in [0, 1], ``C`` = 1, 3 or 4 (RGBA with
straight, not premultiplied, alpha). Built-in exemplars are scikit-image's bundled images, the
procedural patterns of `selforg.core.patterns` (dots, stripes, cells, maze) and
the emoji of `EMOJI`, packaged as the PNGs the Noto Color Emoji font renders (``core/emoji/``,
SIL Open Font License 1.1, notice beside them; `selforg.core.emoji_render` makes them again),
so built-in names never depend on a system font and nothing needs a download. Any other emoji
character is rendered from the installed font.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from selforg.core.errors import BadInput
from selforg.core.patterns import PATTERNS
from selforg.core.patterns import draw as draw_pattern

# scikit-image images that ship with the package (no download).
SKIMAGE_BUILTINS: dict[str, str] = {
    "brick": "brick wall texture (grey, 512²)",
    "grass": "grass texture (grey, 512²)",
    "gravel": "gravel texture (grey, 512²)",
    "immunohistochemistry": "stained tissue, a colourful organic texture (512²)",
    "hubble_deep_field": "galaxies on black (872×1000)",
    "coffee": "a cup of coffee (400×600)",
    "chelsea": "a cat (300×451)",
    "astronaut": "astronaut portrait (512²)",
    "rocket": "a rocket launch (427×640)",
    "coins": "coins (grey, 303×384)",
    "moon": "lunar surface (grey, 512²)",
    "camera": "cameraman (grey, 512²)",
}

EMOJI: dict[str, str] = {
    "lizard": "\U0001f98e",
    "butterfly": "\U0001f98b",
    "mushroom": "\U0001f344",
    "fish": "\U0001f420",
    "smiley": "\U0001f600",
    "heart": "\u2764\ufe0f",
    "gecko": "\U0001f98e",
    "snowflake": "\u2744\ufe0f",
    "octopus": "\U0001f419",
    "flower": "\U0001f33c",
}

# The packaged renderings: the font's whole 136×128 bitmap of each glyph (128×128 artwork with
# 4-pixel side bearings), from which both framings of `load_emoji` are cut.
EMOJI_DIR = Path(__file__).with_name("emoji")
_FONT_SIZE = 109  # Noto Color Emoji is a bitmap font that only exists at size 109
_ORIGIN = 8

EMOJI_FONT_PATHS = (
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
)


def emoji_font_path() -> Path | None:
    """Path of the Noto Color Emoji font, or None when it is not installed.

    ``SELFORG_EMOJI_FONT`` overrides the search (an empty value: as if no font were installed).
    The built-in emoji names do not need it; other emoji characters do.
    """
    env = os.environ.get("SELFORG_EMOJI_FONT")
    if env is not None:
        return Path(env) if env and Path(env).is_file() else None
    for p in EMOJI_FONT_PATHS:
        if Path(p).is_file():
            return Path(p)
    return None


def list_builtins() -> dict[str, str]:
    """Built-in image names and a short description of each."""
    names = dict(SKIMAGE_BUILTINS)
    names.update(PATTERNS)
    for name, char in EMOJI.items():
        names[name] = f"emoji {char} (RGBA 128², Noto Color Emoji)"
    return names


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float image in [0, 1] (values clipped) or uint8 → uint8 of the same shape."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img
    if img.dtype == bool:
        return img.astype(np.uint8) * 255
    return (np.clip(np.nan_to_num(img.astype(np.float32)), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def _as_float(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img)
    if img.dtype == bool:
        return img.astype(np.float32)
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    return img.astype(np.float32)


def _convert(img: np.ndarray, mode: str) -> np.ndarray:
    """Convert a float image to 'RGB', 'RGBA' or 'L' channels."""
    if img.ndim == 2:
        img = img[..., None]
    c = img.shape[-1]
    if mode == "L":
        rgb = img[..., :3] if c >= 3 else np.repeat(img[..., :1], 3, axis=-1)
        return (rgb @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    if c == 1:
        img = np.repeat(img, 3, axis=-1)
    elif c == 2:
        img = np.concatenate([np.repeat(img[..., :1], 3, axis=-1), img[..., 1:2]], axis=-1)
    if mode == "RGB":
        if img.shape[-1] == 4:
            # composite on white, the way the image looks in a viewer
            a = img[..., 3:4]
            return img[..., :3] * a + (1.0 - a)
        return img[..., :3]
    if mode == "RGBA":
        if img.shape[-1] == 3:
            return np.concatenate([img, np.ones_like(img[..., :1])], axis=-1)
        return img
    raise BadInput(f"unknown image mode {mode!r}; allowed: RGB, RGBA, L")


def resize(img: np.ndarray, size: int | tuple[int, int], *, crop: bool = True) -> np.ndarray:
    """Resize a float image to `size` (int → square; (H, W) otherwise).

    With ``crop`` the largest centred region of the target aspect ratio is cut first, so nothing
    is stretched.
    """
    h, w = (size, size) if isinstance(size, int) else size
    if h < 1 or w < 1:
        raise BadInput(f"image size {size} must be ≥ 1")
    img = np.asarray(img, np.float32)
    if crop:
        ih, iw = img.shape[:2]
        scale = min(ih / h, iw / w)
        ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
        top, left = (ih - ch) // 2, (iw - cw) // 2
        img = img[top : top + ch, left : left + cw]
    chans = [
        np.asarray(Image.fromarray(img[..., k], mode="F").resize((w, h), Image.Resampling.LANCZOS))
        for k in range(img.shape[-1])
    ]
    return np.clip(np.stack(chans, axis=-1), 0.0, 1.0).astype(np.float32)


def random_crop(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random `size`×`size` crop of `img` (H, W ≥ size)."""
    h, w = img.shape[:2]
    if h < size or w < size:
        raise BadInput(f"image {h}×{w} is smaller than the crop {size}×{size}")
    y = int(rng.integers(0, h - size + 1))
    x = int(rng.integers(0, w - size + 1))
    return img[y : y + size, x : x + size]


def emoji_file(name: str) -> Path:
    """The packaged PNG of the built-in emoji `name` (named by its code points, as Noto does)."""
    return EMOJI_DIR / f"emoji_u{'_'.join(f'{ord(c):04x}' for c in EMOJI[name])}.png"


def render_emoji_bitmap(char: str, font_path: str | Path) -> np.ndarray:
    """The font's whole bitmap of `char`: uint8 RGBA ``(128, 136, 4)`` for Noto Color Emoji.

    Raises:
        BadInput: the font has no glyph for `char`.
        OSError: the font cannot be read.
    """
    font = ImageFont.truetype(str(font_path), _FONT_SIZE)
    canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((_ORIGIN, _ORIGIN), char, font=font, embedded_color=True)
    box = canvas.getbbox()
    if box is None:
        raise BadInput(f"the emoji font has no glyph for {char!r}")
    left, top, right, bottom = font.getbbox(char)
    cell = (_ORIGIN + left, _ORIGIN + top, _ORIGIN + right, _ORIGIN + bottom)
    if not (cell[0] <= box[0] and cell[1] <= box[1] and box[2] <= cell[2] and box[3] <= cell[3]):
        raise BadInput(f"the emoji font draws {char!r} outside its own glyph box")
    return np.asarray(canvas.crop(cell))


def _frame_emoji(bitmap: np.ndarray, *, tight: bool) -> np.ndarray:
    """Float RGBA square from a glyph bitmap: the glyph's own pixels centred in a square
    (`tight`), or the em square (the bitmap's central square, the artwork with its margins)."""
    h, w = bitmap.shape[:2]
    if not tight:
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        return _as_float(bitmap[y0 : y0 + side, x0 : x0 + side])
    box = Image.fromarray(bitmap, mode="RGBA").getbbox()
    if box is None:
        raise BadInput("the emoji bitmap is empty")
    rgba = _as_float(bitmap[box[1] : box[3], box[0] : box[2]])
    h, w = rgba.shape[:2]
    side = max(h, w)
    square = np.zeros((side, side, 4), np.float32)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = rgba
    return square


def _emoji_rendered(char: str, font_path: Path, *, tight: bool = True) -> np.ndarray:
    return _frame_emoji(render_emoji_bitmap(char, font_path), tight=tight)


def _is_emoji_text(text: str) -> bool:
    """Whether `text` could be an emoji (a short run of non-ASCII symbols), not a file name."""
    return 0 < len(text) <= 8 and all(ord(c) > 0x2000 for c in text)


def load_emoji(name: str, *, tight: bool = True) -> np.ndarray:
    """An emoji as float RGBA (square), by built-in name (`EMOJI`) or as the character itself.

    ``tight`` frames the glyph's own pixels; otherwise the whole em square with the artwork's
    margins (128×128). Built-in names come from the packaged PNGs; a character needs the Noto
    Color Emoji font.

    Raises:
        BadInput: an unknown name, or a character without the font (or without a glyph in it).
    """
    if name in EMOJI:
        with Image.open(emoji_file(name)) as im:
            bitmap = np.asarray(im.convert("RGBA"))
        return _frame_emoji(bitmap, tight=tight)
    if not _is_emoji_text(name):
        raise BadInput(f"unknown emoji {name!r}; known: {', '.join(sorted(EMOJI))}"
                       " (or give the emoji character itself)")
    font = emoji_font_path()
    if font is None:
        raise BadInput(
            f"the emoji {name} is not built in ({', '.join(sorted(EMOJI))} are) and rendering it"
            " needs the Noto Color Emoji font: install fonts-noto-color-emoji or set"
            " SELFORG_EMOJI_FONT to the font file"
        )
    try:
        return _emoji_rendered(name, font, tight=tight)
    except OSError as e:
        raise BadInput(f"cannot read the emoji font {font}: {e}") from None


def _read_file(path: Path) -> np.ndarray:
    if not path.is_file():
        raise BadInput(
            f"image {str(path)!r} is neither a file nor a built-in name"
            f" (built-ins: {', '.join(list_builtins())})"
        )
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode in ("P", "LA", "PA", "RGBA", "La") or "transparency" in im.info:
                im = im.convert("RGBA")
            elif im.mode not in ("L", "RGB"):
                im = im.convert("RGB")
            return _as_float(np.asarray(im))
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise BadInput(f"cannot read image {str(path)!r}: {e}") from None


def load_image(
    source: str | Path,
    *,
    size: int | tuple[int, int] | None = None,
    mode: str = "RGB",
) -> np.ndarray:
    """Load an image from a file path or a built-in name (see `list_builtins`).

    Args:
        source: a path, a built-in name such as ``"brick"`` or ``"lizard"``, or an emoji
            character (rendered from the Noto Color Emoji font, which then must be installed).
        size: resize to this (int → square; (H, W)), centre-cropping to keep the aspect ratio.
        mode: ``"RGB"``, ``"RGBA"`` or ``"L"``.

    Returns:
        float32 (H, W, 3|4|1) in [0, 1].

    Raises:
        BadInput: unknown name, missing or unreadable file, bad size or mode.
    """
    if mode not in ("RGB", "RGBA", "L"):
        raise BadInput(f"unknown image mode {mode!r}; allowed: RGB, RGBA, L")
    name = str(source)
    # a file of that name wins over a built-in; a folder of that name (e.g. a run folder
    # called "lizard" in the working directory) does not
    if name in SKIMAGE_BUILTINS and not Path(name).is_file():
        import skimage.data

        img = _as_float(getattr(skimage.data, name)())
    elif name in PATTERNS and not Path(name).is_file():
        img = draw_pattern(name)
    elif (name in EMOJI or _is_emoji_text(name)) and not Path(name).is_file():
        img = load_emoji(name)
    else:
        img = _read_file(Path(name))
    img = _convert(img, mode)
    if size is not None:
        img = resize(img, size)
    return np.ascontiguousarray(img, dtype=np.float32)


def upscale(img: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement by an integer `factor` (keeps cells crisp)."""
    return np.repeat(np.repeat(np.asarray(img), factor, axis=0), factor, axis=1)


def save_png(path: str | Path, img: np.ndarray) -> Path:
    """Save a float [0, 1] or uint8 image (H, W[, 1|3|4]) as PNG. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = to_uint8(img)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    Image.fromarray(arr).save(path, format="PNG")
    return path


def _frames_uint8(frames: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    out = []
    for f in frames:
        a = to_uint8(f)
        if a.ndim == 3 and a.shape[-1] == 1:
            a = np.repeat(a, 3, axis=-1)
        elif a.ndim == 2:
            a = np.repeat(a[..., None], 3, axis=-1)
        elif a.shape[-1] == 4:
            a = to_uint8(_convert(_as_float(a), "RGB"))
        out.append(a)
    if not out:
        raise BadInput("no frames to write")
    return out


def write_gif(
    path: str | Path, frames: Sequence[np.ndarray] | np.ndarray, *, fps: float = 20
) -> Path:
    """Write frames (T, H, W[, C]) as a looping GIF. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    imgs = [Image.fromarray(f) for f in _frames_uint8(frames)]
    imgs[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=imgs[1:],
        duration=max(20, int(round(1000 / fps))),
        loop=0,
        optimize=False,
    )
    return path


def write_mp4(
    path: str | Path, frames: Sequence[np.ndarray] | np.ndarray, *, fps: float = 30
) -> Path:
    """Write frames (T, H, W[, C]) as H.264 MP4 (odd sides padded to even). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrs = _frames_uint8(frames)
    # ffmpeg runs as a subprocess (fork then exec at once); JAX's warning on os.fork is about a
    # fork without exec, which can deadlock its threads, so it does not apply here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called",
                                category=RuntimeWarning)
        _write_frames(path, arrs, fps)
    return path


def _write_frames(path: Path, arrs: list[np.ndarray], fps: float) -> None:
    import imageio.v2 as imageio

    h, w = arrs[0].shape[:2]
    ph, pw = h + h % 2, w + w % 2
    writer = imageio.get_writer(
        path,
        fps=fps,
        codec="libx264",
        quality=8,
        pixelformat="yuv420p",
        macro_block_size=1,
        ffmpeg_log_level="error",
    )
    try:
        for a in arrs:
            if (ph, pw) != (h, w):
                a = np.pad(a, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")
            writer.append_data(a)
    finally:
        writer.close()


def image_grid(
    images: Sequence[np.ndarray], *, cols: int | None = None, pad: int = 2, background: float = 1.0
) -> np.ndarray:
    """Tile images (each (H, W[, C]), may differ in size) into one float RGB image."""
    if not images:
        raise BadInput("no images to put in a grid")
    rgb = [_convert(_as_float(im), "RGB") for im in images]
    cols = cols or int(np.ceil(np.sqrt(len(rgb))))
    rows = int(np.ceil(len(rgb) / cols))
    ch = max(im.shape[0] for im in rgb)
    cw = max(im.shape[1] for im in rgb)
    grid = np.full(
        (rows * ch + (rows + 1) * pad, cols * cw + (cols + 1) * pad, 3), background, np.float32
    )
    for i, im in enumerate(rgb):
        r, c = divmod(i, cols)
        y, x = pad + r * (ch + pad), pad + c * (cw + pad)
        grid[y : y + im.shape[0], x : x + im.shape[1]] = im
    return grid


def plot_curves(
    path: str | Path,
    curves: dict[str, tuple[Sequence[float], Sequence[float]]],
    *,
    xlabel: str = "step",
    ylabel: str = "",
    title: str = "",
    logy: bool = False,
    hlines: dict[str, float] | None = None,
    markers: bool = False,
) -> Path:
    """Line plot of ``{label: (xs, ys)}`` saved as PNG.

    ``hlines`` adds dashed horizontal reference lines (``{label: y}``), named in the legend;
    ``markers`` marks every data point.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
    for label, (xs, ys) in curves.items():
        ax.plot(np.asarray(xs), np.asarray(ys), label=label, lw=1.4,
                marker="o" if markers else None, ms=3)
    for i, (label, y) in enumerate((hlines or {}).items()):
        ax.axhline(y, ls="--", lw=1, color=f"C{len(curves) + i}", label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    if len(curves) + len(hlines or {}) > 1:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_metrics(
    path: str | Path,
    records: Sequence[Mapping[str, Any]],
    keys: Sequence[str] | Mapping[str, str],
    *,
    title: str = "",
    logy: bool = True,
    xlabel: str = "step",
    ylabel: str = "loss",
    x: str = "step",
) -> Path:
    """The loss curves of a run: one line per metric of `keys` over ``record[x]``, saved as PNG.

    Args:
        path: the PNG to write.
        records: logged records, as `Run.read_metrics` returns them.
        keys: metric names, or ``{legend label: metric name}``. A record that lacks a metric
            (logged on another cadence) is skipped for that metric alone.
        title, xlabel, ylabel: the axes' texts.
        logy: logarithmic y axis (values ≤ 0 are left out there, as matplotlib does).
        x: the record field on the x axis (``"epoch"`` for a soup).

    Raises:
        BadInput: no record holds `x` and any of `keys`.

    Example:
        >>> plot_metrics(run.artefact("plots", "loss.png"), run.read_metrics(), ["loss"])
        ... # doctest: +SKIP
    """
    labelled = dict(keys) if isinstance(keys, Mapping) else {k: k for k in keys}
    curves = {}
    for label, key in labelled.items():
        points = [(r[x], r[key]) for r in records if x in r and r.get(key) is not None]
        if points:
            curves[label] = ([p[0] for p in points], [p[1] for p in points])
    if not curves:
        raise BadInput(f"no logged records with {x!r} and any of {list(labelled.values())}")
    return plot_curves(path, curves, xlabel=xlabel, ylabel=ylabel, title=title, logy=logy)
