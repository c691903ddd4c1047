"""Mesh NCA: textures grown directly on 3D meshes, trained on a sphere, run on any mesh.

Paper: Pajouheshgar, Xu, Mordvintsev, Niklasson, Zhang, Süsstrunk, "Mesh Neural Cellular
Automata" (SIGGRAPH / ACM TOG 2024, arXiv 2311.02820). Cells are mesh vertices; perception sums
unnormalised degree-0/1 spherical harmonics of the edge directions times the neighbours'
differences; a 12,432-parameter MLP updates each vertex. Training renders the vertex colours
from random views (a NumPy z-buffer once per view, then a gather) and compares them with a 2D
exemplar by the texture NCA's patch sliced-Wasserstein loss.

One function per command, each taking its config and returning a frozen result:
`train` (``selforg mesh train``), `run`, `evaluate` (``mesh eval``), `graft` and `zoo`.

Example:
    >>> from selforg import mesh
    >>> res = mesh.run(mesh.RunConfig(model="zoo:brick-ico4", mesh="torus", steps=200),
    ...                out="torus-run")
    >>> res.vertices, [f.name for f in res.files][:2]
    (1777, ['mesh.ply', 'mesh.glb'])
    >>> ev = mesh.evaluate(mesh.EvalConfig(model="zoo:brick-ico4", meshes=("torus",)))
    >>> ev.ratio["torus"] < 1.3  # doctest: +SKIP

The names load on first use, so that ``selforg mesh --help`` imports neither JAX nor trimesh.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selforg.mesh.config import EvalConfig, GraftConfig, RunConfig, TrainConfig, ZooConfig
    from selforg.mesh.meshes import Mesh, builtin, load_mesh, subdivide
    from selforg.mesh.model import GraftNCA, MeshNCA, Params, init_params, make_graph, perceive
    from selforg.mesh.store import Loaded, load_model
    from selforg.mesh.training import TrainResult, train
    from selforg.mesh.verbs import (
        EvalResult,
        GraftResult,
        RunResult,
        ZooEntry,
        ZooResult,
        evaluate,
        graft,
        run,
        zoo,
    )

_WHERE = {
    "EvalConfig": "config", "GraftConfig": "config", "RunConfig": "config",
    "TrainConfig": "config", "ZooConfig": "config",
    "Mesh": "meshes", "builtin": "meshes", "load_mesh": "meshes", "subdivide": "meshes",
    "GraftNCA": "model", "MeshNCA": "model", "Params": "model", "init_params": "model",
    "make_graph": "model", "perceive": "model",
    "Loaded": "store", "load_model": "store",
    "TrainResult": "training", "train": "training",
    "EvalResult": "verbs", "GraftResult": "verbs", "RunResult": "verbs", "ZooEntry": "verbs",
    "ZooResult": "verbs", "evaluate": "verbs", "graft": "verbs", "run": "verbs",
    "zoo": "verbs",
}

__all__ = [
    "EvalConfig",
    "EvalResult",
    "GraftConfig",
    "GraftNCA",
    "GraftResult",
    "Loaded",
    "Mesh",
    "MeshNCA",
    "Params",
    "RunConfig",
    "RunResult",
    "TrainConfig",
    "TrainResult",
    "ZooConfig",
    "ZooEntry",
    "ZooResult",
    "builtin",
    "evaluate",
    "graft",
    "init_params",
    "load_mesh",
    "load_model",
    "make_graph",
    "perceive",
    "run",
    "subdivide",
    "train",
    "zoo",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'selforg.mesh' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"selforg.mesh.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
