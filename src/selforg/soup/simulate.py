"""Running a soup: epochs, logs, checkpoints, resume, pictures.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). `run_soup` is the whole
``selforg soup run`` command as one call. Logging follows the reference simulator (cubff): with
``log_every = K`` a record is written after 0-based epoch e when e % K == 0, reporting
``epoch = e + 1`` (epochs completed), and after the last epoch, so logs compare line by line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import Interrupted
from selforg.core.progress import graceful_interrupt, make_progress
from selforg.core.runs import Run, open_run
from selforg.soup.config import SoupConfig, validate
from selforg.soup.dynamics import grid_neighbours, init_soup, pairs_2d, run_epoch, shuffled
from selforg.soup.languages import MAX_STEPS, lang_id, parse_program
from selforg.soup.metrics import entropy_metrics, frequent_bytes, replicator_fraction, top_programs
from selforg.soup.rng import seed_py, splitmix64_py

TIMING_KEYS = ("interactions_per_s", "elapsed_s")  # the only log values that vary run to run


class Engine:
    """A compiled soup for one config: the pairing and epoch kernels with their scratch buffers.

    Example:
        >>> eng = Engine(SoupConfig(programs=1024))
        >>> soup = eng.initial_soup()
        >>> ops, runs = eng.epoch(soup, 0)
    """

    def __init__(self, cfg: SoupConfig):
        validate(cfg)
        self.cfg = cfg
        self.n = cfg.programs
        self.lang = lang_id(cfg.lang)
        self.base_hash = np.uint64(splitmix64_py(cfg.seed))
        self.threshold = np.uint64(cfg.threshold)
        self.tapes = np.empty((self.n // 2, 128), dtype=np.uint8)
        self.ops = np.zeros(self.n // 2, dtype=np.int64)
        self.grid = (cfg.grid_width, cfg.grid_height) if cfg.is_grid else None
        if self.grid:
            self.offsets, self.nbrs = grid_neighbours(cfg.grid_width, cfg.grid_height, 2)

    def initial_soup(self) -> np.ndarray:
        """Epoch-0 soup (N, 64) uint8, with the seed program(s) written from program 0 on."""
        soup = init_soup(self.n, self.base_hash, self.cfg.zero_init)
        if self.cfg.seed_program:
            prog = parse_program(self.cfg.seed_program, self.cfg.lang)
            stride = -(-len(prog) // 64) * 64
            flat = soup.reshape(-1)
            for c in range(self.cfg.seed_copies):
                flat[c * stride:c * stride + len(prog)] = prog
        return soup

    def pairing(self, epoch: int) -> tuple[np.ndarray, int]:
        """(order (N,) int64, pairs that run) for 0-based `epoch`."""
        if self.grid:
            return pairs_2d(self.n, epoch, self.base_hash, self.offsets, self.nbrs)
        return shuffled(self.n, epoch, self.base_hash), self.n // 2

    def epoch(self, soup: np.ndarray, epoch: int) -> tuple[int, int]:
        """Run 0-based `epoch` on `soup` in place. Returns (executed ops, pairs run)."""
        order, n_run = self.pairing(epoch)
        es = np.uint64(seed_py(self.cfg.seed, epoch))
        run_epoch(
            soup, order, n_run, es, self.threshold, self.lang, MAX_STEPS, self.tapes, self.ops
        )
        return int(self.ops[:n_run].sum()), int(n_run)


def simulate(cfg: SoupConfig, epochs: int | None = None, soup: np.ndarray | None = None,
             start: int = 0) -> np.ndarray:
    """Run epochs [start, epochs) without logging (library convenience). Returns the soup."""
    eng = Engine(cfg)
    soup = eng.initial_soup() if soup is None else soup
    for e in range(start, cfg.epochs if epochs is None else epochs):
        eng.epoch(soup, e)
    return soup


def log_record(soup: np.ndarray, cfg: SoupConfig, epoch: int, *, total_ops: int, window_ops: int,
               window_runs: int, window_seconds: float, selfrep_sample: int = 256
               ) -> dict[str, Any]:
    """The metrics logged after 0-based `epoch` (reported as ``epoch + 1``).

    ``replicator_fraction`` (and ``replicators`` = fraction · N) is measured on
    `selfrep_sample` evenly spaced programs with the self-replication test (0: skipped).
    """
    rec: dict[str, Any] = {"epoch": epoch + 1}
    rec.update(entropy_metrics(soup))
    rec["total_ops"] = int(total_ops)
    rec["ops_per_interaction"] = window_ops / max(window_runs, 1)
    rec["interactions_per_s"] = window_runs / max(window_seconds, 1e-9)
    rec["frequent_bytes"] = frequent_bytes(soup, cfg.lang)
    rec["top_programs"] = top_programs(soup, cfg.lang, 4, epoch=epoch, seed=cfg.seed)
    if selfrep_sample:
        frac = replicator_fraction(soup, cfg.lang, epoch=epoch, seed=cfg.seed,
                                   sample=selfrep_sample)
        rec["replicator_fraction"] = frac
        # Exact when the sample covers the soup, else the sample's estimate.
        rec["replicators"] = round(frac * soup.shape[0])
    return rec


@dataclass
class SoupResult:
    """What `run_soup` did."""

    path: Path
    records: list[dict[str, Any]]
    soup: np.ndarray
    epochs_done: int
    stopped_at_entropy: bool = False
    media: dict[str, Path] = field(default_factory=dict)


def _save(run: Run, soup: np.ndarray, done: int, extra: dict[str, Any]) -> None:
    run.save_checkpoint({"soup": soup}, step=done, extra=extra)


def run_soup(
    cfg: SoupConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = False,
    root: str | Path = "runs",
    on_log: Callable[[dict[str, Any]], None] | None = None,
    selfrep_sample: int = 256,
) -> SoupResult:
    """Run (or continue) a soup, logging to ``metrics.jsonl`` with checkpoints and pictures.

    Args:
        cfg: the run's settings (ignored when resuming: the run folder's config is used).
        out: run folder (default ``runs/soup-run/<time>-<lang>/``).
        resume: a run folder to continue from its latest checkpoint; the trajectory and the
            log are identical to an uninterrupted run (timings aside).
        quiet: no progress bar.
        root: parent of default run folders.
        on_log: called with each logged record.
        selfrep_sample: programs sampled per log for ``replicator_fraction`` (0: none).

    Returns:
        `SoupResult` with the folder, all records, the final soup and epochs done.

    Raises:
        BadInput: bad settings or a run folder that does not fit.
        Interrupted: Ctrl-C, after a checkpoint was written.
    """
    validate(cfg)
    run = open_run("soup", "run", cfg, out=out, resume=resume, name=cfg.lang, root=root)
    cfg = run.config
    validate(cfg)
    eng = Engine(cfg)
    start, total_ops, win_ops, win_runs = 0, 0, 0, 0
    if run.resumed and run.has_checkpoint():
        state, start, extra = run.load_checkpoint({"soup": np.zeros((cfg.programs, 64), np.uint8)})
        soup = state["soup"]
        total_ops = int(extra.get("total_ops", 0))
        win_ops = int(extra.get("window_ops", 0))
        win_runs = int(extra.get("window_runs", 0))
    else:
        soup = eng.initial_soup()
    if run.resumed:
        run.truncate_metrics("epoch", start)
    stopped = bool(cfg.stop_at_entropy) and any(
        r["higher_entropy"] >= cfg.stop_at_entropy for r in run.read_metrics()
    )
    last_ckpt = time.monotonic()
    sim_start = time.monotonic()
    win_seconds = 0.0
    done = start
    progress = make_progress(
        quiet=quiet, fields="H↑ {task.fields[he]}"
    )

    def extra() -> dict[str, Any]:
        return {"total_ops": total_ops, "window_ops": win_ops, "window_runs": win_runs}

    with graceful_interrupt() as flag, progress:
        task = progress.add_task(f"soup {cfg.lang}", total=cfg.epochs, completed=start,
                                 he="  —  ", rate="")
        for e in range(start, cfg.epochs if not stopped else start):
            t0 = time.perf_counter()
            ops, runs = eng.epoch(soup, e)
            dt = time.perf_counter() - t0
            win_seconds += dt
            total_ops += ops
            win_ops += ops
            win_runs += runs
            done = e + 1
            if e % cfg.log_every == 0 or done == cfg.epochs:
                rec = log_record(soup, cfg, e, total_ops=total_ops, window_ops=win_ops,
                                 window_runs=win_runs, window_seconds=win_seconds,
                                 selfrep_sample=selfrep_sample)
                rec["elapsed_s"] = time.monotonic() - sim_start
                run.log(rec)
                if cfg.images:
                    from selforg.core.media import save_png
                    from selforg.soup.render import soup_image

                    save_png(run.artefact("images", f"epoch{done:07d}.png"),
                             soup_image(soup, cfg.lang, grid=eng.grid))
                if on_log is not None:
                    on_log(rec)
                win_ops = win_runs = 0
                win_seconds = 0.0
                progress.update(task, he=f"{rec['higher_entropy']:.3f}")
                if cfg.stop_at_entropy and rec["higher_entropy"] >= cfg.stop_at_entropy:
                    stopped = True
            progress.update(task, completed=done, rate=f"{ops / max(dt, 1e-9) / 1e6:.0f} Mops/s")
            now = time.monotonic()
            if stopped or flag.requested or now - last_ckpt >= cfg.checkpoint_seconds:
                _save(run, soup, done, extra())
                last_ckpt = now
            if flag.requested:
                raise Interrupted(str(run.path))
            if stopped:
                break
    if done == cfg.epochs or stopped or done == start:
        _save(run, soup, done, extra())
    records = run.read_metrics()
    media = finish_run(run, cfg, soup, records, grid=eng.grid)
    return SoupResult(run.path, records, soup, done, stopped, media)


def finish_run(run: Run, cfg: SoupConfig, soup: np.ndarray, records: list[dict[str, Any]], *,
               grid: tuple[int, int] | None) -> dict[str, Path]:
    """Plots (higher entropy, bpb, ops per interaction), the final picture, the GIF, summary."""
    from selforg.core.media import plot_curves, save_png, write_gif
    from selforg.soup.render import gif_frames, soup_image

    media: dict[str, Path] = {}
    if records:
        xs = [r["epoch"] for r in records]
        for key, label in (("higher_entropy", "higher-order entropy (bits/byte)"),
                           ("brotli_bpb", "brotli bits per byte"),
                           ("ops_per_interaction", "ops per interaction")):
            media[key] = plot_curves(
                run.artefact("plots", f"{key}.png"), {cfg.lang: (xs, [r[key] for r in records])},
                xlabel="epoch", ylabel=label,
                title=f"{cfg.lang}, N={cfg.programs}, seed {cfg.seed}",
            )
    if cfg.images:
        media["final"] = save_png(run.artefact("final.png"), soup_image(soup, cfg.lang, grid=grid))
        frames = sorted((run.path / "images").glob("epoch*.png"))
        if frames:
            media["gif"] = write_gif(run.artefact("soup.gif"), gif_frames(frames), fps=8)
    if records:
        last = records[-1]
        run.write_json("results.json", {
            "epochs": last["epoch"],
            "higher_entropy": last["higher_entropy"],
            "max_higher_entropy": max(r["higher_entropy"] for r in records),
            "transition_epoch": next(
                (r["epoch"] for r in records if r["higher_entropy"] >= 3.0), None
            ),
            "soup_sha256": last["soup_sha256"],
            "top_programs": last.get("top_programs", []),
        })
    return media
