"""The mplp zoo: every shipped protocol loads, its command makes the config it carries, and its
recorded numbers are the ones the README shows."""

from __future__ import annotations

import json
import shlex

import pytest

from selforg.cli import build_parser
from selforg.core.config import to_dict
from selforg.mplp.zoo import ZOO, locate

INDEX = json.loads((ZOO / "index.json").read_text(encoding="utf-8"))


def test_the_zoo_has_every_task():
    assert {e["task"] for e in INDEX.values()} == {"sinusoid", "fewshot", "digits"}


@pytest.mark.parametrize("name", sorted(INDEX))
def test_command_makes_the_saved_config(name):
    entry = INDEX[name]
    argv = shlex.split(entry["command"])
    assert argv[:3] == ["selforg", "mplp", "train"]
    args = build_parser(argv[1:]).parse_args(argv[1:])
    cfg, protocol, maml, _ = locate(f"zoo:{name}")
    assert to_dict(args.make_config(args)) == to_dict(cfg)
    assert cfg.task == entry["task"] and (maml is not None) == (cfg.task == "fewshot")


def test_readme_shows_every_entry():
    text = (ZOO / "README.md").read_text(encoding="utf-8")
    for name, entry in INDEX.items():
        assert f"## {name}" in text and entry["command"] in text
        numbers = entry.get("eval_100_tasks")
        if numbers:
            assert f"{numbers['curves']['mplp'][-1]:.4f}" in text
