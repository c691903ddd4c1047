"""A second texture judge, independent of the patch loss: structure and colour gamut.

The patch sliced-Wasserstein distance (`selforg.nca.losses.texture_distance`) compares the
distributions of small patches; a texture made of the right patches in the wrong arrangement
(vertical streaks where the exemplar has horizontal mortar lines, grey noise for gravel) or
with a tint the exemplar lacks can score close to a crop of the exemplar. This module measures
what the patch loss does not:

- **structure**: the power spectrum of the luminance (Welch's estimate over Hann-windowed 16-px
  tiles), its power shared out over 3 frequency bands × 6 orientations, compared on a log scale
  with the exemplar's. Orientation matters (a 90° rotation moves the power to other orientation
  bins), and so do scale and period (a blur empties the high bands, white noise fills them
  evenly); where the texture sits, and its brightness and contrast, do not.
- **chroma**: the mean HSV chroma ``max(R, G, B) − min(R, G, B)`` of the pixels; exactly 0 for a
  grey image, so a grey exemplar must give a texture with chroma near 0.

Everything is plain NumPy on float images in [0, 1]; no JAX, no training.
"""

from __future__ import annotations

import numpy as np

from selforg.core.errors import BadInput

TILE = 16
"""Side in pixels of the windowed tiles whose power spectra are averaged (Welch's method)."""

BANDS = (1.0, 2.5, 4.5, 9.0)
"""Edges of the radial frequency bands in cycles per tile (÷ `TILE` for cycles per pixel):
periods of 16–6.4 px, 6.4–3.6 px and 3.6–1.8 px."""

ORIENTATIONS = 6
"""Orientation bins over 180° (30° each, the first centred on horizontal frequencies, i.e. on
vertical stripes)."""

_MAX_POSITIONS = 64  # tile positions per axis (every position up to 79 px sides)
_EPS = 1e-6  # the smallest power share told apart on the log scale

# Rec. 601 luma weights: the grey that a black-and-white reproduction of the image would show.
_LUMA = np.array([0.299, 0.587, 0.114])


def _image(img: np.ndarray, what: str, min_side: int = 1) -> np.ndarray:
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[-1] not in (1, 3):
        raise BadInput(f"{what}: expected an image (H, W), (H, W, 1) or (H, W, 3), got shape"
                       f" {tuple(np.shape(img))}")
    if min(a.shape[:2]) < min_side:
        raise BadInput(f"{what}: an image of {a.shape[0]}×{a.shape[1]} px is too small; need"
                       f" sides ≥ {min_side}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise BadInput(f"{what}: the image holds NaN or infinite values")
    return a


def luminance(img: np.ndarray) -> np.ndarray:
    """Rec. 601 luma ``(H, W)`` of an RGB image ``(H, W, 3)`` (a grey image passes through)."""
    a = _image(img, "luminance")
    return a[..., 0] if a.shape[-1] == 1 else a @ _LUMA


def power_spectrum(gray: np.ndarray, tile: int = TILE) -> np.ndarray:
    """Welch's estimate ``(tile, tile)`` of the power spectrum of a grey image ``(H, W)``: the
    mean of ``|FFT|²`` over Hann-windowed tiles at every position (at most 64 positions along
    each axis, evenly strided, for large images), each tile's mean removed (FFT order: index 0
    is the zero frequency). The window keeps the edges of a crop that does not tile from
    showing up as horizontal and vertical lines."""
    g = np.asarray(gray, np.float64)
    hann = np.hanning(tile + 2)[1:-1]
    win = np.outer(hann, hann)
    views = np.lib.stride_tricks.sliding_window_view(g, (tile, tile))
    sy, sx = (-(-n // _MAX_POSITIONS) for n in views.shape[:2])
    total = np.zeros((tile, tile))
    count = 0
    for row in views[::sy]:  # one row of tiles at a time: bounded memory for large images
        t = row[::sx]
        t = (t - t.mean(axis=(1, 2), keepdims=True)) * win
        total += np.sum(np.abs(np.fft.fft2(t)) ** 2, axis=0)
        count += t.shape[0]
    return total / count


def _bins(tile: int) -> tuple[np.ndarray, np.ndarray]:
    f = np.fft.fftfreq(tile) * tile
    fy, fx = np.meshgrid(f, f, indexing="ij")
    band = np.digitize(np.hypot(fy, fx), BANDS) - 1  # -1: the zero frequency; 3: beyond
    angle = np.mod(np.arctan2(fy, fx), np.pi) / np.pi * ORIENTATIONS
    return band, np.rint(angle).astype(int) % ORIENTATIONS


def structure_signature(img: np.ndarray) -> np.ndarray:
    """The log share of the luminance's power in each frequency band and orientation,
    ``(3, ORIENTATIONS)`` (natural log; shares sum to 1 before the log): what
    `structure_distance` compares. A constant image has no power anywhere: all ``log(1e-6)``."""
    g = luminance(_image(img, "structure_signature", min_side=TILE))
    p = power_spectrum(g, TILE)
    band, orient = _bins(TILE)
    sig = np.zeros((len(BANDS) - 1, ORIENTATIONS))
    for b in range(sig.shape[0]):
        for k in range(ORIENTATIONS):
            sig[b, k] = p[(band == b) & (orient == k)].mean()
    total = sig.sum()
    share = sig / total if total > 1e-20 else np.zeros_like(sig)
    return np.log(share + _EPS)


def structure_distance(img: np.ndarray, exemplar: np.ndarray) -> float:
    """How far the arrangement of a texture is from the exemplar's: the root-mean-square
    difference of their `structure_signature` s (log power shares per band and orientation).

    The power spectrum is where the eye sees structure: its orientation (vertical streaks put
    their power at horizontal frequencies; a 90° rotation moves it), its scale (a blur empties
    the high bands, white noise spreads power evenly) and its period; it is blind to where the
    texture sits and to its brightness and contrast (shares, not power), which the patch
    distance measures.

    Args:
        img: the texture, ``(H, W, 3)`` (or grey ``(H, W)`` / ``(H, W, 1)``), values in [0, 1],
            sides ≥ `TILE` (16 px).
        exemplar: the exemplar, ``(H2, W2, 3)`` or grey, sides ≥ 16 px; any size (need not
            tile, need not match `img`; pixels are compared at the same scale).

    Returns:
        A distance ≥ 0 in natural-log units of power share (0.1 ≈ the shares differ by 10 %
        on average): 0 for identical images; about 0.2–0.4 for another 32-px crop of the same
        texture; around 1 and more for a rotated anisotropic texture, a blurred or streaky one
        and for noise.

    Raises:
        BadInput: an image that is not (H, W[, 1|3]), holds NaN or is smaller than 16 px.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> a = rng.uniform(size=(32, 32, 3))
        >>> structure_distance(a, a)
        0.0
    """
    sa = structure_signature(img)
    sb = structure_signature(exemplar)
    return float(np.sqrt(np.mean((sa - sb) ** 2)))


def mean_chroma(img: np.ndarray) -> float:
    """The mean HSV chroma ``max(R,G,B) − min(R,G,B)`` of an RGB image ``(H, W, 3)`` in [0, 1]:
    0 for a grey image (exactly), up to 1 for saturated primaries. A grey ``(H, W)`` image
    gives 0."""
    a = _image(img, "mean_chroma")
    if a.shape[-1] == 1:
        return 0.0
    return float(np.mean(a.max(axis=-1) - a.min(axis=-1)))


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def structure_report(exemplar: np.ndarray, crops: list[np.ndarray], noise: list[np.ndarray],
                     **textures: list[np.ndarray]) -> dict[str, float]:
    """`structure_distance` of each named group of textures to the exemplar (mean over the
    group), beside the exemplar's own crops (``floor``), the same crops turned by 90°
    (``rotated``: how much orientation the exemplar has) and noise (``ceiling``).

    Args:
        exemplar: ``(H, W, 3)``.
        crops: crops of the exemplar, each ``(h, w, 3)``, the size of the textures.
        noise: noise images, each ``(h, w, 3)``.
        **textures: groups of images, e.g. ``distance_3000=[img_a, img_b]``.

    Returns:
        ``{name: distance for each group, "floor", "rotated", "ceiling"}``.
    """
    out = {k: _mean([structure_distance(im, exemplar) for im in v]) for k, v in textures.items()}
    out["floor"] = _mean([structure_distance(c, exemplar) for c in crops])
    out["rotated"] = _mean([structure_distance(np.rot90(c), exemplar) for c in crops])
    out["ceiling"] = _mean([structure_distance(n, exemplar) for n in noise])
    return out


def chroma_report(textures: list[np.ndarray], exemplar: np.ndarray) -> dict[str, float]:
    """``{"model": mean chroma of the textures, "exemplar": the exemplar's}`` (`mean_chroma`)."""
    return {"model": _mean([mean_chroma(t) for t in textures]), "exemplar": mean_chroma(exemplar)}
