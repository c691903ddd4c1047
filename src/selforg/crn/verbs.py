"""The verbs that take a network: `simulate`, `export`, `zoo`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selforg.core.errors import BadInput
from selforg.crn.config import ExportConfig, SimulateConfig, ZooConfig
from selforg.crn.dynamics import SOLVERS, Trajectory
from selforg.crn.models import Model, load_model, zoo_models
from selforg.crn.network import Network, format_network, parse_x0


@dataclass(frozen=True)
class SimulateResult:
    """What `simulate` computed.

    Attributes:
        run_dir: always None (the files written are the ones asked for).
        model: the network simulated, with the initial concentrations used.
        trajectory: ts (points,), xs (points, n).
        final: species -> concentration at t1.
        files: what was written (plot, csv).
    """

    run_dir: None
    model: Model
    trajectory: Trajectory
    final: dict[str, float]
    files: tuple[Path, ...]


def simulate(cfg: SimulateConfig, *, out=None, quiet: bool = True) -> SimulateResult:
    """Integrate a network (``zoo:NAME``, a file, a run folder or notation) in float64.

    The model's own x0 comes first; `cfg.x0` overrides the species it names. Without `cfg.t1`
    the model's own horizon is used (10 if it has none).

    Args:
        cfg: what to integrate, for how long, with which solver, and where to write.
        out, quiet: accepted for the shape every verb has (nothing else is written or shown).

    Returns:
        `SimulateResult`.

    Example:
        >>> res = simulate(SimulateConfig("A <-> B @ 2, 1", t1=5.0, x0="A=1"))
        >>> round(res.final["B"], 4)
        0.6667
    """
    import jax

    from selforg.crn.dynamics import simulate as integrate

    del out, quiet
    if cfg.solver not in SOLVERS:
        raise BadInput(f"--solver {cfg.solver!r}: choose one of {', '.join(SOLVERS)}")
    model = load_model(cfg.model)
    x0 = parse_x0(cfg.x0, model.network.species, default=np.nan)
    x0 = np.where(np.isnan(x0), model.x0, x0)
    t1 = cfg.t1 if cfg.t1 is not None else (model.t1 or 10.0)
    with jax.enable_x64(True):
        tr = integrate(model.network, x0, float(t1), solver=cfg.solver, saveat=cfg.points,
                       dt=cfg.dt, rtol=cfg.rtol, atol=cfg.atol)
    if not bool(tr.ok):
        raise BadInput(f"the integration did not reach t1 = {t1:g} with finite values"
                       " (stiff? try --solver kvaerno5, or a smaller --dt for rk4)")
    model = Model(model.network, x0, t1, model.name, model.description, model.output,
                  model.command, model.compartments, model.info)
    files = []
    if cfg.csv is not None:
        Path(cfg.csv).write_text(tr.csv(), encoding="utf-8")
        files.append(Path(cfg.csv))
    if cfg.plot is not None:
        from selforg.crn.plots import plot_trajectory

        files.append(plot_trajectory(cfg.plot, tr.ts, tr.xs, tr.species,
                                     title=model.name or cfg.model[:60]))
    final = {s: float(v) for s, v in zip(tr.species, tr.xs[-1], strict=True)}
    return SimulateResult(None, model, tr, final, tuple(files))


@dataclass(frozen=True)
class ExportResult:
    """What `export` wrote.

    Attributes:
        run_dir: always None.
        network: the network written.
        text: its chemical notation.
        files: the files written.
    """

    run_dir: None
    network: Network
    text: str
    files: tuple[Path, ...]


def export(cfg: ExportConfig, *, out=None, quiet: bool = True) -> ExportResult:
    """Write a network as SBML (L3V2, mass-action kinetic laws) and/or chemical notation.

    Example:
        >>> export(ExportConfig("zoo:brusselator")).text.splitlines()[0]
        '-> X @ 1'
    """
    from selforg.crn.sbml import write_sbml

    del out, quiet
    model = load_model(cfg.model)
    text = format_network(model.network)
    files = []
    if cfg.sbml is not None:
        files.append(write_sbml(cfg.sbml, model.network, model.x0,
                                model_id=_sbml_id(model.name),
                                compartments=model.compartments or None))
    if cfg.text is not None:
        Path(cfg.text).write_text(text, encoding="utf-8")
        files.append(Path(cfg.text))
    return ExportResult(None, model.network, text, tuple(files))


def _sbml_id(name: str) -> str:
    import re

    ident = re.sub(r"[^A-Za-z0-9_]", "_", name or "crn")
    return ident if ident[:1].isalpha() or ident[:1] == "_" else f"m_{ident}"


@dataclass(frozen=True)
class ZooEntry:
    """One shipped network.

    Attributes:
        name: what follows ``zoo:``.
        kind: classic (hand-written, known answers) or trained.
        description: what it does.
        reactions: the number of reactions.
        command: the command that trained it ("selforg crn check" checks a classic).
        network: its chemical notation.
    """

    name: str
    kind: str
    description: str
    reactions: int
    command: str
    network: str


@dataclass(frozen=True)
class ZooResult:
    """What `zoo` lists: run_dir None, the entries by name."""

    run_dir: None
    entries: tuple[ZooEntry, ...]


def zoo(cfg: ZooConfig | None = None, *, out=None, quiet: bool = True) -> ZooResult:
    """List the networks shipped with the package.

    Example:
        >>> "brusselator" in [e.name for e in zoo().entries]
        True
    """
    del cfg, out, quiet
    entries = []
    for name, m in zoo_models().items():
        kind = m.info.get("kind", "trained")
        entries.append(ZooEntry(name, kind, m.description, m.network.n_reactions,
                                m.command or "selforg crn check", format_network(m.network)))
    return ZooResult(None, tuple(entries))
