"""What growing and texture training share: the optimiser, the loop around `core.train`, the
saved model and the result.

A trainer (`grow.train_grow`, `texture.train_texture`) supplies only what differs — how to
check its config, its initial state, its jitted step, and its pictures — as a `Trainer`;
`train` opens the run, builds the state, runs the loop, saves ``model.npz``, draws the
artefacts and returns a `TrainResult`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optax

from selforg.core.runs import Run, open_run
from selforg.core.train import LoopSettings, train_loop


def optimiser(lr: float, decay_at: tuple[int, ...], decay: float) -> optax.GradientTransformation:
    """Adam with the learning rate multiplied by `decay` at each step of `decay_at`.

    The schedule is a function of the absolute iteration only, so a run extended to more
    iterations takes exactly the steps an equally long run would have taken.
    """
    schedule = optax.piecewise_constant_schedule(lr, {int(b): decay for b in decay_at})
    return optax.adam(schedule)


@dataclass(frozen=True)
class TrainResult:
    """Where a training run went and how it ended.

    Attributes:
        run_dir: the run folder (config.json, metrics.jsonl, model.npz, pictures).
        steps: iterations completed (counting those of a resumed run).
        final_loss: the last logged loss (NaN when nothing was logged).
        seconds: wall time of this call's training loop.
    """

    run_dir: Path
    steps: int
    final_loss: float
    seconds: float


@dataclass(frozen=True)
class Prepared:
    """What one trainer hands to `train` once the run's config is known.

    Attributes:
        state: the initial training state (also the template a resumed checkpoint loads into).
        step: the jitted ``(state, i) -> (state, metrics)``.
        artefacts: ``(run, model) -> None``, the pictures written after training.
        on_log: optional ``(step, state, record) -> None`` called on each logged record.
    """

    state: dict[str, Any]
    step: Callable[[Any, Any], tuple[Any, dict[str, Any]]]
    artefacts: Callable[[Run, Any], None]
    on_log: Callable[[int, Any, dict[str, float]], None] | None = None


@dataclass(frozen=True)
class Trainer:
    """The parts in which growing and texture training differ.

    Attributes:
        verb: the run's verb (``"grow"`` / ``"texture"``), also the folder under runs/nca/.
        check: raises `BadInput` for a config no run can use.
        name: the run's name from its config (e.g. ``lizard-regenerating``).
        describe: the progress bar's label from the config.
        prepare: ``(run, config) -> Prepared``.
        system: the system whose run folders these are (``runs/<system>-<verb>/``; another
            texture system, such as ``rd``, trains with this same machinery).
    """

    verb: str
    check: Callable[[Any], None]
    name: Callable[[Any], str]
    describe: Callable[[Any], str]
    prepare: Callable[[Run, Any], Prepared]
    system: str = "nca"


# The training length: extending it continues the run (the lr schedule is by absolute
# iteration, so the extension is the same run as one that was this long from the start).
EXTENDABLE = ("iterations",)


def open_training_run(trainer: Trainer, cfg: Any, *, out: str | Path | None,
                      resume: str | Path | None, root: str | Path) -> Run:
    """Open (or resume) the run folder of `cfg`, refusing conflicting resumes."""
    trainer.check(cfg)
    return open_run(trainer.system, trainer.verb, cfg, out=out, resume=resume,
                    name=trainer.name(cfg), root=root, extendable=EXTENDABLE)


def train(
    trainer: Trainer,
    cfg: Any,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    quiet: bool = True,
    root: str | Path = "runs",
    checkpoint_every: int = 50,
    log_every: int = 10,
) -> TrainResult:
    """Open the run, train to ``cfg.iterations``, save ``model.npz`` and the pictures."""
    run = open_training_run(trainer, cfg, out=out, resume=resume, root=root)
    cfg = run.config
    trainer.check(cfg)
    prep = trainer.prepare(run, cfg)
    settings = LoopSettings(steps=cfg.iterations, log_every=log_every,
                            checkpoint_every=checkpoint_every, quiet=quiet,
                            description=trainer.describe(cfg))
    t0 = time.monotonic()
    # best.npz needs the rule alone; the pool and optimiser state are latest's, to resume
    state, done, records = train_loop(run, prep.state, prep.step, settings, on_log=prep.on_log,
                                      best_of=lambda s: s["model"])
    seconds = time.monotonic() - t0
    save_model(run, state["model"], step=done, extra={"train_seconds": seconds})
    prep.artefacts(run, state["model"])
    final = float(records[-1]["loss"]) if records else float("nan")
    return TrainResult(run.path, done, final, seconds)


def save_model(run: Run, model: Any, *, step: int, extra: dict | None = None,
               name: str = "model") -> Path:
    """Write the model alone as ``<run>/<name>.npz`` (a core checkpoint of just the rule)."""
    from selforg.core.config import config_hash
    from selforg.core.runs import atomic_write_bytes, checkpoint_bytes

    meta = {"system": run.system, "verb": run.verb, "config_hash": config_hash(run.config),
            "step": int(step), "extra": dict(extra or {}, kind="model")}
    path = run.path / f"{name}.npz"
    atomic_write_bytes(path, checkpoint_bytes(model, meta))
    if name == "stable":
        run.write_json("stable.json", {"step": int(step), **(extra or {})})
    return path


def read_stable(run: Run) -> float:
    """The best stability score saved so far in `run` (inf when none)."""
    p = run.path / "stable.json"
    if p.exists():
        return float(json.loads(p.read_text())["stability"])
    return float("inf")
