"""Frozen-dataclass configs to and from JSON (nested dataclasses, tuples, paths)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from selforg.core.errors import BadInput

T = TypeVar("T")


def to_dict(config: Any) -> dict[str, Any]:
    """A dataclass instance as plain JSON-able values (tuples become lists, paths strings)."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, Path):
            return str(value)
        return value

    return plain(config)


def _coerce(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        return from_dict(tp, value)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        for arg in args:
            try:
                return _coerce(arg, value)
            except (TypeError, ValueError):
                continue
        return value
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v) for v in value)
        if args:
            return tuple(_coerce(a, v) for a, v in zip(args, value, strict=True))
        return tuple(value)
    if tp is tuple and isinstance(value, list):
        return tuple(value)
    if tp is float and isinstance(value, int):
        return float(value)
    if tp is Path and isinstance(value, str):
        return Path(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a (possibly nested) frozen dataclass from `to_dict` output.

    Unknown keys are refused, so a config.json from another system cannot load silently.
    """
    if not isinstance(data, dict):
        raise BadInput(
            f"config for {cls.__name__} must be a JSON object, got {type(data).__name__}"
        )
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise BadInput(
            f"unknown config keys {unknown} for {cls.__name__}; allowed: {sorted(names)}"
        )
    kwargs = {k: _coerce(hints[k], v) for k, v in data.items()}
    return cls(**kwargs)


def config_hash(config: Any) -> str:
    """Short stable hash of a config (used to refuse checkpoints of another config)."""
    return dict_hash(to_dict(config))


def dict_hash(data: dict[str, Any]) -> str:
    """`config_hash` of a config already in its `to_dict` (JSON) form."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def replace(config: T, **changes: Any) -> T:
    """`dataclasses.replace`, ignoring changes whose value is None (unset CLI options)."""
    return dataclasses.replace(config, **{k: v for k, v in changes.items() if v is not None})
