"""Seeded training is reproducible, resume is bit-exact, the CLI refuses bad values."""

import dataclasses
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from selforg.cli import main
from selforg.core.runs import open_run
from selforg.icl.config import RegressionConfig
from selforg.icl.metrics import training_seconds
from selforg.icl.regression import train_regression
from selforg.icl.tasks import dynamics_data, regression_data

TINY = RegressionConfig(steps=4, batch=32, eval_tasks=64, log_every=1)


def _params(model):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_array))]


def test_tasks_are_pure_functions_of_the_key():
    a = regression_data(jax.random.PRNGKey(7), 5)
    b = regression_data(jax.random.PRNGKey(7), 5)
    c = regression_data(jax.random.PRNGKey(8), 5)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    x, y = a
    assert x.shape == (5, 11, 10) and y.shape == (5, 11)
    assert float(np.abs(x).max()) <= 0.5
    s = dynamics_data(jax.random.PRNGKey(0), 3, length=20)
    np.testing.assert_array_equal(s, dynamics_data(jax.random.PRNGKey(0), 3, length=20))
    # orthogonal dynamics with small noise keep the norm of the state
    n = np.linalg.norm(np.asarray(s), axis=-1)
    assert np.allclose(n[:, 1:], n[:, :-1], atol=0.05)


def test_training_is_reproducible_and_resume_is_exact(tmp_path):
    m1, rec1, _ = train_regression(open_run("icl", "gd", TINY, out=tmp_path / "a"), TINY)
    m2, rec2, _ = train_regression(open_run("icl", "gd", TINY, out=tmp_path / "b"), TINY)
    for a, b in zip(_params(m1), _params(m2), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [r["loss"] for r in rec1] == [r["loss"] for r in rec2]
    # stop after 2 steps (checkpointed), then resume to 4: same weights as 4 straight steps
    seen = []
    train_regression(open_run("icl", "gd", TINY, out=tmp_path / "c"), TINY,
                     stop_when=lambda m: seen.append(m) or len(seen) == 2)
    resumed = open_run("icl", "gd", TINY, resume=tmp_path / "c")
    m3, rec3, secs = train_regression(resumed, TINY)
    for a, b in zip(_params(m1), _params(m3), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [r["loss"] for r in rec3] == [r["loss"] for r in rec1]
    # evaluating the checkpoint later reports the time spent training, not the load time
    again = open_run("icl", "gd", TINY, resume=tmp_path / "c")
    m4, _, secs4 = train_regression(again, TINY, train=False)
    assert secs4 == secs == training_seconds(rec3) > 0
    for a, b in zip(_params(m3), _params(m4), strict=True):
        np.testing.assert_array_equal(a, b)


def test_training_seconds_sums_resumed_segments():
    recs = [{"elapsed_s": e} for e in (1.0, 2.5, 0.5, 4.0, 1.0)]
    assert training_seconds(recs) == 2.5 + 4.0 + 1.0
    assert training_seconds([]) == 0.0


def test_cli_refuses_bad_values(capsys):
    assert main(["icl", "mesa", "--models", "lsa3"]) == 2
    assert "lsa3" in capsys.readouterr().err
    assert main(["icl", "gd", "--steps", "0"]) == 2
    assert main(["icl", "fewshot", "--model", "lsa9"]) == 2
    assert main(["icl", "mesa", "--kind", "half"]) == 2
    assert main(["icl", "gdpp", "--lr", "-1"]) == 2


def test_fewshot_refuses_a_run_that_is_not_a_mesa_run(tmp_path, capsys):
    open_run("icl", "gd", TINY, out=tmp_path / "gd")
    assert main(["icl", "fewshot", "--from-run", str(tmp_path / "gd"),
                 "--out", str(tmp_path / "f")]) == 2
    assert "icl gd" in capsys.readouterr().err
    assert main(["icl", "fewshot", "--from-run", str(tmp_path / "missing")]) == 2


def test_partially_observed_dynamics_are_5_states_of_a_15_dimensional_system():
    from selforg.icl.config import MesaConfig
    from selforg.icl.sequence import eval_sequences, make_model

    cfg = MesaConfig(kind="partial", noise=0.0)
    s = np.asarray(eval_sequences(cfg, 2), np.float64)
    assert s.shape == (2, 51, 5)  # n_s = 5 observed
    # noise-free, windows of 5 observations span exactly the n_h = 15 hidden dimensions
    hankel = np.stack([s[0, i : i + 5].reshape(-1) for i in range(40)], axis=1)
    sv = np.linalg.svd(hankel, compute_uv=False)
    assert sv[14] > 1e-3 * sv[0] and sv[15] < 1e-5 * sv[0]
    model = make_model("lsa1", cfg, jax.random.PRNGKey(0))
    assert model.layers[0].w_q.shape[-1] == 15  # tokens [0, s_t, s_{t-1}] of 3 x 5


def _cli_config(monkeypatch, verb, argv):
    """The config and keywords the CLI hands to the verb's function (which is not run)."""
    import selforg.icl as icl
    from selforg.icl.results import GDResult

    seen = {}

    def fake(cfg, **kw):
        seen.update(cfg=cfg, **kw)
        return GDResult(run_dir=Path("x"), loss_trained=0.0, loss_gd=0.0, loss_zero=0.0,
                        eta_gd=0.0, model_cos=0.0, preds_diff=0.0, model_diff=0.0,
                        steps_done=0, steps_to_match_gd_1pct=None, train_seconds=0.0,
                        model=None)

    monkeypatch.setattr(icl, verb, fake)
    assert main(["icl", verb, *argv]) == 0
    return seen


def test_cli_options_map_to_the_config_and_unset_ones_keep_its_defaults(monkeypatch, tmp_path):
    seen = _cli_config(monkeypatch, "gd", ["--steps", "7", "--quiet"])
    assert seen["cfg"] == RegressionConfig(steps=7) and seen["quiet"] is True
    assert _cli_config(monkeypatch, "gd", ["--iterations", "9"])["cfg"].steps == 9
    assert _cli_config(monkeypatch, "gd", ["--stop-tolerance", "0"])["cfg"].stop_tolerance == 0
    # with --resume the base is the run's saved config: its own batch, not the default
    open_run("icl", "gd", TINY, out=tmp_path / "r")
    seen = _cli_config(monkeypatch, "gd", ["--resume", str(tmp_path / "r"), "--iterations", "8"])
    assert seen["cfg"] == dataclasses.replace(TINY, steps=8) and seen["resume"] == tmp_path / "r"
    mesa = _cli_config(monkeypatch, "mesa", ["--kind", "partial"])["cfg"]
    assert (mesa.kind, mesa.hidden, mesa.observed) == ("partial", 15, 5)
    pp = _cli_config(monkeypatch, "gdpp", ["--layers", "4"])["cfg"]
    assert (pp.layers, pp.tied, pp.lr) == (4, False, 5e-4)


def test_cli_help_states_every_default(capsys):
    for verb in ("gd", "gdpp", "mesa", "sine", "softmax", "fewshot"):
        assert main(["icl", verb, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        for option in ("--iterations N, --steps N", "--batch", "--lr", "--seed", "--quiet"):
            assert option in text, (verb, option)
        assert text.count("(default") >= 4, verb


def test_cli_refuses_to_extend_a_cosine_schedule_run(tmp_path, capsys):
    from selforg.icl.config import MesaConfig

    run = open_run("icl", "mesa", MesaConfig(), out=tmp_path / "m")
    run.save_checkpoint({}, step=0)
    assert main(["icl", "mesa", "--resume", str(tmp_path / "m"), "--iterations", "9000"]) == 2
    err = capsys.readouterr().err
    assert "cosine" in err and "--iterations 9000" in err and len(err.strip().splitlines()) == 1
    assert main(["icl", "mesa", "--resume", str(tmp_path / "m"), "--lr", "0.5"]) == 2
    assert "lr (saved 0.002, given 0.5)" in capsys.readouterr().err


def test_the_tour_stop_test_uses_logged_records_only():
    from selforg.icl.tour import LOG_EVERY, MIN_RECORDS, matched_gd

    stop = matched_gd(0.01)
    at = [stop({"loss": 1.0, "gd_loss": 1.0}) for _ in range(MIN_RECORDS)]
    assert at == [False] * (MIN_RECORDS - 1) + [True]
    stop = matched_gd(0.01)
    assert not any(stop({"loss": 1.05, "gd_loss": 1.0}) for _ in range(100))
    # a noisy ratio around 1.0 is smoothed: one lucky batch early on does not stop it
    stop = matched_gd(0.01)
    assert not stop({"loss": 0.5, "gd_loss": 1.0})
    assert LOG_EVERY * MIN_RECORDS <= 40  # the tour can stop within its first 40 steps


def test_gd_stops_once_its_window_of_logged_losses_matches_gd():
    from selforg.icl.regression import matched_gd

    def rec(step, loss):
        return {"step": step, "loss": loss, "gd_loss": 1.0}

    stop = matched_gd(0.01, 3)
    assert [stop(rec(s, 1.0)) for s in (1, 2, 3)] == [False, False, True]
    stop = matched_gd(0.01, 3)
    assert not any(stop(rec(s, 1.05)) for s in range(1, 50))
    assert not matched_gd(0.01, 3)(rec(1, 0.5))  # one lucky batch is not a window
    # a resumed run continues its window; a step logged again replaces it and later ones
    stop = matched_gd(0.01, 3, history=[rec(1, 1.0), rec(2, 1.0), rec(3, 2.0)])
    assert stop(rec(3, 1.0))
