"""Trained protocols shipped with the package, and finding a protocol by name, file or run.

Each ``selforg/mplp/zoo/NAME.npz`` is the ``protocol.npz`` a ``selforg mplp train ...`` run
wrote (it carries its config); ``zoo/index.json`` gives each a description, the command that
made it, its meta-training time and the numbers measured. Every verb that takes a model
accepts ``zoo:NAME``, a model file, or a training run folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selforg.core.errors import BadInput
from selforg.mplp.config import ZooConfig

ZOO = Path(__file__).parent / "zoo"
PREFIX = "zoo:"


@dataclass(frozen=True)
class ZooEntry:
    """One shipped protocol: its name (after ``zoo:``), task, description and command."""

    name: str
    task: str
    description: str
    command: str


@dataclass(frozen=True)
class ZooResult:
    """What `zoo` lists (`run_dir` is None: listing writes nothing)."""

    run_dir: Path | None
    entries: tuple[ZooEntry, ...]


def _index() -> dict[str, dict[str, Any]]:
    path = ZOO / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def names() -> list[str]:
    """Names of the shipped protocols."""
    return sorted(_index())


def zoo(cfg: ZooConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> ZooResult:
    """List the protocols shipped with the package (`out`, `quiet`: the shape every verb has).

    Example:
        >>> from selforg.mplp import zoo
        >>> [e.task for e in zoo().entries]  # doctest: +SKIP
        ['digits', 'fewshot', 'sinusoid']
    """
    return ZooResult(None, tuple(
        ZooEntry(n, e["task"], e["description"], e["command"])
        for n, e in sorted(_index().items())))


def zoo_path(name: str) -> Path:
    """The file of the shipped protocol `name`.

    Raises:
        BadInput: no such protocol.
    """
    entry = _index().get(name)
    if entry is None:
        raise BadInput(f"no protocol {name!r} in the zoo (have: {', '.join(names()) or 'none'};"
                       " `selforg mplp zoo` lists them)")
    return ZOO / entry["file"]


def locate(spec: str | Path) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Load ``zoo:NAME``, a model file, or a run folder (its ``protocol.npz``, or while it
    trains the protocol of its latest checkpoint): (config, protocol, MAML init, metadata).

    Raises:
        BadInput: nothing loadable there.
    """
    from selforg.mplp.meta import load_model_file

    text = str(spec)
    if text.startswith(PREFIX):
        return load_model_file(zoo_path(text[len(PREFIX):]))
    path = Path(text)
    if path.is_dir():
        if (path / "protocol.npz").is_file():
            return load_model_file(path / "protocol.npz")
        if (path / "checkpoints" / "latest.npz").is_file():
            return _from_checkpoint(path)
        raise BadInput(f"{path} holds no protocol.npz and no checkpoint (an mplp training run"
                       " folder has them)")
    if not path.exists():
        raise BadInput(f"{text} does not exist (give a run folder, a protocol .npz or"
                       " zoo:NAME; `selforg mplp zoo` lists the names)")
    return load_model_file(path)


def _from_checkpoint(path: Path) -> tuple[Any, Any, Any, dict[str, Any]]:
    import json as _json

    from selforg.core.runs import load_config, read_checkpoint, restore_tree
    from selforg.mplp.config import TrainConfig
    from selforg.mplp.meta import initial_state_template, protocol_of

    try:
        verb = _json.loads((path / "config.json").read_text(encoding="utf-8"))["verb"]
    except (OSError, ValueError, KeyError) as e:
        raise BadInput(f"{path}/config.json is unreadable ({e})") from None
    cfg = load_config(path, TrainConfig, system="mplp", verb=verb)
    meta, arrays = read_checkpoint(path / "checkpoints" / "latest.npz")
    state = restore_tree(initial_state_template(cfg), arrays, source=str(path))
    return cfg, protocol_of(cfg, state), state.get("maml"), meta
