"""Bit-packed discrete inference of logic CA circuits: 64 cells per uint64, one op per gate.

Miotti et al. (2025) run their learned circuits as plain boolean logic; here a circuit's pruned
`Netlist` runs over words: each gate is one bitwise operation on a register that holds 64
neighbouring cells. Three kernels compute the same thing:

- ``codegen`` (`selforg.logic.codegen`): the netlist written out as straight-line Numba code per
  circuit, compiled once and cached on disk, vectorised over the words of a row and stepped
  several steps per pass over cache-sized bands of rows; the fastest, and the only kernel that
  takes widths that are not a multiple of 64.
- ``interp`` (`selforg.logic.interp`): one Numba interpreter for every circuit (no compilation
  per circuit); the reference the generated kernel is tested against.
- ``numpy``: one NumPy operation per gate on whole (H, W/64) arrays, hundreds of times slower per
  step than ``codegen`` on large grids but with nothing to import or load (Numba's start costs
  about 0.7 s), so short runs finish before Numba would have started. ``auto`` picks it when a
  run is that small, the interpreter for circuits of many channels (whose generated kernels take
  minutes to compile), else ``codegen``.

Layout: a state is (C, H, ⌈W/64⌉) uint64; cell x of a row lives in word x // 64, bit x % 64; the
bits past the last cell are 0.
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
#: `auto` runs the interpreter, not a generated kernel, for circuits with more channels than
#: this: LLVM takes minutes to compile their kernels the first time (the zoo's 128-channel
#: lizard: 220 s on a busy 2-core box; the 64-channel colour rule: 60 s).
CODEGEN_MAX_CHANNELS = 16


def pack(grid: np.ndarray) -> np.ndarray:
    """(H, W, C) 0/1 array → (C, H, ⌈W/64⌉) uint64, the last word padded with 0 bits."""
    h, w, c = grid.shape
    nw = -(-w // 64)
    bits = np.zeros((c, h, nw * 64), np.uint8)
    bits[:, :, :w] = np.moveaxis(grid.astype(np.uint8) & 1, 2, 0)
    packed = np.packbits(bits, axis=2, bitorder="little")
    return np.ascontiguousarray(packed).view("<u8").reshape(c, h, nw)


def unpack(state: np.ndarray, width: int | None = None) -> np.ndarray:
    """(C, H, NW) uint64 → (H, width, C) uint8 0/1 (width: 64·NW unless given)."""
    c, h, nw = state.shape
    bytes_ = np.ascontiguousarray(state).view(np.uint8).reshape(c, h, nw * 8)
    bits = np.unpackbits(bytes_, axis=2, bitorder="little")[:, :, :width]
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
    """``numpy`` when that finishes sooner than Numba would start, else ``codegen`` (``interp``
    for circuits of more than `CODEGEN_MAX_CHANNELS` channels, on widths that are a multiple of
    64)."""
    if numpy_seconds(net, shape, steps) < NUMPY_BELOW_S:
        return "numpy"
    if net.channels > CODEGEN_MAX_CHANNELS and shape[1] % 64 == 0:
        return "interp"
    return "codegen"


#: Steps per pass over a band of rows (`codegen`): one parallel launch per pass; each band's halo
#: of this many rows on either side is computed twice, by it and by its neighbour. At 1024² a
#: whole-board step takes ~20 µs, so the threads' meeting after each pass is costly: 16 steps
#: per pass gave 1.43× from the second thread, 64 give 1.70× (4096²: 1.91× either way).
BLOCK_STEPS = 64


def blocking(h: int, threads: int) -> tuple[int, int]:
    """(bands, steps per pass) of the `codegen` kernel for a grid of `h` rows on `threads` threads.

    One band per thread: the kernel is bound by the core's vector units, not by memory (a band of
    4096 rows runs faster than nine of 455 that fit in L2), and the longer a band's columns, the
    less the loop starts cost. More bands than threads, handed out as threads come free, would
    balance threads that share their cores unevenly, but cost work (halo rows computed twice):
    on this 2-core box, where the scheduler gives each user's processes a fair share whatever
    their thread count, 4 bands on 2 threads used 7 % more CPU time than 2 and ran no faster.
    Steps per pass are at most 1/8 of a band's height, so halo rows computed twice stay under
    1/8 of the work (a 1024-row grid on 2 threads: 64 steps per pass, at that bound).
    """
    bands = max(1, min(threads, h // 16))
    k = max(1, min(BLOCK_STEPS, (h // bands) // 8))
    return bands, k


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
            kernel: "codegen" (straight-line kernel generated for this circuit's functionally
                reduced netlist, compiled once and cached on disk; fastest, any width),
                "interp" (one shared Numba interpreter, no compilation per circuit), "numpy"
                (no Numba at all), or "auto" (`auto_kernel`): "numpy" for a run of `steps`
                steps on an (H, W, C) grid of `shape` small enough that it ends before Numba
                would start, "interp" for circuits of many channels, else "codegen".
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
            if shape[1] % 64:  # only the generated kernel takes a partial last word
                kernel = "codegen"
        self.kernel = kernel
        self._kernel = None
        self._bufs: dict[tuple[int, ...], np.ndarray] = {}
        if kernel == "codegen":
            from selforg.logic.codegen import compiled_run
            from selforg.logic.reduce import reduce_netlist

            self._kernel = compiled_run(reduce_netlist(self.net))

    def warm(self) -> None:
        """Load (or compile) the Numba kernel now; otherwise the first step pays for it."""
        if self.kernel != "numpy":
            one = np.zeros((self.circuit.channels, 1, 1), np.uint64)
            self.step_packed(one, np.empty_like(one))

    def _buffers(self, shape: tuple[int, int, int], steps: int) -> tuple[np.ndarray, int]:
        import numba

        c, h, nw = shape
        bands, k = blocking(h, numba.get_num_threads())
        k = min(k, steps)
        key = (c, h, nw, bands, k)
        if key not in self._bufs:
            self._bufs.clear()
            rows = -(-h // bands) + 2 * k
            self._bufs[key] = np.zeros((bands, 2, c, nw + 2, rows), np.uint64)
        return self._bufs[key], k

    def _check_width(self, nw: int, width: int | None) -> int:
        """Bits used in the last word (0: all 64); only `codegen` takes a partial last word."""
        if width is None or width == 64 * nw:
            return 0
        if -(-width // 64) != nw:
            raise BadInput(f"width {width} does not fit {nw} words per row")
        if self.kernel != "codegen":
            raise BadInput(f"the {self.kernel!r} kernel needs a width that is a multiple of 64 "
                           f"(got {width}); the 'codegen' kernel takes any width")
        return width % 64

    def step_packed(self, src: np.ndarray, dst: np.ndarray, mask: np.ndarray | None = None,
                    *, width: int | None = None) -> None:
        """One step from `src` into `dst`, both (C, H, NW) uint64; optional fire `mask` (H, NW).

        `width`: cells per row when the last word is only partly used (`codegen` only).
        """
        n = self.net
        use = mask is not None
        rem = self._check_width(src.shape[2], width)
        if self.kernel == "numpy":
            new = _numpy_step(src, n, self.periodic)
            dst[...] = (src & ~mask) | (new & mask) if use else new
            return
        m = mask if use else np.zeros((1, 1), np.uint64)
        if self._kernel is not None:
            bufs, k = self._buffers(src.shape, 1)
            self._kernel(src, dst, 1, k, self.periodic, rem, bufs, m, use)
            return
        from selforg.logic.interp import _step

        _step(src, dst, n.ops, n.a, n.b, n.outputs, self.periodic,
              _block_rows(src.shape[2], src.shape[1]), m, use)

    def advance(self, state: np.ndarray, steps: int, *, width: int | None = None,
                spare: np.ndarray | None = None) -> np.ndarray:
        """`steps` synchronous steps of `state` (C, H, NW) uint64.

        `codegen` runs them in passes of several steps over bands of rows (no launch per step).
        Both `state` and `spare` (a like-shaped array; allocated when not given) are overwritten;
        the result is returned (it is one of the two).
        """
        spare = np.empty_like(state) if spare is None else spare
        if steps <= 0:
            return state
        if self._kernel is None:
            for _ in range(steps):
                self.step_packed(state, spare, width=width)
                state, spare = spare, state
            return state
        rem = self._check_width(state.shape[2], width)
        bufs, k = self._buffers(state.shape, steps)
        return self._kernel(state, spare, steps, k, self.periodic, rem, bufs,
                            np.zeros((1, 1), np.uint64), False)

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
            on_step: optional ``on_step(steps_done)``, called for every step (synchronous runs
                call it for a pass's steps when the pass ends, at least every `BLOCK_STEPS`).

        Returns:
            (final grid (H, W, C) uint8, saved frames).
        """
        if grid.ndim != 3 or grid.shape[2] != self.circuit.channels:
            raise BadInput(f"grid shape {grid.shape} does not fit {self.circuit.channels} channels")
        rng = rng or np.random.default_rng(0)
        h, w = grid.shape[:2]
        self._check_width(-(-w // 64), w)
        a = pack(grid)
        b = np.empty_like(a)
        frames = [unpack(a, w)] if save_every else []
        t = 0
        while t < steps:
            if damage is not None and damage[0] == t:
                a = pack(damage[1](unpack(a, w)))
            if fire_rate is not None:
                mask = pack((rng.random((h, w, 1)) < fire_rate).astype(np.uint8))[0]
                self.step_packed(a, b, mask, width=w)
                a, b = b, a
                n = 1
            else:  # synchronous: up to the next save, damage or progress report in one call
                n = steps - t
                if save_every:
                    n = min(n, save_every - t % save_every)
                if damage is not None and damage[0] > t:
                    n = min(n, damage[0] - t)
                if on_step is not None:
                    n = min(n, BLOCK_STEPS)
                out = self.advance(a, n, width=w, spare=b)
                a, b = (out, b) if out is a else (out, a)
            for done in range(t + 1, t + n + 1):
                if save_every and done % save_every == 0:
                    frames.append(unpack(a, w))
                if on_step is not None:
                    on_step(done)
            t += n
        return unpack(a, w), frames


def set_threads(n: int) -> None:
    """Numba threads used by the engine (1 .. the number of cores)."""
    import numba

    numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))
