"""Soup throughput: interactions/s and executed ops/s of random BFF soups.

Run from the repository root: ``python -m benchmarks.soup [--quick]``.

Rows: N = 4096 and N = 131072 random ``bff_noheads`` soups (the default mutation rate), on 1 and
2 threads (``numba.set_num_threads``), timing whole epochs (pairing, mutation, runs, split),
after one warm-up epoch; and the pure-Python reference interpreter (`selforg.soup.reference`)
on random 128-byte tapes, the baseline of the ratio column. "CPU s" is the process CPU time, so
on a busy machine interactions per CPU-second stays meaningful when wall time does not.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

from selforg.soup import SoupConfig
from selforg.soup.engine import Engine


def bench_soup(n: int, threads: int, epochs: int) -> dict:
    numba.set_num_threads(threads)
    eng = Engine(SoupConfig(programs=n, seed=0))
    soup = eng.initial_soup()
    eng.epoch(soup, 0)  # compile / load and warm up
    ops = runs = 0
    w0, c0 = time.perf_counter(), time.process_time()
    for e in range(1, epochs + 1):
        o, r = eng.epoch(soup, e)
        ops += o
        runs += r
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"name": f"numba N={n} threads={threads}", "runs": runs, "ops": ops, "wall": wall,
            "cpu": cpu}


def bench_reference(pairs: int) -> dict:
    from selforg.soup import reference

    rng = np.random.default_rng(0)
    tapes = [bytearray(rng.integers(0, 256, 128, dtype=np.uint8).tobytes()) for _ in range(pairs)]
    w0, c0 = time.perf_counter(), time.process_time()
    ops = sum(reference.run(t, "bff_noheads") for t in tapes)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return {"name": "pure-Python reference", "runs": pairs, "ops": ops, "wall": wall, "cpu": cpu}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer epochs")
    args = ap.parse_args(argv)
    max_threads = numba.config.NUMBA_NUM_THREADS
    thread_counts = [1, 2] if max_threads >= 2 else [1]
    rows = [bench_reference(300 if args.quick else 2000)]
    for n, epochs in ((4096, 20 if args.quick else 100), (131072, 2 if args.quick else 6)):
        for t in thread_counts:
            rows.append(bench_soup(n, t, epochs))
    base = rows[0]["runs"] / rows[0]["wall"]
    print(f"{'engine':<28} {'interactions/s':>15} {'Mops/s':>8} {'ops/int':>8}"
          f" {'int/CPU-s':>11} {'× reference':>12}")
    for r in rows:
        ips = r["runs"] / r["wall"]
        print(f"{r['name']:<28} {ips:15,.0f} {r['ops'] / r['wall'] / 1e6:8.1f}"
              f" {r['ops'] / r['runs']:8.1f} {r['runs'] / max(r['cpu'], 1e-9):11,.0f}"
              f" {ips / base:12.1f}")


if __name__ == "__main__":
    main()
