"""Throughput of logic CA circuits: the bit-packed engine vs two plain-NumPy Games of Life.

Run from the repo root: ``python -m benchmarks.logic [--quick] [--sizes 1024 4096]``. Prints
cell-updates/s (steady state: the kernel is loaded and warmed before timing) of the learned Life
circuit (zoo) and of the hand-built 34-op circuit in the packed engine on 1 and 2 threads, and of
the engine's NumPy kernel (which short runs use), next to two baselines measured in the same run:
a NumPy Life on uint8 cells with `np.roll` (the usual vectorised Life) and a bit-packed NumPy Life
(64 cells per uint64, bitwise adders). The engines run in alternating rounds so that the load of
a shared machine falls on all of them alike; rates are medians over rounds, and the 2-thread
scaling is the median of the per-round 2-thread / 1-thread ratios. A last pair of rows is the
machine's own reference for that scaling: a Numba loop of bitwise ops on arrays that stay in L1,
one per thread, no memory traffic, and parallel launches as long as the engine's passes
(~0.5 ms), so its 2-thread / 1-thread ratio is what a perfectly parallel kernel gets here.
Then training iterations/s of the Life experiment, and the lizard's training step with
perception run kernel by kernel against all kernels broadcast together (the baseline layout).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit, prange

from selforg.logic.life import packed_life_step, roll_life_step
from selforg.logic.packed import PackedEngine, pack, set_threads
from selforg.logic.reference import life_circuit
from selforg.logic.zoo import zoo_circuit


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all this process's threads) since `t0`."""
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def _timed(fn, state, steps: int) -> tuple[float, float]:
    t0 = _clock()
    for _ in range(steps):
        state = fn(state)
    return _since(t0)


def _engine_run(engine: PackedEngine, state: np.ndarray, steps: int, threads: int):
    spare = np.empty_like(state)

    def go() -> tuple[float, float]:
        set_threads(threads)
        t0 = _clock()
        engine.advance(state.copy(), steps, spare=spare)
        return _since(t0)

    go()  # compile / load the cached kernel, allocate its buffers
    return go


_REFERENCE_WORDS = 2048  # per thread: 16 KB, in L1
_REFERENCE_PASSES = 2048  # per launch: ~4·10⁶ word-updates, about an engine pass at 1024²


@njit(cache=True, parallel=True)
def _burn(words, launches, passes):
    """`launches` parallel launches; in each, thread t runs `passes` passes of bitwise ops over
    its row of `words` (in place)."""
    for _ in range(launches):
        for t in prange(words.shape[0]):
            row = words[t]
            for r in range(passes):
                for i in range(row.shape[0]):
                    v = row[i]
                    v = (v << np.uint64(1)) ^ (v >> np.uint64(3)) ^ np.uint64(r)
                    row[i] = (v | (v << np.uint64(7))) ^ (v >> np.uint64(5))
    return words


def _reference_run(threads: int, launches: int):
    """The machine reference: `launches` parallel launches of `_REFERENCE_PASSES` passes over
    each thread's words."""
    words = np.tile(np.arange(_REFERENCE_WORDS, dtype=np.uint64), (threads, 1))

    def go() -> tuple[float, float]:
        set_threads(threads)
        t0 = _clock()
        _burn(words, launches, _REFERENCE_PASSES)
        return _since(t0)

    go()
    return go


def throughput(size: int, rounds: int, quick: bool) -> list[tuple[str, int, float, float, float]]:
    """Rows of (engine, threads, median cell-updates/s, median cell-updates per CPU second,
    median 2-thread / 1-thread ratio of the rate, or nan); the machine reference's rates are
    in cell-update equivalents (64 per word-update)."""
    board = (np.random.default_rng(0).random((size, size)) < 0.5).astype(np.uint8)
    words = pack(board[..., None])
    cells = size * size
    scale = (1024 / size) ** 2
    np_steps = max(2, int((10 if quick else 40) * scale))
    steps = max(16, int((200 if quick else 2000) * scale))
    runs = {
        ("NumPy Life, uint8 + np.roll (baseline)", 1):
            (lambda: _timed(roll_life_step, board, np_steps), cells * np_steps),
        ("NumPy Life, bit-packed (baseline)", 1):
            (lambda: _timed(packed_life_step, words[0], np_steps), cells * np_steps),
    }
    for name, circuit in (("learned Life circuit (zoo)", zoo_circuit("life")),
                          ("hand-built Life circuit", life_circuit())):
        engine = PackedEngine(circuit, kernel="codegen")
        for threads in (1, 2):
            runs[name, threads] = (_engine_run(engine, words, steps, threads), cells * steps)
    engine = PackedEngine(zoo_circuit("life"), kernel="numpy")  # no Numba: short runs use it
    runs["learned Life circuit, NumPy kernel", 1] = (
        _engine_run(engine, words, np_steps, 1), cells * np_steps)
    # per thread about the engine's 1-thread work (a word of 64 cells per update); its rate in
    # cell-update equivalents (64 per word-update)
    per_launch = _REFERENCE_PASSES * _REFERENCE_WORDS
    launches = max(1, cells * steps // 64 // per_launch)
    for threads in (1, 2):
        runs["machine reference: L1 bitwise loop", threads] = (
            _reference_run(threads, launches), launches * per_launch * threads * 64)
    rates: dict[tuple[str, int], list[float]] = {key: [] for key in runs}
    per_cpu: dict[tuple[str, int], list[float]] = {key: [] for key in runs}
    for _ in range(rounds):  # alternating: every engine sees the same machine load
        for key, (go, work) in runs.items():
            wall, cpu = go()
            rates[key].append(work / wall)
            per_cpu[key].append(work / max(cpu, 1e-9))
    rows = []
    for (name, threads), r in rates.items():
        pair = rates.get((name, 1)) if threads == 2 else None
        scaling = (float(np.median([b / a for a, b in zip(pair, r, strict=True)])) if pair
                   else float("nan"))
        rows.append((name, threads, float(np.median(r)), float(np.median(per_cpu[name, threads])),
                     scaling))
    return rows


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
    ap.add_argument("--quick", action="store_true", help="fewer steps and rounds")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096])
    ap.add_argument("--rounds", type=int, default=0, help="alternating rounds (default 7; 3 quick)")
    ap.add_argument("--engine-only", action="store_true", help="skip the training timings")
    args = ap.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    from selforg.logic.circuit import netlist
    from selforg.logic.reduce import reduce_netlist

    def ops(circuit) -> str:
        net = netlist(circuit)
        return f"{len(net.ops)} gates pruned, {len(reduce_netlist(net).ops)} reduced"

    print(f"bitwise ops per 64 cells: learned circuit {ops(zoo_circuit('life'))}; hand-built"
          f" {ops(life_circuit())} (the codegen kernel runs the reduced netlist);"
          f" medians of {rounds} rounds")
    print("(per CPU-s: cell-updates per CPU second of all threads; on a busy machine the wall-clock"
          " rate falls below it)")
    print(f"{'engine':<40} {'threads':>7} {'grid':>6} {'cell-updates/s':>14} {'vs np.roll':>10}"
          f" {'vs packed':>9} {'2t/1t':>6} {'per CPU-s':>10}")
    for size in args.sizes:
        rows = throughput(size, rounds, args.quick)
        roll, packed = rows[0][2], rows[1][2]
        for name, threads, rate, cpu_rate, scaling in rows:
            sc = "" if np.isnan(scaling) else f"{scaling:.2f}×"
            print(f"{name:<40} {threads:>7} {f'{size}²':>6} {rate:>14.2e}"
                  f" {rate / roll:>9.1f}× {rate / packed:>8.1f}× {sc:>6} {cpu_rate:>10.2e}")
    if args.engine_only:
        return
    rate, compile_s = _training_rate(30 if args.quick else 200)
    print(f"training (Life, batch 20): {rate:.1f} it/s after {compile_s:.1f} s compile/cache load")
    lizard = _lizard_step_seconds(2 if args.quick else 4, 3 if args.quick else 5)
    base_s = lizard["broadcast (baseline)"]
    for name, sec in lizard.items():
        print(f"training step (lizard, perception {name}): {sec * 1000:.0f} ms,"
              f" {base_s / sec:.2f}× the baseline's speed")


if __name__ == "__main__":
    main()
