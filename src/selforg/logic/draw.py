"""Summaries and pictures of logic CA circuits (Miotti et al., 2025): the `show` verb.

`summary` lists the gate counts; `draw` renders the pruned netlist as a layered graph (inputs on
the left, the new state on the right, each gate labelled with its operation) with networkx and
matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.logic import gates
from selforg.logic.circuit import Circuit, netlist, stats
from selforg.logic.config import ShowConfig

_PATCH = ("NW", "N", "NE", "W", "C", "E", "SW", "S", "SE")


def summary(circuit: Circuit) -> str:
    """Human-readable description: shape, gate counts, ops by kind."""
    st = stats(circuit)
    widths = [l.width for l in circuit.perception]
    uw = [l.width for l in circuit.update]
    lines = [
        f"channels {circuit.channels}, kernels {circuit.kernels}, boundary {circuit.boundary}",
        f"perception layers {widths} (per kernel), update layers {uw}",
        f"gates {st['gates']}, not pass-through {st['active']}",
        f"active as the paper counts them (not a pass-through, some output depends on it)"
        f" {st['active_paper']}",
        f"active after pruning (constants, double negations and duplicates folded too)"
        f" {st['active_after_pruning']}, bitwise ops per cell update {st['ops_per_cell']}",
        "ops after pruning: " + ", ".join(f"{k} {v}" for k, v in st["op_counts"].items()),
    ]
    cfg = circuit.config
    if cfg is not None:
        mode = f"asynchronous (fire rate {cfg.fire_rate})" if cfg.asynchronous else "synchronous"
        lines.append(f"trained as: experiment {cfg.experiment}, {cfg.height}×{cfg.width} grid,"
                     f" {cfg.steps} {mode} step(s) per rollout, seed {cfg.seed}")
    return "\n".join(lines)


def draw(circuit: Circuit, path: str | Path, *, max_nodes: int = 600) -> Path:
    """Draw the pruned netlist (up to `max_nodes` gates) as a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    net = netlist(circuit, prune=True)
    n_in = net.n_inputs
    g = nx.DiGraph()
    depth = np.zeros(net.n_registers, int)
    used = set()
    for i in range(min(len(net.ops), max_nodes)):
        op = int(net.ops[i])
        r = n_in + i
        use_a, use_b = gates.USES[op]
        srcs = [int(s) for s, u in ((net.a[i], use_a), (net.b[i], use_b)) if u]
        depth[r] = 1 + max((depth[s] for s in srcs), default=0)
        g.add_node(r, layer=int(depth[r]), label=gates.SYMBOLS[op], kind="gate")
        for s in srcs:
            used.add(s)
            g.add_edge(s, r)
    for r in used:
        if r < n_in:
            c, p = divmod(r, 9)
            label = _PATCH[p] if circuit.channels == 1 else f"{c}:{_PATCH[p]}"
            g.add_node(r, layer=0, label=label, kind="input")
    top = int(depth.max()) + 1 if len(g) else 1
    for c, o in enumerate(net.outputs):
        node = f"out{c}"
        g.add_node(node, layer=top, label=f"s{c}'", kind="output")
        if int(o) in g:
            g.add_edge(int(o), node)
        else:
            g.add_node(int(o), layer=0, label=str(int(o)), kind="input")
            g.add_edge(int(o), node)
    pos = nx.multipartite_layout(g, subset_key="layer") if len(g) else {}
    size = (min(4 + 1.2 * top, 40), min(4 + 0.12 * len(g), 30))
    fig, ax = plt.subplots(figsize=size)
    colour = {"gate": "#cfe3ff", "input": "#d5f5d0", "output": "#ffd9a8"}
    nx.draw_networkx(
        g, pos, ax=ax, labels=nx.get_node_attributes(g, "label"), node_size=260, font_size=6,
        node_color=[colour[g.nodes[n]["kind"]] for n in g], arrowsize=6, width=0.5,
    )
    ax.set_title(f"{len(net.ops)} gates after pruning ({circuit.channels} channel(s))")
    ax.axis("off")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


@dataclass(frozen=True)
class ShowResult:
    """What `show` found.

    Attributes:
        run_dir: the run folder the circuit belongs to (None for a zoo circuit or a loose file).
        stats: `circuit.stats` (gate counts, ours and as the paper counts them).
        summary: the counts as text.
        png: the picture written (None when none was asked for).
    """

    run_dir: Path | None
    stats: dict[str, Any]
    summary: str
    png: Path | None


def show(cfg: ShowConfig | None = None, *, out: str | Path | None = None,
         quiet: bool = True) -> ShowResult:
    """Gate counts of the circuit `cfg.circuit`, and a picture of its pruned graph.

    The picture goes to `cfg.png`; without one, to ``circuit.png`` in `out`, or in the run
    folder the circuit belongs to; a zoo circuit or a loose file gets none (nothing is written
    into the installed package or beside a file that was not named).

    Args:
        cfg: the circuit and the picture's path.
        out: a folder for ``circuit.png`` when `cfg.png` is None.
        quiet: accepted for the shape every verb has (nothing is shown).

    Example:
        >>> from selforg.logic import ShowConfig, show
        >>> result = show(ShowConfig("zoo:checkerboard"))
        >>> result.stats["active_after_pruning"], result.png
        (23, None)
    """
    from selforg.logic.zoo import locate

    cfg = cfg or ShowConfig()
    circuit, run_dir = locate(cfg.circuit)
    folder = out if out is not None else run_dir
    png = cfg.png if cfg.png is not None else (
        None if folder is None else Path(folder) / "circuit.png")
    return ShowResult(run_dir, stats(circuit), summary(circuit),
                      None if png is None else draw(circuit, png))
