"""Training: gradient of the fixed-wiring gather, a tiny run end to end, resume, CLI errors."""

import dataclasses
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.cli import main
from selforg.core.errors import BadInput
from selforg.core.media import emoji_font_path
from selforg.logic import gates, model
from selforg.logic.circuit import load
from selforg.logic.config import LogicConfig, preset
from selforg.logic.learn import circuit_from_run
from selforg.logic.model import (
    build_wiring,
    cell_update,
    coefficients,
    init_params,
    inverse_index,
    take_pair,
)
from selforg.logic.tasks import checkerboard, colour_g, life_boards, lizard_target, make_task
from selforg.logic.train import train

TINY = LogicConfig(
    experiment="checkerboard", height=4, width=4, channels=2, steps=2, batch=2, iters=6,
    kernels=2, perception_widths=(9, 4, 2), update_widths=(8, 4, 2), boundary="zero",
    stop_at_zero=False, log_every=2, checkpoint_every=3, seed=1,
)


def test_take_pair_gradient_equals_autodiff():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 7, 11).astype(np.int32)
    b = rng.integers(0, 7, 11).astype(np.int32)
    x = jnp.asarray(rng.normal(size=(7, 3)).astype(np.float32))
    w = jnp.asarray(rng.normal(size=(2, 11, 3)).astype(np.float32))
    inv = jnp.asarray(inverse_index(a, b, 7))

    def ours(x):
        xa, xb = take_pair(x, jnp.asarray(a), jnp.asarray(b), inv)
        return jnp.sum(w[0] * xa * xb + w[1] * xb)

    def plain(x):
        xa, xb = x[a], x[b]
        return jnp.sum(w[0] * xa * xb + w[1] * xb)

    np.testing.assert_allclose(jax.grad(ours)(x), jax.grad(plain)(x), rtol=1e-6, atol=1e-6)


def test_kernel_by_kernel_perception_equals_the_broadcast_one(monkeypatch):
    """Both layouts of `cell_update` (chosen by grid size, for speed) compute the same thing."""
    cfg = dataclasses.replace(TINY, kernels=3, perception_widths=(9, 8, 4, 2))
    wiring = build_wiring(cfg)
    rng = np.random.default_rng(2)
    params = jax.tree.map(
        lambda p: p + jnp.asarray(rng.normal(size=p.shape).astype(np.float32)),
        init_params(wiring),
    )
    patch = jnp.asarray(rng.uniform(size=(9, 2, 5)).astype(np.float32))  # 5 cells, 2 channels

    def loss(params, patch):
        out = cell_update(wiring, coefficients(params, gates.soft_coeffs), patch)
        return jnp.sum(out**2), out

    results = []
    for threshold in (1 << 40, 0):  # broadcast over kernels, then one kernel at a time
        monkeypatch.setattr(model, "LOOP_KERNELS_MIN_SIZE", threshold)
        results.append(jax.jit(jax.grad(loss, (0, 1), has_aux=True))(params, patch))
    (g0, out0), (g1, out1) = results
    np.testing.assert_array_equal(np.asarray(out0), np.asarray(out1))
    for a, b in zip(jax.tree.leaves(g0), jax.tree.leaves(g1), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_targets():
    boards, nxt = life_boards()
    assert boards.shape == (512, 3, 3, 1)
    # a 3×3 periodic board: every cell sees all others; a row of three live cells -> all live
    row = (1 << 3) | (1 << 4) | (1 << 5)
    assert nxt[row, ..., 0].tolist() == [[1.0] * 3] * 3
    assert nxt[0].sum() == 0 and nxt[511].sum() == 0
    assert checkerboard(4, 4).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0]]
    g = colour_g()
    assert g.shape == (16, 16, 3) and 20 < (g.sum(-1) > 0).sum() < 200


def test_lizard_target_is_framed_like_the_papers():
    """The notebook's target keeps the emoji's margins: a free border on the 20×20 torus, so the
    lizard never wraps around (a target cropped tight to the glyph put its head on row 0)."""
    if emoji_font_path() is None:
        pytest.skip("needs the emoji font (make installs fonts-noto-color-emoji)")
    t = lizard_target(20, 20)
    assert t.shape == (20, 20) and set(np.unique(t)) == {0.0, 1.0}
    assert t[0].sum() == t[-1].sum() == t[:, 0].sum() == t[:, -1].sum() == 0
    assert 100 <= t.sum() <= 125  # the notebook's own picture gives 120


def test_tiny_training_run_and_resume(tmp_path):
    res = train(TINY, out=tmp_path / "a", quiet=True)
    assert res.steps == 6
    lines = (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    assert [r["step"] for r in recs] == [2, 4, 6]
    assert all(np.isfinite(r["loss"]) and r["hard_loss"] >= 0 for r in recs)
    circuit = load(tmp_path / "a" / "circuit.json")
    assert circuit.channels == 2 and [l.width for l in circuit.update] == [8, 4, 2]
    assert circuit_from_run(tmp_path / "a").to_dict() == circuit.to_dict()
    results = json.loads((tmp_path / "a" / "results.json").read_text())
    check = results["final_check"]
    assert check["rollouts"] == 32 * TINY.batch
    assert results["converged"] == (check["exact"] == check["rollouts"])
    assert (tmp_path / "a" / "final.png").stat().st_size > 0
    assert (tmp_path / "a" / "plots" / "loss.png").stat().st_size > 0
    # resuming a finished run continues from its checkpoint and changes nothing
    again = train(TINY, resume=tmp_path / "a")
    assert again.steps == 6 and again.circuit.to_dict() == circuit.to_dict()
    # a longer total continues it: the same run as one started with 10 iterations
    longer = train(dataclasses.replace(TINY, iters=10), resume=tmp_path / "a", quiet=True)
    direct = train(dataclasses.replace(TINY, iters=10), out=tmp_path / "b", quiet=True)
    assert longer.steps == direct.steps == 10
    assert longer.circuit.to_dict() == direct.circuit.to_dict()
    logged = [[(r["step"], r["loss"]) for r in map(json.loads, (tmp_path / d / "metrics.jsonl")
                                                      .read_text().splitlines())] for d in "ab"]
    assert logged[0] == logged[1] and len(logged[0]) == 5
    assert json.loads((tmp_path / "a" / "config.json").read_text())["config"]["iters"] == 10
    with pytest.raises(BadInput, match="below the 10 steps"):
        train(dataclasses.replace(TINY, iters=8), resume=tmp_path / "a", quiet=True)


def test_train_cli_rejects_bad_values(capsys):
    assert main(["logic", "train", "life", "--iters", "0"]) == 2
    assert main(["logic", "train", "mandelbrot"]) == 2
    assert main(["logic", "train", "life", "--async"]) == 2
    assert "no preset" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "asynchronous", "inputs", "wired", "target"), [
    ("life", False, 17, 17, (512, 3, 3, 1)),
    ("checkerboard", False, 8 + 8 * 2 * 16, 264, (1, 16, 16, 1)),
    ("checkerboard", True, 8 + 8 * 2 * 16, 264, (1, 14, 14, 1)),
    ("lizard", False, 128 + 128 * 1 * 4, 640, (1, 20, 20, 1)),
    # colors: the first update layer reads only the first 1 + K·C inputs
    ("colors", False, 64 + 64 * 2 * 4, 257, (1, 16, 16, 3)),
])
def test_presets_build(name, asynchronous, inputs, wired, target):
    cfg = preset(name, asynchronous=asynchronous)
    wiring = build_wiring(cfg)
    assert wiring.update_inputs == inputs and wiring.update[-1].width == cfg.channels
    first = wiring.update[0]
    read = np.union1d(first.a, first.b)
    assert np.array_equal(read, np.arange(wired))  # unique wiring: every wired input, no other
    task = make_task(cfg)
    assert task.target.shape == target and 0 < task.target.sum() < task.target.size
    assert cfg.asynchronous == asynchronous and cfg.fire_rate == 0.6


def test_update_inputs_checked(capsys):
    with pytest.raises(BadInput, match="update inputs"):
        preset("colors", channels=8, update_widths=(32, 16, 8))  # 257 > the 72 inputs there are
    with pytest.raises(BadInput, match="update inputs"):
        preset("checkerboard", update_inputs=1)
    first = build_wiring(preset("lizard", channels=8, update_widths=(32, 16, 8),
                                update_inputs=0)).update[0]
    assert np.union1d(first.a, first.b).size == 40
    assert main(["logic", "train", "colors", "--update-inputs", "9999"]) == 2
    assert "update inputs 9999" in capsys.readouterr().err


def test_zoo_colour_circuit_grows_the_g_exactly():
    from selforg.logic.learn import final_check
    from selforg.logic.model import circuit_params
    from selforg.logic.zoo import zoo_circuit

    circuit, cfg = zoo_circuit("colors"), preset("colors")
    params = circuit_params(circuit)
    check = final_check(cfg, circuit, params, make_task(cfg))
    assert check["exact"] == check["rollouts"] == 1
    short = dataclasses.replace(cfg, steps=cfg.steps - 3)
    assert final_check(short, circuit, params, make_task(short))["exact"] == 0


def test_zoo_lizard_circuit_grows_the_lizard_exactly_also_on_40x40():
    from selforg.logic.learn import final_check, larger_grid_check
    from selforg.logic.model import circuit_params
    from selforg.logic.zoo import zoo_circuit

    circuit, cfg = zoo_circuit("lizard"), preset("lizard")
    params, task = circuit_params(circuit), make_task(cfg)
    check = final_check(cfg, circuit, params, task)
    assert check["exact"] == check["rollouts"] == 1
    assert larger_grid_check(cfg, circuit, params, task) == {"size": 40, "wrong_cells": 0,
                                                             "exact": True}
    short = dataclasses.replace(cfg, steps=cfg.steps - 2)
    assert final_check(short, circuit, params, make_task(short))["wrong_bits_max"] > 0


def test_tour_grows_the_zoo_lizard_in_the_packed_engine(tmp_path):
    from selforg.logic.tour import _lizard_growth

    video, wrong, command = _lizard_growth(tmp_path)
    assert wrong == 0 and video.stat().st_size > 0
    assert command.startswith("selforg logic run zoo:lizard ")


def test_tour_videos_are_what_their_commands_make(tmp_path, monkeypatch):
    """Each tour item names the command that reproduces it; run as written (with --gif for
    the comparison), it writes the very same animation."""
    import shlex

    from selforg.logic.tour import tour_part

    section = tour_part(tmp_path / "tour")
    assert section.title.startswith("logic: ") and section.command
    assert all(m.path.endswith(".mp4") and m.command.startswith("selforg logic")
               for m in section.media)
    monkeypatch.chdir(tmp_path)
    for m in section.media[1:]:
        argv = shlex.split(m.command)[1:]
        argv[argv.index("--mp4"):] = ["--gif", "again.gif", "--quiet"]
        assert main(argv) == 0
        made = (tmp_path / "tour" / m.path).with_suffix(".gif").read_bytes()
        assert (tmp_path / "again.gif").read_bytes() == made


def test_larger_grid_check_counts_cells():
    from selforg.logic.learn import larger_grid_check
    from selforg.logic.model import init_params

    cfg = preset("lizard", channels=8, update_widths=(32, 16, 8), update_inputs=0, steps=2)
    wiring, task = build_wiring(cfg), make_task(cfg)
    on = int(task.target.sum())
    for op, wrong in ((0, on), (15, 40 * 40 - on)):  # constant FALSE / TRUE rules
        params = jax.tree.map(lambda p, op=op: jnp.zeros_like(p).at[..., op].set(10.0),
                              init_params(wiring))
        assert larger_grid_check(cfg, wiring, params, task) == {
            "size": 40, "wrong_cells": wrong, "exact": False}
    with pytest.raises(BadInput, match="larger grid"):
        larger_grid_check(cfg, wiring, params, task, size=10)


def test_final_check_counts_exact_rollouts():
    from selforg.logic.learn import final_check
    from selforg.logic.model import circuit_params
    from selforg.logic.zoo import zoo_circuit

    circuit = zoo_circuit("checkerboard")
    cfg = preset("checkerboard")
    params = circuit_params(circuit)
    good = final_check(cfg, circuit, params, make_task(cfg), rollouts=8)
    assert good["rollouts"] == 8 * cfg.batch and good["exact"] == good["rollouts"]
    assert good["wrong_bits_max"] == 0
    assert good["example"].shape == (16, 16, 1)
    # one step from random bits is no checkerboard
    short = dataclasses.replace(cfg, steps=1)
    bad = final_check(short, circuit, params, make_task(short), rollouts=8)
    assert bad["exact"] == 0 and bad["wrong_bits_mean"] > 10


def test_gate_noise_and_straight_through_change_only_the_training_rollout(capsys):
    from selforg.logic.learn import initial_state, make_step

    wiring = build_wiring(TINY)
    task = make_task(TINY)
    state = initial_state(TINY, wiring)
    clean, noisy, straight = (
        make_step(dataclasses.replace(TINY, **change), wiring, task)(state, 0)[1]
        for change in ({}, {"gate_noise": 0.5}, {"straight_through": True})
    )
    # the same batch and the same clean argmax circuit, a different soft rollout
    assert float(noisy["hard_loss"]) == float(clean["hard_loss"])
    assert np.isfinite(float(noisy["loss"])) and float(noisy["loss"]) != float(clean["loss"])
    # straight through without noise trains on the discrete circuit itself
    assert float(straight["loss"]) == float(straight["hard_loss"]) == float(clean["hard_loss"])
    assert float(clean["loss"]) != float(clean["hard_loss"])
    with pytest.raises(BadInput, match="gate noise"):
        preset("lizard", gate_noise=-1.0)
    with pytest.raises(BadInput, match="gate noise"):
        preset("lizard", gate_noise=float("nan"))
    assert main(["logic", "train", "lizard", "--gate-noise", "-0.5"]) == 2
    assert "gate noise" in capsys.readouterr().err


def test_fixed_batch_keeps_exact_parameters():
    """Lizard and colour runs see one fixed rollout: once it is exact, the step keeps it."""
    from selforg.logic import gates
    from selforg.logic.learn import initial_state, make_step
    from selforg.logic.model import coefficients, init_params, rollout
    from selforg.logic.tasks import Task

    cfg = dataclasses.replace(TINY, experiment="lizard", boundary="periodic", batch=1)
    wiring = build_wiring(cfg)
    init = np.zeros((1, 4, 4, 2), np.float32)
    init[0, 2, 2] = 1.0
    # the target is what the initial (pass-through) rule grows: hard loss 0 at once, soft not
    grown = rollout(wiring, coefficients(init_params(wiring), gates.hard_coeffs), init, cfg.steps)
    exact = Task(cfg, init, np.asarray(grown[..., :1]))
    assert exact.fixed_batch
    state = initial_state(cfg, wiring)
    step = make_step(cfg, wiring, exact)
    for i in range(3):
        state, metrics = step(state, i)
        assert float(metrics["hard_loss"]) == 0 and float(metrics["loss"]) > 0
    same = jax.tree.map(np.array_equal, state[0], init_params(wiring))
    assert all(jax.tree.leaves(same))
    # a wrong target: the same step moves the parameters
    wrong = Task(cfg, init, 1.0 - exact.target)
    state, metrics = make_step(cfg, wiring, wrong)(initial_state(cfg, wiring), 0)
    assert float(metrics["hard_loss"]) > 0
    same = jax.tree.map(np.array_equal, state[0], init_params(wiring))
    assert not all(jax.tree.leaves(same))
    assert not make_task(TINY).fixed_batch and not make_task(preset("life")).fixed_batch


def test_cli_resume_extends_with_iterations_and_refuses_a_conflicting_setting(tmp_path, capsys):
    train(TINY, out=tmp_path / "a")
    run = str(tmp_path / "a")
    assert main(["logic", "train", "checkerboard", "--resume", run, "--lr", "0.1",
                 "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "lr (saved 0.05, given 0.1)" in err[0]
    assert main(["logic", "train", "checkerboard", "--resume", run, "--out",
                 str(tmp_path / "b"), "--quiet"]) == 2
    capsys.readouterr()
    # the old name --iters and the one name --iterations both set the new total
    assert main(["logic", "train", "checkerboard", "--resume", run, "--iters", "8",
                 "--quiet"]) == 0
    assert main(["logic", "train", "checkerboard", "--resume", run, "--iterations", "10",
                 "--quiet"]) == 0
    direct = train(dataclasses.replace(TINY, iters=10), out=tmp_path / "c")
    assert load(tmp_path / "a" / "circuit.json").to_dict() == direct.circuit.to_dict()
    saved = json.loads((tmp_path / "a" / "config.json").read_text())["config"]
    assert saved == json.loads((tmp_path / "c" / "config.json").read_text())["config"]


def test_async_rollout_draws_its_fire_masks_as_the_trained_zoo_circuits_did():
    """Asynchronous rollouts draw one Bernoulli(0.6) per cell from ``fold_in(key, step)``
    (`selforg.core.grid.update_mask`); the async checkerboard was trained on these masks.
    Golden digest made by this test's rollout before the mask moved to core."""
    import hashlib

    from selforg.logic.model import hard_rollout
    from selforg.logic.zoo import zoo_circuit

    x0 = (np.random.default_rng(0).random((1, 14, 14, 8)) < 0.5).astype(np.float32)
    out = np.asarray(hard_rollout(zoo_circuit("checkerboard-async"), x0, 7,
                                  key=jax.random.PRNGKey(3), fire_rate=0.6))
    assert hashlib.sha256(out.astype(np.uint8).tobytes()).hexdigest()[:16] == "5552f443fc9ce18f"
    assert int(out.sum()) == 704


def test_the_automaton_is_a_core_rule_and_a_rollout_cut_in_two_is_the_same():
    from selforg.core.rollout import Rule
    from selforg.core.rollout import rollout as core_rollout
    from selforg.logic.model import LogicRule, circuit_params, rollout, wiring_arrays
    from selforg.logic.zoo import zoo_circuit

    circuit = zoo_circuit("checkerboard-async")
    rule = LogicRule(circuit, wiring_arrays(circuit), 0.6)
    assert isinstance(rule, Rule)
    coeffs = coefficients(circuit_params(circuit), gates.hard_coeffs)
    x0 = (np.random.default_rng(1).random((1, 14, 14, 8)) < 0.5).astype(np.float32)
    key = jax.random.PRNGKey(5)
    whole = rollout(circuit, coeffs, jnp.asarray(x0), 6, key=key, fire_rate=0.6)
    cm = jnp.transpose(jnp.asarray(x0), (3, 0, 1, 2))
    half, _ = core_rollout(rule, coeffs, cm, 4, key=key)
    rest, _ = core_rollout(rule, coeffs, half, 2, key=key, start=4)
    np.testing.assert_array_equal(np.transpose(np.asarray(rest), (1, 2, 3, 0)), whole)
    with pytest.raises(BadInput, match="needs a key"):
        rollout(circuit, coeffs, jnp.asarray(x0), 2, fire_rate=0.6)


def test_a_run_stops_exactly_at_its_first_exact_step_and_best_holds_the_logits(tmp_path,
                                                                              monkeypatch):
    """The stop is checked on the device every step, not on the logging cadence: here the
    initial rule is already exact, so the run ends after step 1 though it logs every 10."""
    from selforg.core.runs import read_checkpoint
    from selforg.logic import gates, tasks
    from selforg.logic.model import coefficients, init_params, rollout
    from selforg.logic.tasks import Task

    cfg = dataclasses.replace(TINY, experiment="lizard", boundary="periodic", batch=1,
                              stop_at_zero=True, iters=30, log_every=10, checkpoint_every=10)
    wiring = build_wiring(cfg)
    init = np.zeros((1, 4, 4, 2), np.float32)
    init[0, 2, 2] = 1.0
    grown = rollout(wiring, coefficients(init_params(wiring), gates.hard_coeffs), init, cfg.steps)
    monkeypatch.setattr(tasks, "make_task", lambda c: Task(c, init, np.asarray(grown[..., :1])))
    res = train(cfg, out=tmp_path / "run")
    assert res.steps == 1 and res.converged
    recs = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text()
            .splitlines()]
    assert [r["step"] for r in recs] == [1] and recs[0]["hard_loss"] == 0
    _, best = read_checkpoint(tmp_path / "run" / "checkpoints" / "best.npz")
    _, latest = read_checkpoint(tmp_path / "run" / "checkpoints" / "latest.npz")
    n_logits = len(jax.tree.leaves(init_params(wiring)))
    assert len(best) == n_logits < len(latest)
    assert circuit_from_run(tmp_path / "run", "best").to_dict() == res.circuit.to_dict()
