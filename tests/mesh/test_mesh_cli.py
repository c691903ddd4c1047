"""Training, resume, run with PLY/GLB out, eval, graft and the refusals, end to end on a tiny
configuration."""

import subprocess
import sys
import time

import numpy as np
import pytest

from selforg.cli import main
from selforg.core.runs import read_checkpoint
from selforg.mesh.config import EvalConfig, GraftConfig, RunConfig, TrainConfig
from selforg.nca.config import PatchLossConfig

TINY = TrainConfig(mesh="icosphere-2", size=32, exemplar_size=32, pool_size=4, view_bank=4,
                   views=2, min_steps=2, max_steps=3, iterations=4,
                   loss=PatchLossConfig(levels=2, n_patches=64, projections=8))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from selforg.mesh.training import train

    out = tmp_path_factory.mktemp("mesh") / "run"
    res = train(TINY, out=out)
    return res


def _params(path):
    _, arrays = read_checkpoint(path)
    return arrays


def test_train_writes_the_run_folder(trained):
    assert trained.steps == 4 and trained.parameters == 12_432 and trained.vertices == 162
    for name in ("config.json", "metrics.jsonl", "model.npz", "turntable.gif",
                 "turntable.mp4", "views.png", "plots/loss.png", "checkpoints/latest.npz"):
        assert (trained.run_dir / name).is_file(), name
    assert np.isfinite(trained.final_loss)


def test_resume_is_bit_exact(trained, tmp_path):
    from dataclasses import replace

    from selforg.mesh.training import train

    half = train(replace(TINY, iterations=2), out=tmp_path / "half")
    done = train(TINY, resume=half.run_dir)
    assert done.steps == 4
    a, b = _params(trained.run_dir / "model.npz"), _params(done.run_dir / "model.npz")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    latest_a = _params(trained.run_dir / "checkpoints/latest.npz")
    latest_b = _params(done.run_dir / "checkpoints/latest.npz")
    for k in latest_a:  # the pool and the optimiser too
        np.testing.assert_array_equal(latest_a[k], latest_b[k])


def test_resume_refuses_another_exemplar(trained, capsys):
    assert main(["mesh", "train", "grass", "--resume", str(trained.run_dir)]) == 2
    assert "exemplar" in capsys.readouterr().err


def test_run_writes_meshes_that_read_back(trained, tmp_path, capsys):
    import trimesh

    ply, glb = tmp_path / "t.ply", tmp_path / "t.glb"
    assert main(["mesh", "run", str(trained.run_dir), "--mesh", "torus", "--steps", "5",
                 "--size", "32", "--frames", "4", "--ply", str(ply), "--glb", str(glb),
                 "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out
    from selforg.mesh.store import load_model
    from selforg.mesh.verbs import mesh_for, run

    res = run(RunConfig(model=str(trained.run_dir), mesh="torus", steps=5, size=32,
                        frames=4), out=tmp_path / "again")
    torus = mesh_for(load_model(str(trained.run_dir)), "torus")
    want = np.round(np.clip(res.state[:, :3] + 0.5, 0, 1) * 255).astype(np.uint8)
    for path in (ply, glb, res.run_dir / "mesh.ply", res.run_dir / "mesh.glb"):
        m = trimesh.load(path, force="mesh", process=False)
        np.testing.assert_allclose(m.vertices, torus.vertices, atol=1e-6)
        np.testing.assert_array_equal(m.faces, torus.faces)
        np.testing.assert_array_equal(m.visual.vertex_colors[:, :3], want)


def test_bad_mesh_file_is_exit_2(trained, tmp_path, capsys):
    bad = tmp_path / "broken.ply"
    bad.write_text("ply\nformat ascii 1.0\nelement vertex 3\nend_header\n1 2\n")
    assert main(["mesh", "run", str(trained.run_dir), "--mesh", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "broken.ply" in err
    assert main(["mesh", "run", str(trained.run_dir), "--mesh", str(tmp_path / "no.obj")]) == 2
    assert main(["mesh", "run", str(trained.run_dir), "--ply", str(tmp_path)]) == 2
    assert main(["mesh", "train", "--mesh", "teapot", "--out", str(tmp_path / "x")]) == 2


def test_eval_and_graft(trained, tmp_path):
    from selforg.mesh.verbs import evaluate, graft

    ev = evaluate(EvalConfig(model=str(trained.run_dir), meshes=("torus", "peanut"), steps=4,
                             long_steps=8, views=2))
    assert set(ev.distance) == {"icosphere", "torus", "peanut"}
    assert ev.ratio["icosphere"] == 1.0
    assert 0 <= ev.floor < ev.ceiling
    g = graft(GraftConfig(str(trained.run_dir), str(trained.run_dir), mesh="icosphere-2",
                          steps=3, size=32, frames=2), out=tmp_path / "g")
    assert 0.3 < g.share_b < 0.7 and (g.run_dir / "mesh.ply").is_file()
    # the same rule on both sides of the mask is that rule
    from selforg.mesh.verbs import run

    same = run(RunConfig(model=str(trained.run_dir), mesh="icosphere-2", steps=3, size=32,
                         frames=2), out=tmp_path / "r")
    np.testing.assert_allclose(g.state, same.state, atol=1e-5)


def test_help_starts_without_jax():
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", "import sys; from selforg.cli import main;"
                          " main(['mesh', 'run', '--help']);"
                          " print('jax' in sys.modules, 'trimesh' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False False")
    assert time.monotonic() - t0 < 5
