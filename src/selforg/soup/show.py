"""`selforg soup show RUN`: the most frequent programs and families of a run's latest soup."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from selforg.core.errors import BadInput
from selforg.core.runs import load_config, open_run
from selforg.soup.config import SoupConfig
from selforg.soup.metrics import REPLICATOR_SCORE, top_families, top_programs


def describe_run(path: str | Path, *, top: int = 10) -> str:
    """A text report of the run folder `path`: last log, top programs (with replication scores
    and counts) and top families of its latest checkpointed soup.

    Raises:
        BadInput: not a soup run folder, or no checkpoint in it yet.
    """
    cfg = load_config(path, SoupConfig, system="soup", verb="run")
    run = open_run("soup", "run", cfg, resume=path)
    state, done, _ = run.load_checkpoint({"soup": np.zeros((cfg.programs, 64), np.uint8)})
    soup = state["soup"]
    lines = [f"run {path}: {cfg.lang}, {cfg.programs} programs, seed {cfg.seed}, epoch {done}"]
    records = run.read_metrics()
    if records:
        r = records[-1]
        lines.append(
            f"last log: epoch {r['epoch']}, higher entropy {r['higher_entropy']:.4f},"
            f" bpb {r['brotli_bpb']:.4f}, ops/interaction {r['ops_per_interaction']:.1f}"
        )
    progs = top_programs(soup, cfg.lang, top, epoch=max(done - 1, 0), seed=cfg.seed)
    n_rep = sum(p["count"] for p in progs if p["selfrep"] >= REPLICATOR_SCORE)
    lines.append(f"top programs (count, replication score; ≥{REPLICATOR_SCORE} = replicator):")
    for p in progs:
        mark = "R" if p["selfrep"] >= REPLICATOR_SCORE else " "
        lines.append(f"  {p['count']:7d}  {p['selfrep']:3d} {mark}  {p['text']}")
    lines.append(f"copies of replicators among these: {n_rep}")
    lines.append("top families (no-op bytes as ·):")
    for f in top_families(soup, cfg.lang, min(top, 5)):
        lines.append(f"  {f['count']:7d}  {f['family']}")
    return "\n".join(lines)


def transition_plot(run_dir: str | Path, path: str | Path, *, threshold: float = 3.0) -> str:
    """Plot a run's higher-order entropy over epochs to `path`; return a one-line caption.

    The caption names the seed and the first logged epoch with higher entropy ≥ `threshold`,
    or the last epoch reached without one.
    """
    from selforg.core.media import plot_curves

    cfg = load_config(run_dir, SoupConfig, system="soup", verb="run")
    run = open_run("soup", "run", cfg, resume=run_dir)
    recs = run.read_metrics()
    if not recs:
        raise BadInput(f"{run_dir} has no logged epochs yet")
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
