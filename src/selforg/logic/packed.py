"""Bit-packed discrete inference of logic CA circuits: 64 cells per uint64, one op per gate.

Miotti et al. (2025) run their learned circuits as plain boolean logic; here a circuit's pruned
`Netlist` is interpreted over words: each gate is one bitwise operation on a register that holds
64 neighbouring cells, and the op dispatch is amortised over a block of rows (a register is a
vector of words), so the inner loops are SIMD-friendly. Rows blocks run in parallel (Numba
``prange``).

`selforg.logic.codegen` writes the same computation as straight-line code per circuit (about 4×
faster); this interpreter is the reference it is tested against and serves random circuits
without a compilation each.

Layout: a state is (C, H, W/64) uint64; cell x of a row lives in word x // 64, bit x % 64.
"""

from __future__ import annotations

import os

import numba
import numpy as np
from numba import njit, prange

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit, Netlist, netlist

# Numba's OpenMP threads spin while waiting by default; on a shared machine the spinning thread
# steals the core its partner needs (2 threads measured 10× slower than 1). The policy is read
# when the thread pool starts, so it must be set before the first parallel call.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_ONE = np.uint64(1)
_S63 = np.uint64(63)
_ZERO = np.uint64(0)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


def pack(grid: np.ndarray) -> np.ndarray:
    """(H, W, C) 0/1 array → (C, H, W/64) uint64. W must be a multiple of 64."""
    h, w, c = grid.shape
    if w % 64:
        raise BadInput(f"the packed engine needs a width that is a multiple of 64 (got {w})")
    bits = np.ascontiguousarray(np.moveaxis(grid.astype(np.uint8) & 1, 2, 0))
    packed = np.packbits(bits, axis=2, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").reshape(c, h, w // 64)


def unpack(state: np.ndarray) -> np.ndarray:
    """(C, H, W/64) uint64 → (H, W, C) uint8 0/1."""
    c, h, nw = state.shape
    bytes_ = np.ascontiguousarray(state).view(np.uint8).reshape(c, h, nw * 8)
    bits = np.unpackbits(bytes_, axis=2, bitorder="little")
    return np.ascontiguousarray(np.moveaxis(bits, 0, 2))


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


def _block_rows(nw: int, h: int) -> int:
    """Rows per block: about 64 words per register vector, at least one row."""
    return max(1, min(h, 64 // max(nw, 1)))


class PackedEngine:
    """A circuit compiled for bit-packed stepping.

    Example:
        >>> eng = PackedEngine(circuit)                          # doctest: +SKIP
        >>> final = eng.run(np.random.randint(0, 2, (1024, 1024, 1)), 1000)  # doctest: +SKIP
    """

    def __init__(self, circuit: Circuit, *, kernel: str = "codegen", net: Netlist | None = None):
        """Args:
            circuit: the rule.
            kernel: "codegen" (straight-line kernel generated for this circuit, compiled once and
                cached on disk; fastest) or "interp" (one shared interpreter, no compilation per
                circuit).
        """
        if kernel not in ("codegen", "interp"):
            raise BadInput(f"kernel {kernel!r} (allowed: codegen, interp)")
        self.circuit = circuit
        self.net = net if net is not None else netlist(circuit, prune=True)
        self.periodic = circuit.boundary == "periodic"
        self._kernel = None
        if kernel == "codegen":
            from selforg.logic.codegen import compiled_step

            self._kernel = compiled_step(self.net)

    def step_packed(self, src: np.ndarray, dst: np.ndarray, mask: np.ndarray | None = None) -> None:
        """One step from `src` into `dst`, both (C, H, W/64) uint64; optional fire `mask`."""
        n = self.net
        use = mask is not None
        m = mask if use else np.zeros((1, 1), np.uint64)
        if self._kernel is not None:
            self._kernel(src, dst, self.periodic, m, use)
            return
        _step(src, dst, n.ops, n.a, n.b, n.outputs, self.periodic,
              _block_rows(src.shape[2], src.shape[1]), m, use)

    def run(
        self,
        grid: np.ndarray,
        steps: int,
        *,
        fire_rate: float | None = None,
        rng: np.random.Generator | None = None,
        save_every: int = 0,
        damage=None,
        on_step=None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Run `steps` steps from `grid` (H, W, C) 0/1.

        Args:
            fire_rate: asynchronous updates (each cell fires with this probability per step).
            rng: draws the fire masks.
            save_every: keep every this many steps' grid (and the initial one) when > 0.
            damage: optional ``(step, fn)``; at that step the unpacked grid is replaced by
                ``fn(grid)`` (for healing demos).
            on_step: optional ``on_step(steps_done)``, called after every step (progress bars).

        Returns:
            (final grid (H, W, C) uint8, saved frames).
        """
        if grid.ndim != 3 or grid.shape[2] != self.circuit.channels:
            raise BadInput(f"grid shape {grid.shape} does not fit {self.circuit.channels} channels")
        rng = rng or np.random.default_rng(0)
        a = pack(grid)
        b = np.empty_like(a)
        frames = [unpack(a)] if save_every else []
        for t in range(steps):
            if damage is not None and damage[0] == t:
                a = pack(damage[1](unpack(a)))
            mask = None
            if fire_rate is not None:
                h, w = grid.shape[:2]
                mask = pack((rng.random((h, w, 1)) < fire_rate).astype(np.uint8))[0]
            self.step_packed(a, b, mask)
            a, b = b, a
            if save_every and (t + 1) % save_every == 0:
                frames.append(unpack(a))
            if on_step is not None:
                on_step(t + 1)
        return unpack(a), frames


def set_threads(n: int) -> None:
    """Numba threads used by the engine (1 .. the number of cores)."""
    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
