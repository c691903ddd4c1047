"""Finding a trained RD rule: a zoo name (``zoo:brick``), a run folder, or a model / checkpoint
file inside one; and the zoo's listing (`zoo`, ``selforg rd zoo``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jax

from selforg.core.config import from_dict
from selforg.core.errors import BadInput
from selforg.core.runs import load_checkpoint_file, load_config, read_checkpoint
from selforg.rd.config import TrainConfig, ZooConfig
from selforg.rd.model import RD
from selforg.rd.training import init_state, make_model


@dataclass(frozen=True)
class Loaded:
    """A trained rule with the configuration it was trained with.

    Attributes:
        model: the `RD` rule.
        config: its `TrainConfig`.
        source: where it came from (for messages).
    """

    model: RD
    config: TrainConfig
    source: str


def zoo_dir() -> Path:
    return Path(str(resources.files("selforg.rd") / "zoo"))


def zoo_index() -> dict[str, dict[str, Any]]:
    """The zoo's ``index.json``: name → {file, config, command, eval, ...}."""
    p = zoo_dir() / "index.json"
    if not p.is_file():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ZooEntry:
    """One shipped rule: its name (``zoo:<name>``), description, the command that made it,
    its file in the zoo folder and its ``rd eval`` numbers."""

    name: str
    description: str
    command: str
    file: str
    eval: dict[str, float]


@dataclass(frozen=True)
class ZooResult:
    """The zoo's rules (`run_dir` is None: listing writes nothing)."""

    entries: tuple[ZooEntry, ...]
    run_dir: Path | None = None


def zoo(cfg: ZooConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> ZooResult:
    """The rules shipped with the package, in the index's order.

    Example:
        >>> [e.name for e in zoo().entries][:1]  # doctest: +SKIP
        ['brick']
    """
    del cfg, out, quiet
    return ZooResult(tuple(
        ZooEntry(name, e.get("description", ""), e.get("command", ""), e["file"],
                 dict(e.get("eval", {})))
        for name, e in zoo_index().items()))


def _template(cfg: TrainConfig) -> RD:
    return make_model(cfg, jax.random.PRNGKey(0))


def _from_zoo(name: str) -> Loaded:
    index = zoo_index()
    if name not in index:
        raise BadInput(f"no zoo model {name!r}; known: {', '.join(index) or '(none)'}")
    entry = index[name]
    cfg = from_dict(TrainConfig, entry["config"])
    model, _ = load_checkpoint_file(zoo_dir() / entry["file"], _template(cfg), system="rd")
    return Loaded(model, cfg, f"zoo:{name}")


def _run_of(path: Path) -> Path:
    for d in (path, path.parent, path.parent.parent):
        cfg = d / "config.json"
        if cfg.is_file():
            data = json.loads(cfg.read_text())
            if (data.get("system"), data.get("verb")) == ("rd", "train"):
                return d
            raise BadInput(f"{d} is a '{data.get('system')} {data.get('verb')}' run, not an"
                           " rd train run")
    raise BadInput(f"{path} is not inside an rd train run folder (no config.json found)")


def load_model(spec: str | Path) -> Loaded:
    """Load ``zoo:<name>``, a run folder (its model.npz, else checkpoints/latest.npz) or a
    ``.npz`` inside one (model.npz, ``checkpoints/latest`` or ``checkpoints/best``).

    Raises:
        BadInput: nothing loadable there.
    """
    text = str(spec)
    if text.startswith("zoo:"):
        return _from_zoo(text[4:])
    path = Path(text)
    if not path.exists():
        raise BadInput(f"{text} does not exist (give a run folder, a checkpoint or zoo:<name>)")
    run_dir = _run_of(path)
    cfg = load_config(run_dir, TrainConfig, system="rd", verb="train")
    if path.is_dir():
        for cand in ("model.npz", "checkpoints/latest.npz"):
            if (path / cand).is_file():
                path = path / cand
                break
        else:
            raise BadInput(f"run folder {text} has no model yet (no model.npz or checkpoint)")
    meta, _ = read_checkpoint(path)
    template = _template(cfg)
    alone = len(jax.tree_util.tree_leaves(template))
    if meta.get("extra", {}).get("kind") == "model" or meta.get("n_leaves") == alone:
        model, _ = load_checkpoint_file(path, template, system="rd")
    else:  # a full training-state checkpoint
        state, _ = load_checkpoint_file(path, init_state(cfg), system="rd")
        model = state["model"]
    return Loaded(model, cfg, str(path))
