"""`selforg crn ...`: simulate, check, export, zoo; bad input is one line and exit 2."""

import subprocess
import sys
import time

import numpy as np

from selforg.cli import main


def test_bad_notation_is_exit_2_with_line_and_column(capsys):
    assert main(["crn", "simulate", "A -> B @ 1; A + -> C", "--t1", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "line 1, column 17" in err and "species name" in err


def test_bad_notation_in_a_file_names_the_file(tmp_path, capsys):
    f = tmp_path / "net.txt"
    f.write_text("A -> B @ 1\n\nB -> C @ zero\n")
    assert main(["crn", "simulate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "net.txt: line 3, column 10" in err


def test_simulate_writes_csv_with_species_columns(tmp_path, capsys):
    csv = tmp_path / "t.csv"
    plot = tmp_path / "t.png"
    assert main(["crn", "simulate", "A <-> B @ 2, 1", "--t1", "5", "--x0", "A=1",
                 "--points", "11", "--csv", str(csv), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "B=0.6666" in out
    lines = csv.read_text().splitlines()
    assert lines[0] == "t,A,B" and len(lines) == 12
    data = np.loadtxt(csv, delimiter=",", skiprows=1)
    np.testing.assert_allclose(data[:, 1] + data[:, 2], 1.0, atol=1e-12)
    assert plot.stat().st_size > 1000


def test_simulate_refuses_an_output_folder_and_unknown_species(tmp_path, capsys):
    assert main(["crn", "simulate", "zoo:brusselator", "--csv", str(tmp_path)]) == 2
    assert main(["crn", "simulate", "zoo:brusselator", "--x0", "Q=1"]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "no species 'Q'" in err


def test_export_then_simulate_the_sbml(tmp_path, capsys):
    sbml, text = tmp_path / "b.sbml", tmp_path / "b.txt"
    assert main(["crn", "export", "zoo:brusselator", "--sbml", str(sbml),
                 "--text", str(text)]) == 0
    assert text.read_text() == "-> X @ 1\n2 X + Y -> 3 X @ 1\nX -> Y @ 3\nX -> @ 1\n"
    capsys.readouterr()
    assert main(["crn", "simulate", str(sbml), "--t1", "1"]) == 0
    from_sbml = capsys.readouterr().out
    assert main(["crn", "simulate", "zoo:brusselator", "--t1", "1"]) == 0
    assert capsys.readouterr().out == from_sbml


def test_zoo_lists_the_classics(capsys):
    assert main(["crn", "zoo"]) == 0
    out = capsys.readouterr().out
    for name in ("brusselator", "lotka-volterra", "equilibrium"):
        assert f"zoo:{name}" in out


def test_unknown_zoo_name(capsys):
    assert main(["crn", "simulate", "zoo:nothing"]) == 2
    assert "no model 'nothing'" in capsys.readouterr().err


def test_check_passes(capsys):
    assert main(["crn", "check"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "checks passed" in out
    assert "Brusselator" in out and "Lotka-Volterra" in out and "A <-> B" in out


def test_help_starts_without_jax():
    code = ("import sys, time; t = time.monotonic(); import selforg.cli as c;"
            " sys.argv = ['selforg', 'crn', 'train', 'oscillator', '--help'];"
            " r = c.main(sys.argv[1:]); assert 'jax' not in sys.modules, 'jax imported'")
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "--sparsity" in res.stdout and "--period" in res.stdout
    assert time.monotonic() - t0 < 5  # < 1 s on an idle machine; a shared CI core is slower


def test_train_prints_the_network_and_resume_refuses_a_change(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["crn", "train", "oscillator", "--species", "2", "--period", "2", "--iterations",
            "2", "--finetune", "1", "--batch", "2", "--search", "0", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"run folder: {out}" in text and "reactions survive pruning" in text
    assert (out / "network.txt").read_text() in text
    assert main(["crn", "train", "oscillator", "--resume", str(out), "--lr", "0.5"]) == 2
    assert "lr" in capsys.readouterr().err
    # a longer fine-tuning extends the finished run
    assert main(["crn", "train", "oscillator", "--resume", str(out), "--finetune", "2",
                 "--quiet"]) == 0
    assert "run folder" in capsys.readouterr().out
