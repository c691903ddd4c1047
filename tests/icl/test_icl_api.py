"""The public API: one function per verb, config in, frozen result out; resume and extension."""

import dataclasses
import json

import jax
import numpy as np
import pytest

import selforg.icl as icl
from selforg.core.errors import BadInput
from selforg.icl import (
    FewshotConfig,
    GDPPConfig,
    MesaConfig,
    RegressionConfig,
    SineConfig,
    SoftmaxConfig,
)

GD = RegressionConfig(steps=4, batch=32, eval_tasks=64, log_every=1)
MESA = MesaConfig(models=("lsa1",), steps=4, batch=4, eval_seqs=16, log_every=1, warmup=1)


def _params(model):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(model)]


def test_every_verb_has_a_public_function():
    from selforg.cli import build_parser

    parser = build_parser(["icl"])
    sub = next(a for a in parser._actions if a.dest == "command").choices["icl"]
    verbs = next(a for a in sub._actions if a.dest == "verb").choices
    for verb in verbs:
        assert verb in icl.__all__, verb
        assert callable(getattr(icl, verb))
    assert sorted(icl.__all__) == sorted(icl._WHERE)
    for name in icl.__all__:
        getattr(icl, name)


def test_run_gd_returns_its_numbers_and_writes_its_folder(tmp_path):
    res = icl.gd(GD, out=tmp_path / "gd")
    assert res.run_dir == tmp_path / "gd"
    assert dataclasses.is_dataclass(res)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.loss_gd = 0.0
    saved = json.loads((res.run_dir / "results.json").read_text())
    assert saved["loss_trained"] == res.loss_trained and saved["steps_done"] == 4 == res.steps_done
    assert 0 < res.loss_gd < res.loss_zero  # GD-1 beats predicting 0 on the same tasks
    assert {p.name for p in (res.run_dir / "plots").iterdir()} >= {"loss.png", "weights.png"}
    assert "model" not in res.summary() and json.dumps(res.summary())


def test_resume_extends_a_constant_rate_run_to_the_longer_run(tmp_path):
    longer = dataclasses.replace(GD, steps=6)
    straight = icl.gd(longer, out=tmp_path / "straight")
    icl.gd(GD, out=tmp_path / "ext")
    extended = icl.gd(longer, resume=tmp_path / "ext")
    assert extended.steps_done == 6 and extended.run_dir == tmp_path / "ext"
    for a, b in zip(_params(straight.model), _params(extended.model), strict=True):
        np.testing.assert_array_equal(a, b)
    saved = json.loads((tmp_path / "ext" / "config.json").read_text())["config"]
    assert saved["steps"] == 6
    # the saved config is the default when resuming: evaluate again without training
    again = icl.gd(resume=tmp_path / "ext", eval_only=True)
    assert again.loss_trained == extended.loss_trained


def test_resume_refuses_a_conflicting_setting(tmp_path):
    icl.gd(GD, out=tmp_path / "a")
    with pytest.raises(BadInput, match="lr"):
        icl.gd(dataclasses.replace(GD, lr=0.5), resume=tmp_path / "a")
    with pytest.raises(BadInput, match="together"):
        icl.gd(GD, out=tmp_path / "b", resume=tmp_path / "a")


def test_mesa_refuses_to_extend_a_run_under_a_cosine_schedule(tmp_path):
    first = icl.mesa(MESA, out=tmp_path / "m")
    assert set(first.mean_loss) == {"lsa1", "gd1", "lsq"} and first.steps_done == {"lsa1": 4}
    assert (first.run_dir / "lsa1" / "config.json").is_file()
    with pytest.raises(BadInput, match="cosine.*--iterations 8"):
        icl.mesa(dataclasses.replace(MESA, steps=8), resume=tmp_path / "m")
    # resuming the finished run with its own length evaluates the same models
    again = icl.mesa(resume=tmp_path / "m")
    assert again.mean_loss == first.mean_loss


def test_a_part_without_a_checkpoint_starts_again_and_gives_the_same_model(tmp_path):
    cfg = SoftmaxConfig(steps=3, batch=16, eval_tasks=32, log_every=1, head_counts=(1, 2))
    cut = whole = icl.softmax(cfg, out=tmp_path / "cut")
    # as if killed during the second part, before its first checkpoint
    (cut.run_dir / "heads2" / "checkpoints" / "latest.npz").unlink()
    (cut.run_dir / "heads2" / "checkpoints" / "best.npz").unlink()
    again = icl.softmax(resume=cut.run_dir)
    assert again.loss_heads == whole.loss_heads
    longer = icl.softmax(dataclasses.replace(cfg, steps=5), resume=cut.run_dir)
    assert longer.loss_heads != whole.loss_heads
    assert [r["step"] for r in _metrics(cut.run_dir / "heads1")] == [1, 2, 3, 4, 5]


def _metrics(folder):
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


def test_sine_gdpp_and_fewshot_run_tiny(tmp_path):
    sine = icl.sine(SineConfig(embed=8, hidden=16, steps=2, batch=8, eval_tasks=16),
                        out=tmp_path / "sine")
    assert set(sine.models) == {"lsa", "gd_features"} and sine.loss_lsa > 0
    pp = icl.gdpp(GDPPConfig(steps=2, batch=16, eval_tasks=64, gdpp_steps=3),
                      out=tmp_path / "pp")
    assert len(pp.eta_gdpp) == 2 and pp.eta_gdpp[0] == pp.eta_gdpp[1]  # tied: one (eta, gamma)
    mesa = icl.mesa(dataclasses.replace(MESA, models=("mesa1",)), out=tmp_path / "m")
    shot = icl.fewshot(FewshotConfig(source=str(mesa.run_dir), pairs=3, eval_seqs=8),
                           out=tmp_path / "f")
    assert len(shot.label_loss) == 3 and shot.train_seconds == mesa.train_seconds["mesa1"]


def test_loss_plot_takes_labels_and_baselines(tmp_path):
    from selforg.icl.experiment import loss_plot, merge_records

    records = merge_records({"1 head": [{"step": 1, "loss": 0.5}, {"step": 2, "loss": 0.4}],
                             "2 heads": [{"step": 2, "loss": 0.3}]})
    assert records == [{"step": 1, "1 head": 0.5}, {"step": 2, "1 head": 0.4, "2 heads": 0.3}]
    path = loss_plot(tmp_path / "a.png", records, ["1 head", "2 heads"], title="t",
                     hlines={"GD-1": 0.2})
    assert path.stat().st_size > 0
    path = loss_plot(tmp_path / "b.png", [{"step": 1, "loss": 0.5, "gd_loss": 0.2}],
                     {"trained": "loss", "GD-1": "gd_loss"}, title="t")
    assert path.stat().st_size > 0
