"""The zoo: every entry loads, its command makes its config, its numbers are in the README; a
zoo pattern's length scale doubles when D is scaled by 4 (the PDE's x → √c·x invariance)."""

import json
import shlex

import numpy as np
import pytest

from selforg.cli import build_parser, main
from selforg.core.config import to_dict
from selforg.rd.model import param_count
from selforg.rd.rollout import simulate
from selforg.rd.spectrum import dominant_wavelength, radial_power
from selforg.rd.store import load_model, zoo, zoo_dir, zoo_index

INDEX = zoo_index()


def test_zoo_has_four_textures_that_load():
    assert len(INDEX) >= 4
    for name in INDEX:
        m = load_model(f"zoo:{name}")
        assert param_count(m.model) == 8320
        assert m.config.exemplar == name or name.startswith(m.config.exemplar)


@pytest.mark.parametrize("name", sorted(INDEX))
def test_command_makes_the_saved_config(name):
    entry = INDEX[name]
    argv = shlex.split(entry["command"])
    assert argv[:3] == ["selforg", "rd", "train"]
    args = build_parser(argv[1:]).parse_args(argv[1:])
    assert to_dict(args.make_config(args)) == entry["config"]


def test_readme_holds_every_entry_and_its_numbers():
    text = (zoo_dir() / "README.md").read_text(encoding="utf-8")
    for name, entry in INDEX.items():
        assert f"zoo:{name}" in text and entry["command"] in text
        assert f"{entry['eval']['distance_10x']:.4f}" in text


def test_zoo_verb_lists_them(capsys):
    assert main(["rd", "zoo"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in INDEX)
    assert [e.name for e in zoo().entries] == list(INDEX)


def test_wavelength_of_a_sine_pattern():
    n = 64
    xs = np.arange(n)
    img = np.sin(2 * np.pi * xs / 8.0)[None, :].repeat(n, 0)
    assert dominant_wavelength(img) == pytest.approx(8.0, rel=0.02)
    assert int(np.argmax(radial_power(img))) == n // 8


def test_four_times_the_diffusion_doubles_the_wavelength():
    name = WAVELENGTH_MODEL
    m = load_model(f"zoo:{name}")
    steps = 10 * m.config.max_steps
    lengths = []
    for scale in (1.0, 4.0):
        state, _ = simulate(m.model, size=(128, 128), steps=steps, every=steps, dmap=scale)
        lengths.append(dominant_wavelength(np.asarray(m.model.rgb(state))))
    ratio = lengths[1] / lengths[0]
    assert 1.6 <= ratio <= 2.4, (lengths, ratio)


WAVELENGTH_MODEL = next((n for n in ("dots", *INDEX) if n in INDEX), None)


def test_zoo_numbers_are_what_eval_says():
    name = WAVELENGTH_MODEL
    saved = INDEX[name]["eval"]
    from selforg.rd.config import EvalConfig
    from selforg.rd.evaluation import evaluate

    got = evaluate(EvalConfig(model=f"zoo:{name}")).as_dict()
    for key in ("distance_horizon", "distance_10x", "floor", "ceiling"):
        assert got[key] == pytest.approx(saved[key], rel=1e-3, abs=1e-6), key
    assert json.dumps(got)  # JSON-able
