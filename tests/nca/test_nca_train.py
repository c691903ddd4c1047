"""Training: a few steps lower the loss; resuming is bit-exact; the pool is reseeded on
schedule."""

import json
from dataclasses import replace

import jax
import numpy as np

from selforg.core.runs import Run, load_config, open_run, read_checkpoint
from selforg.core.train import LoopSettings, train_loop
from selforg.nca.config import GrowConfig, TextureConfig
from selforg.nca.grow import init_grow_state, make_grow_step
from selforg.nca.images import load_exemplar, load_target
from selforg.nca.texture import init_texture_state, make_texture_step

# tiny configurations, so the step compiles once per configuration
CFG = GrowConfig(target="lizard", mode="persistent", target_size=8, pad=2, pool_size=8,
                 batch=2, min_steps=6, max_steps=9, lr=1e-2, iterations=30, damage_count=1)
# the same shapes, reseeding every other iteration (resume and reseed tests: one compile)
CFG2 = replace(CFG, reseed_every=2)


def _train(run, steps, cfg=CFG):
    target = load_target(cfg.target, cfg.target_size, cfg.pad)
    settings = LoopSettings(steps=steps, log_every=1, checkpoint_every=1000, quiet=True)
    return train_loop(run, init_grow_state(cfg), make_grow_step(cfg, target), settings)


def test_a_few_steps_lower_the_loss(tmp_path):
    run = open_run("nca", "grow", CFG, out=tmp_path / "a")
    _, done, records = _train(run, 30)
    losses = [r["loss"] for r in records]
    assert done == 30 and len(losses) == 30
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])


def test_resume_is_bit_exact(tmp_path):
    whole, _, rec_whole = _train(open_run("nca", "grow", CFG2, out=tmp_path / "whole"), 8, CFG2)
    part_run = open_run("nca", "grow", CFG2, out=tmp_path / "part")
    _train(part_run, 5, CFG2)  # the loop checkpoints at its last step
    resumed_run = open_run("nca", "grow", CFG2, resume=tmp_path / "part")
    resumed, done, _ = _train(resumed_run, 8, CFG2)
    assert done == 8
    for a, b in zip(jax.tree_util.tree_leaves(whole), jax.tree_util.tree_leaves(resumed),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    logged = [r["loss"] for r in resumed_run.read_metrics()]
    assert logged == [r["loss"] for r in rec_whole]


def _seeded_count(i):
    """How many pool samples are the seed after step `i`, starting from a pool of all-ones
    states (alive everywhere) and the untrained rule (zero last layer: the state stays put)."""
    target = load_target(CFG2.target, CFG2.target_size, CFG2.pad)
    state = init_grow_state(CFG2)
    seed = np.asarray(state["pool"][0])
    state["pool"] = jax.numpy.ones_like(state["pool"])
    state, _ = make_grow_step(CFG2, target)(state, i)
    return sum(np.array_equal(np.asarray(p), seed) for p in state["pool"])


def test_reseed_every():
    # reseed_every=2: the batch's worst sample becomes the seed at iterations 0, 2, ... only
    assert [_seeded_count(i) for i in (0, 1, 2, 3)] == [1, 0, 1, 0]


# texture training: a μNCA-68 on a 32-px grid learns in seconds
TEX = TextureConfig(exemplar="brick", model="micro-68", size=32, exemplar_size=64, pool_size=16,
                    batch=4, min_steps=8, max_steps=16, iterations=40)


def test_texture_loss_goes_down(tmp_path):
    exemplar = load_exemplar(TEX.exemplar, TEX.exemplar_size)
    run = open_run("nca", "texture", TEX, out=tmp_path / "t")
    settings = LoopSettings(steps=TEX.iterations, log_every=1, checkpoint_every=1000, quiet=True)
    _, done, records = train_loop(run, init_texture_state(TEX), make_texture_step(TEX, exemplar),
                                  settings)
    losses = [r["loss"] for r in records]
    assert done == 40 and len(losses) == 40
    # measured: 0.34 → 0.017 (seed 0); the patch loss of noise against brick is the start
    assert np.mean(losses[-5:]) < 0.2 * np.mean(losses[:5])


# the CLI spelling of a tiny texture run (16-px grid, 2 samples of a pool of 4, 4-5 steps)
TINY = ["nca", "texture", "train", "brick", "--model", "micro-68", "--size", "16",
        "--exemplar-size", "32", "--batch", "2", "--pool", "4", "--min-steps", "4",
        "--max-steps", "6", "--quiet"]


def _model_arrays(run_dir):
    _, arrays = read_checkpoint(run_dir / "model.npz")
    return arrays


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_texture_resume_and_extension_are_bit_exact(tmp_path, capsys):
    from selforg.cli import main

    whole, part, short = tmp_path / "whole", tmp_path / "part", tmp_path / "short"
    assert main([*TINY, "--iterations", "8", "--out", str(whole)]) == 0
    # interrupted after 5 of 8 iterations (the loop checkpoints where it stops), then resumed
    cfg = load_config(whole, TextureConfig, system="nca", verb="texture")
    exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
    run = open_run("nca", "texture", cfg, out=part)
    train_loop(run, init_texture_state(cfg), make_texture_step(cfg, exemplar),
               LoopSettings(steps=5, log_every=1, checkpoint_every=1000, quiet=True))
    assert main(["nca", "texture", "train", "--resume", str(part), "--quiet"]) == 0
    _same(_model_arrays(whole), _model_arrays(part))
    # a finished 5-iteration run extended to 8: the lr schedule is by absolute iteration, so
    # it is the same run
    assert main([*TINY, "--iterations", "5", "--out", str(short)]) == 0
    assert main(["nca", "texture", "train", "--resume", str(short), "--iterations", "8",
                 "--quiet"]) == 0
    _same(_model_arrays(whole), _model_arrays(short))
    assert json.loads((short / "config.json").read_text())["config"]["iterations"] == 8
    w = {r["step"]: r["loss"] for r in Run(whole, "nca", "texture", cfg).read_metrics()}
    s = {r["step"]: r["loss"] for r in Run(short, "nca", "texture", cfg).read_metrics()}
    assert s == {5: s[5], **w}  # the short run also logged its last step, 5
    capsys.readouterr()
    # a setting that conflicts with the run's own is refused in one line, nothing retrained
    before = (short / "model.npz").read_bytes()
    assert main(["nca", "texture", "train", "--resume", str(short), "--model", "micro-150",
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "model" in err and "micro-150" in err
    assert main(["nca", "texture", "train", "--resume", str(short), "--out",
                 str(tmp_path / "x"), "--quiet"]) == 2
    assert (short / "model.npz").read_bytes() == before


def test_best_checkpoint_holds_the_rule_alone(tmp_path):
    from selforg.cli import main
    from selforg.nca.store import load_model

    run = tmp_path / "r"
    assert main([*TINY, "--iterations", "3", "--out", str(run)]) == 0
    best_meta, best = read_checkpoint(run / "checkpoints" / "best.npz")
    _, latest = read_checkpoint(run / "checkpoints" / "latest.npz")
    assert len(best) == 2  # W and b of the μNCA: no pool, no optimiser state
    assert len(latest) > 2 and sum(a.nbytes for a in latest.values()) > 4 * 16 * 16 * 4
    loaded = load_model(run / "checkpoints" / "best.npz")
    assert loaded.model.w.shape == (16, 4)


def test_init_fine_tunes_a_trained_rule(tmp_path):
    import pytest

    from selforg.core.errors import BadInput
    from selforg.nca.grow import check_grow_config
    from selforg.nca.store import load_model

    trained, _, _ = _train(open_run("nca", "grow", CFG, out=tmp_path / "a"), 3)
    start = init_grow_state(replace(CFG, init=str(tmp_path / "a"), pad=4))["model"]
    fresh = init_grow_state(CFG)["model"]
    leaves = jax.tree_util.tree_leaves
    for a, b in zip(leaves(trained["model"]), leaves(start), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert any(not np.array_equal(np.asarray(a), np.asarray(b))
               for a, b in zip(leaves(fresh), leaves(start), strict=True))
    # a fine-tuned run loads without its starting model present
    ft = open_run("nca", "grow", replace(CFG, init=str(tmp_path / "gone")), out=tmp_path / "b")
    _train(ft, 1, CFG)
    assert load_model(tmp_path / "b").kind == "grow"
    with pytest.raises(BadInput, match="texture model"):
        check_grow_config(replace(CFG, init="zoo:brick"))
    with pytest.raises(BadInput, match="fire rate"):
        check_grow_config(replace(CFG, init=str(tmp_path / "a"), fire_rate=0.25))
