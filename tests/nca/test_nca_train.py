"""Training: a few steps lower the loss; resuming is bit-exact; the pool is reseeded on
schedule."""

from dataclasses import replace

import jax
import numpy as np

from selforg.core.runs import open_run
from selforg.core.train import LoopSettings, train_loop
from selforg.nca.config import GrowConfig
from selforg.nca.grow import init_grow_state, make_grow_step
from selforg.nca.images import load_target

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
