"""The length scale of a pattern: its radially averaged power spectrum and dominant
wavelength (cells per period)."""

from __future__ import annotations

import numpy as np


def radial_power(img: np.ndarray) -> np.ndarray:
    """Radially averaged power ``P[r]`` (r = 0 .. min(H, W)//2 cycles per image side) of a
    square image ``(N, N)`` or ``(N, N, C)``, the mean of each channel removed first (summed
    over channels)."""
    a = np.asarray(img, np.float64)
    if a.ndim == 2:
        a = a[..., None]
    h, w = a.shape[:2]
    if h != w:
        raise ValueError(f"radial_power needs a square image, got {h}×{w}")
    a = a - a.mean(axis=(0, 1), keepdims=True)
    p = np.sum(np.abs(np.fft.fft2(a, axes=(0, 1))) ** 2, axis=-1)
    f = np.fft.fftfreq(h) * h
    r = np.rint(np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)).astype(int)
    n = h // 2 + 1
    keep = r < n
    total = np.bincount(r[keep], weights=p[keep], minlength=n)
    count = np.bincount(r[keep], minlength=n)
    return total / np.maximum(count, 1)


def dominant_wavelength(imgs: np.ndarray) -> float:
    """The dominant wavelength (cells) of one image ``(N, N[, C])`` or a batch ``(B, N, N, C)``
    (spectra averaged): the power-weighted mean frequency within a factor 1.5 of the peak of
    the radial spectrum (the DC term excluded)."""
    a = np.asarray(imgs)
    batch = a if a.ndim == 4 else a[None]
    p = np.mean([radial_power(x) for x in batch], axis=0)
    n = batch.shape[1]
    r = np.arange(p.size, dtype=np.float64)
    p[0] = 0.0
    peak = int(np.argmax(p))
    band = (r >= peak / 1.5) & (r <= peak * 1.5) & (r > 0)
    k = float(np.sum(r[band] * p[band]) / np.sum(p[band]))
    return n / k
