"""Running a soup: epochs, logs, checkpoints, resume, pictures.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). `run` is the whole
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

from selforg.core.errors import BadInput, Interrupted
from selforg.core.progress import graceful_interrupt, make_progress
from selforg.core.runs import Run, atomic_write_bytes, open_run, read_checkpoint
from selforg.soup.config import SoupConfig, validate
from selforg.soup.engine import Engine
from selforg.soup.metrics import (
    entropy_metrics,
    frequent_bytes,
    replicator_fraction,
    soup_sha256,
    top_programs,
)

TIMING_KEYS = ("interactions_per_s", "elapsed_s")  # the only log values that vary run to run


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


@dataclass(frozen=True)
class SoupResult:
    """What `run` did.

    Attributes:
        run_dir: the run folder.
        epochs_done: epochs simulated in all (across resumes).
        higher_entropy: higher-order entropy (h0 − brotli bits per byte) of the final soup.
        max_higher_entropy: its largest logged value.
        transition_epoch: first logged epoch with higher entropy ≥ 3 (the usual mark of the
            transition to self-replicators), or None.
        soup_sha256: SHA-256 of the final soup's bytes.
        stopped_at_entropy: the run stopped early at ``cfg.stop_at_entropy``.
        records: every logged record of ``metrics.jsonl``.
        soup: the final soup, (N, 64) uint8.
        media: pictures and plots written (name → path).
    """

    run_dir: Path
    epochs_done: int
    higher_entropy: float
    max_higher_entropy: float
    transition_epoch: int | None
    soup_sha256: str
    stopped_at_entropy: bool = False
    records: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)
    soup: np.ndarray | None = field(default=None, compare=False, repr=False)
    media: dict[str, Path] = field(default_factory=dict, compare=False, repr=False)


# Settings a resumed run may change: none of them alters the soup's trajectory.
EXTENDABLE = ("epochs", "checkpoint_seconds", "stop_at_entropy", "images")
TRANSITION = 3.0


def _save(run: Run, soup: np.ndarray, done: int, extra: dict[str, Any]) -> None:
    run.save_checkpoint({"soup": soup}, step=done, extra=extra)


def _template(cfg: SoupConfig) -> dict[str, np.ndarray]:
    return {"soup": np.zeros((cfg.programs, 64), np.uint8)}


def _open(cfg: SoupConfig, out: str | Path | None, resume: str | Path | None,
          root: str | Path) -> Run:
    """A new run folder, or the folder to resume (its `EXTENDABLE` fields taken from `cfg`)."""
    if resume is not None and out is None:
        latest = Path(resume) / "checkpoints" / "latest.npz"
        if latest.is_file():
            done = int(read_checkpoint(latest)[0].get("step", 0))
            if cfg.epochs < done:
                raise BadInput(f"--resume {resume} has {done} epochs done; --epochs"
                               f" {cfg.epochs} would shorten it (give at least {done})")
    return open_run("soup", "run", cfg, out=out, resume=resume, name=cfg.lang, root=root,
                    extendable=EXTENDABLE)


def run(
    cfg: SoupConfig,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
    on_log: Callable[[dict[str, Any]], None] | None = None,
    on_start: Callable[[Path, int], None] | None = None,
    selfrep_sample: int = 256,
) -> SoupResult:
    """Run (or continue, or extend) a soup, logging to ``metrics.jsonl`` with checkpoints and
    pictures.

    The soup is a deterministic simulation: a run resumed after a kill, or extended to more
    epochs, gives the same soups and the same log (timings aside) as one run started with the
    final settings.

    Args:
        cfg: the run's settings. When resuming they must equal the saved ones except for
            `EXTENDABLE` fields (``epochs`` to extend a finished run).
        out: run folder (default ``<root>/soup-run/<time>-<lang>/``).
        resume: a run folder to continue from its latest checkpoint.
        quiet: no progress bar.
        root: parent of default run folders.
        on_log: called with each logged record.
        on_start: called with (run folder, epochs already done) before the first epoch.
        selfrep_sample: programs sampled per log for ``replicator_fraction`` (0: none).

    Returns:
        `SoupResult` with the folder, the key numbers, all records and the final soup.

    Raises:
        BadInput: bad settings, or a run folder that does not fit them.
        Interrupted: Ctrl-C, after a checkpoint was written.

    Example:
        >>> res = run(SoupConfig(programs=256, epochs=16, log_every=8), out="runs/tiny")
        >>> res.higher_entropy, res.run_dir
    """
    validate(cfg)
    run = _open(cfg, out, resume, root)
    cfg = run.config
    start, total_ops, win_ops, win_runs = 0, 0, 0, 0
    if run.resumed:
        state, start, extra = run.load_checkpoint(_template(cfg))
        soup = state["soup"]
        total_ops = int(extra.get("total_ops", 0))
        win_ops = int(extra.get("window_ops", 0))
        win_runs = int(extra.get("window_runs", 0))
        run.truncate_metrics("epoch", start)
        if start < cfg.epochs and (start - 1) % cfg.log_every:
            # The record of an earlier last epoch off the log cadence: a run started with the
            # longer length has none, and its window counters were kept for this moment.
            run.truncate_metrics("epoch", start - 1)
            for ext in ("png", "bin"):
                (run.path / "images" / f"epoch{start:07d}.{ext}").unlink(missing_ok=True)
    if on_start is not None:
        on_start(run.path, start)  # before the compiled code loads: the first output is quick
    eng = Engine(cfg)
    if not run.resumed:
        soup = eng.initial_soup()
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
            on_cadence = e % cfg.log_every == 0
            if on_cadence or done == cfg.epochs:
                rec = log_record(soup, cfg, e, total_ops=total_ops, window_ops=win_ops,
                                 window_runs=win_runs, window_seconds=win_seconds,
                                 selfrep_sample=selfrep_sample)
                rec["elapsed_s"] = time.monotonic() - sim_start
                run.log(rec)
                if cfg.images:
                    from selforg.core.media import save_png
                    from selforg.soup.render import shown_programs, soup_image

                    save_png(run.artefact("images", f"epoch{done:07d}.png"),
                             soup_image(soup, cfg.lang, grid=eng.grid))
                    # the programs the picture shows, as bytes (the gallery's soup viewer
                    # shows a program's text under the pointer)
                    atomic_write_bytes(run.artefact("images", f"epoch{done:07d}.bin"),
                                       shown_programs(soup, eng.grid).tobytes())
                if on_log is not None:
                    on_log(rec)
                if on_cadence:
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
    he = [r["higher_entropy"] for r in records]
    final_he = he[-1] if records and records[-1]["epoch"] == done else (
        entropy_metrics(soup)["higher_entropy"])
    return SoupResult(
        run_dir=run.path,
        epochs_done=done,
        higher_entropy=float(final_he),
        max_higher_entropy=float(max(he, default=final_he)),
        transition_epoch=next((r["epoch"] for r in records if r["higher_entropy"] >= TRANSITION),
                              None),
        soup_sha256=soup_sha256(soup),
        stopped_at_entropy=stopped,
        records=records,
        soup=soup,
        media=media,
    )


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
                (r["epoch"] for r in records if r["higher_entropy"] >= TRANSITION), None
            ),
            "soup_sha256": last["soup_sha256"],
            "top_programs": last.get("top_programs", []),
        })
    return media
