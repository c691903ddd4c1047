"""Differentiable logic-gate cellular automata.

Petersen et al., "Deep Differentiable Logic Gate Networks" (NeurIPS 2022); Miotti, Niklasson,
Randazzo, Mordvintsev, "Differentiable Logic Cellular Automata: From Game of Life to Pattern
Generation" (2025).

One function per CLI verb, each taking its config and returning a frozen result with `run_dir`
and the key numbers: `train` (`LogicConfig`, `preset`), `show` (`ShowConfig`), `verify_life`
(`VerifyConfig`), `run` (`RunConfig`), `export_c` (`ExportConfig`), `zoo`. A circuit is named
everywhere the same way: ``zoo:NAME``, a circuit file, or a run folder (`load_circuit`).
Circuit tools: `Circuit`, `stats`, `netlist`, `run_circuit`, `compare_with_life`,
`life_circuit` (a hand-built reference), `PackedEngine` (bit-packed inference).

Example:
    >>> from selforg.logic import RunConfig, VerifyConfig, run, verify_life
    >>> verify_life(VerifyConfig("zoo:life", size=64, steps=30)).differing_cells
    0
    >>> run(RunConfig("zoo:checkerboard", size=64, steps=80)).alive_fraction  # grown: half black
    0.5

Importing this package does not import JAX (training and the JAX rollouts do, when called).
"""

from typing import TYPE_CHECKING

from selforg.core.lazy import lazy_exports
from selforg.logic.circuit import Circuit, netlist, stats
from selforg.logic.config import (
    ExportConfig,
    LogicConfig,
    RunConfig,
    ShowConfig,
    VerifyConfig,
    ZooConfig,
    preset,
)
from selforg.logic.draw import ShowResult, show
from selforg.logic.export_c import ExportResult, export_c
from selforg.logic.reference import life_circuit
from selforg.logic.simulate import RunResult, run, run_circuit
from selforg.logic.train import TrainResult, train
from selforg.logic.verify import VerifyResult, compare_with_life, verify_life
from selforg.logic.zoo import ZooEntry, ZooResult, load_circuit, zoo

if TYPE_CHECKING:
    from selforg.logic.packed import PackedEngine

__all__ = [
    "Circuit", "ExportConfig", "ExportResult", "LogicConfig", "PackedEngine", "RunConfig",
    "RunResult", "ShowConfig", "ShowResult", "TrainResult", "VerifyConfig", "VerifyResult",
    "ZooConfig", "ZooEntry", "ZooResult", "compare_with_life", "export_c", "life_circuit",
    "load_circuit", "netlist", "preset", "run", "run_circuit", "show", "stats", "train",
    "verify_life", "zoo",
]

# The packed engine imports Numba (a quarter second): loaded when first asked for.
__getattr__, __dir__ = lazy_exports(__name__, {"PackedEngine": "packed"}, globals())
