"""Stateless SplitMix64 randomness of the soup: every random number is a hash of its index.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). Because no RNG state is carried,
pairs can run in any order on any number of threads and the soup stays byte-identical.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_MASK = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


@njit(cache=True)
def splitmix64(x: np.uint64) -> np.uint64:
    """SplitMix64 of a uint64 (wrapping arithmetic)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def derived_seed(base_hash: np.uint64, x: np.uint64) -> np.uint64:
    """seed(x) = SplitMix64(SplitMix64(base) ^ SplitMix64(x)), `base_hash` = SplitMix64(base)."""
    return splitmix64(base_hash ^ splitmix64(x))


def splitmix64_py(x: int) -> int:
    """Pure-Python SplitMix64 (reference for the compiled one)."""
    z = (x + 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def seed_py(base_seed: int, x: int) -> int:
    """Pure-Python seed(x) for the run seeded with `base_seed`."""
    return splitmix64_py(splitmix64_py(base_seed & _MASK) ^ splitmix64_py(x & _MASK))
