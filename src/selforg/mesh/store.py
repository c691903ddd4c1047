"""A trained mesh rule as one file that carries its config (``model.npz``), and finding one:
``zoo:NAME``, a training run folder, a model file or a run's checkpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from selforg.core.config import config_hash, from_dict, to_dict
from selforg.core.errors import BadInput
from selforg.core.runs import atomic_write_bytes, checkpoint_bytes, read_checkpoint, restore_tree
from selforg.mesh.config import TrainConfig

SYSTEM = "mesh"


@dataclass(frozen=True)
class Loaded:
    """A trained rule and the config it was trained with.

    Attributes:
        params: the rule's weights (`model.Params`).
        config: its `TrainConfig`.
        source: where it came from.
        step: the iteration it was saved at.
    """

    params: Any
    config: TrainConfig
    source: str
    step: int


def save_model(path: str | Path, params: Any, cfg: TrainConfig, *, step: int,
               extra: dict | None = None) -> Path:
    """Write the rule alone with its config: a core checkpoint (``.npz``) of just the weights."""
    meta = {"system": SYSTEM, "verb": "train", "config_hash": config_hash(cfg),
            "step": int(step), "extra": dict(extra or {}, kind="model", config=to_dict(cfg))}
    path = Path(path)
    atomic_write_bytes(path, checkpoint_bytes(params, meta))
    return path


def zoo_dir() -> Path:
    return Path(str(resources.files("selforg.mesh") / "zoo"))


def zoo_index() -> dict[str, dict[str, Any]]:
    """The zoo's ``index.json``: name → {file, description, command, train_seconds, eval}."""
    p = zoo_dir() / "index.json"
    if not p.is_file():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


def _template() -> Any:
    import jax

    from selforg.mesh.model import init_params

    return init_params(jax.random.PRNGKey(0))


def _read(path: Path, text: str) -> Loaded:
    meta, arrays = read_checkpoint(path)
    if meta.get("system") != SYSTEM:
        raise BadInput(f"{text} is a {meta.get('system')!r} checkpoint, not a mesh model")
    extra = meta.get("extra", {})
    cfg_data = extra.get("config")
    if cfg_data is None:
        run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
        cfg_file = run / "config.json"
        if not cfg_file.is_file():
            raise BadInput(f"{text} carries no config and has no run folder around it")
        cfg_data = json.loads(cfg_file.read_text(encoding="utf-8"))["config"]
    cfg = from_dict(TrainConfig, cfg_data)
    template = _template()
    if extra.get("kind") == "model" or meta.get("n_leaves") == len(arrays) == 4:
        params = restore_tree(template, arrays, source=text)
    else:  # a training-state checkpoint: the weights are the dict's "params" entry
        from selforg.mesh.training import init_state_template

        state = restore_tree(init_state_template(cfg), arrays, source=text)
        params = state["params"]
    return Loaded(params, cfg, text, int(meta.get("step", 0)))


def load_model(spec: str | Path) -> Loaded:
    """Load ``zoo:NAME``, a training run folder (its model.npz, else its latest checkpoint),
    or a ``.npz`` model / checkpoint file.

    Raises:
        BadInput: nothing loadable there.
    """
    text = str(spec)
    if text.startswith("zoo:"):
        name = text[4:]
        index = zoo_index()
        if name not in index:
            raise BadInput(f"no zoo model {name!r}; known: {', '.join(index) or '(none)'}")
        return _read(zoo_dir() / index[name]["file"], text)
    path = Path(text)
    if not path.exists():
        raise BadInput(f"{text} does not exist (give zoo:NAME, a run folder or a model file)")
    if path.is_dir():
        for cand in ("model.npz", "checkpoints/latest.npz"):
            if (path / cand).is_file():
                return _read(path / cand, text)
        raise BadInput(f"{text} holds no model.npz or checkpoint")
    return _read(path, text)
