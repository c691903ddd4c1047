"""Data-parallel training: with two (forced CPU) devices the sharded step gives the
single-device step's losses and parameters to 1e-6, and a run resumes across device counts.

XLA_FLAGS must be set before JAX starts, so the runs happen in a child process
(`parallel_run.py`)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("parallel")
    src = str(HERE.parents[1] / "src")
    proc = subprocess.run([sys.executable, str(HERE / "parallel_run.py"), str(out)],
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": src})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_batch_is_split_over_the_devices(report):
    assert report["devices"] == 2
    assert report["sharded_spec"] in ("P('data',)", "PartitionSpec('data',)")
    assert "SingleDevice" in report["unsharded_spec"]  # no mesh: shard_batch does nothing


@pytest.mark.parametrize("base, name, steps", [("one", "two", 6),
                                              ("toy_one", "toy_two_then_one", 8),
                                              ("toy_one", "toy_one_then_two", 8)])
def test_sharded_equals_single_device(report, base, name, steps):
    """A logic CA trained on 2 devices; a run resumed on another number of devices."""
    one, other = report[base], report[name]
    assert len(one["metrics"]) == len(other["metrics"]) == steps
    np.testing.assert_allclose(other["metrics"], one["metrics"], rtol=1e-6, atol=1e-6)
    assert one["params"].keys() == other["params"].keys()
    for k in one["params"]:
        np.testing.assert_allclose(other["params"][k], one["params"][k], rtol=1e-6, atol=1e-6)


def test_bad_device_counts_are_one_line(report):
    assert "does not split over 2 devices" in report["odd_batch"]
    assert "--devices 3" in report["too_many"] and "1..2" in report["too_many"]
