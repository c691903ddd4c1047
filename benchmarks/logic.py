"""Throughput of logic CA circuits: bit-packed engine vs a NumPy/SciPy Game of Life.

Run from the repo root: ``python -m benchmarks.logic [--quick]``. Prints cell-updates/s of the
learned Life circuit (zoo) and of the hand-built reference circuit in the packed engine with 1 and
2 threads (and of the engine's NumPy kernel, which short runs use), next to SciPy convolution
Life on the same grid and steps (the baseline, measured in this run), training iterations/s of
the Life experiment, and the lizard's training step with perception run kernel by kernel against
all kernels broadcast together (the baseline layout).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from selforg.logic.life import life_step
from selforg.logic.packed import PackedEngine, pack, set_threads
from selforg.logic.reference import life_circuit
from selforg.logic.zoo import zoo_circuit


def _numpy_life(board: np.ndarray, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        board = life_step(board)
    return time.perf_counter() - t0


def _packed(circuit, board: np.ndarray, steps: int, threads: int,
            kernel: str = "codegen") -> float:
    set_threads(threads)
    engine = PackedEngine(circuit, kernel=kernel)
    a = pack(board[..., None])
    b = np.empty_like(a)
    engine.step_packed(a, b)  # compile / load the cached kernel
    t0 = time.perf_counter()
    for _ in range(steps):
        engine.step_packed(a, b)
        a, b = b, a
    return time.perf_counter() - t0


def _training_rate(iters: int) -> tuple[float, float]:
    import jax

    from selforg.core.jaxsetup import enable_compile_cache
    from selforg.logic.config import preset
    from selforg.logic.learn import initial_state, make_step
    from selforg.logic.model import build_wiring
    from selforg.logic.tasks import make_task

    enable_compile_cache()
    cfg = preset("life")
    wiring = build_wiring(cfg)
    step = make_step(cfg, wiring, make_task(cfg))
    state = initial_state(cfg, wiring)
    t0 = time.perf_counter()
    state, m = step(state, np.int32(0))
    jax.block_until_ready(m)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(1, iters + 1):
        state, m = step(state, np.int32(i))
    jax.block_until_ready(m)
    return iters / (time.perf_counter() - t0), compile_s


def _lizard_step_seconds(rounds: int, steps: int) -> dict[str, float]:
    """Best-of-`rounds` seconds per lizard training step for both perception layouts."""
    import jax

    from selforg.logic import model
    from selforg.logic.config import preset
    from selforg.logic.learn import initial_state, make_step
    from selforg.logic.tasks import make_task

    cfg = preset("lizard")
    wiring = model.build_wiring(cfg)
    task = make_task(cfg)
    layouts = {"kernel by kernel": 0, "broadcast (baseline)": 1 << 62}
    default = model.LOOP_KERNELS_MIN_SIZE
    runs = {}
    try:
        for name, threshold in layouts.items():
            model.LOOP_KERNELS_MIN_SIZE = threshold  # read when the step is traced, just below
            step = make_step(cfg, wiring, task)
            state, m = step(initial_state(cfg, wiring), np.int32(0))
            jax.block_until_ready(m)
            runs[name] = [step, state]
    finally:
        model.LOOP_KERNELS_MIN_SIZE = default
    best = dict.fromkeys(layouts, float("inf"))
    for _ in range(rounds):  # interleaved, so both layouts see the same machine load
        for name, run in runs.items():
            step, state = run
            t0 = time.perf_counter()
            for i in range(steps):
                state, m = step(state, np.int32(i + 1))
            jax.block_until_ready(m)
            best[name] = min(best[name], (time.perf_counter() - t0) / steps)
            run[1] = state
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--size", type=int, default=1024)
    args = ap.parse_args(argv)
    size = args.size
    steps = 100 if args.quick else 1000
    np_steps = 20 if args.quick else 100
    board = (np.random.default_rng(0).random((size, size)) < 0.5).astype(np.uint8)
    cells = size * size
    base = cells * np_steps / _numpy_life(board, np_steps)
    rows = [("NumPy/SciPy Life (convolve + rule)", 1, base)]
    for name, circuit in (("learned Life circuit (zoo)", zoo_circuit("life")),
                          ("hand-built Life circuit", life_circuit())):
        for threads in (1, 2):
            rows.append((name, threads, cells * steps / _packed(circuit, board, steps, threads)))
    np_kernel_steps = max(steps // 10, 1)  # no Numba: for runs shorter than Numba's start-up
    rows.append(("learned Life circuit, NumPy kernel", 1, cells * np_kernel_steps / _packed(
        zoo_circuit("life"), board, np_kernel_steps, 1, kernel="numpy")))
    print(f"grid {size}×{size}, {steps} steps (NumPy: {np_steps} steps)")
    print(f"{'engine':<38} {'threads':>7} {'cell-updates/s':>15} {'vs NumPy':>9}")
    for name, threads, rate in rows:
        print(f"{name:<38} {threads:>7} {rate:>15.3e} {rate / base:>8.1f}×")
    st_zoo = zoo_circuit("life")
    from selforg.logic.circuit import netlist

    print(f"(learned circuit: {len(netlist(st_zoo).ops)} bitwise ops per 64 cells;"
          f" hand-built: {len(netlist(life_circuit()).ops)})")
    rate, compile_s = _training_rate(30 if args.quick else 200)
    print(f"training (Life, batch 20): {rate:.1f} it/s after {compile_s:.1f} s compile/cache load")
    lizard = _lizard_step_seconds(2 if args.quick else 4, 3 if args.quick else 5)
    base_s = lizard["broadcast (baseline)"]
    for name, sec in lizard.items():
        print(f"training step (lizard, perception {name}): {sec * 1000:.0f} ms,"
              f" {base_s / sec:.2f}× the baseline's speed")


if __name__ == "__main__":
    main()
