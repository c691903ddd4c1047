"""The Numba interpreter of a pruned netlist over bit-packed words (`PackedEngine` "interp").

Each gate is one bitwise operation on a register that holds a block of rows (a vector of
words), so the op dispatch is amortised over the block and the inner loops are SIMD-friendly;
row blocks run in parallel (``prange``). Importing this module imports Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_ONE = np.uint64(1)
_S63 = np.uint64(63)
_ZERO = np.uint64(0)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True, inline="always")
def _gate(op, x, y):
    if op == 1:
        return x & y
    if op == 2:
        return x & ~y
    if op == 3:
        return x
    if op == 4:
        return ~x & y
    if op == 5:
        return y
    if op == 6:
        return x ^ y
    if op == 7:
        return x | y
    if op == 8:
        return ~(x | y)
    if op == 9:
        return ~(x ^ y)
    if op == 10:
        return ~y
    if op == 11:
        return x | ~y
    if op == 12:
        return ~x
    if op == 13:
        return ~x | y
    if op == 14:
        return ~(x & y)
    if op == 15:
        return _ALL
    return _ZERO


@njit(cache=True, parallel=True)
def _step(src, dst, ops, ra, rb, outputs, periodic, block, mask, use_mask):
    """One synchronous (or masked) step of the packed grid `src` into `dst`."""
    n_ch, h, nw = src.shape
    n_in = 9 * n_ch
    n_reg = n_in + ops.shape[0]
    n_blocks = (h + block - 1) // block
    for bi in prange(n_blocks):
        y0 = bi * block
        rows = min(block, h - y0)
        width = rows * nw
        regs = np.empty((n_reg, width), np.uint64)
        for c in range(n_ch):
            for r in range(rows):
                y = y0 + r
                for dy in range(3):
                    yy = y + dy - 1
                    valid = True
                    if yy < 0 or yy >= h:
                        if periodic:
                            yy = (yy + h) % h
                        else:
                            valid = False
                    base = 9 * c + 3 * dy
                    for w in range(nw):
                        col = r * nw + w
                        if not valid:
                            regs[base, col] = _ZERO
                            regs[base + 1, col] = _ZERO
                            regs[base + 2, col] = _ZERO
                            continue
                        cur = src[c, yy, w]
                        if w > 0:
                            prv = src[c, yy, w - 1]
                        elif periodic:
                            prv = src[c, yy, nw - 1]
                        else:
                            prv = _ZERO
                        if w < nw - 1:
                            nxt = src[c, yy, w + 1]
                        elif periodic:
                            nxt = src[c, yy, 0]
                        else:
                            nxt = _ZERO
                        # bit i holds cell x: its west neighbour x-1 comes from bit i-1.
                        regs[base, col] = (cur << _ONE) | (prv >> _S63)
                        regs[base + 1, col] = cur
                        regs[base + 2, col] = (cur >> _ONE) | (nxt << _S63)
        for i in range(ops.shape[0]):
            op = ops[i]
            d = n_in + i
            xa = ra[i]
            xb = rb[i]
            if op == 1:
                for k in range(width):
                    regs[d, k] = regs[xa, k] & regs[xb, k]
            elif op == 6:
                for k in range(width):
                    regs[d, k] = regs[xa, k] ^ regs[xb, k]
            elif op == 7:
                for k in range(width):
                    regs[d, k] = regs[xa, k] | regs[xb, k]
            elif op == 14:
                for k in range(width):
                    regs[d, k] = ~(regs[xa, k] & regs[xb, k])
            elif op == 8:
                for k in range(width):
                    regs[d, k] = ~(regs[xa, k] | regs[xb, k])
            elif op == 2:
                for k in range(width):
                    regs[d, k] = regs[xa, k] & ~regs[xb, k]
            elif op == 4:
                for k in range(width):
                    regs[d, k] = ~regs[xa, k] & regs[xb, k]
            else:
                for k in range(width):
                    regs[d, k] = _gate(op, regs[xa, k], regs[xb, k])
        for c in range(n_ch):
            o = outputs[c]
            for r in range(rows):
                for w in range(nw):
                    v = regs[o, r * nw + w]
                    if use_mask:
                        m = mask[y0 + r, w]
                        v = (src[c, y0 + r, w] & ~m) | (v & m)
                    dst[c, y0 + r, w] = v
