"""Sweep throughput: 8 soup points on 2 Ray workers against the same points one after another.

Run from the repository root: ``python -m benchmarks.sweep [--quick]``.

Rows, all measured in this run:
- "one after another, 1 thread": the 8 points through ``soup.run`` in this process, Numba on
  one thread (the baseline of the ratio column: what a loop over seeds in a script does);
- "one after another, 2 threads": the same with Numba's parallel pairs on both cores;
- "sweep, 2 workers": ``selforg.sweep.sweep`` on a local Ray instance of 2 CPUs (each point a
  Ray task on one CPU, one Numba thread), Ray's start-up not counted (it is its own row).
Then Ray's own costs: starting the local instance, and the round trip of a task that does
nothing (the per-point overhead a sweep pays on top of the run itself).
Every point's final soup must equal its sequential twin (SHA-256), or the benchmark fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import numba

from selforg.soup import SoupConfig
from selforg.soup import run as soup_run

POINTS = 8


def _config(seed: int, programs: int, epochs: int) -> SoupConfig:
    return SoupConfig(programs=programs, epochs=epochs, log_every=64, seed=seed, images=False)


def sequential(tmp: Path, threads: int, programs: int, epochs: int) -> tuple[float, dict]:
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    soup_run(_config(100, programs, 2), out=tmp / f"warm{threads}")  # compile/load first
    t0 = time.perf_counter()
    shas = {s: soup_run(_config(s, programs, epochs), out=tmp / f"seq{threads}-{s}").soup_sha256
            for s in range(POINTS)}
    return time.perf_counter() - t0, shas


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller points")
    args = ap.parse_args(argv)
    # points of several seconds each, as in a real sweep: Ray's per-point start-up (a worker
    # process, its imports and the compiled engine loaded) is then a small part of each
    programs, epochs = (1024, 256) if args.quick else (8192, 4096)
    import ray

    from selforg.sweep import SweepConfig, parse_grid, read_results, sweep

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        seq1, shas = sequential(tmp, 1, programs, epochs)
        seq2, _ = sequential(tmp, 2, programs, epochs)
        os.environ.setdefault("RAY_worker_niceness", "0")  # as `selforg sweep` does
        t0 = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                 object_store_memory=100 * 2**20, logging_level=logging.ERROR)
        start = time.perf_counter() - t0
        try:
            noop = ray.remote(num_cpus=1)(lambda: None)
            ray.get([noop.remote() for _ in range(8)])  # workers up
            t0 = time.perf_counter()
            for _ in range(50):
                ray.get(noop.remote())
            per_task = (time.perf_counter() - t0) / 50
            target = ("soup", "run", "--programs", str(programs), "--epochs", str(epochs),
                      "--no-images")
            t0 = time.perf_counter()
            res = sweep(SweepConfig(target, (parse_grid(f"seed=0:{POINTS}"),), tmp / "sw",
                                    workers=2))
            swept = time.perf_counter() - t0
        finally:
            ray.shutdown()
        rows = {int(r["seed"]): r for r in read_results(res.out)}
        busy = sum(float(r["wall_s"]) for r in rows.values())
        bad = [s for s in range(POINTS) if rows[s]["soup_sha256"] != shas[s]]
        if bad or res.counts != {"done": POINTS}:
            raise SystemExit(f"sweep points differ from the sequential runs: seeds {bad}")
    print(f"{POINTS} soup points: {programs} programs, {epochs} epochs each (bff_noheads)")
    print(f"{'':34}{'wall s':>9}{'points/min':>12}{'vs 1 thread':>13}")
    for name, t in (("one after another, 1 thread", seq1), ("one after another, 2 threads", seq2),
                    ("sweep, 2 workers (Ray)", swept)):
        print(f"{name:34}{t:9.2f}{POINTS / t * 60:12.1f}{seq1 / t:12.2f}×")
    print(f"Ray: local instance start {start:.2f} s (not in the sweep row); a no-op task's round"
          f" trip {per_task * 1e3:.2f} ms; the points' own run time fills {busy / (2 * swept):.0%}"
          " of the 2 workers' sweep time (the rest: worker start-up, imports, scheduling)")
    print("every point's final soup equals its sequential twin (SHA-256)")


if __name__ == "__main__":
    main()
