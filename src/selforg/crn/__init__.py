"""Differentiable chemical reaction networks: mass action, learned sparse oscillators, membranes.

Mordvintsev, Randazzo, Niklasson, "Differentiable Programming of Chemical Reaction Networks"
(2023, arXiv 2302.02714). Networks are written and printed in chemical notation
("A + B -> 2 C @ 0.5"), integrated under mass action (RK4 in `lax.scan`, or Diffrax), exported
to and imported from SBML, and learned: from the dense set of all reactions with ≤ 2 reactants
and ≤ 2 products, a sparsity penalty and pruning leave a handful of reactions.

One function per CLI verb, each taking its config and returning a frozen result with
`run_dir` and the key numbers: `simulate` (`SimulateConfig`), `check` (`CheckConfig`),
`export` (`ExportConfig`), `zoo`, `train` (`TrainConfig`, `preset`). Network tools: `parse`,
`format_network`, `dense_network`, `conservation_laws`, `integrate` (the array-level
`simulate`), `to_sbml`, `from_sbml`, `load_model`.

Example:
    >>> from selforg import crn
    >>> net = crn.parse("A <-> B @ 2, 1")
    >>> print(crn.format_network(net), end="")
    A <-> B @ 2, 1
    >>> res = crn.simulate(crn.SimulateConfig("zoo:brusselator", t1=20.0))
    >>> round(res.final["X"], 3)  # doctest: +SKIP

The names are loaded on first use, so that ``selforg crn --help`` does not import JAX.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selforg.crn.classics import CheckResult, check
    from selforg.crn.config import (
        CheckConfig,
        ExportConfig,
        SimulateConfig,
        TrainConfig,
        ZooConfig,
        preset,
    )
    from selforg.crn.dynamics import MassAction, Trajectory, solve
    from selforg.crn.dynamics import simulate as integrate
    from selforg.crn.models import Model, load_model
    from selforg.crn.network import (
        Network,
        conservation_laws,
        dense_network,
        format_network,
        parse,
    )
    from selforg.crn.sbml import from_sbml, to_sbml
    from selforg.crn.training import TrainResult, train
    from selforg.crn.verbs import ExportResult, SimulateResult, ZooResult, export, simulate, zoo

_WHERE = {
    "CheckResult": ("classics", None), "check": ("classics", None),
    "CheckConfig": ("config", None), "ExportConfig": ("config", None),
    "SimulateConfig": ("config", None), "TrainConfig": ("config", None),
    "ZooConfig": ("config", None), "preset": ("config", None),
    "MassAction": ("dynamics", None), "Trajectory": ("dynamics", None),
    "solve": ("dynamics", None), "integrate": ("dynamics", "simulate"),
    "Model": ("models", None), "load_model": ("models", None),
    "Network": ("network", None), "conservation_laws": ("network", None),
    "dense_network": ("network", None), "format_network": ("network", None),
    "parse": ("network", None),
    "from_sbml": ("sbml", None), "to_sbml": ("sbml", None),
    "TrainResult": ("training", None), "train": ("training", None),
    "ExportResult": ("verbs", None), "SimulateResult": ("verbs", None),
    "ZooResult": ("verbs", None), "export": ("verbs", None), "simulate": ("verbs", None),
    "zoo": ("verbs", None),
}

__all__ = [
    "CheckConfig",
    "CheckResult",
    "ExportConfig",
    "ExportResult",
    "MassAction",
    "Model",
    "Network",
    "SimulateConfig",
    "SimulateResult",
    "TrainConfig",
    "TrainResult",
    "Trajectory",
    "ZooConfig",
    "ZooResult",
    "check",
    "conservation_laws",
    "dense_network",
    "export",
    "format_network",
    "from_sbml",
    "integrate",
    "load_model",
    "parse",
    "preset",
    "simulate",
    "solve",
    "to_sbml",
    "train",
    "zoo",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'selforg.crn' has no attribute {name!r}")
    module, attr = where
    value = getattr(importlib.import_module(f"selforg.crn.{module}"), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
