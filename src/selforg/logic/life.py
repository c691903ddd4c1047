"""Conway's Game of Life in NumPy/SciPy: the ground truth for learned Life circuits.

Miotti et al. (2025) learn Life as a logic circuit; this is the conventional rule (neighbour count
by convolution, then B3/S23) it is checked against. The packed engine is benchmarked against two
faster plain-NumPy Lives: `roll_life_step` (uint8 cells, sums of `np.roll`ed boards) and
`packed_life_step` (64 cells per uint64 word, the neighbour count by bitwise adders).
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


def roll_life_step(board: np.ndarray) -> np.ndarray:
    """One periodic Life step of a (h, w) 0/1 uint8 board: 3×3 sums of `np.roll`ed copies."""
    col = board + np.roll(board, 1, 0) + np.roll(board, -1, 0)
    total = col + np.roll(col, 1, 1) + np.roll(col, -1, 1)  # the 3×3 sum, centre included
    return ((total == 3) | ((total == 4) & (board == 1))).view(np.uint8)


def packed_life_step(words: np.ndarray) -> np.ndarray:
    """One periodic Life step of a (h, w/64) uint64 board (cell x in word x // 64, bit x % 64).

    Each row's three horizontal neighbours (west, self, east) are added into a 2-bit count, three
    rows' counts into the 3×3 sum t mod 8 (bits s2 s1 s0; t ≤ 9, so t mod 8 is 3 or 4 exactly
    when t is); a cell lives next when t = 3, or t = 4 and it is alive.
    """
    one, s63 = np.uint64(1), np.uint64(63)
    west = (words << one) | (np.roll(words, 1, 1) >> s63)
    east = (words >> one) | (np.roll(words, -1, 1) << s63)
    h0 = west ^ words ^ east
    h1 = (west & words) | (east & (west ^ words))
    a0, a1 = np.roll(h0, 1, 0), np.roll(h1, 1, 0)
    c0, c1 = np.roll(h0, -1, 0), np.roll(h1, -1, 0)
    s0 = a0 ^ h0 ^ c0
    k0 = (a0 & h0) | (c0 & (a0 ^ h0))  # carry into the 2s
    p, q = a1 ^ h1, c1 ^ k0
    s1 = p ^ q
    s2 = (p & q) ^ (a1 & h1) ^ (c1 & k0)
    return (~s2 & s1 & s0) | (words & s2 & ~(s1 | s0))
