"""Run folders: config.json, metrics.jsonl, atomic checkpoints, artefacts, --resume.

Layout: ``runs/<system>-<verb>/<timestamp>-<name>/`` holding

- ``config.json``: ``{"system", "verb", "config": {...}}``; `load_config` turns it back into the
  dataclass;
- ``metrics.jsonl``: one JSON object per logged step, flushed as written;
- ``checkpoints/latest.npz`` and ``checkpoints/best.npz``: compressed, written to a temporary
  file, fsynced, then renamed, so a kill at any moment leaves the previous checkpoint valid;
- artefacts (images, videos, plots, results.json).

A checkpoint stores every array leaf of a pytree (Equinox models, Optax states, NumPy arrays,
PRNG keys as raw ``uint32`` data, Python scalars) plus metadata naming the system, verb and
config hash; loading needs a template pytree of the same structure.

JAX is imported only when a pytree holds something other than dicts, lists, tuples, NumPy
arrays and scalars, so a NumPy-only system (the soup) starts without it.
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
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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


def _is_jax_array(leaf: Any) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(leaf, jax.Array)


def _is_saved_leaf(leaf: Any) -> bool:
    return isinstance(leaf, (np.ndarray, *_SAVED_SCALARS)) or _is_jax_array(leaf)


def _plain(tree: Any) -> bool:
    """Whether `tree` is only dicts, lists, tuples, None, NumPy arrays and scalars."""
    if type(tree) is dict:
        return all(_plain(v) for v in tree.values())
    if type(tree) in (list, tuple):
        return all(_plain(v) for v in tree)
    return tree is None or isinstance(tree, (np.ndarray, str, *_SAVED_SCALARS))


def _flatten_plain(tree: Any) -> list[Any]:
    # jax.tree_util's order: dict values by sorted key, None holds no leaf.
    if type(tree) is dict:
        return [x for k in sorted(tree) for x in _flatten_plain(tree[k])]
    if type(tree) in (list, tuple):
        return [x for v in tree for x in _flatten_plain(v)]
    return [] if tree is None else [tree]


def _tree_leaves(tree: Any) -> list[Any]:
    if "jax" not in sys.modules and _plain(tree):
        return _flatten_plain(tree)
    import jax

    return jax.tree_util.tree_leaves(tree)


def _digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def _npz_bytes(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> bytes:
    """An ``.npz`` (deflate level 1: most of the size gain of the default level, several times
    faster on a large sample pool) that `numpy.load` reads like any other."""
    buf = io.BytesIO()
    members = {"__meta__": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays}
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, value in members.items():
            with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, np.asarray(value), allow_pickle=False)
    return buf.getvalue()


def checkpoint_bytes(tree: Any, meta: dict[str, Any]) -> bytes:
    """Serialise the array leaves of `tree` and `meta` into the bytes of a compressed ``.npz``."""
    leaves = _tree_leaves(tree)
    arrays = {}
    for i, leaf in enumerate(leaves):
        if _is_saved_leaf(leaf):
            if _is_jax_array(leaf):
                import jax

                if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
                    leaf = jax.random.key_data(leaf)
            arrays[f"leaf_{i:05d}"] = np.asarray(leaf)
    meta = dict(meta, format=CHECKPOINT_FORMAT, n_leaves=len(leaves), sha256=_digest(arrays))
    return _npz_bytes(arrays, meta)


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
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise BadInput(f"checkpoint {path} is corrupt or not a selforg checkpoint ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise BadInput(f"checkpoint {path} has format {found!r}, expected {CHECKPOINT_FORMAT}")
    if _digest(arrays) != meta.get("sha256"):
        raise BadInput(f"checkpoint {path} is corrupt (its checksum does not match its data)")
    return meta, arrays


def _check_fits(value: np.ndarray, leaf: Any, i: int, source: str) -> None:
    if value.shape != leaf.shape or value.dtype != leaf.dtype:
        raise BadInput(
            f"{source} does not fit this model/config (leaf {i}:"
            f" {value.dtype}{list(value.shape)} vs {leaf.dtype}{list(leaf.shape)})"
        )


def _unflatten_plain(template: Any, leaves: list[Any]) -> Any:
    it = iter(leaves)

    def build(t: Any) -> Any:
        if type(t) is dict:
            built = {k: build(t[k]) for k in sorted(t)}
            return {k: built[k] for k in t}
        if type(t) in (list, tuple):
            return type(t)(build(v) for v in t)
        return None if t is None else next(it)

    return build(template)


def restore_tree(template: T, arrays: dict[str, np.ndarray], *, source: str = "checkpoint") -> T:
    """Put checkpoint arrays into the leaves of `template` (same structure, shapes, dtypes)."""
    if "jax" not in sys.modules and _plain(template):
        leaves = _flatten_plain(template)
        rebuild = lambda new: _unflatten_plain(template, new)  # noqa: E731
    else:
        import jax

        leaves, treedef = jax.tree_util.tree_flatten(template)
        rebuild = lambda new: jax.tree_util.tree_unflatten(treedef, new)  # noqa: E731
    new = []
    for i, leaf in enumerate(leaves):
        if not _is_saved_leaf(leaf):
            new.append(leaf)
            continue
        name = f"leaf_{i:05d}"
        if name not in arrays:
            raise BadInput(f"{source} does not fit this model/config (missing leaf {i})")
        value = arrays[name]
        if _is_jax_array(leaf):
            import jax

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
    return rebuild(new)


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
        """The logged records, in order. A last line cut short (a kill while it was written) is
        dropped; every line before it is kept.

        Raises:
            BadInput: a line other than the last is not a JSON object (the file was edited).
        """
        if not self.metrics_path.exists():
            return []
        text = self.metrics_path.read_text(encoding="utf-8", errors="replace")
        lines = [(i, line) for i, line in enumerate(text.split("\n"), 1) if line.strip()]
        records = []
        for n, (i, line) in enumerate(lines):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict):
                if n == len(lines) - 1:
                    break
                raise BadInput(f"{self.metrics_path} line {i} is not a JSON record")
            records.append(record)
        return records

    def truncate_metrics(self, key: str, last: int) -> None:
        """Drop logged records with ``record[key] > last`` (written after the checkpoint we resume
        from) and a half-written last line, so a resumed run's log equals an uninterrupted
        one's."""
        kept = [r for r in self.read_metrics() if r.get(key, -1) <= last]
        text = "".join(json.dumps(r) + "\n" for r in kept)
        atomic_write_bytes(self.metrics_path, text.encode())

    def _drop_partial_metrics_line(self) -> None:
        """Rewrite metrics.jsonl without a half-written last line, so appends start clean."""
        try:
            data = self.metrics_path.read_bytes()
        except OSError:
            return
        if not data or data.endswith(b"\n"):
            last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
            try:
                if not data or isinstance(json.loads(last), dict):
                    return
            except ValueError:
                pass
        text = "".join(json.dumps(r) + "\n" for r in self.read_metrics())
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
        self,
        state: Any,
        *,
        step: int,
        best: bool = False,
        extra: dict[str, Any] | None = None,
        best_state: Any = None,
    ) -> Path:
        """Atomically write ``checkpoints/latest.npz`` (and ``best.npz`` when `best`).

        ``best.npz`` holds `best_state` when given (e.g. the parameters alone), else `state`.
        """
        data = checkpoint_bytes(state, self._meta(step, extra))
        latest = self.checkpoint_dir / "latest.npz"
        atomic_write_bytes(latest, data)
        if best:
            if best_state is not None:
                data = checkpoint_bytes(best_state, self._meta(step, extra))
            atomic_write_bytes(self.checkpoint_dir / "best.npz", data)
        return latest

    def change_config(self, template: Any = None, **changes: Any) -> None:
        """Change fields of a resumed run's config in place, carrying its checkpoints over.

        For fields that do not change what the saved steps computed (a longer run under a
        constant learning rate): the checkpoints are re-stamped with the new config's hash and
        ``config.json`` is rewritten. `template` is not needed (the saved arrays are kept as
        they are); it is accepted for older callers.

        Raises:
            BadInput: a checkpoint is corrupt or belongs to another run.
        """
        del template
        new = dataclasses.replace(self.config, **changes)
        if new == self.config:
            return
        restamped = []
        for which in ("latest", "best"):
            if self.has_checkpoint(which):
                path = self.checkpoint_dir / f"{which}.npz"
                meta, arrays = read_checkpoint(path)
                self._check_owner(path, meta)
                restamped.append((path, meta, arrays))
        self.config = new
        for path, meta, arrays in restamped:
            meta = dict(meta, config_hash=config_hash(new))
            atomic_write_bytes(path, _npz_bytes(arrays, meta))
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
        self._check_owner(path, meta)
        state = restore_tree(template, arrays, source=f"checkpoint {path}")
        return state, int(meta["step"]), meta.get("extra", {})

    def _check_owner(self, path: Path, meta: dict[str, Any]) -> None:
        if (meta.get("system"), meta.get("verb")) != (self.system, self.verb):
            raise BadInput(
                f"checkpoint {path} is from '{meta.get('system')} {meta.get('verb')}',"
                f" not '{self.system} {self.verb}'"
            )
        if meta.get("config_hash") not in (config_hash(self.config), self._saved_config_hash()):
            raise BadInput(
                f"checkpoint {path} was written with another config than {self.path}/config.json"
            )


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray) or _is_jax_array(obj):
        return np.asarray(obj).tolist()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def wall_seconds(records: list[dict[str, Any]]) -> float:
    """A run's training wall time from its metrics records (`Run.read_metrics`), summed over
    the sessions of a resumed run: each session's ``elapsed_s`` clock starts again at 0.
    Records without a clock (a stability score logged between steps) are skipped."""
    total = last = 0.0
    for record in records:
        if "elapsed_s" not in record:
            continue
        t = float(record["elapsed_s"])
        if t < last:
            total += last
        last = t
    return total + last


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


def differing_fields(saved: Any, given: Any) -> list[str]:
    """Names of the top-level config fields whose values differ (compared as JSON)."""
    a, b = to_dict(saved), to_dict(given)
    return [k for k in a if a[k] != b.get(k)]


def config_differences(saved: Any, given: Any, fields: Sequence[str] | None = None) -> str:
    """``"field (saved A, given B), ..."`` for the fields where two configs differ; "" if none.

    `fields` limits the list to those names."""
    a, b = to_dict(saved), to_dict(given)
    names = differing_fields(saved, given) if fields is None else fields
    return ", ".join(f"{k} (saved {a[k]!r}, given {b.get(k)!r})" for k in names)


def reopen_run(run_dir: str | Path, cls: type[T], *, system: str, verb: str) -> Run:
    """An existing run folder opened to read (metrics, checkpoints, artefacts), config from its
    config.json. Nothing is checked or changed beyond `load_config`; use `open_run` to train on.

    Raises:
        BadInput: not a run folder of this system and verb.
    """
    path = Path(run_dir)
    config = load_config(path, cls, system=system, verb=verb)
    return Run(path=path, system=system, verb=verb, config=config, resumed=True)


def open_run(
    system: str,
    verb: str,
    config: Any,
    *,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    name: str | None = None,
    root: str | Path = "runs",
    extendable: Sequence[str] = (),
) -> Run:
    """Create a run folder, or reopen one to resume.

    Args:
        system, verb: e.g. ``"nca", "texture"``; the folder is ``<root>/<system>-<verb>/...``.
        config: frozen dataclass written to config.json. When resuming it must equal the
            folder's own config.json except in `extendable` fields (build it from the saved
            config, `selforg.core.cli.base_config`, and change only what the user typed).
        out: use this folder itself as the run folder (created; refused if it is a file or a
            non-empty folder).
        resume: an existing run folder to continue from its ``checkpoints/latest.npz``.
        name: suffix of the folder name (default: the verb).
        root: where new run folders go.
        extendable: fields a resumed run may change, typically the training length (only
            where the steps already done do not depend on it, e.g. no schedule over the total):
            the checkpoints are re-stamped and config.json rewritten with the given values.

    Raises:
        BadInput: `out` together with `resume`; `out` is a file or a non-empty folder;
            `resume` is not a run folder of this system/verb, has no latest checkpoint, or its
            config differs from `config` in a field not in `extendable`.

    Example:
        >>> run = open_run("demo", "fit", cfg, resume="runs/demo-fit/x", extendable=("steps",))
        ... # doctest: +SKIP
    """
    if resume is not None and out is not None:
        raise BadInput(
            f"--out and --resume cannot be used together: --resume {resume} continues the run"
            " in its own folder"
        )
    if resume is not None:
        return _resume(system, verb, config, Path(resume), extendable)
    if out is not None:
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise BadInput(f"--out {path} is a file; give a new folder for the run")
        if path.exists() and any(path.iterdir()):
            raise BadInput(
                f"--out {path} is not an empty folder; choose a new folder"
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
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BadInput(f"cannot make the run folder {path}: {e.strerror or e}") from None
    run = Run(path=path, system=system, verb=verb, config=config)
    run.write_config()
    return run


def _resume(system: str, verb: str, config: Any, path: Path, extendable: Sequence[str]) -> Run:
    loaded = load_config(path, type(config), system=system, verb=verb)
    if not (path / "checkpoints" / "latest.npz").is_file():
        raise BadInput(
            f"--resume {path}: the run has no checkpoints/latest.npz to continue from;"
            " start a new run instead"
        )
    differing = differing_fields(loaded, config)
    fixed = [k for k in differing if k not in extendable]
    if fixed:
        raise BadInput(
            f"--resume {path}: a resumed run keeps its config, and this command differs from it"
            f" in {config_differences(loaded, config, fixed)}; leave those options out or start"
            " a new run"
        )
    run = Run(path=path, system=system, verb=verb, config=loaded, resumed=True)
    run._drop_partial_metrics_line()
    if differing:
        print(f"note: {path} continues with {config_differences(loaded, config, differing)}",
              file=sys.stderr)
        run.change_config(**{k: getattr(config, k) for k in differing})
    return run
