"""Configs of MPLP: meta-training (one preset per task, the spec's table) and evaluation.

Randazzo, Niklasson, Mordvintsev, "MPLP: Learning a Message Passing Learning Protocol" (2020,
arXiv 2007.00970), the settings of the authors' notebooks:

| task | network | M | hidden | inner batch × steps | outer batch, pool | outer Adam |
|---|---|---|---|---|---|---|
| sinusoid | 1-20-20-1 ReLU, L2, per-layer GRU learners | 8 | 15 | 10 × 5 | 4, 128 | 1e-4 |
| fewshot | same, stateless learners + a meta-learned init | 8 | – | 10 × 2 | 4, – | 1e-4 |
| digits | 144-50-10 sigmoid, softmax + CE, shared dense learners | 4 | 7 | 8 × 20 | 1, 16 | 5e-4 |
"""

from __future__ import annotations

from dataclasses import dataclass

from selforg.core.config import replace
from selforg.core.errors import BadInput, require

TASKS = ("sinusoid", "fewshot", "digits")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "step")
LOSSES = ("l2", "ce")


@dataclass(frozen=True)
class TrainConfig:
    """One meta-training run.

    Attributes:
        task: sinusoid | fewshot | digits (data, loss, and which preset the defaults follow).
        widths: the target network, inputs first (digits: 144 inputs, 10 outputs).
        activation: relu | sigmoid | tanh | step.
        message_size: M channels per message.
        hidden: GRU carry channels besides the update and message channels.
        stateful: GRU learners (else the stateless MLP pair).
        shared: one weight and one bias learner for all dense layers.
        inner_batch: examples per inner step.
        inner_steps: inner steps per task.
        outer_batch: tasks per meta-gradient.
        pool: fixed initial target networks sampled from (fewshot: unused, it learns its init).
        lr: outer Adam learning rate; every gradient tensor is normalised g/(‖g‖ + 1e-8).
        hint_ratio: outer loss = hint_ratio × mean over inner steps of the loss on the batch just
            seen (after its update) + (1 − hint_ratio) × the final loss on a held-out batch.
        iterations: meta-training steps.
        log_every: steps between metrics records (and progress updates).
        checkpoint_every: steps between checkpoints.
        seed: learners, pool, statistics and every task drawn derive from it.
        init: a protocol (``zoo:NAME``, a run folder or a ``protocol.npz``) whose learners
            meta-training starts from, e.g. a ReLU-trained protocol carried over to the step
            activation; it must have this config's learner shapes. The standardisation is
            frozen afresh from this config's initial pass. None: fresh learners.
    """

    task: str = "sinusoid"
    widths: tuple[int, ...] = (1, 20, 20, 1)
    activation: str = "relu"
    message_size: int = 8
    hidden: int = 15
    stateful: bool = True
    shared: bool = False
    inner_batch: int = 10
    inner_steps: int = 5
    outer_batch: int = 4
    pool: int = 128
    lr: float = 1e-4
    hint_ratio: float = 0.7
    iterations: int = 3000
    log_every: int = 25
    checkpoint_every: int = 250
    seed: int = 0
    init: str | None = None

    @property
    def loss(self) -> str:
        return "ce" if self.task == "digits" else "l2"


PRESETS: dict[str, TrainConfig] = {
    "sinusoid": TrainConfig(),
    "fewshot": TrainConfig(task="fewshot", stateful=False, inner_steps=2, hint_ratio=0.0,
                           pool=1, iterations=3000),
    "digits": TrainConfig(task="digits", widths=(144, 50, 10), activation="sigmoid",
                          message_size=4, hidden=7, shared=True, inner_batch=8,
                          inner_steps=20, outer_batch=1, pool=16, lr=5e-4, iterations=500,
                          log_every=10, checkpoint_every=50),
}


def preset(task: str, **changes: object) -> TrainConfig:
    """The preset of `task` with `changes` (None values ignored)."""
    require(task in PRESETS, f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    return replace(PRESETS[task], **changes)


def validate_widths(task: str, widths: tuple[int, ...]) -> None:
    """Refuse widths the task cannot use (one line)."""
    require(len(widths) >= 2 and min(widths) >= 1,
            f"widths {','.join(map(str, widths))}: give at least an input and an output width,"
            " all ≥ 1")
    if task == "digits":
        require(widths[0] == 144 and widths[-1] == 10,
                f"digits widths must start with 144 (12×12 pixels) and end with 10 classes,"
                f" got {','.join(map(str, widths))}")
    else:
        require(widths[0] == 1 and widths[-1] == 1,
                f"{task} widths must start and end with 1 (x → y), got"
                f" {','.join(map(str, widths))}")


def validate(cfg: TrainConfig) -> None:
    """Refuse a config that cannot run (one line)."""
    require(cfg.task in TASKS, f"unknown task {cfg.task!r}; choose one of {', '.join(TASKS)}")
    validate_widths(cfg.task, cfg.widths)
    require(cfg.activation in ACTIVATIONS,
            f"unknown activation {cfg.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    require(0.0 <= cfg.hint_ratio <= 1.0, f"hint_ratio {cfg.hint_ratio} is outside [0, 1]")
    for name in ("message_size", "inner_batch", "inner_steps", "outer_batch", "pool",
                 "iterations", "log_every", "checkpoint_every"):
        require(getattr(cfg, name) >= 1, f"{name} must be ≥ 1, got {getattr(cfg, name)}")
    require(cfg.hidden >= 0, f"hidden must be ≥ 0, got {cfg.hidden}")
    require(cfg.lr > 0, f"lr must be > 0, got {cfg.lr}")


@dataclass(frozen=True)
class EvalConfig:
    """Evaluation of a trained protocol against Adam and SGD on the same tasks and networks.

    Attributes:
        model: a run folder or ``zoo:NAME``.
        tasks: fresh tasks (each with a fresh network).
        steps: inner steps (default: the horizon it was meta-trained for; more is allowed).
        activation: the target network's activation (default: the trained one); ``step`` is
            max(0, sign(x)), whose gradient is 0.
        widths: the target network (default: the trained one), e.g. a larger 1,40,40,1.
        adam_lr: Adam's learning rate.
        sgd_lr: SGD's (default 0.1 for digits, 0.05 otherwise).
        seed: tasks and networks derive from it.
    """

    model: str
    tasks: int = 100
    steps: int | None = None
    activation: str | None = None
    widths: tuple[int, ...] | None = None
    adam_lr: float = 0.01
    sgd_lr: float | None = None
    seed: int = 0


@dataclass(frozen=True)
class ZooConfig:
    """Nothing to set: `zoo` lists the shipped protocols."""


def check_eval(cfg: EvalConfig) -> None:
    """Refuse an evaluation that cannot run (one line)."""
    require(cfg.tasks >= 1, f"tasks must be ≥ 1, got {cfg.tasks}")
    if cfg.steps is not None:
        require(cfg.steps >= 1, f"steps must be ≥ 1, got {cfg.steps}")
    if cfg.activation is not None and cfg.activation not in ACTIVATIONS:
        raise BadInput(f"unknown activation {cfg.activation!r}; choose one of"
                       f" {', '.join(ACTIVATIONS)}")
