"""Conway's Game of Life in NumPy/SciPy: the ground truth for learned Life circuits.

Miotti et al. (2025) learn Life as a logic circuit; this is the conventional rule (neighbour count
by convolution, then B3/S23) it is checked against and benchmarked against.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

_KERNEL = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], np.uint8)


def life_step(board: np.ndarray, boundary: str = "periodic") -> np.ndarray:
    """One Life step of a (h, w) 0/1 uint8 board (periodic = wrap, zero = dead outside)."""
    mode = "wrap" if boundary == "periodic" else "constant"
    n = ndimage.convolve(board.astype(np.uint8), _KERNEL, mode=mode, cval=0)
    return ((n == 3) | ((board == 1) & (n == 2))).astype(np.uint8)


def life_steps(board: np.ndarray, steps: int, boundary: str = "periodic") -> np.ndarray:
    """`steps` Life steps; returns the final (h, w) uint8 board."""
    for _ in range(steps):
        board = life_step(board, boundary)
    return board
