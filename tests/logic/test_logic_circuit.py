"""Circuit files: round trip, validation (bad files exit 2), pruning, counts, verify-life, show."""

import json

import numpy as np
import pytest

from selforg.cli import main
from selforg.logic.circuit import Circuit, Layer, from_dict, load, netlist, stats
from selforg.logic.config import LogicConfig
from selforg.logic.model import build_wiring
from selforg.logic.reference import life_circuit
from selforg.logic.verify import compare_with_life


def test_json_round_trip(tmp_path):
    c = life_circuit()
    path = c.save(tmp_path / "life.json")
    back = load(path)
    assert back.to_dict() == c.to_dict()


def test_hand_built_life_passes_verify_life(tmp_path, capsys):
    path = life_circuit().save(tmp_path / "life.json")
    assert main(["logic", "verify-life", str(path)]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["differing_cells"] == 0
    assert out["steps"] == 300 and out["size"] == [128, 128]


def test_a_wrong_rule_fails_verify_life():
    d = life_circuit().to_dict()
    d["update"][-1]["ops"] = [7]  # OR instead of AND in the last gate: no longer Life
    out = compare_with_life(from_dict(d), steps=20, kernel="interp")
    assert out["differing_cells"] > 0 and out["first_error_step"] == 1


def _variant(change):
    d = life_circuit().to_dict()
    change(d)
    return json.dumps(d)


BAD = {
    "not json": "not json",
    "a list": "[]",
    "other format": '{"format": "other"}',
    "index out of range": _variant(lambda d: d["update"][0]["a"].__setitem__(0, 999)),
    "gate 16": _variant(lambda d: d["perception"][0]["ops"][0].__setitem__(0, 16)),
    "channels mismatch": _variant(lambda d: d.__setitem__("channels", 2)),
    "ragged ops": _variant(lambda d: d["perception"][1]["ops"][0].pop()),
    "boundary": _variant(lambda d: d.__setitem__("boundary", "mirror")),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_circuit_files_exit_2(tmp_path, capsys, case):
    p = tmp_path / "c.json"
    p.write_text(BAD[case])
    assert main(["logic", "show", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("selforg: error:") and len(err.strip().splitlines()) == 1


def test_missing_circuit_exits_2(tmp_path):
    assert main(["logic", "verify-life", str(tmp_path / "nope.json")]) == 2


def test_pruning_removes_pass_throughs_and_dead_gates():
    # 2 inputs via a perception layer of width 1; update: [own, k0] -> layer of 3 -> 1
    per = (Layer(np.array([0]), np.array([4]), np.array([[6]])),)  # XOR(NW, centre)
    upd = (
        Layer(np.array([0, 1, 0]), np.array([1, 0, 0]), np.array([[3, 1, 12]])),  # A, AND, ¬A
        Layer(np.array([0]), np.array([2]), np.array([[12]])),  # ¬ of gate 0 (= own bit)
    )
    c = Circuit(1, 1, "zero", per, upd)
    net = netlist(c)
    # surviving: only NOT(own): the AND, the other NOT and the XOR kernel feed nothing.
    assert net.ops.tolist() == [12]
    assert net.a.tolist() == [4] and net.outputs.tolist() == [9]
    s = stats(c)
    assert s == {"gates": 5, "active": 4, "active_paper": 1, "active_after_pruning": 1,
                 "ops_per_cell": 1, "op_counts": {"NOT_A": 1}}


def test_wiring_from_config_has_paper_shapes():
    w = build_wiring(LogicConfig())
    assert [l.width for l in w.perception] == [8, 4, 2, 1]
    assert w.update_inputs == 17
    assert [l.width for l in w.update] == [128] * 16 + [64, 32, 16, 8, 4, 2, 1]
    assert sorted(w.perception[0].a.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert from_dict(w.to_dict()).to_dict() == w.to_dict()


def test_show_prints_summary_and_draws(tmp_path, capsys):
    path = life_circuit().save(tmp_path / "life.json")
    assert main(["logic", "show", str(path), "--png", str(tmp_path / "g.png")]) == 0
    out = capsys.readouterr().out
    assert "some output depends on it) 34" in out and "XOR 15" in out
    assert (tmp_path / "g.png").stat().st_size > 1000


def test_run_cli_with_gif_and_damage(tmp_path, capsys):
    path = life_circuit().save(tmp_path / "life.json")
    gif = tmp_path / "run.gif"
    args = ["logic", "run", str(path), "--size", "128", "--steps", "30", "--gif", str(gif),
            "--damage-at", "10", "--damage-box", "0,0,64,64"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["steps"] == 30 and out["size"] == [128, 128] and gif.stat().st_size > 1000
    # a width that is not a multiple of 64 runs in the generated kernel
    assert main(["logic", "run", str(path), "--size", "100", "--steps", "20"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["size"] == [100, 100]


def test_run_cli_from_npy_matches_numpy_life(tmp_path, capsys):
    from selforg.logic.life import life_steps
    from selforg.logic.simulate import run_circuit

    grid = np.random.default_rng(3).integers(0, 2, (64, 128)).astype(np.uint8)
    np.save(tmp_path / "g.npy", grid)
    assert main(["logic", "run", str(life_circuit().save(tmp_path / "l.json")),
                 "--init", str(tmp_path / "g.npy"), "--steps", "4"]) == 0
    res = run_circuit(life_circuit(), init=grid[..., None], steps=4)
    assert res["alive_fraction"] == life_steps(grid, 4).mean()


def test_export_c_cli_writes_source(tmp_path, capsys):
    path = life_circuit().save(tmp_path / "life.json")
    assert main(["logic", "export-c", str(path), str(tmp_path / "life.c")]) == 0
    text = (tmp_path / "life.c").read_text()
    assert "void logic_step" in text and text.count("uint64_t r") == 34
