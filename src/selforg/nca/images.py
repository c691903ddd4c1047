"""Targets and exemplars as arrays, with one-line errors for bad input."""

from __future__ import annotations

import numpy as np

from selforg.core import media
from selforg.core.errors import BadInput


def load_exemplar(source: str, size: int) -> np.ndarray:
    """A texture exemplar ``(size, size, 3)`` in [0, 1] (built-in name or image path)."""
    if size < 8:
        raise BadInput(f"exemplar size {size} is too small; need ≥ 8")
    return media.load_image(source, size=size, mode="RGB")


def load_target(source: str, size: int, pad: int) -> np.ndarray:
    """A growing target: RGBA premultiplied by alpha, ``size`` px padded by ``pad`` on all sides.

    Returns ``(size + 2·pad, size + 2·pad, 4)``.

    Raises:
        BadInput: unreadable, or a fully transparent / fully opaque image (nothing to grow).
    """
    if size < 4 or pad < 0:
        raise BadInput(f"target size {size} / pad {pad}: need size ≥ 4 and pad ≥ 0")
    img = media.load_image(source, size=size, mode="RGBA")
    img = np.concatenate([img[..., :3] * img[..., 3:], img[..., 3:]], axis=-1)
    alpha = img[..., 3]
    if alpha.max() < 0.1:
        raise BadInput(f"target {source!r} is fully transparent; nothing to grow")
    return np.pad(img, ((pad, pad), (pad, pad), (0, 0))).astype(np.float32)
