"""The integer hash behind every seeded noise that must agree across Python, C and GLSL.

The μNCA seed noise (`selforg.nca.codegen.noise`, the C export, the gallery's seed shader) and
the logic pages' fire masks and random cells all hash a cell index with one seed-derived base;
the same function in NumPy and as GLSL text keeps them bit for bit equal.
"""

from __future__ import annotations

import numpy as np

GLSL_HASH = """\
uint hash32(uint v) {  // 'lowbias32' (C. Wellons), as in the C export and `noise`
  v ^= v >> 16; v *= 0x7feb352du; v ^= v >> 15; v *= 0x846ca68bu; v ^= v >> 16;
  return v;
}"""


def hash32(v: np.ndarray) -> np.ndarray:
    """The 'lowbias32' integer hash (C. Wellons) on uint32 arrays (wrapping arithmetic).

    Args:
        v: integers of any shape (taken as uint32).

    Returns:
        uint32 array of the same shape.
    """
    v = np.asarray(v).astype(np.uint32)
    v ^= v >> np.uint32(16)
    v *= np.uint32(0x7FEB352D)
    v ^= v >> np.uint32(15)
    v *= np.uint32(0x846CA68B)
    v ^= v >> np.uint32(16)
    return v
