"""The library surface: one function per CLI verb, the zoo, circuits that carry their config,
gate counts as the paper counts them, output files only where asked, the CLI's shape."""

import dataclasses
import json
import shutil

import numpy as np
import pytest

import selforg.logic as logic
from selforg.cli import build_parser, main
from selforg.logic import (
    ExportConfig,
    RunConfig,
    ShowConfig,
    VerifyConfig,
    ZooConfig,
    export_c,
    load_circuit,
    run,
    show,
    stats,
    verify_life,
    zoo,
)
from selforg.logic.circuit import Circuit, Layer, from_dict, load
from selforg.logic.config import LogicConfig
from selforg.logic.model import build_wiring
from selforg.logic.reference import life_circuit
from selforg.logic.zoo import ZOO

VERBS = {"train": "train", "show": "show", "verify-life": "verify_life", "run": "run",
         "export-c": "export_c", "zoo": "zoo"}
TINY = LogicConfig(
    experiment="checkerboard", height=4, width=4, channels=2, steps=2, batch=2, iters=4,
    kernels=2, perception_widths=(9, 4, 2), update_widths=(8, 4, 2), boundary="zero",
    stop_at_zero=False, log_every=2, checkpoint_every=2, seed=1,
)


def _verb_parsers():
    logic_parser = build_parser(["logic"])._subparsers._group_actions[0].choices["logic"]
    return logic_parser._subparsers._group_actions[0].choices


def test_every_verb_is_one_exported_function_returning_a_frozen_result():
    assert set(_verb_parsers()) == set(VERBS)
    for name in VERBS.values():
        assert name in logic.__all__ and callable(getattr(logic, name))
    results = [
        show(ShowConfig("zoo:life")), verify_life(VerifyConfig("zoo:life", size=64, steps=5)),
        run(RunConfig("zoo:life", size=64, steps=5)), export_c(ExportConfig("zoo:life")),
        zoo(ZooConfig()),
    ]
    for res in results:
        assert dataclasses.is_dataclass(res) and res.run_dir is None
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.run_dir = "x"


def test_importing_the_package_leaves_out_jax_and_numba():
    import subprocess
    import sys

    code = "import sys, selforg.logic; print('jax' in sys.modules, 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_zoo_lists_every_shipped_circuit_with_its_command(capsys):
    entries = zoo().entries
    files = sorted(p.stem for p in ZOO.glob("*.json") if p.name != "index.json")
    assert [e.name for e in entries] == files
    assert all(e.command.startswith("selforg logic train ") and e.description for e in entries)
    assert main(["logic", "zoo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [f"zoo:{n}" for n in files]


@pytest.mark.parametrize("name", ["life", "checkerboard", "checkerboard-async", "colors",
                                  "lizard"])
def test_zoo_circuits_carry_the_config_that_regrows_their_wiring(name):
    circuit = load_circuit(f"zoo:{name}")
    cfg = circuit.config
    entry = {e.name: e for e in zoo().entries}[name]
    assert cfg is not None and cfg.experiment == entry.experiment
    wiring = build_wiring(cfg)
    for got, want in zip(circuit.perception + circuit.update, wiring.perception + wiring.update,
                         strict=True):
        np.testing.assert_array_equal(got.a, want.a)
        np.testing.assert_array_equal(got.b, want.b)


def test_a_circuit_file_without_a_config_still_loads(tmp_path):
    d = load_circuit("zoo:life").to_dict()
    del d["config"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(d))
    old = load(path)
    assert old.config is None and stats(old) == stats(load_circuit("zoo:life"))
    bad = dict(d, config=dict(load_circuit("zoo:life").to_dict()["config"], channels=3))
    with pytest.raises(Exception, match="channels"):
        from_dict(bad)


def test_a_trained_circuit_file_alone_says_how_it_was_trained(tmp_path):
    from selforg.logic import train

    res = train(TINY, out=tmp_path / "run")
    loose = shutil.copy(tmp_path / "run" / "circuit.json", tmp_path / "shared.json")
    assert load(loose).config == TINY
    assert load_circuit(tmp_path / "run").to_dict() == load(loose).to_dict()
    # a run folder's circuit file written without a config gets the folder's
    d = res.circuit.to_dict()
    del d["config"]
    (tmp_path / "run" / "circuit.json").write_text(json.dumps(d))
    assert load_circuit(tmp_path / "run" / "circuit.json").config == TINY


def test_paper_gate_count_on_a_circuit_whose_answer_is_known():
    """Own bit → NOT → NOT → output, beside a dead AND and a dead XOR kernel.

    The paper counts gates that are not pass-throughs and that some output depends on: the two
    NOTs (2). Pruning folds the double negation into a wire (0 left); not pass-through: 4."""
    per = (Layer(np.array([0]), np.array([4]), np.array([[6]])),)  # XOR(NW, centre), unread
    upd = (
        Layer(np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([[12, 3, 1]])),  # ¬own, own, AND
        Layer(np.array([0, 1]), np.array([2, 2]), np.array([[12, 5]])),  # ¬(¬own), B (dead)
        Layer(np.array([0]), np.array([1]), np.array([[3]])),  # A: the output
    )
    s = stats(Circuit(1, 1, "zero", per, upd))
    assert (s["gates"], s["active"], s["active_paper"], s["active_after_pruning"]) == (7, 4, 2, 0)
    # the hand-built Life circuit has no dead or foldable gate: every count agrees
    s = stats(life_circuit())
    assert s["active"] == s["active_paper"] == s["active_after_pruning"] == 34


def test_paper_count_follows_dependence_into_the_kernels():
    """A kernel gate counts once per kernel however many channels read it, and only where the
    update network reads that kernel's output."""
    per = (Layer(np.array([0, 1]), np.array([4, 4]), np.array([[6, 1], [6, 1]])),  # 2 kernels
           Layer(np.array([0]), np.array([1]), np.array([[3], [7]])))  # k0: A, k1: OR
    # update inputs: own c0, own c1, then (channel, bit, kernel): c0k0, c0k1, c1k0, c1k1
    upd = (Layer(np.array([2, 4]), np.array([2, 4]), np.array([[3, 3]])),)  # reads k0 only
    s = stats(Circuit(2, 2, "zero", per, upd))
    # k0: its A reads XOR (counted), not the AND; k1 unread: its XOR, AND and OR do not count
    assert s["active"] == 5 and s["active_paper"] == 1


def test_show_writes_a_picture_only_where_asked(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in ZOO.iterdir())
    assert main(["logic", "show", "zoo:life"]) == 0
    assert "picture: none" in capsys.readouterr().out
    assert sorted(p.name for p in ZOO.iterdir()) == before and not list(tmp_path.iterdir())
    path = life_circuit().save(tmp_path / "loose.json")
    assert show(ShowConfig(str(path))).png is None and sorted(tmp_path.iterdir()) == [path]
    assert main(["logic", "show", "zoo:life", "--png", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").stat().st_size > 1000
    assert show(ShowConfig(str(path)), out=tmp_path / "pics").png == tmp_path / "pics" / \
        "circuit.png"


def test_show_draws_into_the_run_folder_the_circuit_belongs_to(tmp_path):
    from selforg.logic import train

    train(TINY, out=tmp_path / "run")
    res = show(ShowConfig(str(tmp_path / "run")))
    assert res.run_dir == tmp_path / "run" and res.png == tmp_path / "run" / "circuit.png"
    assert res.png.stat().st_size > 1000


@pytest.mark.parametrize("args", [
    ["show", "zoo:life", "--png", "{tmp}"],
    ["show", "zoo:life", "--png", "{tmp}/missing/g.png"],
    ["run", "zoo:life", "--size", "64", "--steps", "2", "--gif", "{tmp}"],
    ["run", "zoo:life", "--size", "64", "--steps", "2", "--gif", "{tmp}/missing/a.gif"],
    ["export-c", "zoo:life", "{tmp}"],
    ["export-c", "zoo:life", "{tmp}/missing/a.c"],
])
def test_output_files_in_a_folder_or_a_missing_folder_exit_2_in_one_line(tmp_path, capsys,
                                                                       args):
    assert main(["logic", *(a.format(tmp=tmp_path) for a in args)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize("verb", ["show", "verify-life", "run", "export-c"])
def test_every_circuit_verb_takes_zoo_names_and_unknown_ones_exit_2(verb, tmp_path, capsys):
    extra = {"export-c": [str(tmp_path / "a.c")], "run": ["--size", "64", "--steps", "3"],
             "verify-life": ["--size", "64", "--steps", "3"]}.get(verb, [])
    assert main(["logic", verb, "zoo:life", *extra, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["logic", verb, "zoo:nope", *extra]) == 2
    err = capsys.readouterr().err
    assert "no circuit 'nope' in the zoo" in err and len(err.strip().splitlines()) == 1


def test_every_option_has_help_and_every_verb_takes_quiet():
    for verb, parser in _verb_parsers().items():
        options = {o for a in parser._actions for o in a.option_strings}
        assert "--quiet" in options, verb
        for action in parser._actions:
            assert action.help, (verb, action.dest)
            # options that set a config field default to None and state the config's default
            sets_field = action.dest not in ("out", "resume") and action.nargs != 0
            if action.option_strings and action.default is None and sets_field:
                assert "default" in action.help, (verb, action.dest)


def test_run_and_verify_write_a_results_folder_when_given_out(tmp_path):
    res = run(RunConfig("zoo:life", size=64, steps=4), out=tmp_path / "r")
    assert res.run_dir == tmp_path / "r"
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["steps"] == 4 and saved["alive_fraction"] == res.alive_fraction
    ver = verify_life(VerifyConfig("zoo:life", size=64, steps=4), out=tmp_path / "v")
    assert json.loads((tmp_path / "v" / "results.json").read_text()) == ver.to_dict()
    assert json.loads((tmp_path / "v" / "config.json").read_text())["config"]["size"] == 64


def test_export_c_without_a_file_returns_the_source_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = export_c(ExportConfig("zoo:life"))
    assert res.path is None and res.ops == stats(load_circuit("zoo:life"))["ops_per_cell"]
    assert "./logic_ca WIDTH HEIGHT STEPS" in res.source and not list(tmp_path.iterdir())
    assert export_c(ExportConfig("zoo:life"), out=tmp_path).path == tmp_path / "circuit.c"


@pytest.mark.parametrize("argv", [
    ["logic", "run", "zoo:life", "--size", "64", "--steps", "5"],
    ["logic", "verify-life", "zoo:life", "--size", "64", "--steps", "5"],
    ["logic", "show", "zoo:life"],
    ["logic", "zoo"],
])
def test_circuit_verbs_run_without_importing_jax(argv):
    """Start-up: JAX takes seconds to import and none of these verbs computes with it; a run
    this small also ends before Numba would have started, so it runs on NumPy."""
    import subprocess
    import sys

    code = ("import sys; from selforg.cli import main; code = main(sys.argv[1:]);"
            " print('jax' in sys.modules, 'numba' in sys.modules, code)")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines()[-1].split() == ["False", "False", "0"]


def test_run_starts_a_circuit_where_it_was_trained_to_start(tmp_path):
    """A lizard circuit grows from one seed cell, a colour circuit from zeros: run starts them
    there unless told otherwise (from random bits the lizard rule draws noise)."""
    grown = run(RunConfig("zoo:lizard", size=64, steps=12))
    assert grown.final.sum(axis=(0, 1))[0] == 112  # the 20×20 target's cells, around the seed
    noise = run(RunConfig("zoo:lizard", size=64, steps=12, init="random"))
    assert noise.final[..., 0].sum() != 112
    zeros = run(RunConfig("zoo:colors", size=64, steps=15, init="zeros"))
    assert zeros.to_dict() | {"seconds": 0, "cell_updates_per_s": 0} == run(
        RunConfig("zoo:colors", size=64, steps=15)).to_dict() | {"seconds": 0,
                                                               "cell_updates_per_s": 0}
    with pytest.raises(Exception, match="not a file, nor one of random, seed, zeros"):
        run(RunConfig("zoo:life", size=64, steps=1, init=str(tmp_path / "nope.npy")))
