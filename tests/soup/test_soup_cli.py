"""`selforg soup run|show`: bad input exits 2; runs log, checkpoint and resume identically."""

import json

import pytest

from selforg.cli import main
from selforg.core.errors import BadInput
from selforg.soup import SoupConfig, run_soup
from selforg.soup.simulate import TIMING_KEYS


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
    full = run_soup(cfg, out=tmp_path / "a", quiet=True)

    class Killed(Exception):
        pass

    def die(rec):
        if rec["epoch"] == 7:
            raise Killed  # dies after logging epoch 7, before its checkpoint

    with pytest.raises(Killed):
        run_soup(cfg, out=tmp_path / "b", quiet=True, on_log=die)
    part = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    assert json.loads(part[-1])["epoch"] == 7
    resumed = run_soup(cfg, resume=tmp_path / "b", quiet=True)
    assert resumed.epochs_done == 12
    assert _strip(resumed.records) == _strip(full.records)
    assert (resumed.soup == full.soup).all()


def test_stop_at_entropy_and_grid(tmp_path):
    cfg = SoupConfig(programs=256, epochs=200, log_every=5, seed=3, seed_copies=16,
                     seed_program="[[{.>]-]" + "A" * 48 + "]-]>.{[[", stop_at_entropy=3.0,
                     images=False)
    res = run_soup(cfg, out=tmp_path / "s", quiet=True)
    assert res.stopped_at_entropy and res.epochs_done < 200
    assert res.records[-1]["higher_entropy"] >= 3.0
    grid = SoupConfig(programs=64, grid_width=8, grid_height=8, epochs=3, log_every=1)
    res = run_soup(grid, out=tmp_path / "g", quiet=True)
    assert (tmp_path / "g" / "final.png").is_file() and len(res.records) == 3
    with pytest.raises(BadInput):
        run_soup(SoupConfig(programs=10, grid_width=2, grid_height=4), out=tmp_path / "x")
