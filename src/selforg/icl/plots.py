"""Figures: weight heat maps (W_K^T W_Q and P W_V). Line plots use `core.media.plot_curves`."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def weight_heatmaps(path: str | Path, panels: dict[str, np.ndarray], *, title: str = "",
                    labels: list[str] | None = None) -> Path:
    """Heat maps side by side, one colour scale per panel (with its colour bar), symmetric
    around 0 (red positive, blue negative).

    Args:
        path: PNG to write.
        panels: ``{label: (rows, cols) matrix}``.
        title: the figure's title (what is shown).
        labels: names of the rows and columns (token entries, e.g. ``x1 .. x10, y``).
    """
    plt = _plt()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.9), dpi=120, squeeze=False)
    for ax, (label, m) in zip(axes[0], panels.items(), strict=True):
        m = np.asarray(m, dtype=np.float64)
        v = float(np.max(np.abs(m))) or 1.0
        im = ax.imshow(m, cmap="RdBu_r", vmin=-v, vmax=v, interpolation="nearest")
        ax.set_title(label, fontsize=10)
        if labels is not None and len(labels) == m.shape[0] == m.shape[1]:
            ticks = np.arange(len(labels))
            ax.set_xticks(ticks, labels, fontsize=6, rotation=90)
            ax.set_yticks(ticks, labels, fontsize=6)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        bar = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        bar.ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
