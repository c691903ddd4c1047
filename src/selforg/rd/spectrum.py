"""The length scale of a pattern from its radial power spectrum.

`radial_power` is the power spectrum summed over rings of equal integer frequency |k| (the
radially integrated structure factor S(k)); `dominant_wavelength` is N / ⟨k⟩ with
⟨k⟩ = Σ k·S(k) / Σ S(k), the first moment of S (the characteristic length of the
phase-separation literature). The first moment follows every length in the picture, so when
a pattern is the same up to a spatial scale factor s, its wavelength scales by exactly s.
"""

from __future__ import annotations

import numpy as np


def radial_power(img: np.ndarray) -> np.ndarray:
    """``S[r]`` for r = 0 .. N//2 (cycles per image side) of a square image ``(N, N)`` or
    ``(N, N, C)``: the power summed over the ring |k| ≈ r, each channel's mean removed first,
    channels summed."""
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
    return np.bincount(r[keep], weights=p[keep], minlength=n)


def dominant_wavelength(imgs: np.ndarray) -> float:
    """The dominant wavelength in cells, N / ⟨k⟩, of one image ``(N, N[, C])`` or a batch
    ``(B, N, N, C)`` (spectra summed); the DC term is excluded. NaN for a uniform image."""
    a = np.asarray(imgs)
    batch = a if a.ndim == 4 else a[None]
    s = np.sum([radial_power(x) for x in batch], axis=0)
    s[0] = 0.0
    total = float(np.sum(s))
    if total <= 0.0:
        return float("nan")
    k = float(np.sum(np.arange(s.size) * s) / total)
    return batch.shape[1] / k
