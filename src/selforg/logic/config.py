"""Configs of the logic-gate cellular automata: one frozen dataclass, one preset per experiment.

Miotti, Niklasson, Randazzo, Mordvintsev, "Differentiable Logic Cellular Automata" (2025), the
experiment table. The defaults are the Game of Life run (the headline result), which stops as soon
as every one of the 512 boards is right under the discrete (hard) rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from selforg.core.config import replace
from selforg.core.errors import BadInput
from selforg.logic.wiring import WIRING_DRAWS

EXPERIMENTS = ("life", "checkerboard", "lizard", "colors")
BOUNDARIES = ("periodic", "zero")


@dataclass(frozen=True)
class LogicConfig:
    """One training run of a logic CA.

    Attributes:
        experiment: life | checkerboard | lizard | colors (selects data and target).
        height, width: grid the rule is trained on.
        channels: C binary channels per cell.
        steps: automaton steps per rollout; the loss is taken at the last one.
        batch: rollouts per iteration.
        iters: maximum optimisation steps.
        lr: constant AdamW learning rate.
        kernels: K perception kernels (all share one wiring).
        perception_widths: layer widths of a kernel, starting with its 9 inputs.
        update_widths: gate layers of the update circuit, after its input; the last equals C.
        update_inputs: the first update layer is wired from the first N of its C + C·w·K inputs
            (own bits, then kernel outputs in (channel, bit, kernel) order); 0 = all, as in the
            paper. The colour preset uses 1 + K·C = 257: wired from all 576 inputs its discrete
            rule stayed far from its soft one (52–82 wrong bits after 3,000 steps, seeds 0 and 1,
            on a GPU whose TF32 matmuls then still reached the soft gates), with 257 it converged.
            The lizard uses all 640, as the paper does: with the paper's target framing that
            learns much faster (hard loss 33 at step 380, against 96 wired from 513).
        boundary: periodic | zero.
        asynchronous: each cell fires with probability `fire_rate` per step.
        fire_rate: the async firing probability.
        wiring: unique | random (layers after the first perception layer).
        wiring_draw: numpy | reference: where the wiring's permutations come from. `reference`
            draws them with jax.random in the key order of the paper's reference notebook, so a
            seed gives that notebook's wiring for the same seed.
        gate_noise: scale of Gumbel noise added to every gate's logits in the training rollout,
            drawn afresh each iteration and shared by all cells and steps (0 = the paper's
            recipe). The monitored hard rollout always uses the clean argmax.
        straight_through: the training rollout runs the discrete gates (argmax of the possibly
            noisy logits) and the gradient flows through their softmax relaxation. With
            gate_noise 1 this is the Gumbel logic gate network of Yousefi et al. (2025), which
            trains the circuit that inference runs instead of its soft mixture.
        clip: element-wise gradient clip before AdamW.
        weight_decay: AdamW weight decay.
        seed: wiring, sampling and (async) masks all derive from it.
            Convergence depends on it: the lizard preset's 24 grows the lizard exactly (hard
            loss 0 at step 1,144); the notebook's 23 stops 10 cells short on this wiring draw.
        stop_at_zero: stop once the hard error is 0 (Life: on all 512 boards; lizard and
            colours: their one fixed rollout, which the training step then keeps exact).
        log_every, checkpoint_every: cadence.
    """

    experiment: str = "life"
    height: int = 3
    width: int = 3
    channels: int = 1
    steps: int = 1
    batch: int = 20
    iters: int = 5000
    lr: float = 0.05
    kernels: int = 16
    perception_widths: tuple[int, ...] = (9, 8, 4, 2, 1)
    update_widths: tuple[int, ...] = (128,) * 16 + (64, 32, 16, 8, 4, 2, 1)
    update_inputs: int = 0
    boundary: str = "periodic"
    asynchronous: bool = False
    fire_rate: float = 0.6
    wiring: str = "unique"
    wiring_draw: str = "numpy"
    gate_noise: float = 0.0
    straight_through: bool = False
    clip: float = 100.0
    weight_decay: float = 1e-2
    seed: int = 6
    stop_at_zero: bool = True
    log_every: int = 25
    checkpoint_every: int = 100


PRESETS: dict[str, LogicConfig] = {
    "life": LogicConfig(),
    "checkerboard": LogicConfig(
        experiment="checkerboard", height=16, width=16, channels=8, steps=20, batch=2,
        iters=1000, lr=0.05, kernels=16, perception_widths=(9, 8, 4, 2),
        update_widths=(256,) * 10 + (128, 64, 32, 16, 8, 8), boundary="zero",
        stop_at_zero=False, log_every=10, checkpoint_every=25, seed=0,
    ),
    "checkerboard-async": LogicConfig(
        experiment="checkerboard", height=14, width=14, channels=8, steps=50, batch=1,
        iters=1000, lr=0.05, kernels=16, perception_widths=(9, 8, 4, 2),
        update_widths=(256,) * 14 + (128, 64, 32, 16, 8, 8), boundary="zero",
        asynchronous=True, stop_at_zero=False, log_every=10, checkpoint_every=25, seed=0,
    ),
    "lizard": LogicConfig(
        experiment="lizard", height=20, width=20, channels=128, steps=12, batch=1, iters=3500,
        lr=0.06, kernels=4, perception_widths=(9, 8, 4, 2, 1),
        update_widths=(512,) * 8 + (256, 128), update_inputs=0, boundary="periodic",
        stop_at_zero=True, log_every=10, checkpoint_every=25, seed=24,
    ),
    "colors": LogicConfig(
        experiment="colors", height=16, width=16, channels=64, steps=15, batch=1, iters=3000,
        lr=0.06, kernels=4, perception_widths=(9, 8, 4, 2),
        update_widths=(512,) * 8 + (256, 128, 64), update_inputs=257, boundary="zero",
        stop_at_zero=True, log_every=10, checkpoint_every=25, seed=23,
    ),
}


def preset(experiment: str, *, asynchronous: bool = False, **changes) -> LogicConfig:
    """The paper's settings for `experiment` (CPU-scale iteration counts), with `changes`.

    Raises:
        BadInput: unknown experiment or inconsistent widths.
    """
    name = experiment + ("-async" if asynchronous else "")
    if name not in PRESETS:
        raise BadInput(f"no preset {name!r} (allowed: {', '.join(PRESETS)})")
    cfg = replace(PRESETS[name], **changes)
    validate(cfg)
    return cfg


def update_input_width(cfg: LogicConfig) -> int:
    """Inputs of the update circuit: C own bits and C·w·K kernel outputs (w: last kernel width)."""
    return cfg.channels * (1 + cfg.perception_widths[-1] * cfg.kernels)


def wired_update_inputs(cfg: LogicConfig) -> int:
    """How many leading update inputs the first update layer draws its wires from."""
    return cfg.update_inputs or update_input_width(cfg)


def validate(cfg: LogicConfig) -> None:
    """Raise BadInput for settings no circuit can have."""
    if cfg.experiment not in EXPERIMENTS:
        raise BadInput(f"experiment {cfg.experiment!r} (allowed: {', '.join(EXPERIMENTS)})")
    if cfg.wiring_draw not in WIRING_DRAWS:
        raise BadInput(f"wiring draw {cfg.wiring_draw!r} (allowed: {', '.join(WIRING_DRAWS)})")
    if not cfg.gate_noise >= 0:  # also rejects NaN
        raise BadInput(f"gate noise {cfg.gate_noise} must be 0 or more")
    if cfg.boundary not in BOUNDARIES:
        raise BadInput(f"boundary {cfg.boundary!r} (allowed: {', '.join(BOUNDARIES)})")
    pw = cfg.perception_widths
    if len(pw) < 2 or pw[0] != 9 or not 1 <= pw[1] <= 8:
        raise BadInput(f"perception widths {pw} must start with 9 then 1..8")
    if not cfg.update_widths or cfg.update_widths[-1] != cfg.channels:
        raise BadInput(f"update widths {cfg.update_widths} must end with channels={cfg.channels}")
    full = update_input_width(cfg)
    if not (cfg.update_inputs == 0 or 2 <= cfg.update_inputs <= full):
        raise BadInput(f"update inputs {cfg.update_inputs} must be 0 (all) or 2..{full}, the"
                       f" {cfg.channels} own bits plus the kernel outputs")
    if cfg.experiment == "colors" and cfg.channels < 3:
        raise BadInput("colors needs at least 3 channels")
    if cfg.experiment == "life" and (cfg.height, cfg.width, cfg.channels) != (3, 3, 1):
        raise BadInput("life trains on 3×3 boards with one channel")


# The configs of the verbs that use a trained circuit. `circuit` names one the way every verb
# accepts it: ``zoo:NAME`` (a shipped circuit), a circuit JSON file, or a training run folder.


@dataclass(frozen=True)
class ShowConfig:
    """`show`: gate counts of a circuit and, where asked, a picture of its pruned graph.

    Attributes:
        circuit: ``zoo:NAME``, a circuit file or a run folder.
        png: write the picture here (None: only where `show` is given a folder to write to).
    """

    circuit: str = "zoo:life"
    png: str | None = None


@dataclass(frozen=True)
class VerifyConfig:
    """`verify_life`: a one-channel circuit against the true Game of Life.

    Attributes:
        circuit: ``zoo:NAME``, a circuit file or a run folder.
        size: side of the periodic grid, a multiple of 64.
        steps: steps compared, every cell at every step.
        seed: draws the initial grid.
        density: probability of a live cell at the start.
    """

    circuit: str = "zoo:life"
    size: int = 128
    steps: int = 300
    seed: int = 0
    density: float = 0.5


DAMAGE_MODES = ("erase", "random")
#: Built-in initial grids of `RunConfig.init` (anything else names a file).
STARTS = ("random", "seed", "zeros")
#: The start each experiment was trained from.
TRAINED_START = {"life": "random", "checkerboard": "random", "lizard": "seed", "colors": "zeros"}


@dataclass(frozen=True)
class RunConfig:
    """`run`: a circuit on a large bit-packed grid, optionally damaged and animated.

    Attributes:
        circuit: ``zoo:NAME``, a circuit file or a run folder.
        size: grid side when it starts from random bits (any width: widths that are not a
            multiple of 64 run in the generated kernel).
        steps: automaton steps.
        init: the initial grid: ``random`` (bits of `density`), ``seed`` (one centre cell with
            every bit 1), ``zeros``, or a file: ``.npy`` (H, W[, C]) or an image (bright = 1).
            None: the circuit's own start, from its config (lizard: seed, colors: zeros,
            otherwise random).
        density: probability of a 1 bit in the random initial grid.
        fire_rate: None for synchronous steps, else each cell fires with this probability.
        damage_at: step at which the box is damaged (None: no damage, unless `damage_box`).
        damage_box: ``(x, y, w, h)`` of the damage (None: the centre half of the grid).
        damage_mode: erase (set to 0) | random (fresh random bits).
        gif: write an animation of channel 0's centre 256² cells here.
        mp4: write the same animation as an MP4 video here.
        threads: Numba threads (None: all cores).
        seed: draws the initial grid, the fire masks and random damage.
    """

    circuit: str = "zoo:life"
    size: int = 1024
    steps: int = 1000
    init: str | None = None
    density: float = 0.5
    fire_rate: float | None = None
    damage_at: int | None = None
    damage_box: tuple[int, int, int, int] | None = None
    damage_mode: str = "erase"
    gif: str | None = None
    mp4: str | None = None
    threads: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class ExportConfig:
    """`export_c`: a circuit as a standalone C program.

    Attributes:
        circuit: ``zoo:NAME``, a circuit file or a run folder.
        output: the ``.c`` file to write (None: only return the source).
    """

    circuit: str = "zoo:life"
    output: str | None = None


@dataclass(frozen=True)
class ZooConfig:
    """`zoo`: the circuits shipped with the package (nothing to set)."""
