"""Trained circuits shipped with the package (``selforg/logic/zoo/*.json``).

Each file was written by ``selforg logic train ...`` (the command is in ``zoo/README.md``); they
let the tour and the benchmark run a learned rule without training first.
"""

from __future__ import annotations

from pathlib import Path

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit, load

ZOO = Path(__file__).parent / "zoo"


def names() -> list[str]:
    """Names of the shipped circuits (file stems)."""
    return sorted(p.stem for p in ZOO.glob("*.json"))


def zoo_circuit(name: str) -> Circuit:
    """Load the shipped circuit `name` (e.g. ``"life"``, ``"checkerboard"``).

    Raises:
        BadInput: no such circuit.
    """
    path = ZOO / f"{name}.json"
    if not path.is_file():
        raise BadInput(f"no circuit {name!r} in the zoo (have: {', '.join(names()) or 'none'})")
    return load(path)
