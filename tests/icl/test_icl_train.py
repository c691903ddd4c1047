"""Seeded training is reproducible, resume is bit-exact, the CLI refuses bad values."""

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
    assert main(["icl", "gdpp", "--lr", "-1"]) == 2


def test_fewshot_refuses_a_run_that_is_not_a_mesa_run(tmp_path, capsys):
    open_run("icl", "gd", TINY, out=tmp_path / "gd")
    assert main(["icl", "fewshot", "--from-run", str(tmp_path / "gd"),
                 "--out", str(tmp_path / "f")]) == 2
    assert "icl gd" in capsys.readouterr().err
    assert main(["icl", "fewshot", "--from-run", str(tmp_path / "missing")]) == 2


def test_every_verb_runs_with_float32_matmuls():
    from selforg.cli import build_parser
    from selforg.icl.cli import full_precision

    seen = full_precision(lambda args: jax.config.jax_default_matmul_precision)(None)
    assert seen == "highest" and jax.config.jax_default_matmul_precision != "highest"
    for verb in ("gd", "gdpp", "mesa", "sine", "softmax", "fewshot"):
        args = build_parser(["icl", verb]).parse_args(["icl", verb])
        assert args.func.__wrapped__.__name__ == f"_{verb}"
