"""Run folders: config round trip, atomic and verified checkpoints, --out and --resume rules."""

import os
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core import runs as runs_mod
from selforg.core.config import from_dict, to_dict
from selforg.core.errors import BadInput
from selforg.core.runs import load_checkpoint_file, load_config, open_run


@dataclass(frozen=True)
class Inner:
    widths: tuple[int, ...] = (8, 4)
    rate: float = 0.5


@dataclass(frozen=True)
class Cfg:
    name: str = "x"
    steps: int = 10
    inner: Inner = Inner()
    target: str | None = None


def test_config_round_trip_through_json(tmp_path):
    cfg = Cfg(name="y", inner=Inner(widths=(3, 2, 1), rate=1.0))
    run = open_run("demo", "fit", cfg, root=tmp_path)
    back = load_config(run.path, Cfg, system="demo", verb="fit")
    assert back == cfg
    assert isinstance(back.inner.widths, tuple)
    assert run.path.parent == tmp_path / "demo-fit"


def test_config_refuses_unknown_keys():
    with pytest.raises(BadInput, match="unknown config keys"):
        from_dict(Cfg, {**to_dict(Cfg()), "bogus": 1})


def test_load_config_refuses_other_system(tmp_path):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    with pytest.raises(BadInput, match="is a 'demo fit' run"):
        load_config(run.path, Cfg, system="other", verb="fit")


def _state():
    return {
        "w": jnp.arange(6, dtype=jnp.float32).reshape(2, 3),
        "key": jax.random.PRNGKey(3),
        "pool": np.ones((4, 2), np.uint8),
        "count": 7,
    }


def test_checkpoint_round_trip_is_exact(tmp_path):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    state = _state()
    run.save_checkpoint(state, step=5, best=True, extra={"best": 0.25})
    template = jax.tree_util.tree_map(lambda x: x * 0 if not isinstance(x, int) else 0, state)
    loaded, step, extra = run.load_checkpoint(template)
    assert step == 5 and extra == {"best": 0.25}
    for a, b in zip(
        jax.tree_util.tree_leaves(loaded), jax.tree_util.tree_leaves(state), strict=True
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert loaded["count"] == 7 and isinstance(loaded["count"], int)
    assert run.has_checkpoint("best")


def test_crash_mid_write_leaves_previous_checkpoint(tmp_path, monkeypatch):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    run.save_checkpoint(_state(), step=1)

    def crash(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(runs_mod.os, "replace", crash)
    newer = {**_state(), "w": jnp.zeros((2, 3), jnp.float32)}
    with pytest.raises(OSError, match="power cut"):
        run.save_checkpoint(newer, step=2)
    monkeypatch.undo()
    loaded, step, _ = run.load_checkpoint(_state())
    assert step == 1
    np.testing.assert_array_equal(loaded["w"], _state()["w"])


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_checkpoint_is_refused(tmp_path, damage):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    path = run.save_checkpoint(_state(), step=1)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        # flip a byte inside the stored array data (not the zip directory)
        i = data.find(np.arange(6, dtype=np.float32).tobytes())
        assert i > 0
        data[i + 5] ^= 0xFF
    else:
        data = bytearray(b"not a checkpoint at all")
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="corrupt"):
        run.load_checkpoint(_state())


def test_checkpoint_of_other_system_or_config_is_refused(tmp_path):
    a = open_run("demo", "fit", Cfg(), root=tmp_path)
    path = a.save_checkpoint(_state(), step=1)
    with pytest.raises(BadInput, match="from system 'demo', not 'other'"):
        load_checkpoint_file(path, _state(), system="other")
    b = open_run("demo", "fit", Cfg(steps=99), root=tmp_path)
    b.checkpoint_dir.mkdir()
    (b.checkpoint_dir / "latest.npz").write_bytes(path.read_bytes())
    with pytest.raises(BadInput, match="another config"):
        b.load_checkpoint(_state())


@dataclass(frozen=True)
class OlderCfg:
    """`Cfg` as an earlier version had it: without the `target` field."""

    name: str = "x"
    steps: int = 10
    inner: Inner = Inner()


def test_run_from_before_a_new_config_field_still_resumes(tmp_path):
    old = open_run("demo", "fit", OlderCfg(steps=7), root=tmp_path)
    old.write_config()
    old.save_checkpoint(_state(), step=3)
    # a newer version, whose Cfg has gained `target` (default None), resumes the folder
    run = open_run("demo", "fit", Cfg(), resume=old.path)
    assert run.config == Cfg(steps=7)
    state, step, _ = run.load_checkpoint(_state())
    assert step == 3
    # still refused once config.json itself says something else than the checkpoint
    run.config = Cfg(steps=8)
    run.write_config()
    with pytest.raises(BadInput, match="another config"):
        run.load_checkpoint(_state())


def test_checkpoint_of_other_shape_is_refused(tmp_path):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    run.save_checkpoint(_state(), step=1)
    wrong = {**_state(), "w": jnp.zeros((3, 3), jnp.float32)}
    with pytest.raises(BadInput, match="does not fit"):
        run.load_checkpoint(wrong)


def test_out_dir_rules(tmp_path, capsys):
    out = tmp_path / "mine"
    run = open_run("demo", "fit", Cfg(), out=out)
    assert run.path == out and (out / "config.json").exists()
    with pytest.raises(BadInput, match="--resume"):
        open_run("demo", "fit", Cfg(), out=out)
    resumed = open_run("demo", "fit", Cfg(steps=1), resume=out)
    assert resumed.resumed and resumed.config == Cfg()  # the folder's config wins
    # ... and the user hears which of their settings that overrides
    assert f"steps (saved {Cfg().steps!r}, given 1)" in capsys.readouterr().err
    open_run("demo", "fit", Cfg(), resume=out)
    assert capsys.readouterr().err == ""


def test_resume_requires_a_run_folder(tmp_path):
    with pytest.raises(BadInput, match="not a run folder"):
        open_run("demo", "fit", Cfg(), resume=tmp_path)


def test_metrics_are_flushed_and_truncated(tmp_path):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    for s in range(1, 6):
        run.log({"step": s, "loss": np.float32(1.0 / s)})
    assert len(run.metrics_path.read_text().splitlines()) == 5
    run.truncate_metrics("step", 3)
    assert [r["step"] for r in run.read_metrics()] == [1, 2, 3]
    assert os.path.getsize(run.metrics_path) > 0
