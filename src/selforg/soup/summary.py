"""`selforg soup show RUN`: the most frequent programs and families of a run's latest soup.

Example:
    >>> from selforg.soup import ShowConfig, show
    >>> res = show(ShowConfig(run_dir="runs/soup-run/20240101-000000-bff_noheads", top=5))
    >>> print(res.text)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.core.runs import Run, reopen_run
from selforg.soup.config import SoupConfig
from selforg.soup.metrics import REPLICATOR_SCORE, top_families, top_programs


@dataclass(frozen=True)
class ShowConfig:
    """What `show` reports on.

    Attributes:
        run_dir: a ``soup run`` folder (with a checkpoint).
        top: how many of the most frequent programs to list (families: at most 5).
        png: write the picture of the latest soup here (one program per row, or the grid).
        plot: write the higher-order entropy and brotli bits per byte over epochs here.
        threshold: the higher-order entropy that marks the transition on the plot.
    """

    run_dir: Path
    top: int = 10
    png: Path | None = None
    plot: Path | None = None
    threshold: float = 3.0


@dataclass(frozen=True)
class ShowResult:
    """What `show` found.

    Attributes:
        run_dir: the run folder.
        epoch: epochs done at its latest checkpoint.
        higher_entropy: higher-order entropy of the last log (None before the first).
        transition_epoch: first logged epoch with higher entropy ≥ the threshold, or None.
        replicator_copies: copies of replicators (score ≥ 5) among the listed programs.
        top_programs: ``{"text", "hex", "count", "selfrep"}`` per program, most frequent first.
        top_families: ``{"family", "count", "example"}`` per family, most frequent first.
        text: the report `selforg soup show` prints.
        files: pictures written (``"png"``, ``"plot"``).
    """

    run_dir: Path
    epoch: int
    higher_entropy: float | None
    transition_epoch: int | None
    replicator_copies: int
    top_programs: list[dict[str, Any]] = field(compare=False)
    top_families: list[dict[str, Any]] = field(compare=False)
    text: str = field(compare=False)
    files: dict[str, Path] = field(default_factory=dict, compare=False)


def latest_run(root: str | Path = "runs") -> Path:
    """The most recently started run folder under ``<root>/soup-run/``.

    Raises:
        BadInput: there is none.
    """
    runs = [p.parent for p in Path(root, "soup-run").glob("*/config.json")]
    if not runs:
        raise BadInput(f"no soup runs under {Path(root, 'soup-run')}; give a run folder")
    return max(runs, key=lambda p: ((p / "config.json").stat().st_mtime, p.name))


def _open(path: str | Path) -> Run:
    return reopen_run(path, SoupConfig, system="soup", verb="run")


def show(cfg: ShowConfig, *, out: str | Path | None = None, quiet: bool = True
              ) -> ShowResult:
    """Report the top programs, replication scores and families of a run's latest soup.

    Args:
        cfg: the run folder and what to report.
        out: also write ``soup.png`` and ``higher_entropy.png`` into this folder.
        quiet: do not print the report (it is in ``result.text``).

    Returns:
        `ShowResult` with the numbers, the report text and the pictures written.

    Raises:
        BadInput: not a soup run folder, or no checkpoint in it yet.
    """
    run = _open(cfg.run_dir)
    scfg = run.config
    if not run.has_checkpoint():
        raise BadInput(f"{cfg.run_dir} has no checkpoint yet (checkpoints/latest.npz)")
    state, done, _ = run.load_checkpoint({"soup": np.zeros((scfg.programs, 64), np.uint8)})
    soup = state["soup"]
    lines = [f"run {cfg.run_dir}: {scfg.lang}, {scfg.programs} programs, seed {scfg.seed},"
             f" epoch {done}"]
    records = run.read_metrics()
    last = records[-1] if records else None
    if last is not None:
        lines.append(
            f"last log: epoch {last['epoch']}, higher entropy {last['higher_entropy']:.4f},"
            f" bpb {last['brotli_bpb']:.4f}, ops/interaction {last['ops_per_interaction']:.1f}"
        )
    progs = top_programs(soup, scfg.lang, cfg.top, epoch=max(done - 1, 0), seed=scfg.seed)
    n_rep = sum(p["count"] for p in progs if p["selfrep"] >= REPLICATOR_SCORE)
    lines.append(f"top programs (count, replication score; ≥{REPLICATOR_SCORE} = replicator):")
    for p in progs:
        mark = "R" if p["selfrep"] >= REPLICATOR_SCORE else " "
        lines.append(f"  {p['count']:7d}  {p['selfrep']:3d} {mark}  {p['text']}")
    lines.append(f"copies of replicators among these: {n_rep}")
    lines.append("top families (no-op bytes as ·):")
    fams = top_families(soup, scfg.lang, min(cfg.top, 5))
    for f in fams:
        lines.append(f"  {f['count']:7d}  {f['family']}")
    files: dict[str, Path] = {}
    png, plot = cfg.png, cfg.plot
    if out is not None:
        png = png or Path(out) / "soup.png"
        plot = plot or Path(out) / "higher_entropy.png"
    if png is not None:
        from selforg.core.media import save_png
        from selforg.soup.render import soup_image

        grid = (scfg.grid_width, scfg.grid_height) if scfg.is_grid else None
        files["png"] = save_png(png, soup_image(soup, scfg.lang, grid=grid))
    if plot is not None:
        lines.append(_plot(run, records, Path(plot), cfg.threshold))
        files["plot"] = Path(plot)
    text = "\n".join(lines)
    if not quiet:
        print(text)
    return ShowResult(
        run_dir=Path(cfg.run_dir),
        epoch=done,
        higher_entropy=None if last is None else float(last["higher_entropy"]),
        transition_epoch=next(
            (r["epoch"] for r in records if r["higher_entropy"] >= cfg.threshold), None
        ),
        replicator_copies=n_rep,
        top_programs=progs,
        top_families=fams,
        text=text,
        files=files,
    )


def _plot(run: Run, recs: list[dict[str, Any]], path: Path, threshold: float) -> str:
    from selforg.core.media import plot_curves

    cfg = run.config
    if not recs:
        raise BadInput(f"{run.path} has no logged epochs yet")
    xs = [r["epoch"] for r in recs]
    hit = next((r["epoch"] for r in recs if r["higher_entropy"] >= threshold), None)
    what = f"transition at epoch {hit}" if hit else f"no transition by epoch {xs[-1]}"
    plot_curves(
        path, {"higher-order entropy": (xs, [r["higher_entropy"] for r in recs]),
               "brotli bits/byte": (xs, [r["brotli_bpb"] for r in recs])},
        xlabel="epoch", ylabel="bits per byte",
        title=f"{cfg.lang}, N={cfg.programs}, seed {cfg.seed}: {what}",
        hlines={f"{threshold:g}": threshold},
    )
    peak = max(recs, key=lambda r: r["higher_entropy"])
    return (f"{cfg.lang}, {cfg.programs} programs, seed {cfg.seed}: {what}"
            f" (higher-order entropy ≥ {threshold:g}); peak {peak['higher_entropy']:.2f}"
            f" at epoch {peak['epoch']}, last log epoch {xs[-1]}.")


def transition_plot(run_dir: str | Path, path: str | Path, *, threshold: float = 3.0) -> str:
    """Plot a run's higher-order entropy over epochs to `path`; return a one-line caption.

    The caption names the seed and the first logged epoch with higher entropy ≥ `threshold`,
    or the last epoch reached without one.
    """
    run = _open(run_dir)
    return _plot(run, run.read_metrics(), Path(path), threshold)
