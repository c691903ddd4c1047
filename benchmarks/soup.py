"""Soup throughput: interactions/s and executed ops/s of random BFF soups.

Run from the repository root: ``python -m benchmarks.soup [--quick]``.

Rows: N = 4096 and N = 131072 random ``bff_noheads`` soups (the default mutation rate), on 1 and
2 threads (``numba.set_num_threads``), timing whole epochs (pairing, mutation, runs, split),
after one warm-up epoch; and the pure-Python reference interpreter (`selforg.soup.reference`)
on random 128-byte tapes, the baseline of the ratio column. "CPU s" is the process CPU time, so
on a busy machine interactions per CPU-second stays meaningful when wall time does not.

``--cubff PATH`` compares whole processes against the reference simulator (cubff's CPU build,
``bin/main``) instead: each workload runs as a cubff process and as a process of ours
(``python -m benchmarks.soup --worker ...``), alternating A/B ``--pairs`` times, with the same
soup, seed, epochs, mutation and thread count (``OMP_NUM_THREADS`` / ``NUMBA_NUM_THREADS``).
Both do the same side work: brotli size and byte entropy after the first and the last epoch
(cubff's log, ``--disable_output`` for its screen) and the soup written after each. The final
soups are compared byte for byte; the table gives the median wall seconds and their ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np

from selforg.soup import SoupConfig
from selforg.soup.engine import Engine

PALINDROME = "[[{.>]-]" + "A" * 48 + "]-]>.{[["  # the paper's hand-written replicator


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


def throughput(quick: bool) -> None:
    max_threads = numba.config.NUMBA_NUM_THREADS
    thread_counts = [1, 2] if max_threads >= 2 else [1]
    rows = [bench_reference(300 if quick else 2000)]
    for n, epochs in ((4096, 20 if quick else 100), (131072, 2 if quick else 6)):
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


# --- whole processes against cubff ----------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    name: str
    lang: str
    programs: int
    epochs: int
    threads: int
    seed_program: str | None = None
    seed_copies: int = 1


def workloads(quick: bool) -> list[Workload]:
    e = 16 if quick else 64
    rows = [Workload("random", "bff_noheads", 2**17, e, t) for t in (1, 2)]
    rows += [Workload("replicators", "bff_noheads", 2**14, 64 if quick else 256, t,
                      PALINDROME, 64) for t in (1, 2)]
    rows += [Workload("random", lang, 2**17, e, t)
             for lang in ("bff", "bff8", "forth", "forthtrivial", "subleq", "rsubleq4")
             for t in (1, 2)]
    return rows


def _soup_file(path: Path, soup: np.ndarray, epochs_done: int) -> None:
    """The soup in cubff's checkpoint format: reset index, N, epochs done (size_t), bytes."""
    with open(path, "wb") as f:
        f.write(struct.pack("<QQQ", 1, soup.shape[0], epochs_done))
        f.write(soup.tobytes())


def worker(w: Workload, out: Path) -> None:
    """One process's run, doing what cubff does for `cubff_command`: E epochs, a log line
    (brotli size, higher entropy) and a soup file after epoch 1 and epoch E."""
    from selforg.soup.metrics import brotli_size, byte_entropy

    eng = Engine(SoupConfig(lang=w.lang, programs=w.programs, seed=0,
                            seed_program=w.seed_program, seed_copies=w.seed_copies))
    soup = eng.initial_soup()
    with open(out / "log.csv", "w") as log:
        log.write("epoch,brotli_size,soup_size,higher_entropy\n")
        for e in range(w.epochs):
            eng.epoch(soup, e)
            if e == 0 or e == w.epochs - 1:
                size = brotli_size(soup)
                he = byte_entropy(soup) - size * 8.0 / soup.size
                log.write(f"{e + 1},{size},{w.programs},{he:f}\n")
                _soup_file(out / f"{e:010d}.dat", soup, e + 1)


def cubff_command(cubff: str, w: Workload, out: Path) -> list[str]:
    """cubff for exactly E epochs: callbacks (log, soup file) after epochs 1 and E, then stop."""
    k = str(w.epochs - 1)
    cmd = [cubff, "--lang", w.lang, "--num", str(w.programs), "--seed", "0",
           "--max_epochs", k, "--print_interval", k, "--save_interval", k, "--clear_interval", k,
           "--disable_output", "--log", str(out / "log.csv"), "--checkpoint_dir", str(out)]
    if w.seed_program:
        cmd += ["--initial_program", w.seed_program * w.seed_copies]
    return cmd


def ours_command(w: Workload, out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "benchmarks.soup", "--worker", "--lang", w.lang,
           "--programs", str(w.programs), "--epochs", str(w.epochs), "--out", str(out)]
    if w.seed_program:
        cmd += ["--seed-program", w.seed_program, "--seed-copies", str(w.seed_copies)]
    return cmd


def timed(cmd: list[str], threads: int) -> tuple[float, float]:
    """(wall s, CPU s) of one whole process."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), NUMBA_NUM_THREADS=str(threads))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)


def compare(cubff: str, rows: list[Workload], pairs: int) -> None:
    print(f"{'workload':<26} {'N':>7} {'epochs':>6} {'threads':>7} {'cubff s':>8} {'ours s':>8}"
          f" {'ratio':>6} {'cubff CPU':>9} {'ours CPU':>8}  soups", flush=True)
    for w in rows:
        times: dict[str, list[tuple[float, float]]] = {"cubff": [], "ours": []}
        same = True
        for i in range(pairs):
            order = ("cubff", "ours") if i % 2 == 0 else ("ours", "cubff")
            with tempfile.TemporaryDirectory() as tmp:
                dirs = {k: Path(tmp) / k for k in order}
                for k in order:
                    dirs[k].mkdir()
                    cmd = (cubff_command(cubff, w, dirs[k]) if k == "cubff"
                           else ours_command(w, dirs[k]))
                    times[k].append(timed(cmd, w.threads))
                last = f"{w.epochs - 1:010d}.dat"
                same &= (dirs["cubff"] / last).read_bytes() == (dirs["ours"] / last).read_bytes()
        c = statistics.median(t[0] for t in times["cubff"])
        o = statistics.median(t[0] for t in times["ours"])
        cc = statistics.median(t[1] for t in times["cubff"])
        oc = statistics.median(t[1] for t in times["ours"])
        label = f"{w.name} {w.lang}" + (f" ({w.seed_copies} seeded)" if w.seed_program else "")
        print(f"{label:<26} {w.programs:>7} {w.epochs:>6} {w.threads:>7} {c:8.2f} {o:8.2f}"
              f" {c / o:5.2f}× {cc:9.2f} {oc:8.2f}  {'identical' if same else 'DIFFER'}",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer epochs")
    ap.add_argument("--cubff", metavar="PATH", help="compare whole processes with cubff's bin/main")
    ap.add_argument("--pairs", type=int, default=3, help="A/B pairs per workload (default 3)")
    ap.add_argument("--only", default="", metavar="TEXT[,TEXT...]",
                    help="with --cubff: only workloads whose 'name lang tT' contains every"
                    " TEXT, e.g. 'random,t1' or 'replicators'")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--lang", default="bff_noheads", help=argparse.SUPPRESS)
    ap.add_argument("--programs", type=int, default=2**17, help=argparse.SUPPRESS)
    ap.add_argument("--epochs", type=int, default=64, help=argparse.SUPPRESS)
    ap.add_argument("--seed-program", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--seed-copies", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(Workload("worker", args.lang, args.programs, args.epochs, 0, args.seed_program,
                        args.seed_copies), args.out)
    elif args.cubff:
        terms = args.only.split(",")
        rows = [w for w in workloads(args.quick)
                if all(t in f"{w.name} {w.lang} t{w.threads}" for t in terms)]
        compare(args.cubff, rows, args.pairs)
    else:
        throughput(args.quick)


if __name__ == "__main__":
    main()
