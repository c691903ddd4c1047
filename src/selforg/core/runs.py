"""Run folders: config.json, metrics.jsonl, atomic checkpoints, artefacts, --resume.

Layout: ``runs/<system>-<verb>/<timestamp>-<name>/`` holding

- ``config.json``: ``{"system", "verb", "config": {...}}``; `load_config` turns it back into the
  dataclass;
- ``metrics.jsonl``: one JSON object per logged step, flushed as written;
- ``checkpoints/latest.npz`` and ``checkpoints/best.npz``: written to a temporary file, fsynced,
  then renamed, so a kill at any moment leaves the previous checkpoint valid;
- artefacts (images, videos, plots, results.json).

A checkpoint stores every array leaf of a pytree (Equinox models, Optax states, NumPy arrays,
PRNG keys as raw ``uint32`` data, Python scalars) plus metadata naming the system, verb and
config hash; loading needs a template pytree of the same structure.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jax
import numpy as np

from selforg.core.config import config_hash, dict_hash, from_dict, to_dict
from selforg.core.errors import BadInput

T = TypeVar("T")
CHECKPOINT_FORMAT = "selforg-checkpoint/1"
_SAVED_SCALARS = (bool, int, float, np.generic)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file, whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _is_saved_leaf(leaf: Any) -> bool:
    return isinstance(leaf, jax.Array | np.ndarray) or isinstance(leaf, _SAVED_SCALARS)


def checkpoint_bytes(tree: Any, meta: dict[str, Any]) -> bytes:
    """Serialise the array leaves of `tree` and `meta` into the bytes of an ``.npz`` file."""
    leaves = jax.tree_util.tree_leaves(tree)
    arrays = {}
    for i, leaf in enumerate(leaves):
        if _is_saved_leaf(leaf):
            if isinstance(leaf, jax.Array) and jax.dtypes.issubdtype(
                leaf.dtype, jax.dtypes.prng_key
            ):
                leaf = jax.random.key_data(leaf)
            arrays[f"leaf_{i:05d}"] = np.asarray(leaf)
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    meta = dict(meta, format=CHECKPOINT_FORMAT, n_leaves=len(leaves), sha256=digest.hexdigest())
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return buf.getvalue()


def read_checkpoint(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a checkpoint file. Returns (meta, arrays by leaf name).

    Raises:
        BadInput: the file is missing, truncated, corrupt or not a selforg checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"checkpoint {path} does not exist")
    try:
        # Read the bytes first: np.load on a damaged file can leak its handle.
        with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as z:
            meta = json.loads(bytes(z["__meta__"]).decode())
            arrays = {k: z[k] for k in z.files if k != "__meta__"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, json.JSONDecodeError) as e:
        raise BadInput(f"checkpoint {path} is corrupt or not a selforg checkpoint ({e})") from None
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise BadInput(
            f"checkpoint {path} has format {meta.get('format')!r}, expected {CHECKPOINT_FORMAT}"
        )
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    if digest.hexdigest() != meta.get("sha256"):
        raise BadInput(f"checkpoint {path} is corrupt (its checksum does not match its data)")
    return meta, arrays


def _check_fits(value: np.ndarray, leaf: Any, i: int, source: str) -> None:
    if value.shape != leaf.shape or value.dtype != leaf.dtype:
        raise BadInput(
            f"{source} does not fit this model/config (leaf {i}:"
            f" {value.dtype}{list(value.shape)} vs {leaf.dtype}{list(leaf.shape)})"
        )


def restore_tree(template: T, arrays: dict[str, np.ndarray], *, source: str = "checkpoint") -> T:
    """Put checkpoint arrays into the leaves of `template` (same structure, shapes, dtypes)."""
    leaves, treedef = jax.tree_util.tree_flatten(template)
    new = []
    for i, leaf in enumerate(leaves):
        if not _is_saved_leaf(leaf):
            new.append(leaf)
            continue
        name = f"leaf_{i:05d}"
        if name not in arrays:
            raise BadInput(f"{source} does not fit this model/config (missing leaf {i})")
        value = arrays[name]
        if isinstance(leaf, jax.Array):
            if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
                value = jax.random.wrap_key_data(value)
            else:
                _check_fits(value, leaf, i, source)
                value = jax.numpy.asarray(value)
        elif isinstance(leaf, np.ndarray):
            _check_fits(value, leaf, i, source)
        else:
            value = type(leaf)(value.item())
        new.append(value)
    extra = set(arrays) - {f"leaf_{i:05d}" for i in range(len(leaves))}
    if extra:
        raise BadInput(f"{source} does not fit this model/config ({len(extra)} unexpected arrays)")
    return jax.tree_util.tree_unflatten(treedef, new)


def load_checkpoint_file(
    path: str | Path, template: T, *, system: str | None = None
) -> tuple[T, dict[str, Any]]:
    """Load a checkpoint file into `template`. Returns (tree, meta).

    Raises:
        BadInput: corrupt file, or one written by another system.
    """
    meta, arrays = read_checkpoint(path)
    if system is not None and meta.get("system") != system:
        raise BadInput(f"checkpoint {path} is from system {meta.get('system')!r}, not {system!r}")
    return restore_tree(template, arrays, source=f"checkpoint {path}"), meta


@dataclass
class Run:
    """An open run folder. Use `open_run` to make or resume one."""

    path: Path
    system: str
    verb: str
    config: Any
    resumed: bool = False

    @property
    def checkpoint_dir(self) -> Path:
        return self.path / "checkpoints"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.jsonl"

    def artefact(self, *parts: str) -> Path:
        """Path of an artefact inside the run folder (parent folders created)."""
        p = self.path.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def log(self, record: dict[str, Any]) -> None:
        """Append one JSON object to metrics.jsonl (opened per call, so nothing stays open)."""
        with open(self.metrics_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(_jsonable(record)) + "\n")

    def read_metrics(self) -> list[dict[str, Any]]:
        if not self.metrics_path.exists():
            return []
        with open(self.metrics_path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def truncate_metrics(self, key: str, last: int) -> None:
        """Drop logged records with ``record[key] > last`` (written after the checkpoint we resume
        from), so a resumed run's log equals an uninterrupted one's."""
        kept = [r for r in self.read_metrics() if r.get(key, -1) <= last]
        text = "".join(json.dumps(r) + "\n" for r in kept)
        atomic_write_bytes(self.metrics_path, text.encode())

    def write_json(self, name: str, obj: Any) -> Path:
        p = self.artefact(name)
        atomic_write_bytes(p, (json.dumps(_jsonable(obj), indent=2) + "\n").encode())
        return p

    def _meta(self, step: int, extra: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "system": self.system,
            "verb": self.verb,
            "config_hash": config_hash(self.config),
            "step": int(step),
            "extra": _jsonable(extra or {}),
        }

    def save_checkpoint(
        self, state: Any, *, step: int, best: bool = False, extra: dict[str, Any] | None = None
    ) -> Path:
        """Atomically write ``checkpoints/latest.npz`` (and ``best.npz`` when `best`)."""
        data = checkpoint_bytes(state, self._meta(step, extra))
        latest = self.checkpoint_dir / "latest.npz"
        atomic_write_bytes(latest, data)
        if best:
            atomic_write_bytes(self.checkpoint_dir / "best.npz", data)
        return latest

    def change_config(self, template: Any, **changes: Any) -> None:
        """Change fields of a resumed run's config in place, carrying its checkpoints over.

        For fields that do not change what the saved steps computed (a longer run under a
        constant learning rate): the checkpoints are re-stamped with the new config's hash and
        ``config.json`` is rewritten. `template` is the state pytree of `load_checkpoint`.
        """
        new = dataclasses.replace(self.config, **changes)
        if new == self.config:
            return
        restamped = []
        for which in ("latest", "best"):
            if self.has_checkpoint(which):
                state, step, extra = self.load_checkpoint(template, which)
                restamped.append((which, state, step, extra))
        self.config = new
        for which, state, step, extra in restamped:
            data = checkpoint_bytes(state, self._meta(step, extra))
            atomic_write_bytes(self.checkpoint_dir / f"{which}.npz", data)
        self.write_config()

    def _saved_config_hash(self) -> str | None:
        """Hash of config.json's config exactly as saved. A run written before a config field
        existed lacks it there (loading fills in its default), and its checkpoints carry this
        hash, not that of the filled-in config."""
        try:
            saved = json.loads((self.path / "config.json").read_text(encoding="utf-8"))["config"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return dict_hash(saved) if isinstance(saved, dict) else None

    def write_config(self) -> None:
        """Write ``config.json``: system, verb and every field of the config."""
        self.write_json("config.json", {"system": self.system, "verb": self.verb,
                                        "config": to_dict(self.config)})

    def has_checkpoint(self, which: str = "latest") -> bool:
        return (self.checkpoint_dir / f"{which}.npz").exists()

    def load_checkpoint(self, template: T, which: str = "latest") -> tuple[T, int, dict[str, Any]]:
        """Load ``checkpoints/<which>.npz`` into `template`. Returns (state, step, extra).

        Raises:
            BadInput: missing, corrupt, or from another system/config.
        """
        path = self.checkpoint_dir / f"{which}.npz"
        meta, arrays = read_checkpoint(path)
        if (meta.get("system"), meta.get("verb")) != (self.system, self.verb):
            raise BadInput(
                f"checkpoint {path} is from '{meta.get('system')} {meta.get('verb')}',"
                f" not '{self.system} {self.verb}'"
            )
        if meta.get("config_hash") not in (config_hash(self.config), self._saved_config_hash()):
            raise BadInput(
                f"checkpoint {path} was written with another config than {self.path}/config.json"
            )
        state = restore_tree(template, arrays, source=f"checkpoint {path}")
        return state, int(meta["step"]), meta.get("extra", {})


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, jax.Array | np.ndarray):
        return np.asarray(obj).tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def load_config(run_dir: str | Path, cls: type[T], *, system: str, verb: str) -> T:
    """Read ``config.json`` of a run folder back into its dataclass.

    Raises:
        BadInput: no config.json, unreadable, or from another system/verb.
    """
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise BadInput(f"{run_dir} is not a run folder (no config.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise BadInput(f"{path} is unreadable ({e})") from None
    if (data.get("system"), data.get("verb")) != (system, verb):
        raise BadInput(
            f"{run_dir} is a '{data.get('system')} {data.get('verb')}' run, not '{system} {verb}'"
        )
    return from_dict(cls, data.get("config", {}))


def config_differences(saved: Any, given: Any) -> str:
    """``"field (saved A, given B), ..."`` for the fields where two configs differ; "" if none."""
    a, b = to_dict(saved), to_dict(given)
    return ", ".join(f"{k} (saved {a[k]!r}, given {b.get(k)!r})" for k in a if a[k] != b.get(k))


def open_run(
    system: str,
    verb: str,
    config: Any,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    name: str | None = None,
    root: str | Path = "runs",
) -> Run:
    """Create a run folder, or reopen one to resume.

    Args:
        system, verb: e.g. ``"nca", "texture"``; the folder is ``<root>/<system>-<verb>/...``.
        config: frozen dataclass written to config.json (ignored when resuming: the folder's
            own config.json is loaded instead, with the type of `config`).
        out: use this folder itself as the run folder (created; refused if non-empty).
        resume: an existing run folder to continue.
        name: suffix of the folder name (default: the verb).

    Raises:
        BadInput: `out` is a non-empty folder, or `resume` is not a run folder of this system/verb.
    """
    if resume is not None:
        path = Path(resume)
        loaded = load_config(path, type(config), system=system, verb=verb)
        differing = config_differences(loaded, config)
        if differing:
            # A resumed run must keep its config (the checkpoint belongs to it): say so rather
            # than silently ignoring the options of this command.
            print(f"note: resuming {path} with its saved config.json, which differs from this"
                  f" command's settings in: {differing}", file=sys.stderr)
        return Run(path=path, system=system, verb=verb, config=loaded, resumed=True)
    if out is not None:
        path = Path(out)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise BadInput(
                f"--out {path} exists and is not an empty folder; choose a new folder"
                f" or continue that run with --resume {path}"
            )
    else:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = Path(root) / f"{system}-{verb}"
        path = base / f"{stamp}-{_slug(name or verb)}"
        n = 1
        while path.exists():
            n += 1
            path = base / f"{stamp}-{_slug(name or verb)}-{n}"
    path.mkdir(parents=True, exist_ok=True)
    run = Run(path=path, system=system, verb=verb, config=config)
    run.write_config()
    return run
