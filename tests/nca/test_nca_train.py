"""Training: a few steps lower the loss; resuming is bit-exact."""

from dataclasses import replace

import jax
import numpy as np

from selforg.core.runs import open_run
from selforg.core.train import LoopSettings, train_loop
from selforg.nca.config import GrowConfig
from selforg.nca.grow import init_grow_state, make_grow_step
from selforg.nca.images import load_target

# one tiny configuration for every test here, so the step compiles once
CFG = GrowConfig(target="lizard", mode="persistent", target_size=8, pad=2, pool_size=8,
                 batch=2, min_steps=6, max_steps=9, lr=1e-2, iterations=30, damage_count=1)


def _train(run, steps):
    target = load_target(CFG.target, CFG.target_size, CFG.pad)
    settings = LoopSettings(steps=steps, log_every=1, checkpoint_every=1000, quiet=True)
    return train_loop(run, init_grow_state(CFG), make_grow_step(CFG, target), settings)


def test_a_few_steps_lower_the_loss(tmp_path):
    run = open_run("nca", "grow", CFG, out=tmp_path / "a")
    _, done, records = _train(run, 30)
    losses = [r["loss"] for r in records]
    assert done == 30 and len(losses) == 30
    assert np.mean(losses[-5:]) < 0.7 * np.mean(losses[:5])


def test_resume_is_bit_exact(tmp_path):
    whole, _, rec_whole = _train(open_run("nca", "grow", CFG, out=tmp_path / "whole"), 8)
    part_run = open_run("nca", "grow", CFG, out=tmp_path / "part")
    _train(part_run, 5)  # the loop checkpoints at its last step
    resumed_run = open_run("nca", "grow", CFG, resume=tmp_path / "part")
    resumed, done, _ = _train(resumed_run, 8)
    assert done == 8
    for a, b in zip(jax.tree_util.tree_leaves(whole), jax.tree_util.tree_leaves(resumed),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    logged = [r["loss"] for r in resumed_run.read_metrics()]
    assert logged == [r["loss"] for r in rec_whole]


def _seeded_count(i):
    """How many pool samples are the seed after step `i`, starting from a pool of all-ones
    states (alive everywhere) and the untrained rule (zero last layer: the state stays put)."""
    cfg = replace(CFG, target_size=4, pad=0, pool_size=4, min_steps=1, max_steps=2,
                  reseed_every=2)
    target = load_target(cfg.target, cfg.target_size, cfg.pad)
    state = init_grow_state(cfg)
    seed = np.asarray(state["pool"][0])
    state["pool"] = jax.numpy.ones_like(state["pool"])
    state, _ = make_grow_step(cfg, target)(state, i)
    return sum(np.array_equal(np.asarray(p), seed) for p in state["pool"])


def test_reseed_every():
    # reseed_every=2: the batch's worst sample becomes the seed at iterations 0, 2, ... only
    assert [_seeded_count(i) for i in (0, 1, 2, 3)] == [1, 0, 1, 0]
