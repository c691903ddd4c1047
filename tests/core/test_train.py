"""The shared training loop: bit-exact resume, NaN guard, Ctrl-C checkpointing."""

import os
import signal
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from selforg.core.errors import Interrupted, TrainingDiverged
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

    def interrupted_at_12(s, step):
        if int(step) == 12:
            os.kill(os.getpid(), signal.SIGINT)
        return step_fn(s, step)

    run = open_run("demo", "fit", cfg, root=tmp_path / "a")
    with pytest.raises(Interrupted):
        train_loop(run, state, interrupted_at_12, _settings(20))
    _, step, _ = run.load_checkpoint(state)
    assert step == 13  # the step that was running when Ctrl-C came was finished and saved
    resumed, _, _ = train_loop(
        open_run("demo", "fit", cfg, resume=run.path), state, step_fn, _settings(20)
    )
    whole, _, _ = train_loop(
        open_run("demo", "fit", cfg, root=tmp_path / "b"), state, step_fn, _settings(20)
    )
    np.testing.assert_array_equal(np.asarray(resumed["w"]), np.asarray(whole["w"]))
