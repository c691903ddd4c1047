"""Pictures: trajectories over time, and the network as a species–reaction graph."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from selforg.crn.network import Network, format_rate


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_trajectory(path: str | Path, ts: np.ndarray, xs: np.ndarray,
                    species: Sequence[str], *, title: str = "",
                    shade: Sequence[tuple[float, float, str]] = (),
                    only: Sequence[str] | None = None) -> Path:
    """Concentrations (T, n) over ts (T,), one line per species, saved as PNG.

    `shade`: (t0, t1, label) spans drawn behind the lines (training window, input pulses).
    `only`: the species to draw (default all).
    """
    plt = _pyplot()
    path = Path(path)
    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=110)
    seen: dict[str, int] = {}
    for t0, t1, label in shade:
        first = label not in seen
        seen.setdefault(label, len(seen))
        ax.axvspan(t0, t1, color=("grey", "gold", "violet", "cyan")[seen[label] % 4],
                   alpha=0.2, label=label if first else None, lw=0)
    for i, name in enumerate(species):
        if only is None or name in only:
            ax.plot(ts, xs[:, i], lw=1.3, label=name)
    ax.set_xlabel("time")
    ax.set_ylabel("concentration")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, ncol=min(6, len(species) + len(seen)), loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_network(path: str | Path, net: Network, *, title: str = "") -> Path:
    """The network as a bipartite graph: species (circles, outer ring), reactions (boxes,
    inner ring, labelled with their rate); arrows run reactant → reaction → product, with the
    stoichiometric coefficient when it is above 1."""
    plt = _pyplot()
    path = Path(path)
    n, r = net.n_species, net.n_reactions
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=110)
    ang_s = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    pos_s = [(math.cos(a), math.sin(a)) for a in ang_s]
    ang_r = [math.pi / 2 - 2 * math.pi * (j + 0.5) / max(r, 1) for j in range(r)]
    pos_r = [(0.55 * math.cos(a), 0.55 * math.sin(a)) for a in ang_r]
    for j in range(r):
        for side, sign in ((net.reactants[j], 1), (net.products[j], -1)):
            for i in np.flatnonzero(side):
                a, b = (pos_s[i], pos_r[j]) if sign == 1 else (pos_r[j], pos_s[i])
                ax.annotate("", xy=b, xytext=a, arrowprops=dict(
                    arrowstyle="-|>", color="C0" if sign == 1 else "C3", lw=1.1,
                    shrinkA=14, shrinkB=14, connectionstyle="arc3,rad=0.08"))
                if side[i] > 1:
                    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
                    ax.text(*mid, str(int(side[i])), fontsize=8, ha="center")
        if not net.reactants[j].any():
            ax.text(pos_r[j][0] * 0.6, pos_r[j][1] * 0.6, "∅", ha="center", fontsize=9)
        if not net.products[j].any():
            ax.text(pos_r[j][0] * 0.6, pos_r[j][1] * 0.6, "→∅", ha="center", fontsize=9)
    for i, (x, y) in enumerate(pos_s):
        ax.add_patch(plt.Circle((x, y), 0.11, color="C2", alpha=0.35))
        ax.text(x, y, net.species[i], ha="center", va="center", fontsize=11, weight="bold")
    for j, (x, y) in enumerate(pos_r):
        ax.text(x, y, f"r{j + 1}\n{format_rate(float(f'{net.rates[j]:.3g}'))}",
                ha="center", va="center", fontsize=7,
                bbox=dict(boxstyle="round", fc="white", ec="grey"))
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or "reactions (boxes, rate) between species (circles)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
