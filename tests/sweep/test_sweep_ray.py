"""Sweeps on a local Ray instance: every point is the single run bit for bit, a failing point
is recorded while the others finish, and a sweep whose driver was killed resumes without
losing a finished point."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from selforg.cli import main
from selforg.sweep import SweepConfig, parse_grid, read_results, sweep

SOUP = ("soup", "run", "--programs", "256", "--epochs", "40", "--log-every", "8",
        "--no-images")


def _shas(run_dir: Path) -> list[tuple[int, str]]:
    recs = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [(r["epoch"], r["soup_sha256"]) for r in recs]


def test_soup_sweep_equals_single_runs(ray_local, tmp_path):
    out = tmp_path / "sw"
    res = sweep(SweepConfig(SOUP, (parse_grid("seed=0:4"),), out, workers=2))
    assert res.counts == {"done": 4}
    rows = read_results(out)
    assert [r["seed"] for r in rows] == ["0", "1", "2", "3"]
    assert {"point", "seed", "status", "wall_s", "error", "higher_entropy", "soup_sha256",
            "transition_epoch"} <= set(rows[0])
    for seed in range(4):
        single = tmp_path / f"single{seed}"
        assert main([*SOUP, "--seed", str(seed), "--out", str(single), "--quiet"]) == 0
        point = out / f"seed={seed}"
        assert _shas(point) == _shas(single) and len(_shas(point)) == 6
        assert json.loads((point / "config.json").read_text()) == json.loads(
            (single / "config.json").read_text())
        assert rows[seed]["soup_sha256"] == _shas(single)[-1][1]
    assert main(["sweep", "plot", str(out)]) == 0
    assert (out / "plots" / "transitions.png").is_file()


def test_failing_point_is_recorded_and_others_finish(ray_local, tmp_path, capsys):
    out = tmp_path / "sw"
    code = main(["sweep", *SOUP, "--seed-program", "[[{.>]-]", "--grid",
                 "seed-copies=1,9999,2", "--out", str(out), "--quiet"])
    assert code == 1  # a point failed
    rows = {r["seed-copies"]: r for r in read_results(out)}
    assert rows["9999"]["status"] == "failed"
    assert "do not fit" in rows["9999"]["error"]
    assert rows["1"]["status"] == rows["2"]["status"] == "done"
    assert "1 failed" in capsys.readouterr().out


def test_resume_after_killing_the_driver(ray_local, tmp_path):
    """The driver joins the test's Ray instance (--address), is killed once a point has
    finished, and `--resume` completes the sweep: finished points are not run again."""
    out = tmp_path / "sw"
    slow = ("soup", "run", "--programs", "2048", "--epochs", "200", "--log-every", "50",
            "--no-images", "--checkpoint-minutes", "0.002")
    address = ray_local.get_runtime_context().gcs_address
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"))
    err = tmp_path / "driver.err"
    with err.open("w") as f:
        driver = subprocess.Popen(
            [sys.executable, "-m", "selforg.cli", "sweep", *slow, "--grid", "seed=0:4",
             "--workers", "1", "--address", address, "--out", str(out), "--quiet"],
            env=env, stdout=subprocess.DEVNULL, stderr=f)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and driver.poll() is None:
        rows = read_results(out)
        started = [r["point"] for r in rows if r["status"] == "running"
                   and (out / r["point"] / "checkpoints" / "latest.npz").is_file()]
        if any(r["status"] == "done" for r in rows) and started:
            break
        time.sleep(0.1)
    assert driver.poll() is None, err.read_text()
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    before = {r["point"]: r for r in read_results(out) if r["status"] == "done"}
    assert 1 <= len(before) < 4
    stamps = {p: (out / p / "metrics.jsonl").stat().st_mtime_ns for p in before}
    time.sleep(1.0)  # the killed job's workers go away
    res = sweep(SweepConfig((), (), out, resume=True, workers=2))
    assert res.counts == {"done": 4}
    after = {r["point"]: r for r in read_results(out)}
    for p, row in before.items():
        assert (out / p / "metrics.jsonl").stat().st_mtime_ns == stamps[p]
        assert after[p]["soup_sha256"] == row["soup_sha256"]
        assert (out / "logs" / f"{p}.log").read_text().count("$ selforg") == 1
    assert "--resume" in (out / "logs" / f"{started[0]}.log").read_text()
    for p in after:
        assert [e for e, _ in _shas(out / p)] == [1, 51, 101, 151, 200]


def test_ctrl_c_cancels_and_keeps_finished_points(ray_local, tmp_path):
    """SIGINT to the driver: the running point is cancelled (after its checkpoint), finished
    points stay done, the driver exits 130 naming --resume."""
    out = tmp_path / "sw"
    slow = ("soup", "run", "--programs", "2048", "--epochs", "100000", "--log-every", "50",
            "--no-images", "--checkpoint-minutes", "0.002")
    address = ray_local.get_runtime_context().gcs_address
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"))
    err = tmp_path / "driver.err"
    with err.open("w") as f:
        driver = subprocess.Popen(
            [sys.executable, "-m", "selforg.cli", "sweep", *slow, "--grid", "seed=0:2",
             "--workers", "1", "--address", address, "--out", str(out), "--quiet"],
            env=env, stdout=subprocess.DEVNULL, stderr=f)
    deadline = time.monotonic() + 60
    ckpt = out / "seed=0" / "checkpoints" / "latest.npz"
    while time.monotonic() < deadline and not ckpt.is_file():
        time.sleep(0.1)
    assert ckpt.is_file(), err.read_text()
    driver.send_signal(signal.SIGINT)
    assert driver.wait(timeout=60) == 130
    assert "--resume" in err.read_text()
    rows = {r["point"]: r["status"] for r in read_results(out)}
    assert rows == {"seed=0": "interrupted", "seed=1": "pending"}


def test_resume_with_more_seeds_runs_only_the_new_points(ray_local, tmp_path, capsys):
    out = tmp_path / "sw"
    tiny = ("soup", "run", "--programs", "64", "--epochs", "8", "--no-images")
    assert sweep(SweepConfig(tiny, (parse_grid("seed=0:2"),), out)).counts == {"done": 2}
    assert main(["sweep", "--resume", str(out), "--grid", "lr=1,2"]) == 2
    assert "not which options" in capsys.readouterr().err
    res = sweep(SweepConfig((), (parse_grid("seed=0:3"),), out, resume=True))
    assert res.counts == {"done": 3}
    assert [r["seed"] for r in read_results(out)] == ["0", "1", "2"]
    for s in range(3):
        assert (out / "logs" / f"seed={s}.log").read_text().count("$ selforg") == 1
