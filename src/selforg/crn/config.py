"""Settings of every crn verb, as frozen dataclasses.

Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Chemical Reaction Networks"
(2023, arXiv 2302.02714). The training defaults are CPU-sized runs of the paper's tasks: a
sparse oscillator learned from the dense candidate set of 4 species, a set/reset memory, and
a clock driving a second chamber through a learned membrane.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selforg.core.config import replace
from selforg.core.errors import BadInput

TASKS = ("oscillator", "switch", "chambers")
SPARSITY = ("L1", "Lhalf")


@dataclass(frozen=True)
class SimulateConfig:
    """One integration of a network.

    Attributes:
        model: ``zoo:NAME``, a network file (.txt notation, .sbml/.xml, a model .json), a
            training run folder, or the notation itself (``"A -> B @ 2"``).
        t1: end time.
        x0: initial concentrations ``"A=1,B=0.5"``; species not named start at 0 (a zoo or
            trained model's own x0 comes first).
        solver: rk4 | tsit5 | kvaerno5.
        points: saved times in [0, t1].
        dt: RK4 step (Diffrax: the first step).
        rtol, atol: Diffrax tolerances.
        plot: write a plot of the trajectories here (None: no plot).
        csv: write the trajectory here as CSV (columns t, then one per species).
    """

    model: str = "zoo:brusselator"
    t1: float | None = None
    x0: str = ""
    solver: str = "tsit5"
    points: int = 501
    dt: float = 0.01
    rtol: float = 1e-8
    atol: float = 1e-10
    plot: Path | None = None
    csv: Path | None = None


@dataclass(frozen=True)
class CheckConfig:
    """The classic checks (`selforg crn check`): Diffrax tolerances of the adaptive runs."""

    rtol: float = 1e-9
    atol: float = 1e-12


@dataclass(frozen=True)
class ExportConfig:
    """Writing a network out.

    Attributes:
        model: as `SimulateConfig.model`.
        sbml: the SBML file to write (None: none).
        text: the chemical-notation file to write (None: none).
    """

    model: str = "zoo:brusselator"
    sbml: Path | None = None
    text: Path | None = None


@dataclass(frozen=True)
class ZooConfig:
    """Listing the zoo: nothing to set."""


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Attributes:
        task: oscillator | switch | chambers.
        species: species of the dense candidate set (oscillator, switch: inputs included).
        period: target period of the output species (oscillator, chambers).
        amplitude: oscillator: the target first-harmonic amplitude of the output; chambers:
            the driven output's amplitude as a fraction of the clock's.
        sparsity: L1 | Lhalf: the penalty Σ k_r or Σ √k_r on the rate constants.
        sparsity_weight: weight of that penalty.
        iterations: optimisation steps before pruning.
        finetune: optimisation steps after pruning (no sparsity penalty).
        prune_below: reactions whose rate constant ends below this are removed.
        lr: Adam learning rate on the log rates.
        batch: random initial conditions per step.
        burn_in: periods simulated before the loss window (oscillator, chambers).
        window: periods in the loss window.
        dt: RK4 step.
        init_log_rate: initial θ = log k of every candidate reaction (plus N(0, 0.5²)
            noise); reactions of the searched starting network get their own.
        search: oscillator: random sparse networks drawn from the candidate set to find a
            starting point that oscillates; chambers: random permeability vectors tried
            (0 = start from `init_log_rate` alone).
        search_density: the fraction of candidate reactions present in each drawn network.
        log_rate_min, log_rate_max: θ is kept in this range (softly: a smooth clamp), so that
            no rate gets too stiff for the RK4 step.
        x_max: concentrations above this are penalised (keeps the dense network bounded).
        hold_weight: switch: weight of the penalty on the memory's relative rate of change
            while it holds (both levels must be fixed points, not a slow leak).
        network: chambers: the clock of chamber 1 (zoo:NAME, a file or notation).
        second: chambers: chamber 2's own reactions, over the clock's species.
        seed: initial conditions and every random draw.
        log_every, checkpoint_every: logging and checkpoint cadence (steps).
    """

    task: str = "oscillator"
    species: int = 3
    period: float = 10.0
    amplitude: float = 0.5
    sparsity: str = "L1"
    sparsity_weight: float = 0.01
    iterations: int = 1500
    finetune: int = 300
    prune_below: float = 0.02
    lr: float = 0.03
    batch: int = 16
    burn_in: float = 3.0
    window: float = 3.0
    dt: float = 0.05
    init_log_rate: float = -6.0
    search: int = 32768
    search_density: float = 0.08
    log_rate_min: float = -9.0
    log_rate_max: float = 2.5
    x_max: float = 5.0
    hold_weight: float = 1e4
    network: str = "zoo:oscillator"
    second: str = "B -> @ 1"
    seed: int = 0
    log_every: int = 25
    checkpoint_every: int = 100

    @property
    def total_steps(self) -> int:
        return self.iterations + self.finetune


PRESETS: dict[str, TrainConfig] = {
    "oscillator": TrainConfig(),
    "switch": TrainConfig(task="switch", species=5, search=0, iterations=1500, finetune=300,
                          sparsity_weight=0.001, period=0.0, burn_in=0.0, window=0.0,
                          dt=0.05, init_log_rate=-2.0, batch=16, lr=0.05),
    "chambers": TrainConfig(task="chambers", species=0, search=64, iterations=300,
                            finetune=100, sparsity_weight=0.01, prune_below=1e-3, lr=0.05,
                            batch=8, burn_in=4.0, window=3.0, init_log_rate=-2.0,
                            log_rate_min=-12.0, amplitude=1.0),
}


def preset(task: str, **changes) -> TrainConfig:
    """The default config of `task`, with `changes` applied (None values ignored).

    Raises:
        BadInput: unknown task.
    """
    if task not in PRESETS:
        raise BadInput(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")
    return replace(PRESETS[task], **changes)


def validate(cfg: TrainConfig) -> None:
    """Refuse a config that cannot train, naming the value and what is allowed."""
    if cfg.task not in TASKS:
        raise BadInput(f"unknown task {cfg.task!r}: choose one of {', '.join(TASKS)}")
    if cfg.sparsity not in SPARSITY:
        raise BadInput(f"--sparsity {cfg.sparsity!r}: choose L1 or Lhalf")
    if cfg.task in ("oscillator", "switch") and not 2 <= cfg.species <= 8:
        raise BadInput(f"--species {cfg.species}: need 2 to 8 (the dense set grows as n⁴)")
    if cfg.task == "switch" and cfg.species < 3:
        raise BadInput("--species: the switch needs ≥ 3 (set, reset and the memory)")
    if cfg.task in ("oscillator", "chambers") and not cfg.period > 0:
        raise BadInput(f"--period {cfg.period} must be > 0")
    if not cfg.dt > 0:
        raise BadInput(f"dt {cfg.dt} must be > 0")
    if cfg.log_rate_min >= cfg.log_rate_max:
        raise BadInput("log_rate_min must be below log_rate_max")
