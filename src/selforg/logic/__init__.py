"""Differentiable logic-gate cellular automata.

Petersen et al., "Deep Differentiable Logic Gate Networks" (NeurIPS 2022); Miotti, Niklasson,
Randazzo, Mordvintsev, "Differentiable Logic Cellular Automata: From Game of Life to Pattern
Generation" (2025).

Public surface: `LogicConfig` / `preset` (configs), `train` (learn a circuit), `Circuit` /
`load_circuit` / `stats` (circuit files), `PackedEngine` / `run_circuit` (bit-packed inference),
`verify_life`, `export_c`, `life_circuit` (a hand-built reference).
"""

from selforg.logic.circuit import Circuit, netlist, stats
from selforg.logic.circuit import load as load_circuit
from selforg.logic.config import LogicConfig, preset
from selforg.logic.export_c import export_c
from selforg.logic.packed import PackedEngine
from selforg.logic.reference import life_circuit
from selforg.logic.simulate import run_circuit
from selforg.logic.train import train
from selforg.logic.verify import verify_life

__all__ = [
    "Circuit", "LogicConfig", "PackedEngine", "export_c", "life_circuit", "load_circuit",
    "netlist", "preset", "run_circuit", "stats", "train", "verify_life",
]
