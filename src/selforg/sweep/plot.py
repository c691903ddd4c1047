"""The paper's statistic over a soup sweep: how many soups transition, and when.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108): about 40% of 2^17-program BFF
soups show the jump in higher-order entropy within 16k epochs. A soup counts as transitioned at
its first logged epoch with higher-order entropy ≥ the threshold (3 by default, or the sweep's
``--stop-at-entropy``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selforg.core.errors import BadInput
from selforg.sweep.engine import load_spec, read_results
from selforg.sweep.grid import point_name, points


@dataclass(frozen=True)
class TransitionStats:
    """What `plot_soup_sweep` found.

    Attributes:
        soups: points with a finished log.
        transitioned: soups whose higher-order entropy reached `threshold`.
        fraction: transitioned / soups.
        epochs: the sweep's epoch budget (``--epochs``).
        threshold: the transition mark (bits per byte).
        transition_epochs: the transition epoch of each soup, None where it never came.
        png: the figure.
    """

    soups: int
    transitioned: int
    fraction: float
    epochs: int
    threshold: float
    transition_epochs: dict[str, int | None]
    png: Path


def _option(target: tuple[str, ...], name: str) -> str | None:
    for i, w in enumerate(target):
        if w == name and i + 1 < len(target):
            return target[i + 1]
        if w.startswith(name + "="):
            return w.split("=", 1)[1]
    return None


def plot_soup_sweep(out: str | Path, *, png: str | Path | None = None,
                    threshold: float | None = None) -> TransitionStats:
    """Draw the survival curve (fraction transitioned against epochs, with the count), the
    histogram of transition epochs and every soup's higher-order entropy curve.

    Raises:
        BadInput: not a soup sweep, or no point has a log yet.
    """
    out = Path(out)
    target, grids = load_spec(out)
    if tuple(target[:2]) != ("soup", "run"):
        raise BadInput(f"sweep plot draws soup sweeps; {out} sweeps `{' '.join(target[:2])}`")
    thr = threshold if threshold is not None else float(
        _option(target, "--stop-at-entropy") or 3.0)
    budget = int(_option(target, "--epochs") or 16384)
    status = {r["point"]: r["status"] for r in read_results(out)}
    curves: dict[str, tuple[list[int], list[float]]] = {}
    trans: dict[str, int | None] = {}
    for p in points(list(grids)):
        name = point_name(p)
        if status.get(name) != "done":
            continue
        recs = [json.loads(x) for x in (out / name / "metrics.jsonl").read_text().splitlines()]
        xs, hs = [r["epoch"] for r in recs], [r["higher_entropy"] for r in recs]
        curves[name] = (xs, hs)
        trans[name] = next((x for x, h in zip(xs, hs, strict=True) if h >= thr), None)
    if not curves:
        raise BadInput(f"{out}: no finished point yet")
    png = Path(png) if png is not None else out / "plots" / "transitions.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    n, hits = len(curves), sorted(t for t in trans.values() if t is not None)
    _draw(png, curves, hits, n, budget, thr, target)
    return TransitionStats(n, len(hits), len(hits) / n, budget, thr, trans, png)


def _draw(png: Path, curves, hits: list[int], n: int, budget: int, thr: float,
          target: tuple[str, ...]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    programs = _option(target, "--programs") or "131072"
    mutation = _option(target, "--mutation-rate") or "1/4096"
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.6))
    xs = np.concatenate([[0], hits, [budget]])
    ys = np.concatenate([[0], np.arange(1, len(hits) + 1), [len(hits)]]) / n
    ax[0].step(xs, ys, where="post", color="C3", lw=2)
    ax[0].set(xlim=(0, budget), ylim=(-0.01, 1), xlabel="epoch",
              ylabel="fraction of soups transitioned",
              title=f"{len(hits)} of {n} soups transitioned ({len(hits) / n:.0%})")
    if budget >= 16384:  # the paper's mark: ~40% of 2^17-program soups by epoch 16k
        ax[0].plot([16384], [0.40], "k*", ms=10, clip_on=False, zorder=5,
                   label="paper, 2^17 programs: ~40% by 16k")
        ax[0].legend(loc="upper left", fontsize=8)
    for x in sorted(set(hits)):  # the count at each step
        k = sum(h <= x for h in hits)
        ax[0].annotate(f"{k}/{n}", (x, k / n), textcoords="offset points", xytext=(2, 3),
                       fontsize=8)
    ax[0].grid(alpha=0.3)
    bins = np.linspace(0, budget, 17)
    ax[1].hist(hits, bins=bins, color="C0", edgecolor="white")
    ax[1].set(xlim=(0, budget), ylim=(0, max(2, len(hits))), xlabel="transition epoch",
              ylabel="soups", title=f"transition epochs (H ≥ {thr:g})")
    ax[1].yaxis.get_major_locator().set_params(integer=True)
    if not hits:
        ax[1].text(0.5, 0.5, f"none within {budget} epochs", ha="center",
                   transform=ax[1].transAxes)
    for name, (ex, hs) in curves.items():
        lbl = name if len(curves) <= 12 else None
        ax[2].plot(ex, hs, lw=0.9, alpha=0.8, label=lbl)
    ax[2].axhline(thr, color="k", ls="--", lw=0.8)
    ax[2].set(xlim=(0, budget), xlabel="epoch", ylabel="higher-order entropy (bits/byte)",
              title="each soup")
    if len(curves) <= 12:
        ax[2].legend(fontsize=7)
    fig.suptitle(f"BFF soups: {programs} programs, mutation {mutation}, {n} soups,"
                 f" {budget} epochs")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
