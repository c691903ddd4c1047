"""`selforg soup run|show`: bad input exits 2; runs log, checkpoint and resume identically."""

import json

import pytest

from selforg import soup
from selforg.cli import main
from selforg.core.errors import BadInput
from selforg.soup import SoupConfig
from selforg.soup.simulation import TIMING_KEYS


@pytest.mark.parametrize("argv, words", [
    (["--programs", "7"], "even"),
    (["--programs", "0"], "even"),
    (["--lang", "cobol"], "unknown language"),
    (["--grid", "4x"], "not a size"),
    (["--grid", "3x3"], "even"),
    (["--grid", "4x4", "--programs", "64"], "--programs"),
    (["--seed-program", "[[x]]"], "not BFF text"),
    (["--lang", "forth", "--seed-program", "0g"], "hex"),
    (["--lang", "forth", "--seed-program", "abc"], "even number"),
    (["--mutation-rate", "2"], "outside"),
])
def test_bad_input_exits_2(argv, words, capsys, tmp_path):
    code = main(["soup", "run", "--epochs", "1", "--out", str(tmp_path / "r"), *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1


def test_run_prints_and_logs_reference_epochs(capsys, tmp_path):
    out = tmp_path / "run"
    code = main(["soup", "run", "--programs", "64", "--epochs", "9", "--log-every", "4",
                 "--seed", "1", "--out", str(out), "--quiet"])
    assert code == 0
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 5, 9]
    keys = {"epoch", "brotli_size", "brotli_bpb", "h0", "higher_entropy", "total_ops",
            "ops_per_interaction", "interactions_per_s", "soup_sha256", "top_programs"}
    assert keys <= set(lines[0])
    printed = capsys.readouterr().out
    assert len([ln for ln in printed.splitlines() if ln.strip()[:1].isdigit()]) >= 3
    for f in ("final.png", "soup.gif", "plots/higher_entropy.png", "images/epoch0000009.png"):
        assert (out / f).is_file()
    assert main(["soup", "show", str(out)]) == 0
    assert "top programs" in capsys.readouterr().out


def _strip(records):
    return [{k: v for k, v in r.items() if k not in TIMING_KEYS} for r in records]


def test_resume_after_kill_gives_identical_log(tmp_path):
    cfg = SoupConfig(programs=64, epochs=12, log_every=3, seed=4, checkpoint_seconds=0.0,
                     images=False)
    full = soup.run(cfg, out=tmp_path / "a", quiet=True)

    class Killed(Exception):
        pass

    def die(rec):
        if rec["epoch"] == 7:
            raise Killed  # dies after logging epoch 7, before its checkpoint

    with pytest.raises(Killed):
        soup.run(cfg, out=tmp_path / "b", quiet=True, on_log=die)
    part = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert json.loads(part[-1])["epoch"] == 7
    resumed = soup.run(cfg, resume=tmp_path / "b", quiet=True)
    assert resumed.epochs_done == 12
    assert _strip(resumed.records) == _strip(full.records)
    assert (resumed.soup == full.soup).all()


def test_stop_at_entropy_and_grid(tmp_path):
    cfg = SoupConfig(programs=256, epochs=200, log_every=5, seed=3, seed_copies=16,
                     seed_program="[[{.>]-]" + "A" * 48 + "]-]>.{[[", stop_at_entropy=3.0,
                     images=False)
    res = soup.run(cfg, out=tmp_path / "s", quiet=True)
    assert res.stopped_at_entropy and res.epochs_done < 200
    assert res.records[-1]["higher_entropy"] >= 3.0
    grid = SoupConfig(programs=64, grid_width=8, grid_height=8, epochs=3, log_every=1)
    res = soup.run(grid, out=tmp_path / "g", quiet=True)
    assert (tmp_path / "g" / "final.png").is_file() and len(res.records) == 3
    with pytest.raises(BadInput):
        soup.run(SoupConfig(programs=10, grid_width=2, grid_height=4), out=tmp_path / "x")


def _soup_of(run_dir):
    import numpy as np

    from selforg.core.runs import read_checkpoint

    meta, arrays = read_checkpoint(run_dir / "checkpoints" / "latest.npz")
    return meta["step"], np.asarray(arrays["leaf_00000"])


def test_extending_a_finished_run_equals_one_run_of_the_total_length(tmp_path, capsys):
    base = ["soup", "run", "--programs", "64", "--log-every", "4", "--seed", "5", "--quiet"]
    one = tmp_path / "one"
    assert main([*base, "--epochs", "13", "--out", str(one)]) == 0
    two = tmp_path / "two"
    # 7 and 10 are off the log cadence: their end-of-run records must not stay in the log.
    assert main([*base, "--epochs", "7", "--out", str(two)]) == 0
    assert main(["soup", "run", "--resume", str(two), "--epochs", "10", "--quiet"]) == 0
    assert main(["soup", "run", "--resume", str(two), "--epochs", "13", "--quiet"]) == 0
    capsys.readouterr()
    step_one, soup_one = _soup_of(one)
    step_two, soup_two = _soup_of(two)
    assert step_one == step_two == 13
    assert soup_one.tobytes() == soup_two.tobytes()
    logs = [_strip(json.loads(x) for x in (d / "metrics.jsonl").read_text().splitlines())
            for d in (one, two)]
    assert [r["epoch"] for r in logs[1]] == [1, 5, 9, 13]
    assert logs[0] == logs[1]
    assert sorted(p.name for p in (one / "images").iterdir()) == sorted(
        p.name for p in (two / "images").iterdir())
    saved = json.loads((two / "config.json").read_text())["config"]
    assert saved["epochs"] == 13
    assert json.loads((two / "results.json").read_text())["epochs"] == 13
    assert main(["soup", "run", "--resume", str(two), "--quiet"]) == 0
    assert "already done (--epochs N with --resume extends it" in capsys.readouterr().out
    assert _soup_of(two)[1].tobytes() == soup_one.tobytes()


@pytest.mark.parametrize("argv, words", [
    (["--programs", "128"], "programs"),
    (["--seed", "3"], "seed"),
    (["--epochs", "3"], "shorten"),
    (["--out", "{tmp}/other"], "--out"),
])
def test_resume_refuses_a_conflicting_setting(argv, words, tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["soup", "run", "--programs", "64", "--epochs", "5", "--out", str(run),
                 "--quiet", "--no-images"]) == 0
    before = (run / "config.json").read_text()
    capsys.readouterr()
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["soup", "run", "--resume", str(run), *argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert (run / "config.json").read_text() == before


def test_resume_refuses_a_folder_without_checkpoint(tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["soup", "run", "--programs", "64", "--epochs", "2", "--out", str(run),
                 "--quiet", "--no-images"]) == 0
    (run / "checkpoints" / "latest.npz").unlink()
    capsys.readouterr()
    assert main(["soup", "run", "--resume", str(run), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "latest.npz" in err and len(err.strip().splitlines()) == 1


def test_library_api_run_and_show(tmp_path):
    res = soup.run(SoupConfig(programs=128, epochs=6, log_every=3, images=False),
                   out=tmp_path / "r")
    assert isinstance(res, soup.SoupResult) and res.run_dir == tmp_path / "r"
    assert res.epochs_done == 6 and res.transition_epoch is None
    assert res.higher_entropy == res.records[-1]["higher_entropy"]
    assert res.soup_sha256 == res.records[-1]["soup_sha256"]
    with pytest.raises(AttributeError):
        res.epochs_done = 7  # frozen
    shown = soup.show(soup.ShowConfig(run_dir=res.run_dir, top=3), out=tmp_path / "pics")
    assert shown.epoch == 6 and len(shown.top_programs) == 3
    assert shown.higher_entropy == res.higher_entropy
    assert "top programs" in shown.text
    assert shown.files["png"].is_file() and shown.files["plot"].is_file()


def test_show_writes_pictures_and_refuses_bad_output_paths(tmp_path, capsys):
    run = tmp_path / "r"
    assert main(["soup", "run", "--programs", "64", "--epochs", "2", "--out", str(run),
                 "--quiet", "--no-images"]) == 0
    capsys.readouterr()
    png, plot = tmp_path / "soup.png", tmp_path / "he.png"
    assert main(["soup", "show", str(run), "--png", str(png), "--plot", str(plot),
                 "--quiet"]) == 0
    assert png.is_file() and plot.is_file()
    assert capsys.readouterr().out == ""
    for bad in (str(tmp_path), str(tmp_path / "missing" / "x.png")):
        for opt in ("--png", "--plot"):
            assert main(["soup", "show", str(run), opt, bad]) == 2
            err = capsys.readouterr().err
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert main(["soup", "show", str(tmp_path / "nothing")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_show_into_a_closed_pipe_ends_quietly(tmp_path, capsys):
    import subprocess
    import sys

    run = tmp_path / "r"
    assert main(["soup", "run", "--programs", "64", "--epochs", "2", "--out", str(run),
                 "--quiet", "--no-images"]) == 0
    capsys.readouterr()
    # `selforg soup show RUN | head -0`: the reader is gone before the first line is written.
    proc = subprocess.Popen([sys.executable, "-m", "selforg.cli", "soup", "show", str(run)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception" not in err, err
    assert proc.returncode == 141


def test_show_without_a_folder_shows_the_latest_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["soup", "show"]) == 2
    assert "no soup runs" in capsys.readouterr().err
    for seed in ("1", "2"):
        assert main(["soup", "run", "--programs", "64", "--epochs", "1", "--seed", seed,
                     "--quiet", "--no-images"]) == 0
    capsys.readouterr()
    assert main(["soup", "show", "--top", "1"]) == 0
    assert "seed 2" in capsys.readouterr().out.splitlines()[0]


def test_public_names_are_not_shadowed_by_submodules():
    import importlib
    import pkgutil
    import types

    for m in pkgutil.iter_modules(soup.__path__):
        importlib.import_module(f"selforg.soup.{m.name}")
    for name in soup.__all__:
        assert not isinstance(getattr(soup, name), types.ModuleType), name
    assert callable(soup.run) and callable(soup.show)
