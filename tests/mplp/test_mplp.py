"""MPLP: architecture counts, exact-backprop wiring, message shapes, frozen statistics,
resume, and the CLI's refusals."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.mplp.backprop import backprop_protocol
from selforg.mplp.config import preset
from selforg.mplp.meta import fresh_protocol, initial_state, make_pool
from selforg.mplp.model import NetSpec, Protocol, count, identity_stats
from selforg.mplp.network import init_carries, init_weights, loss_value, mp_step

TINY = dict(widths=(1, 3, 1), hidden=2, message_size=2, pool=2, outer_batch=1, inner_steps=2,
            inner_batch=3, log_every=1, checkpoint_every=2)


def test_meta_parameter_counts_equal_the_released_models():
    sin = Protocol.create(jax.random.key(0), NetSpec((1, 20, 20, 1)), message_size=8,
                          hidden=15)
    assert count(sin.learners) + count(identity_stats(3, 2, False)) == 115_081
    net = NetSpec((144, 50, 10), "sigmoid", "ce")
    mnist = Protocol.create(jax.random.key(0), net, message_size=4, hidden=7, shared=True)
    assert count(mnist.learners) + count(identity_stats(2, 1, True)) == 46_829
    # the presets build exactly these
    for task, n in (("sinusoid", 115_081), ("digits", 46_829)):
        p = fresh_protocol(preset(task))
        assert count(p.learners) + count(p.stats) == n


@pytest.mark.parametrize("net", [NetSpec((3, 5, 4, 2), "relu", "l2"),
                                 NetSpec((6, 7, 4), "sigmoid", "ce"),
                                 NetSpec((2, 4, 3), "tanh", "l2")])
def test_exact_backprop_agents_reproduce_sgd(net):
    lr = 0.1
    bp = backprop_protocol(net, lr)
    w = init_weights(jax.random.key(1), net)
    # larger weights than the N(0, 0.05) default, so every message matters
    w = jax.tree_util.tree_map(lambda a: 10 * a + 0.01, w)
    x = jax.random.normal(jax.random.key(2), (5, net.widths[0]))
    if net.loss == "ce":
        y = jax.nn.one_hot(jnp.arange(5) % net.widths[-1], net.widths[-1])
    else:
        y = jax.random.normal(jax.random.key(3), (5, net.widths[-1]))
    state = {"weights": w, "carries": init_carries(bp, net, 5)}
    ref = w
    step = jax.jit(lambda s: mp_step(bp, net, s, x, y)[0])
    for _ in range(4):
        state = step(state)
        g = jax.grad(lambda ww: loss_value(net, ww, x, y))(ref)
        ref = jax.tree_util.tree_map(lambda a, b: a - lr * b, ref, g)
    for a, b in zip(jax.tree_util.tree_leaves(state["weights"]),
                    jax.tree_util.tree_leaves(ref), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    # and the loss went down (a real training signal passed through the wiring)
    assert loss_value(net, state["weights"], x, y) < loss_value(net, w, x, y)


def test_a_wrong_wiring_does_not_reproduce_sgd():
    """The check can fail: weight agents fed the raw incoming message (not the bias agent's
    output) differ once the bias agent changes the message."""
    net = NetSpec((2, 3, 1), "relu", "l2")
    bp = backprop_protocol(net, 0.1)

    class Doubling(type(bp.learners.bias[0])):
        def __call__(self, x, carry):
            return jnp.concatenate([-x[..., :1], 2 * x[..., :1]], -1)

    learners = bp.learners.__class__(**{**{k: getattr(bp.learners, k) for k in
                                           bp.learners.__dataclass_fields__},
                                        "bias": (Doubling(), Doubling())})
    wrong = Protocol(learners, bp.stats, 1, 2, "l2", False, False)
    w = init_weights(jax.random.key(0), net)
    x = jax.random.normal(jax.random.key(1), (4, 2))
    y = jnp.ones((4, 1))
    s0 = {"weights": w, "carries": init_carries(bp, net, 4)}
    good = mp_step(bp, net, s0, x, y)[0]["weights"][0][0]
    bad = mp_step(wrong, net, s0, x, y)[0]["weights"][0][0]
    assert not np.allclose(np.asarray(good), np.asarray(bad))


def test_message_and_carry_shapes():
    net = NetSpec((6, 5, 4), "sigmoid", "ce")
    p = Protocol.create(jax.random.key(0), net, message_size=3, hidden=2)
    p = Protocol(p.learners, identity_stats(2, 1, True), 3, 2, "ce", False, True)
    c = init_carries(p, net, 7)
    assert [a.shape for a in c["w"]] == [(7, 6, 5, 6), (7, 5, 4, 6)]  # 1 + hidden + M
    assert [a.shape for a in c["b"]] == [(7, 5, 6), (7, 4, 6)]
    assert [a.shape for a in c["a"]] == [(7, 5, 5)]  # hidden + M
    assert c["softmax"].shape == (7, 4, 5) and c["loss"].shape == (7, 4, 5)
    s = {"weights": init_weights(jax.random.key(1), net), "carries": c}
    x = jax.random.normal(jax.random.key(2), (7, 6))
    y = jax.nn.one_hot(jnp.arange(7) % 4, 4)
    new, loss, _ = mp_step(p, net, s, x, y)
    assert jax.tree_util.tree_map(jnp.shape, new) == jax.tree_util.tree_map(jnp.shape, s)
    assert loss.shape == ()
    # the messages each op receives, recovered from the carries: [batch, width, M]
    assert new["carries"]["loss"][..., -3:].shape == (7, 4, 3)
    assert jnp.mean(new["carries"]["w"][1][..., -3:], axis=2).shape == (7, 5, 3)


def test_standardisation_is_frozen():
    cfg = preset("sinusoid", **TINY)
    state = initial_state(cfg)
    stats = state["stats"]
    # real statistics from the initial pass, not the identity
    assert float(jnp.abs(stats.std["loss"][0]).sum()) > 0
    assert not np.allclose(np.asarray(stats.std["w0"][1]), 1.0)
    from selforg.mplp.meta import make_step

    step = jax.jit(make_step(cfg, fresh_protocol(cfg)))
    new, metrics = step(state, np.int32(0))
    new, metrics = step(new, np.int32(1))
    for a, b in zip(jax.tree_util.tree_leaves(stats), jax.tree_util.tree_leaves(new["stats"]),
                    strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the learners did change
    assert not np.allclose(np.asarray(state["learners"].w_scale),
                           np.asarray(new["learners"].w_scale))
    # an inner step with frozen statistics does not depend on the batch's own spread
    p = Protocol(new["learners"], stats, cfg.message_size, 2, "l2", False, True)
    net = NetSpec(cfg.widths)
    pool0 = jax.tree_util.tree_map(lambda a: a[0], make_pool(cfg))
    s0 = {"weights": pool0, "carries": init_carries(p, net, 3)}
    x = jnp.array([[0.5], [-1.0], [2.0]])
    a = mp_step(p, net, s0, x, jnp.sin(x))[0]["weights"][0][0]
    b = mp_step(p, net, s0, x, jnp.sin(x), collect=True)[0]["weights"][0][0]
    assert not np.allclose(np.asarray(a), np.asarray(b))  # on-the-fly stats would differ


def test_resume_is_bit_exact(tmp_path):
    from selforg.core.runs import read_checkpoint
    from selforg.mplp.train import train

    cfg = preset("sinusoid", **TINY, iterations=4)
    full = train(cfg, out=tmp_path / "full", check_tasks=2)
    half = train(preset("sinusoid", **TINY, iterations=2), out=tmp_path / "half",
                 check_tasks=2)
    assert half.steps == 2
    resumed = train(cfg, resume=tmp_path / "half", check_tasks=2)
    assert resumed.steps == 4
    a = read_checkpoint(full.run_dir / "checkpoints" / "latest.npz")[1]
    b = read_checkpoint(resumed.run_dir / "checkpoints" / "latest.npz")[1]
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert full.parameters == count(fresh_protocol(cfg).learners) + count(
        fresh_protocol(cfg).stats)
    # the saved model loads back and evaluates
    from selforg.mplp.config import EvalConfig
    from selforg.mplp.evaluate import evaluate

    res = evaluate(EvalConfig(str(full.run_dir), tasks=2, steps=3), out=tmp_path / "ev")
    assert set(res.curves) == {"mplp", "adam", "sgd"}
    assert all(len(v) == 4 for v in res.curves.values())
    # index 0 is before any update: the same network for all three
    assert res.curves["mplp"][0] == res.curves["adam"][0] == res.curves["sgd"][0]
    res = evaluate(EvalConfig(str(full.run_dir), tasks=2, steps=2, widths=(1, 6, 1),
                              activation="step"), out=tmp_path / "ev2")
    assert len(res.curves["mplp"]) == 3


@pytest.mark.parametrize("argv", [
    ["mplp", "train", "cifar"],
    ["mplp", "train", "sinusoid", "--widths", "2,20,1"],
    ["mplp", "train", "digits", "--widths", "64,50,10"],
    ["mplp", "train", "sinusoid", "--widths", "1,x,1"],
    ["mplp", "eval", "/no/such/run"],
    ["mplp", "eval", "zoo:nosuch"],
    ["mplp", "train", "sinusoid", "--iterations", "0"],
])
def test_bad_input_exits_2(argv, capsys):
    from selforg.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_fewshot_learns_its_init_and_trains_maml_beside_it(tmp_path):
    from selforg.mplp.config import EvalConfig
    from selforg.mplp.evaluate import evaluate
    from selforg.mplp.train import train

    cfg = preset("fewshot", **{**TINY, "inner_steps": 2}, iterations=2)
    res = train(cfg, out=tmp_path / "fs", check_tasks=2)
    assert {"loss", "maml_heldout"} <= set(res.metrics)
    ev = evaluate(EvalConfig(str(res.run_dir / "protocol.npz"), tasks=2), out=tmp_path / "e")
    assert set(ev.curves) == {"mplp", "adam", "sgd", "maml"}
    # MPLP and MAML start from their own learned networks, Adam and SGD from a fresh one
    assert ev.curves["adam"][0] == ev.curves["sgd"][0]
    assert ev.curves["mplp"][0] != ev.curves["adam"][0]


def test_digits_reports_accuracy_and_shared_learners_run_a_deeper_network(tmp_path):
    from selforg.mplp.config import EvalConfig
    from selforg.mplp.evaluate import evaluate
    from selforg.mplp.train import train

    cfg = preset("digits", widths=(144, 3, 10), hidden=2, inner_steps=2, inner_batch=2,
                 pool=2, iterations=1, log_every=1, checkpoint_every=1)
    res = train(cfg, out=tmp_path / "d", check_tasks=1)
    ev = evaluate(EvalConfig(str(res.run_dir), tasks=1, widths=(144, 4, 3, 10)),
                  out=tmp_path / "e")
    assert set(ev.accuracy) == {"mplp", "adam", "sgd"}
    assert all(0.0 <= v <= 1.0 for v in ev.accuracy.values())


def test_cli_and_package_start_without_jax():
    import subprocess
    import sys

    code = ("import sys, selforg.mplp, selforg.mplp.cli, selforg.mplp.config;"
            " print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_digits_data_first_loaded_inside_jit():
    """Evaluation first asks for the digits inside a jitted function (a fresh process)."""
    import subprocess
    import sys

    code = ("import jax; from selforg.mplp.tasks import digits;"
            " t = jax.jit(lambda k: digits(k, 2, 3))(jax.random.key(0)); print(t.xs.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "(2, 3, 144)"


def test_init_starts_from_another_protocols_learners(tmp_path):
    from dataclasses import replace

    from selforg.core.errors import BadInput
    from selforg.mplp.meta import save_model

    cfg = preset("sinusoid", **TINY)
    fresh = fresh_protocol(cfg)
    moved = jax.tree_util.tree_map(lambda a: a + 0.5, fresh.learners)
    path = save_model(tmp_path / "p.npz", cfg, Protocol(moved, fresh.stats, cfg.message_size,
                                                        2, "l2", False, True))
    state = initial_state(replace(cfg, activation="step", init=str(path)))
    for a, b in zip(jax.tree_util.tree_leaves(moved),
                    jax.tree_util.tree_leaves(state["learners"]), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # the statistics are this run's own initial pass, not the identity the file holds
    assert not np.allclose(np.asarray(state["stats"].std["w0"][1]), 1.0)
    with pytest.raises(BadInput, match="do not fit"):
        initial_state(replace(cfg, hidden=3, init=str(path)))
