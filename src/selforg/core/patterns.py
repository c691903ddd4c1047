"""Procedural exemplars: the pattern classes of the reaction-diffusion paper's figure
(polka-dotted, lined, chequered, cellular), drawn here so that they need no download.

The Describable Textures Dataset images the paper trained on are not shipped by any package;
these stand in for their classes. Each is a 512² float32 RGB image in [0, 1], periodic on
the 512 grid, anti-aliased (edges are smoothstep ramps one to two pixels wide), and
deterministic (the random ones draw from a fixed seed).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

SIZE = 512

PATTERNS: dict[str, str] = {
    "dots": "polka dots: cream discs on red, a hexagonal lattice (RGB, 512², drawn)",
    "stripes": "stripes: navy bands on cream, wavy (RGB, 512², drawn)",
    "cells": "cells: irregular green cells with dark borders, a Voronoi tiling (RGB, 512², drawn)",
    "maze": "maze: a dark labyrinth of even-width lines on sand (RGB, 512², drawn)",
}


def _smooth_edge(signed_distance: np.ndarray, width: float = 1.5) -> np.ndarray:
    """1 inside (distance < 0), 0 outside, a smoothstep ramp `width` pixels wide between."""
    t = np.clip(0.5 - signed_distance / width, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _mix(mask: np.ndarray, inside: tuple[float, ...], outside: tuple[float, ...]) -> np.ndarray:
    a = np.asarray(inside, np.float32)
    b = np.asarray(outside, np.float32)
    return (mask[..., None] * a + (1.0 - mask[..., None]) * b).astype(np.float32)


def _grid() -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
    return y, x


def _periodic_distance(d: np.ndarray) -> np.ndarray:
    return d - SIZE * np.round(d / SIZE)


def _voronoi_border_distance(sites: np.ndarray) -> np.ndarray:
    """Distance from every pixel to the nearest Voronoi edge of `sites` (N, 2) on the torus.

    The edge between a pixel's nearest site a and another site b is their bisector, at
    (|x−b|² − |x−a|²) / (2|a−b|) from the pixel; the nearest edge is the smallest over b.
    """
    y, x = _grid()
    best_d2 = np.full((SIZE, SIZE), np.inf)
    ay = np.zeros((SIZE, SIZE))
    ax = np.zeros((SIZE, SIZE))
    for py, px in sites:
        oy, ox = _periodic_distance(py - y), _periodic_distance(px - x)
        d2 = oy * oy + ox * ox
        closer = d2 < best_d2
        best_d2 = np.where(closer, d2, best_d2)
        ay = np.where(closer, oy, ay)
        ax = np.where(closer, ox, ax)
    best = np.full((SIZE, SIZE), np.inf)
    for py, px in sites:
        oy, ox = _periodic_distance(py - y), _periodic_distance(px - x)
        sep = np.hypot(oy - ay, ox - ax)
        edge = (oy * oy + ox * ox - best_d2) / np.maximum(2.0 * sep, 1e-9)
        best = np.minimum(best, np.where(sep > 1e-9, edge, np.inf))
    return best


def dots() -> np.ndarray:
    """Cream discs (radius 11.5 px) on red, on a hexagonal lattice of 11 × 12 discs.

    The discs cover a fifth of the plane: at about half, a Turing pattern of the same period
    forms stripes as readily as spots, and a rule learned from it draws a labyrinth.
    """
    y, x = _grid()
    cols, rows = 11, 12  # an even row count: the offset rows close on the torus
    spacing, row_h = SIZE / cols, SIZE / rows
    dist = np.full((SIZE, SIZE), np.inf)
    for r in range(rows):
        cy = (r + 0.5) * row_h
        offset = 0.5 * spacing * (r % 2)
        for c in range(cols):
            cx = (c + 0.25) * spacing + offset
            d = np.hypot(_periodic_distance(y - cy), _periodic_distance(x - cx))
            dist = np.minimum(dist, d)
    return _mix(_smooth_edge(dist - 11.5), (0.96, 0.91, 0.78), (0.78, 0.16, 0.18))


def stripes() -> np.ndarray:
    """Navy bands 14 px wide, period 32 px, gently wavy (they stay periodic on the torus)."""
    y, x = _grid()
    phase = x + 6.0 * np.sin(2.0 * np.pi * y / 128.0)
    d = np.abs(np.mod(phase, 32.0) - 16.0) - 7.0
    return _mix(_smooth_edge(d), (0.12, 0.16, 0.38), (0.93, 0.89, 0.80))


def cells() -> np.ndarray:
    """A Voronoi tiling of 220 random sites: green cells, dark borders 3 px wide."""
    rng = np.random.default_rng(7)
    border = _voronoi_border_distance(rng.uniform(0, SIZE, size=(220, 2))) - 1.5
    return _mix(_smooth_edge(border), (0.10, 0.12, 0.06), (0.42, 0.62, 0.24))


def maze() -> np.ndarray:
    """A random labyrinth: the zero set of band-limited noise (wavelength 32 px), drawn as dark
    lines 8 px wide: half the area, the balance at which a Turing pattern forms stripes."""
    rng = np.random.default_rng(11)
    ky = np.fft.fftfreq(SIZE)[:, None] * SIZE
    kx = np.fft.fftfreq(SIZE)[None, :] * SIZE
    k = np.hypot(ky, kx)
    ring = np.exp(-(((k - 16.0) / 1.5) ** 2))  # one wavelength: 32 px
    spectrum = ring * np.exp(2j * np.pi * rng.uniform(size=(SIZE, SIZE)))
    field = np.real(np.fft.ifft2(spectrum))
    field /= field.std()
    # |field| near zero is the line; the gradient turns it into a distance in pixels
    gy, gx = np.gradient(field)
    dist = np.abs(field) / np.maximum(np.hypot(gy, gx), 1e-6)
    return _mix(_smooth_edge(dist - 4.0), (0.20, 0.14, 0.10), (0.90, 0.80, 0.60))


_DRAW: dict[str, Callable[[], np.ndarray]] = {
    "dots": dots,
    "stripes": stripes,
    "cells": cells,
    "maze": maze,
}


@functools.lru_cache(maxsize=len(_DRAW))
def _drawn(name: str) -> np.ndarray:
    img = _DRAW[name]()
    img.setflags(write=False)
    return img


def draw(name: str) -> np.ndarray:
    """The procedural exemplar `name` (a key of `PATTERNS`): float32 (512, 512, 3) in [0, 1].

    Raises:
        KeyError: `name` is not a pattern.
    """
    return _drawn(name).copy()
