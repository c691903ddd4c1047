"""Pictures of a soup: each program a row of coloured bytes, or, on a grid, an 8×8 tile.

Colours are the reference simulator's (see `languages.byte_colours`): for BFF, red = byte 0,
green = brackets, magenta = data ops, lilac = head moves, grey = no-ops.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from selforg.soup.languages import byte_colours

MAX_ROWS_SHOWN = 4096
_COLUMN_GAP = 4


def soup_image(soup: np.ndarray, lang: str, *, grid: tuple[int, int] | None = None) -> np.ndarray:
    """RGB uint8 picture of a soup.

    Args:
        soup: (N, 64) uint8.
        lang: language (sets the colours).
        grid: (W, H) for a spatial soup: each program an 8×8 tile at its cell, tile edges
            darkened; otherwise the first ≤ 4096 programs as rows, in columns of up to 512.

    Returns:
        (H_img, W_img, 3) uint8.
    """
    colours = byte_colours(lang)
    if grid is not None:
        w, h = grid
        tiles = colours[soup.reshape(h, w, 8, 8)].astype(np.int16)  # (h, w, 8, 8, 3)
        tiles[:, :, 0, :, :] -= 32
        tiles[:, :, 1:, 0, :] -= 32
        img = np.clip(tiles, 0, 255).astype(np.uint8)
        return img.transpose(0, 2, 1, 3, 4).reshape(h * 8, w * 8, 3)
    shown = soup[:MAX_ROWS_SHOWN]
    n = shown.shape[0]
    cols = max(1, math.ceil(math.sqrt(n / (64 + _COLUMN_GAP))))
    per_col = math.ceil(n / cols)
    width = cols * (64 + _COLUMN_GAP) - _COLUMN_GAP
    img = np.zeros((per_col, width, 3), dtype=np.uint8)
    for c in range(cols):
        block = shown[c * per_col:(c + 1) * per_col]
        x = c * (64 + _COLUMN_GAP)
        img[: block.shape[0], x:x + 64] = colours[block]
    return img


def shown_programs(soup: np.ndarray, grid: tuple[int, int] | None = None) -> np.ndarray:
    """The programs `soup_image` draws, in its order: (n, 64) uint8 (every program of a
    spatial soup; the first ≤ 4096 otherwise)."""
    return np.ascontiguousarray(soup if grid is not None else soup[:MAX_ROWS_SHOWN])


def gif_frames(
    paths: list[Path], *, max_frames: int = 120, max_side: int = 720
) -> list[np.ndarray]:
    """Read up to `max_frames` evenly spaced PNG frames, subsampled so no side exceeds max_side."""
    from PIL import Image

    if len(paths) > max_frames:
        keep = np.unique(np.linspace(0, len(paths) - 1, max_frames).round().astype(int))
        paths = [paths[i] for i in keep]
    frames = []
    for p in paths:
        img = np.asarray(Image.open(p).convert("RGB"))
        step = max(1, math.ceil(max(img.shape[:2]) / max_side))
        frames.append(np.ascontiguousarray(img[::step, ::step]))
    return frames
