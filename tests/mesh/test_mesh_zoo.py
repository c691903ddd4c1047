"""The zoo: every entry's command parses into the config its file carries, the files load, the
recorded evaluation has every mesh; the tour section shows one texture on three meshes."""

import shlex

import pytest

from selforg.core.cli import Parser
from selforg.core.config import from_dict
from selforg.mesh import cli
from selforg.mesh.config import TrainConfig
from selforg.mesh.store import load_model, zoo_index

INDEX = zoo_index()


def _parse(command):
    parser = Parser(prog="selforg")
    sub = parser.add_subparsers(dest="command")
    cli.add_parser(sub)
    words = shlex.split(command)
    assert words[:3] == ["selforg", "mesh", "train"]
    return cli.train_config(parser.parse_args(words[1:]))


def test_zoo_has_three_textures():
    assert len(INDEX) >= 3


@pytest.mark.parametrize("name", sorted(INDEX))
def test_entry_command_is_its_config(name):
    entry = INDEX[name]
    loaded = load_model(f"zoo:{name}")
    assert loaded.config == from_dict(TrainConfig, entry["config"])
    assert _parse(entry["command"]) == loaded.config
    assert loaded.step == entry["iterations"] == loaded.config.iterations
    ev = entry["eval"]
    assert {"icosphere", "torus", "capsule", "peanut"} <= set(ev["distance"])
    assert ev["floor"] < ev["distance"]["icosphere"] < ev["ceiling"]


def test_zoo_lists_every_entry(capsys):
    from selforg.cli import main

    assert main(["mesh", "zoo"]) == 0
    out = capsys.readouterr().out
    for name, entry in INDEX.items():
        assert f"zoo:{name}" in out and entry["command"] in out


def test_tour_part_shows_three_meshes(tmp_path):
    from selforg.mesh.tour import tour_part

    section = tour_part(tmp_path)
    assert section.command == "selforg tour --only mesh"
    videos = [m for m in section.media if m.path.endswith(".mp4")]
    assert len(videos) == 3
    for m in section.media:
        assert (tmp_path / m.path).stat().st_size > 0, m.path
    for m in videos:
        assert m.command.startswith("selforg mesh run zoo:")
    assert section.seconds < 60
