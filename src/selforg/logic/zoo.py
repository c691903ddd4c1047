"""Trained circuits shipped with the package, and finding a circuit by name, file or run folder.

Each ``selforg/logic/zoo/NAME.json`` is a circuit file written by ``selforg logic train ...``
that carries the config it was trained with; ``zoo/index.json`` gives each a description and
the command that made it (``zoo/README.md`` has the run's numbers). Every verb that takes a
circuit accepts ``zoo:NAME``, a circuit file, or a training run folder.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit, load
from selforg.logic.config import ZooConfig

ZOO = Path(__file__).parent / "zoo"
PREFIX = "zoo:"


@dataclass(frozen=True)
class ZooEntry:
    """One shipped circuit.

    Attributes:
        name: what follows ``zoo:``.
        experiment: life | checkerboard | lizard | colors.
        description: what the circuit does.
        command: the command that trained it.
    """

    name: str
    experiment: str
    description: str
    command: str


@dataclass(frozen=True)
class ZooResult:
    """What `zoo` lists.

    Attributes:
        run_dir: always None (listing writes nothing).
        entries: the shipped circuits, by name.
    """

    run_dir: Path | None
    entries: tuple[ZooEntry, ...]


def _index() -> dict[str, dict[str, str]]:
    path = ZOO / "index.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def names() -> list[str]:
    """Names of the shipped circuits."""
    return sorted(_index())


def zoo(cfg: ZooConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> ZooResult:
    """List the circuits shipped with the package.

    Args:
        cfg: nothing to set (`ZooConfig()`).
        out, quiet: accepted for the shape every verb has; listing writes and shows nothing.

    Example:
        >>> [e.name for e in zoo().entries][:2]
        ['checkerboard', 'checkerboard-async']
    """
    entries = tuple(
        ZooEntry(name, e["experiment"], e["description"], e["command"])
        for name, e in sorted(_index().items())
    )
    return ZooResult(None, entries)


def zoo_circuit(name: str) -> Circuit:
    """Load the shipped circuit `name` (e.g. ``"life"``, ``"checkerboard"``).

    Raises:
        BadInput: no such circuit.
    """
    entry = _index().get(name)
    if entry is None:
        raise BadInput(f"no circuit {name!r} in the zoo (have: {', '.join(names()) or 'none'})")
    return load(ZOO / entry["file"])


def locate(spec: str | Path) -> tuple[Circuit, Path | None]:
    """The circuit `spec` names, and the run folder it belongs to (None outside one).

    `spec`: ``zoo:NAME``; a circuit JSON file; a training run folder (its ``circuit.json``, or
    while it trains, the circuit of its latest checkpoint). A circuit file without a config
    inside a run folder gets the folder's config.

    Raises:
        BadInput: nothing loadable there.
    """
    text = str(spec)
    if text.startswith(PREFIX):
        return zoo_circuit(text[len(PREFIX):]), None
    path = Path(text)
    if path.is_dir():
        if (path / "circuit.json").is_file():
            path = path / "circuit.json"
        elif (path / "checkpoints" / "latest.npz").is_file():
            from selforg.logic.learn import circuit_from_run

            return circuit_from_run(path), path
        else:
            raise BadInput(f"{path} holds no circuit.json and no checkpoint (a logic run folder"
                           " has them)")
    elif not path.exists():
        raise BadInput(f"{text} does not exist (give a circuit file, a run folder or zoo:NAME;"
                       " `selforg logic zoo` lists the names)")
    circuit = load(path)
    run_dir = path.parent if (path.parent / "config.json").is_file() else None
    if run_dir is not None and circuit.config is None:
        circuit = dataclasses.replace(circuit, config=_run_config(run_dir))
    return circuit, run_dir


def _run_config(run_dir: Path):
    from selforg.core.runs import load_config
    from selforg.logic.config import LogicConfig

    try:
        verb = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))["verb"]
        return load_config(run_dir, LogicConfig, system="logic", verb=verb)
    except (OSError, ValueError, KeyError, TypeError, BadInput):
        return None  # not a logic training run: the circuit stands alone


def load_circuit(spec: str | Path) -> Circuit:
    """Load ``zoo:NAME``, a circuit file or a run folder's circuit (see `locate`).

    Example:
        >>> load_circuit("zoo:life").config.experiment
        'life'
    """
    return locate(spec)[0]
