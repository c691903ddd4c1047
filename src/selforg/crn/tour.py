"""Tour part: the Brusselator's limit cycle, and the sparse oscillator learned here, both
printed in chemical notation with their trajectories; a table of the zoo's trained networks.

Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Chemical Reaction Networks"
(2023). Everything is integrated afresh (float64, Diffrax Tsit5); the learned networks come
from the zoo, each with the command that trained it.
"""

from __future__ import annotations

import time
from pathlib import Path

from selforg.core.report import Media, Section


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Simulate the Brusselator and the zoo's oscillator; write their plots.

    Args:
        out: the tour folder; this part writes ``out/crn/``.
        quiet: accepted for the shape every part has (nothing to show).

    Returns:
        The crn `Section` of the tour page.
    """
    from selforg.crn.analysis import oscillation
    from selforg.crn.config import SimulateConfig
    from selforg.crn.models import zoo_models
    from selforg.crn.plots import plot_network
    from selforg.crn.verbs import simulate

    del quiet
    t0 = time.monotonic()
    folder = Path(out) / "crn"
    folder.mkdir(parents=True, exist_ok=True)
    numbers: dict[str, float | int | str] = {}
    media = []

    bru = simulate(SimulateConfig("zoo:brusselator", t1=40.0, points=801,
                                  plot=folder / "brusselator.png"))
    tr = bru.trajectory
    late = tr.ts >= 20
    osc = oscillation(tr.ts[late], tr.xs[late, 0])
    numbers["Brusselator A=1, B=3: period of X"] = round(osc.period, 3)
    media.append(Media("crn/brusselator.png",
                       "Brusselator (-> X @ 1; 2 X + Y -> 3 X @ 1; X -> Y @ 3; X -> @ 1) from"
                       " X = Y = 1: past the Hopf bifurcation B = 1 + A², a limit cycle",
                       command="selforg crn simulate zoo:brusselator --t1 40 --plot"
                       " brusselator.png"))

    trained = {k: m for k, m in zoo_models().items() if m.info.get("kind") == "trained"}
    lines = []
    if "oscillator" in trained:
        m = trained["oscillator"]
        res = simulate(SimulateConfig("zoo:oscillator", points=1201,
                                      plot=folder / "oscillator.png"))
        plot_network(folder / "oscillator_network.png", m.network,
                     title=f"learned oscillator: {m.network.n_reactions} reactions")
        t = res.trajectory
        o = oscillation(t.ts[t.ts >= t.ts[-1] / 2], t.xs[t.ts >= t.ts[-1] / 2, 0])
        numbers["learned oscillator: reactions"] = m.network.n_reactions
        numbers["learned oscillator: period (target)"] = (
            f"{o.period:.3f} ({m.info.get('config', {}).get('period', '?')})")
        media.append(Media("crn/oscillator.png", "the learned oscillator from its zoo start:"
                           " " + "; ".join(str(m.network).splitlines()),
                           command="selforg crn simulate zoo:oscillator --plot osc.png"))
        media.append(Media("crn/oscillator_network.png",
                           "its reactions (boxes, with rates) between species (circles)"))
    for name, m in trained.items():
        results = m.info.get("results", {})
        lines.append(f"{name}: {m.description} — {m.command}"
                     f" ({results.get('training seconds', '?')} s)")
    numbers["zoo (trained here)"] = len(trained)
    summary = (
        "Chemical reaction networks under mass action, written and printed in chemical"
        " notation. The Brusselator is integrated from its zoo entry; its period near the"
        " Hopf point is 2π/A (`selforg crn check` tests it). The zoo's trained networks (the"
        " oscillator and the switch learned from the dense set of all reactions with ≤ 2"
        " reactants and ≤ 2 products, then pruned; the chambers' membrane learned around the"
        " oscillator): " + (" | ".join(lines) if lines else "none yet") + "."
    )
    return Section(
        title="crn: the Brusselator's limit cycle and a sparse oscillator learned from the dense"
              " reaction set",
        summary=summary, numbers=numbers, media=media,
        seconds=time.monotonic() - t0, command="selforg tour --only crn",
    )
