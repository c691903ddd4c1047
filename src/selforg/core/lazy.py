"""Package namespaces whose names load on first use.

A system's ``__init__`` lists what it exports and the submodule each name lives in; importing
the package then costs nothing (no JAX, no Numba), so ``selforg <system> --help`` starts at once,
and ``from selforg.nca import train_texture`` imports only what that function needs.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package with lazy names.

    Args:
        package: the package's ``__name__``, e.g. ``"selforg.nca"``.
        where: exported name → the submodule (relative to `package`) that defines it.
        namespace: the package's ``globals()``; a name is cached there once loaded.

    Returns:
        ``(__getattr__, __dir__)``, to assign at the package's top level.

    An exported name may be the name of a submodule too (``selforg.mplp.evaluate`` is a
    function and a module). Importing such a submodule makes Python bind it onto the package,
    over the lazy name, so that ``from selforg.mplp import evaluate`` would then give the
    module; the package's module type is therefore swapped for one that keeps exported names
    for the exports.

    Example:
        >>> __getattr__, __dir__ = lazy_exports(__name__, {"run": "play"}, globals())
        ... # doctest: +SKIP
    """

    def getattr_(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    sys.modules[package].__class__ = _exports_module(frozenset(where))

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(where))

    return getattr_, dir_


def _exports_module(exported: frozenset[str]) -> type[types.ModuleType]:
    class ExportsModule(types.ModuleType):
        def __setattr__(self, name: str, value: Any) -> None:
            if name in exported and isinstance(value, types.ModuleType):
                return  # the import system binding a submodule: the export keeps the name
            super().__setattr__(name, value)

    return ExportsModule
