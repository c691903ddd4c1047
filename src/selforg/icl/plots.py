"""Figures: weight heat maps (W_K^T W_Q and P W_V). Line plots use `core.media.plot_curves`."""

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
