"""Figures: weight heat maps (W_K^T W_Q and P W_V) and line plots of losses."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def weight_heatmaps(path: str | Path, panels: dict[str, np.ndarray], *, title: str = "") -> Path:
    """Heat maps side by side, one colour scale per panel, symmetric around 0 (red/blue).

    Args:
        path: PNG to write.
        panels: ``{label: (rows, cols) matrix}``.
    """
    plt = _plt()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(2.9 * n, 3.0), dpi=110, squeeze=False)
    for ax, (label, m) in zip(axes[0], panels.items(), strict=True):
        m = np.asarray(m, dtype=np.float64)
        v = float(np.max(np.abs(m))) or 1.0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-v, vmax=v)
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def line_plot(path: str | Path, curves: dict[str, tuple], *, xlabel: str, ylabel: str,
              title: str = "", logy: bool = False, hlines: dict[str, float] | None = None,
              markers: bool = False) -> Path:
    """``{label: (xs, ys)}`` as lines (with optional dashed horizontal reference lines)."""
    plt = _plt()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=110)
    for label, (xs, ys) in curves.items():
        ax.plot(np.asarray(xs), np.asarray(ys), label=label, lw=1.5,
                marker="o" if markers else None, ms=3)
    for i, (label, y) in enumerate((hlines or {}).items()):
        ax.axhline(y, ls="--", lw=1, color=f"C{len(curves) + i}", label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
