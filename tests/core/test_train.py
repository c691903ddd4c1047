"""The shared training loop: bit-exact resume, NaN guard, Ctrl-C checkpointing."""

import os
import signal
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from selforg.core.errors import BadInput, Interrupted, TrainingDiverged
from selforg.core.runs import open_run
from selforg.core.train import LoopSettings, train_loop


@dataclass(frozen=True)
class RegressionConfig:
    steps: int = 20
    lr: float = 0.05


def _problem(cfg: RegressionConfig):
    """A tiny real objective: noisy linear regression with a fresh batch every step."""
    opt = optax.adam(cfg.lr)
    true_w = jnp.array([1.5, -2.0, 0.5], jnp.float32)

    def loss_fn(w, key):
        x = jax.random.normal(key, (32, 3))
        y = x @ true_w + 0.1 * jax.random.normal(jax.random.fold_in(key, 1), (32,))
        return jnp.mean((x @ w - y) ** 2)

    @jax.jit
    def step_fn(state, step):
        key = jax.random.fold_in(state["key"], step)
        loss, g = jax.value_and_grad(loss_fn)(state["w"], key)
        upd, opt_state = opt.update(g, state["opt"], state["w"])
        return {"w": optax.apply_updates(state["w"], upd), "opt": opt_state, "key": state["key"]}, {
            "loss": loss
        }

    w0 = jnp.zeros(3, jnp.float32)
    state = {"w": w0, "opt": opt.init(w0), "key": jax.random.PRNGKey(0)}
    return state, step_fn


def _settings(steps, **kw):
    return LoopSettings(steps=steps, log_every=5, checkpoint_every=5, quiet=True, **kw)


def test_loss_goes_down(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    run = open_run("demo", "fit", cfg, root=tmp_path)
    _, done, records = train_loop(run, state, step_fn, _settings(cfg.steps))
    assert done == 20
    assert records[-1]["loss"] < 0.5 * records[0]["loss"]
    assert [r["step"] for r in run.read_metrics()] == [5, 10, 15, 20]


def test_resume_is_bit_exact(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    whole = open_run("demo", "fit", cfg, root=tmp_path / "a")
    full, _, _ = train_loop(whole, state, step_fn, _settings(20))

    part = open_run("demo", "fit", cfg, root=tmp_path / "b")
    train_loop(part, state, step_fn, _settings(10))
    part.log({"step": 11, "loss": 123.0})  # written after the checkpoint, then lost in a crash
    with open(part.metrics_path, "a", encoding="utf-8") as f:
        f.write('{"step": 12, "lo')  # and the kill came while a line was half-written
    resumed_run = open_run("demo", "fit", cfg, resume=part.path)
    resumed, done, _ = train_loop(resumed_run, state, step_fn, _settings(20))
    assert done == 20
    np.testing.assert_array_equal(np.asarray(resumed["w"]), np.asarray(full["w"]))
    losses = lambda r: [(m["step"], m["loss"]) for m in r.read_metrics()]  # noqa: E731
    assert losses(resumed_run) == losses(whole)


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)

    def exploding(s, step):
        new, m = step_fn(s, step)
        return new, {"loss": jnp.where(step >= 7, jnp.nan, m["loss"])}

    run = open_run("demo", "fit", cfg, root=tmp_path)
    with pytest.raises(TrainingDiverged, match="step 8"):
        train_loop(run, state, exploding, _settings(20))
    _, step, _ = run.load_checkpoint(state)
    assert step == 5


def test_ctrl_c_finishes_step_checkpoints_and_resumes(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)

    def ctrl_c_at_10(step, state, record):
        if step == 10:
            os.kill(os.getpid(), signal.SIGINT)

    run = open_run("demo", "fit", cfg, root=tmp_path / "a")
    with pytest.raises(Interrupted):
        train_loop(run, state, step_fn, _settings(20), on_log=ctrl_c_at_10)
    _, step, _ = run.load_checkpoint(state)
    assert step == 10  # the step that was running when Ctrl-C came was finished and saved
    resumed, _, _ = train_loop(
        open_run("demo", "fit", cfg, resume=run.path), state, step_fn, _settings(20)
    )
    whole, _, _ = train_loop(
        open_run("demo", "fit", cfg, root=tmp_path / "b"), state, step_fn, _settings(20)
    )
    np.testing.assert_array_equal(np.asarray(resumed["w"]), np.asarray(whole["w"]))


def test_the_guard_changes_no_bit(tmp_path):
    """The loop's jitted guard around the step computes what the step alone computes."""
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    looped, _, records = train_loop(open_run("demo", "fit", cfg, root=tmp_path), state, step_fn,
                                    _settings(20))
    by_hand, losses = state, {}
    for step in range(20):
        by_hand, m = step_fn(by_hand, np.int32(step))
        losses[step + 1] = float(m["loss"])
    np.testing.assert_array_equal(np.asarray(looped["w"]), np.asarray(by_hand["w"]))
    assert [(r["step"], r["loss"]) for r in records] == [(s, losses[s]) for s in (5, 10, 15, 20)]


def _blow_up_at(step_index: int):
    """Linear regression by SGD whose learning rate turns huge at `step_index` (0-based): that
    step's loss is still finite (computed before the update) but its new weights are inf."""
    true_w = jnp.array([1.5, -2.0, 0.5], jnp.float32)
    lr = lambda count: jnp.where(count >= step_index, 1e38, 0.05)  # noqa: E731
    opt = optax.sgd(lr)

    def loss_fn(w, key):
        x = 10.0 * jax.random.normal(key, (16, 3))
        return jnp.mean((x @ w - x @ true_w) ** 2)

    @jax.jit
    def step_fn(state, step):
        loss, g = jax.value_and_grad(loss_fn)(state["w"], jax.random.fold_in(state["key"], step))
        upd, opt_state = opt.update(g, state["opt"], state["w"])
        return {**state, "w": optax.apply_updates(state["w"], upd), "opt": opt_state}, {
            "loss": loss}

    w0 = jnp.zeros(3, jnp.float32)
    return {"w": w0, "opt": opt.init(w0), "key": jax.random.PRNGKey(0)}, step_fn


def test_real_divergence_never_reaches_a_checkpoint(tmp_path):
    # the weights become inf at step 10, a checkpoint step, while its loss is finite
    state, step_fn = _blow_up_at(9)
    _, m = step_fn(step_fn(state, np.int32(8))[0], np.int32(9))
    assert np.isfinite(float(m["loss"]))
    run = open_run("demo", "fit", RegressionConfig(), root=tmp_path)
    with pytest.raises(TrainingDiverged, match="new state .* at step 10;") as e:
        train_loop(run, state, step_fn, _settings(20))
    assert "last good checkpoint (step 5)" in str(e.value)
    for which in ("latest", "best"):
        saved, step, _ = run.load_checkpoint(state, which)
        assert step == 5
        assert all(np.all(np.isfinite(np.asarray(x))) for x in jax.tree_util.tree_leaves(saved)
                   if jnp.issubdtype(x.dtype, jnp.floating))
    assert [r["step"] for r in run.read_metrics()] == [5]


def test_divergence_before_any_checkpoint_says_so(tmp_path):
    state, step_fn = _blow_up_at(1)
    run = open_run("demo", "fit", RegressionConfig(), root=tmp_path)
    with pytest.raises(TrainingDiverged, match="at step 2; no checkpoint"):
        train_loop(run, state, step_fn, _settings(20))
    assert not run.has_checkpoint()


def _counter(zero_at: int):
    """State: a float counter; metric ``errors`` = max(0, zero_at - steps done)."""

    @jax.jit
    def step_fn(state, step):
        done = state["n"] + 1.0
        return {"n": done}, {"errors": jnp.maximum(0.0, zero_at - done), "loss": 1.0 / done}

    return {"n": jnp.float32(0.0)}, step_fn


def test_stop_at_zero_ends_at_that_exact_step(tmp_path):
    state, step_fn = _counter(13)
    run = open_run("demo", "fit", RegressionConfig(), root=tmp_path)
    settings = LoopSettings(steps=50, log_every=5, checkpoint_every=100, quiet=True)
    final, done, records = train_loop(run, state, step_fn, settings, stop_at_zero="errors")
    assert done == 13 and float(final["n"]) == 13.0
    assert [(r["step"], r["errors"]) for r in records] == [(5, 8.0), (10, 3.0), (13, 0.0)]
    saved, step, _ = run.load_checkpoint(state)
    assert step == 13 and float(saved["n"]) == 13.0


def test_stop_when_sees_logged_records_only(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    seen = []
    run = open_run("demo", "fit", cfg, root=tmp_path)
    _, done, _ = train_loop(run, state, step_fn, _settings(20),
                            stop_when=lambda r: seen.append(r["step"]) or r["step"] == 10)
    assert seen == [5, 10] and done == 10
    assert run.load_checkpoint(state)[1] == 10


def test_metrics_reach_the_host_on_the_logging_cadence_only(tmp_path, monkeypatch):
    import selforg.core.train as train_mod

    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    pulls = []
    real = jax.device_get
    monkeypatch.setattr(train_mod.jax, "device_get", lambda x: pulls.append(1) or real(x))
    settings = LoopSettings(steps=20, log_every=5, checkpoint_every=10, quiet=True)
    train_loop(open_run("demo", "fit", cfg, root=tmp_path), state, step_fn, settings)
    assert len(pulls) == 4  # steps 5, 10, 15, 20


def test_best_holds_what_best_of_gives(tmp_path):
    cfg = RegressionConfig()
    state, step_fn = _problem(cfg)
    run = open_run("demo", "fit", cfg, root=tmp_path)
    final, _, _ = train_loop(run, state, step_fn, _settings(20), best_of=lambda s: s["w"])
    w, step, _ = run.load_checkpoint(state["w"], "best")
    assert step == 20
    np.testing.assert_array_equal(np.asarray(w), np.asarray(final["w"]))
    assert run.load_checkpoint(state)[1] == 20  # latest keeps the whole state


def test_an_extended_run_equals_a_longer_one(tmp_path):
    state, step_fn = _problem(RegressionConfig())
    short = open_run("demo", "fit", RegressionConfig(steps=10), root=tmp_path / "a")
    train_loop(short, state, step_fn, _settings(10))
    longer = open_run("demo", "fit", RegressionConfig(steps=20), resume=short.path,
                      extendable=("steps",))
    extended, done, _ = train_loop(longer, state, step_fn, _settings(20))
    whole, _, _ = train_loop(open_run("demo", "fit", RegressionConfig(), root=tmp_path / "b"),
                             state, step_fn, _settings(20))
    assert done == 20
    np.testing.assert_array_equal(np.asarray(extended["w"]), np.asarray(whole["w"]))
    shorter = open_run("demo", "fit", RegressionConfig(steps=5), resume=short.path,
                       extendable=("steps",))
    with pytest.raises(BadInput, match="has done 20 steps"):
        train_loop(shorter, state, step_fn, _settings(5))
