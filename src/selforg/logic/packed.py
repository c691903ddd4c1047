"""Bit-packed discrete inference of logic CA circuits: 64 cells per uint64, one op per gate.

Miotti et al. (2025) run their learned circuits as plain boolean logic; here a circuit's pruned
`Netlist` runs over words: each gate is one bitwise operation on a register that holds 64
neighbouring cells. Three kernels compute the same thing:

- ``codegen`` (`selforg.logic.codegen`): the netlist written out as straight-line Numba code per
  circuit, compiled once and cached on disk; the fastest.
- ``interp`` (`selforg.logic.interp`): one Numba interpreter for every circuit (no compilation
  per circuit); the reference the generated kernel is tested against.
- ``numpy``: one NumPy operation per gate on whole (H, W/64) arrays, about 10× slower per step
  than ``codegen`` but with nothing to import or load (Numba's start costs about 0.7 s), so
  short runs finish before Numba would have started. ``auto`` picks it when a run is that small.

Layout: a state is (C, H, W/64) uint64; cell x of a row lives in word x // 64, bit x % 64.
"""

from __future__ import annotations

import os

import numpy as np

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit, Netlist, netlist

# Numba's OpenMP threads spin while waiting by default; on a shared machine the spinning thread
# steals the core its partner needs (2 threads measured 10× slower than 1). The policy is read
# when the thread pool starts, so it must be set before the first parallel call.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_ONE = np.uint64(1)
_S63 = np.uint64(63)

KERNELS = ("auto", "codegen", "interp", "numpy")
#: `auto` runs NumPy below this estimated NumPy time (seconds): Numba's import, and loading a
#: cached kernel, cost about 0.7 s before the first step.
NUMPY_BELOW_S = 0.3


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


def _block_rows(nw: int, h: int) -> int:
    """Rows per block: about 64 words per register vector, at least one row."""
    return max(1, min(h, 64 // max(nw, 1)))


def _shift(x: np.ndarray, by: int, axis: int, periodic: bool) -> np.ndarray:
    """x moved by one along `axis` (``out[i] = x[i - by]``), wrapped or filled with 0."""
    if periodic:
        return np.roll(x, by, axis=axis)
    out = np.zeros_like(x)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    src[axis], dst[axis] = (slice(None, -1), slice(1, None)) if by > 0 else (
        slice(1, None), slice(None, -1))
    out[tuple(dst)] = x[tuple(src)]
    return out


def _numpy_step(src: np.ndarray, net: Netlist, periodic: bool) -> np.ndarray:
    """One synchronous step with one NumPy operation per gate on (H, W/64) word arrays."""
    regs: list[np.ndarray] = []
    for rows in src:
        for row in (_shift(rows, 1, 0, periodic), rows, _shift(rows, -1, 0, periodic)):
            # bit i holds cell x: its west neighbour x-1 is bit i-1, or bit 63 of the word before
            west = _shift(row, 1, 1, periodic)
            east = _shift(row, -1, 1, periodic)
            regs += [(row << _ONE) | (west >> _S63), row, (row >> _ONE) | (east << _S63)]
    for op, a, b in zip(net.ops.tolist(), net.a.tolist(), net.b.tolist(), strict=True):
        regs.append(_NP_OPS[op](regs[a], regs[b]))
    return np.stack([regs[o] for o in net.outputs.tolist()])


# The 16 gates on uint64 word arrays, in `gates.NAMES` order (tested against `gates.bitwise`).
_NP_OPS = (
    lambda x, y: np.zeros_like(x), np.bitwise_and, lambda x, y: x & ~y, lambda x, y: x.copy(),
    lambda x, y: ~x & y, lambda x, y: y.copy(), np.bitwise_xor, np.bitwise_or,
    lambda x, y: ~(x | y), lambda x, y: ~(x ^ y), lambda x, y: ~y, lambda x, y: x | ~y,
    lambda x, y: ~x, lambda x, y: ~x | y, lambda x, y: ~(x & y),
    lambda x, y: np.full_like(x, 0xFFFFFFFFFFFFFFFF),
)


def numpy_seconds(net: Netlist, shape: tuple[int, ...], steps: int) -> float:
    """Estimated wall time of `steps` NumPy-kernel steps on an (H, W, C) grid (2-core box)."""
    h, w, c = shape
    words = h * max(w // 64, 1)
    return steps * (len(net.ops) + 18 * c) * (2.5e-6 + 3e-9 * words)


def auto_kernel(net: Netlist, shape: tuple[int, ...], steps: int) -> str:
    """``numpy`` when that finishes sooner than Numba would start, else ``codegen``."""
    return "numpy" if numpy_seconds(net, shape, steps) < NUMPY_BELOW_S else "codegen"


class PackedEngine:
    """A circuit compiled for bit-packed stepping.

    Example:
        >>> eng = PackedEngine(circuit)                          # doctest: +SKIP
        >>> final = eng.run(np.random.randint(0, 2, (1024, 1024, 1)), 1000)  # doctest: +SKIP
    """

    def __init__(self, circuit: Circuit, *, kernel: str = "codegen", net: Netlist | None = None,
                 shape: tuple[int, int, int] | None = None, steps: int | None = None):
        """Args:
            circuit: the rule.
            kernel: "codegen" (straight-line kernel generated for this circuit, compiled once and
                cached on disk; fastest), "interp" (one shared Numba interpreter, no compilation
                per circuit), "numpy" (no Numba at all), or "auto": "numpy" for a run of
                `steps` steps on an (H, W, C) grid of `shape` small enough that it ends before
                Numba would start, else "codegen".
            net: the pruned netlist, when already built.
        """
        if kernel not in KERNELS:
            raise BadInput(f"kernel {kernel!r} (allowed: {', '.join(KERNELS)})")
        self.circuit = circuit
        self.net = net if net is not None else netlist(circuit, prune=True)
        self.periodic = circuit.boundary == "periodic"
        if kernel == "auto":
            if shape is None or steps is None:
                raise BadInput("kernel 'auto' needs the grid's shape and the number of steps")
            kernel = auto_kernel(self.net, shape, steps)
        self.kernel = kernel
        self._kernel = None
        if kernel == "codegen":
            from selforg.logic.codegen import compiled_step

            self._kernel = compiled_step(self.net)

    def warm(self) -> None:
        """Load (or compile) the Numba kernel now; otherwise the first step pays for it."""
        if self.kernel != "numpy":
            one = np.zeros((self.circuit.channels, 1, 1), np.uint64)
            self.step_packed(one, np.empty_like(one))

    def step_packed(self, src: np.ndarray, dst: np.ndarray, mask: np.ndarray | None = None) -> None:
        """One step from `src` into `dst`, both (C, H, W/64) uint64; optional fire `mask`."""
        n = self.net
        use = mask is not None
        if self.kernel == "numpy":
            new = _numpy_step(src, n, self.periodic)
            dst[...] = (src & ~mask) | (new & mask) if use else new
            return
        m = mask if use else np.zeros((1, 1), np.uint64)
        if self._kernel is not None:
            self._kernel(src, dst, self.periodic, m, use)
            return
        from selforg.logic.interp import _step

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
    import numba

    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
