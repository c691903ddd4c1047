"""A model: a network with its initial concentrations and horizon, as one shareable file.

``model.json`` (format ``selforg-crn-model/1``) holds the network in chemical notation, the
initial concentrations, the time span to show, the output species, and for a trained network
the config and command that made it and what it measured. The zoo (``selforg/crn/zoo/``) is a
folder of such files; every verb that takes a network accepts ``zoo:NAME``, a model file, a
notation file (``.txt``), an SBML file (``.sbml``/``.xml``), a training run folder, or the
notation itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.crn.network import Network, format_network, parse

FORMAT = "selforg-crn-model/1"
ZOO = Path(__file__).parent / "zoo"
PREFIX = "zoo:"


@dataclass(frozen=True)
class Model:
    """A network ready to simulate.

    Attributes:
        network: the reactions and rates.
        x0: (n,) initial concentrations.
        t1: a time span that shows what it does (None: unknown).
        name: a short name.
        description: what it does.
        output: the species to look at ("" for none in particular).
        command: the command that made it ("" for a hand-written one).
        compartments: species -> compartment id (chambers), {} for one compartment.
        info: anything else (config, measured numbers).
    """

    network: Network
    x0: np.ndarray
    t1: float | None = None
    name: str = ""
    description: str = ""
    output: str = ""
    command: str = ""
    compartments: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The model as the JSON object `model_from_json` reads."""
        return {
            "format": FORMAT, "name": self.name, "description": self.description,
            "network": format_network(self.network),
            "x0": {s: float(v) for s, v in zip(self.network.species, self.x0, strict=True)},
            "t1": self.t1, "output": self.output, "command": self.command,
            "compartments": self.compartments, **self.info,
        }

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        text = json.dumps(self.to_json(), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        return path


_KNOWN = ("format", "name", "description", "network", "x0", "t1", "output", "command",
          "compartments")


def model_from_json(data: dict[str, Any], source: str = "model") -> Model:
    """Rebuild a `Model` from `Model.to_json` output.

    Raises:
        BadInput: not a crn model.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BadInput(f"{source} is not a crn model (format {FORMAT})")
    net = parse(data["network"])
    x0 = np.array([float(data.get("x0", {}).get(s, 0.0)) for s in net.species])
    return Model(net, x0, data.get("t1"), data.get("name", ""), data.get("description", ""),
                 data.get("output", ""), data.get("command", ""),
                 dict(data.get("compartments") or {}),
                 {k: v for k, v in data.items() if k not in _KNOWN})


def read_model(path: str | Path) -> Model:
    """A model file, a notation file or an SBML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read {path}: {e}") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as e:
            raise BadInput(f"{path} is not JSON ({e})") from None
        return model_from_json(data, str(path))
    if suffix in (".sbml", ".xml"):
        from selforg.crn.sbml import from_sbml

        net, x0 = from_sbml(text)
        return Model(net, x0, name=path.stem)
    try:
        net = parse(text)
    except BadInput as e:
        raise BadInput(f"{path}: {e}") from None
    return Model(net, np.zeros(net.n_species), name=path.stem)


def zoo_models() -> dict[str, Model]:
    """Every model shipped in the zoo, by name."""
    out = {}
    for path in sorted(ZOO.glob("*.json")):
        out[path.stem] = read_model(path)
    return out


def zoo_model(name: str) -> Model:
    """The zoo model `name`.

    Raises:
        BadInput: no such model.
    """
    path = ZOO / f"{name}.json"
    if not path.is_file():
        have = ", ".join(sorted(p.stem for p in ZOO.glob("*.json")))
        raise BadInput(f"no model {name!r} in the zoo (have: {have or 'none'})")
    return read_model(path)


def load_model(spec: str | Path) -> Model:
    """The model `spec` names: ``zoo:NAME``, a file, a run folder, or notation text.

    Raises:
        BadInput: nothing readable there; malformed notation (with line and column).

    Example:
        >>> load_model("zoo:brusselator").network.species
        ('X', 'Y')
        >>> load_model("A -> B @ 2").network.rates.tolist()
        [2.0]
    """
    text = str(spec)
    if text.startswith(PREFIX):
        return zoo_model(text[len(PREFIX):])
    if "->" in text:
        return Model(parse(text), np.zeros(parse(text).n_species))
    path = Path(text)
    if path.is_dir():
        if (path / "model.json").is_file():
            return read_model(path / "model.json")
        raise BadInput(f"{path} holds no model.json (a finished crn training run has one)")
    if not path.exists():
        raise BadInput(f"{text} does not exist (give zoo:NAME, a .json/.txt/.sbml file, a run"
                       " folder, or notation like 'A -> B @ 2'; `selforg crn zoo` lists names)")
    return read_model(path)
