"""Run folders of the icl experiments: opened in one place, parts for the models they train.

An experiment that trains several models (``mesa``: one per model; ``softmax``: one per head
count; ``sine``: the LSA learner and its control) keeps each model in a part folder inside the
run, ``<run>/<part>/``, itself a run folder (config.json, metrics.jsonl, checkpoints) of the
verb ``<verb>-<part>``. The run's own ``checkpoints/latest.npz`` then holds no arrays; its step
counts the parts finished, so the run resumes like any other and a finished run is told apart
from one that never started.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from selforg.core.config import to_dict
from selforg.core.errors import require
from selforg.core.runs import Run, load_config, open_run

C = TypeVar("C")
SYSTEM = "icl"


def open_experiment(verb: str, config: C | None, cls: type[C], *, out: str | Path | None,
                    resume: str | Path | None, schedule_over_steps: bool = False,
                    parts: bool = False, eval_only: bool = False) -> Run:
    """Open (or resume) the run folder of ``selforg icl <verb>``.

    Args:
        verb: the CLI verb (``gd``, ``mesa``, ...).
        config: the experiment's config; None means ``cls()`` for a new run and the run's
            saved config when resuming.
        cls: the config class.
        out, resume: as in `selforg.core.runs.open_run`.
        schedule_over_steps: the learning rate follows a schedule over the run's total
            ``steps`` (warm-up + cosine), so a longer run is not this run continued: a resume
            with other ``steps`` is refused. Otherwise ``steps`` may grow on resume (a constant
            learning rate: the steps done are those of the longer run).
        parts: the experiment trains its models in part folders (see the module doc).
        eval_only: evaluate the resumed run's checkpoints without training.

    Raises:
        BadInput: see `open_run`; ``eval_only`` without ``resume``; another ``steps`` on
            resume under a schedule over the total.
    """
    require(not eval_only or resume is not None,
            "--eval-only needs --resume DIR (the run whose checkpoints to evaluate)")
    if resume is not None:
        saved = load_config(resume, cls, system=SYSTEM, verb=verb)
        config = saved if config is None else config
        steps = getattr(config, "steps", None)
        require(not schedule_over_steps or steps == saved.steps,
                f"--resume {resume}: icl {verb} decays its learning rate (warm-up + cosine) over"
                f" the run's {saved.steps} steps, so {steps} steps would not continue that run;"
                f" start a new run with --iterations {steps} instead")
    elif config is None:
        config = cls()
    extendable = () if schedule_over_steps else ("steps",)
    run = open_run(SYSTEM, verb, config, out=out, resume=resume, extendable=extendable)
    if parts and not run.resumed:
        run.save_checkpoint({}, step=0)
    return run


def finish_part(run: Run, done: int) -> None:
    """Record in the run's own checkpoint that `done` parts are finished."""
    run.save_checkpoint({}, step=done)


def open_part(run: Run, name: str, config: Any) -> Run:
    """The part folder ``run.path / name`` (verb ``<run.verb>-<name>``), new or resumed.

    A part of a resumed run continues from its latest checkpoint; one that had not reached a
    checkpoint starts again (training is a function of the seed and step, so it gives the
    same model). A grown ``steps`` is carried into the part as into the run.
    """
    path = run.path / name
    verb = f"{run.verb}-{name}"
    if run.resumed and (path / "checkpoints" / "latest.npz").is_file():
        _write_missing_config(path, verb, config)
        return open_run(SYSTEM, verb, config, resume=path, extendable=("steps",))
    if path.exists():
        if (path / "metrics.jsonl").exists():
            print(f"note: {path} has no checkpoint yet; training that part from step 0",
                  file=sys.stderr)
        shutil.rmtree(path)
    return open_run(SYSTEM, verb, config, out=path)


def read_part(run_dir: str | Path, verb: str, name: str, cls: type[C]) -> tuple[Run, C]:
    """The part `name` of a finished ``selforg icl <verb>`` run, to load its checkpoint.

    Returns:
        (the part's run, the run's config).

    Raises:
        BadInput: not a run of `verb`, or it has no trained part `name`.
    """
    config = load_config(run_dir, cls, system=SYSTEM, verb=verb)
    path = Path(run_dir) / name
    require((path / "checkpoints" / "latest.npz").is_file(),
            f"{run_dir} holds no trained {name}")
    _write_missing_config(path, f"{verb}-{name}", config)
    return open_run(SYSTEM, f"{verb}-{name}", config, resume=path), config


def _write_missing_config(path: Path, verb: str, config: Any) -> None:
    # Runs made before parts were run folders of their own lack it; their checkpoints carry
    # the hash of this same config, which `open_run` then checks.
    target = path / "config.json"
    if not target.exists():
        target.write_text(json.dumps({"system": SYSTEM, "verb": verb,
                                      "config": to_dict(config)}, indent=2) + "\n")


def loss_plot(path: Path, records: Sequence[dict[str, Any]],
              keys: Sequence[str] | Mapping[str, str], *,
              title: str, hlines: dict[str, float] | None = None) -> Path:
    """The loss curves of `keys` (metric names, or ``{label: metric}``) in the logged
    `records`, log scale, through the one plotter
    (`selforg.core.media.plot_metrics`); each of `hlines` (``{label: value}``) is drawn as a
    constant line over the same steps (a validation baseline)."""
    from selforg.core.media import plot_metrics

    labelled = dict(keys) if isinstance(keys, Mapping) else {k: k for k in keys}
    rows = [{**r, **(hlines or {})} for r in records]
    return plot_metrics(path, rows, {**labelled, **{k: k for k in hlines or {}}}, title=title)


def merge_records(named: dict[str, Sequence[dict[str, Any]]], key: str = "loss"
                  ) -> list[dict[str, Any]]:
    """Records of several parts as one list, ``record[key]`` renamed to the part's label,
    joined on the step (so several parts' curves go into one `loss_plot`)."""
    by_step: dict[int, dict[str, Any]] = {}
    for label, records in named.items():
        for r in records:
            if key in r:
                by_step.setdefault(int(r["step"]), {"step": int(r["step"])})[label] = r[key]
    return [by_step[s] for s in sorted(by_step)]
