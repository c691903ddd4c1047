"""The CLI and the library verbs: bad input exits 2 with one line; a tiny train → resume
(bit-exact) → run (with a diffusion map) → eval; the package starts without JAX."""

import json
import subprocess
import sys

import numpy as np
import pytest

from selforg.cli import main
from selforg.core.runs import read_checkpoint

TINY = ["--size", "16", "--exemplar-size", "32", "--min-steps", "2", "--max-steps", "4",
        "--pool", "8", "--quiet"]


@pytest.mark.parametrize("argv, words", [
    (["train", "no-such-image.png"], "neither a file nor a built-in"),
    (["train", "brick", "--d-min", "-1"], "must be ≥ 0"),
    (["train", "brick", "--size", "4"], "grid size 4"),
    (["train", "brick", "--min-steps", "9", "--max-steps", "5"], "min < max"),
    (["run", "zoo:no-such-model"], "no zoo model"),
    (["run", "/no/such/run"], "does not exist"),
    (["run", "zoo:x", "--diffusion-map", "no-such-map.png"], "neither ramp nor radial"),
    (["run", "zoo:x", "--diffusion-scale", "-2"], "≥ 0"),
    (["eval", "zoo:no-such-model"], "no zoo model"),
    (["train", "--resume", "/no/such/run"], "no/such/run"),
])
def test_bad_input_exits_2(argv, words, capsys):
    assert main(["rd", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_unreadable_image_and_map_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    assert main(["rd", "train", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert "cannot read image" in capsys.readouterr().err
    assert main(["rd", "run", "zoo:x", "--diffusion-map", str(bad)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def _leaves(path):
    _, arrays = read_checkpoint(path)
    return arrays


def test_train_resume_is_bit_exact_then_run_and_eval(tmp_path, capsys):
    whole, part = tmp_path / "whole", tmp_path / "part"
    assert main(["rd", "train", "brick", *TINY, "--iterations", "4", "--out", str(whole)]) == 0
    assert main(["rd", "train", "brick", *TINY, "--iterations", "2", "--out", str(part)]) == 0
    assert main(["rd", "train", "--resume", str(part), "--iterations", "4", "--quiet"]) == 0
    a, b = _leaves(whole / "checkpoints/latest.npz"), _leaves(part / "checkpoints/latest.npz")
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
    for f in ("final.png", "rollout.gif", "rollout.mp4", "exemplar.png", "plots/loss.png",
              "model.npz"):
        assert (whole / f).is_file(), f
    cfg = json.loads((whole / "config.json").read_text())
    assert (cfg["system"], cfg["verb"]) == ("rd", "train")
    # a conflicting setting on resume is refused
    assert main(["rd", "train", "--resume", str(part), "--lr", "0.5", "--quiet"]) == 2
    capsys.readouterr()

    run_dir, png = tmp_path / "run", tmp_path / "x.png"
    assert main(["rd", "run", str(whole), "--size", "24", "--steps", "10", "--every", "5",
                 "--diffusion-map", "ramp", "--png", str(png), "--out", str(run_dir),
                 "--quiet"]) == 0
    assert png.is_file() and (run_dir / "diffusion_map.png").is_file()
    res = json.loads((run_dir / "results.json").read_text())
    assert res["diffusion_min"] == pytest.approx(1.0) and res["diffusion_max"] == 4.0

    capsys.readouterr()
    assert main(["rd", "eval", str(whole)]) == 0
    ev = json.loads(capsys.readouterr().out)
    assert ev["horizon"] == 4
    assert ev["floor"] < ev["ceiling"]
    assert set(ev) >= {"distance_horizon", "distance_10x", "floor", "ceiling"}


def test_unstable_diffusion_scale_is_refused(tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["rd", "train", "brick", *TINY, "--iterations", "1", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["rd", "run", str(run), "--diffusion-scale", "20", "--steps", "1"]) == 2
    assert "unstable" in capsys.readouterr().err


def test_package_and_help_start_without_jax():
    code = ("import sys, selforg.rd, selforg.rd.cli, selforg.rd.config;"
            " assert 'jax' not in sys.modules, 'jax imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
    out = subprocess.run([sys.executable, "-m", "selforg.cli", "rd", "--help"], check=True,
                         capture_output=True, text=True).stdout
    for verb in ("train", "run", "eval", "zoo", "gray-scott"):
        assert verb in out
