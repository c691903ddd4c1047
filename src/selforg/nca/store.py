"""Finding a trained NCA: a zoo name (``zoo:brick``), a run folder, a model/checkpoint file, or
a quantised μNCA byte file; and the zoo's listing (`zoo`, ``selforg nca zoo``)."""

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
from selforg.nca import int8
from selforg.nca.config import GrowConfig, TextureConfig, ZooConfig
from selforg.nca.grow_state import grow_state
from selforg.nca.model import NCA, GrowingNCA, make_texture_model
from selforg.nca.texture import init_texture_state

KINDS = ("grow", "texture")


@dataclass(frozen=True)
class Loaded:
    """A trained model with the configuration it was trained with.

    Attributes:
        kind: ``"grow"`` or ``"texture"``.
        model: the rule (GrowingNCA, TextureNCA or MicroNCA); for a byte file, the float
            model its int8 weights stand for.
        config: its GrowConfig / TextureConfig.
        source: where it came from (for messages).
        quantized: the int8 form when it was loaded from bytes (then no float weights exist
            to compare with).
    """

    kind: str
    model: NCA
    config: Any
    source: str
    quantized: int8.Quantized | None = None


def zoo_dir() -> Path:
    return Path(str(resources.files("selforg.nca") / "zoo"))


def zoo_index() -> dict[str, dict[str, Any]]:
    """The zoo's ``index.json``: name → {kind, file, config, command, ...}."""
    p = zoo_dir() / "index.json"
    if not p.is_file():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ZooEntry:
    """One shipped model: its name (``zoo:<name>``), kind, description, the command that
    made it, and its file in the zoo folder."""

    name: str
    kind: str
    description: str
    command: str
    file: str


@dataclass(frozen=True)
class ZooResult:
    """The zoo's models (`run_dir` is None: listing writes nothing)."""

    entries: tuple[ZooEntry, ...]
    run_dir: Path | None = None


def zoo(cfg: ZooConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> ZooResult:
    """The models shipped with the package, in the index's order.

    Example:
        >>> [e.name for e in zoo(ZooConfig(kind="grow")).entries]
        ['lizard']
    """
    del out, quiet
    cfg = cfg or ZooConfig()
    if cfg.kind is not None and cfg.kind not in KINDS:
        raise BadInput(f"unknown kind {cfg.kind!r}; allowed: {', '.join(KINDS)}")
    entries = tuple(
        ZooEntry(name, e["kind"], e.get("description", ""), e.get("command", ""), e["file"])
        for name, e in zoo_index().items() if cfg.kind in (None, e["kind"]))
    return ZooResult(entries)


def _template(kind: str, cfg: Any) -> NCA:
    key = jax.random.PRNGKey(0)
    if kind == "grow":
        return GrowingNCA(key=key, fire_rate=cfg.fire_rate)
    return make_texture_model(cfg.model, key=key)


def _config(kind: str, data: dict[str, Any]) -> Any:
    return from_dict(GrowConfig if kind == "grow" else TextureConfig, data)


def _from_zoo(name: str) -> Loaded:
    index = zoo_index()
    if name not in index:
        raise BadInput(f"no zoo model {name!r}; known: {', '.join(index) or '(none)'}")
    entry = index[name]
    kind = entry["kind"]
    cfg = _config(kind, entry["config"])
    path = zoo_dir() / entry["file"]
    if path.suffix == ".bin":
        q = int8.read(path)
        return Loaded(kind, int8.dequantize(q), cfg, f"zoo:{name}", q)
    model, _ = load_checkpoint_file(path, _template(kind, cfg), system="nca")
    return Loaded(kind, model, cfg, f"zoo:{name}")


def _run_of(path: Path) -> tuple[Path, str]:
    for d in (path, path.parent, path.parent.parent):
        cfg = d / "config.json"
        if cfg.is_file():
            verb = json.loads(cfg.read_text()).get("verb")
            if verb in KINDS:
                return d, verb
            raise BadInput(f"{d} is a {verb!r} run, not an nca grow/texture run")
    raise BadInput(f"{path} is not inside an nca run folder (no config.json found)")


def _from_bytes(path: Path, text: str) -> Loaded:
    q = int8.read(path)
    info = int8.read_meta(path)
    if isinstance(info.get("config"), dict):
        cfg = _config("texture", info["config"])
    else:  # an older byte file: its config is the run folder's
        run_dir, _ = _run_of(path)
        cfg = load_config(run_dir, TextureConfig, system="nca", verb="texture")
    return Loaded("texture", int8.dequantize(q), cfg, text, q)


def load_model(spec: str | Path) -> Loaded:
    """Load ``zoo:<name>``, a run folder (its stable/model/latest checkpoint), a ``.npz`` inside
    a run folder (model, stable, ``checkpoints/latest`` or ``checkpoints/best``), or a
    quantised ``.bin`` (with its ``.bin.json``).

    Raises:
        BadInput: nothing loadable there.
    """
    text = str(spec)
    if text.startswith("zoo:"):
        return _from_zoo(text[4:])
    path = Path(text)
    if not path.exists():
        raise BadInput(f"{text} does not exist (give a run folder, a checkpoint or zoo:<name>)")
    if path.suffix == ".bin":
        return _from_bytes(path, text)
    run_dir, verb = _run_of(path)
    cls = GrowConfig if verb == "grow" else TextureConfig
    cfg = load_config(run_dir, cls, system="nca", verb=verb)
    if path.is_dir():
        for cand in ("stable.npz", "model.npz", "checkpoints/latest.npz"):
            if (path / cand).is_file():
                path = path / cand
                break
        else:
            raise BadInput(f"run folder {text} has no model yet (no model.npz or checkpoint)")
    meta, _ = read_checkpoint(path)
    template = _template(verb, cfg)
    # model.npz / stable.npz / best.npz hold the rule alone; latest.npz the training state
    alone = len(jax.tree_util.tree_leaves(template))
    if meta.get("extra", {}).get("kind") == "model" or meta.get("n_leaves") == alone:
        model, _ = load_checkpoint_file(path, template, system="nca")
    else:  # a full training-state checkpoint
        # the template: fresh weights (a fine-tuned run's starting model is not loaded)
        state = grow_state(cfg) if verb == "grow" else init_texture_state(cfg)
        state, _ = load_checkpoint_file(path, state, system="nca")
        model = state["model"]
    return Loaded(verb, model, cfg, str(path))
