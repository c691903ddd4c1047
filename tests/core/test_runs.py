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


@pytest.mark.parametrize("damage", ["truncate", "flip", "tamper", "garbage"])
def test_corrupt_checkpoint_is_refused(tmp_path, damage):
    import struct
    import zipfile

    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    path = run.save_checkpoint(_state(), step=1)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        # flip a byte inside the stored (compressed) data of the weights, not the zip directory
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("leaf_00003.npy")
        name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:][:4])
        start = info.header_offset + 30 + name_len + extra_len
        data[start + info.compress_size // 2] ^= 0xFF
    elif damage == "tamper":
        # a well-formed file whose arrays are not the ones its checksum was made from
        meta, arrays = runs_mod.read_checkpoint(path)
        arrays["leaf_00003"] = arrays["leaf_00003"] + 1
        data = bytearray(runs_mod._npz_bytes(arrays, meta))
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
    run = open_run("demo", "fit", Cfg(steps=7), resume=old.path)
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


def test_out_dir_rules(tmp_path):
    out = tmp_path / "mine"
    run = open_run("demo", "fit", Cfg(), out=out)
    assert run.path == out and (out / "config.json").exists()
    with pytest.raises(BadInput, match="--resume"):
        open_run("demo", "fit", Cfg(), out=out)
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(BadInput, match="is a file"):
        open_run("demo", "fit", Cfg(), out=afile)
    # a folder that cannot be made: one line, no traceback
    with pytest.raises(BadInput, match="cannot make the run folder"):
        open_run("demo", "fit", Cfg(), out=afile / "run")


def _finished(tmp_path, cfg=Cfg()):
    run = open_run("demo", "fit", cfg, out=tmp_path / "run")
    run.save_checkpoint(_state(), step=3, best=True)
    return run


def test_resume_keeps_its_config_and_refuses_another(tmp_path, capsys):
    run = _finished(tmp_path)
    resumed = open_run("demo", "fit", Cfg(), resume=run.path)
    assert resumed.resumed and resumed.config == Cfg()
    assert capsys.readouterr().err == ""
    with pytest.raises(BadInput, match=r"name \(saved 'x', given 'y'\)") as e:
        open_run("demo", "fit", Cfg(name="y"), resume=run.path)
    assert len(str(e.value).splitlines()) == 1
    # nothing was changed by the refusal
    assert load_config(run.path, Cfg, system="demo", verb="fit") == Cfg()
    # a nested field is a field too
    with pytest.raises(BadInput, match="inner"):
        open_run("demo", "fit", Cfg(inner=Inner(rate=2.0)), resume=run.path,
                 extendable=("steps",))


def test_resume_extends_an_extendable_field(tmp_path, capsys):
    run = _finished(tmp_path)
    longer = open_run("demo", "fit", Cfg(steps=50), resume=run.path, extendable=("steps",))
    assert longer.config == Cfg(steps=50)
    assert "steps (saved 10, given 50)" in capsys.readouterr().err
    assert load_config(run.path, Cfg, system="demo", verb="fit") == Cfg(steps=50)
    # both checkpoints now belong to the longer run, arrays untouched
    for which in ("latest", "best"):
        state, step, _ = longer.load_checkpoint(_state(), which)
        assert step == 3
        np.testing.assert_array_equal(state["w"], _state()["w"])
    again = open_run("demo", "fit", Cfg(steps=50), resume=run.path)
    assert again.load_checkpoint(_state())[1] == 3
    # an extendable field alone does not let another through
    with pytest.raises(BadInput, match="name"):
        open_run("demo", "fit", Cfg(steps=60, name="z"), resume=run.path, extendable=("steps",))


def test_resume_without_latest_checkpoint_is_refused(tmp_path):
    run = open_run("demo", "fit", Cfg(), out=tmp_path / "run")
    with pytest.raises(BadInput, match="no checkpoints/latest.npz"):
        open_run("demo", "fit", Cfg(), resume=run.path)


def test_out_with_resume_is_refused(tmp_path):
    run = _finished(tmp_path)
    with pytest.raises(BadInput, match="--out and --resume"):
        open_run("demo", "fit", Cfg(), resume=run.path, out=tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_change_config_restamps_without_a_template(tmp_path):
    run = _finished(tmp_path)
    run.change_config(steps=20)
    assert run.load_checkpoint(_state())[1] == 3
    run.change_config(_state(), steps=30)  # the older call, with a template
    assert run.load_checkpoint(_state(), "best")[1] == 3


def test_reopen_run_reads_a_run_without_checkpoints(tmp_path):
    run = open_run("demo", "fit", Cfg(steps=4), out=tmp_path / "run")
    run.log({"step": 1})
    back = runs_mod.reopen_run(run.path, Cfg, system="demo", verb="fit")
    assert back.config == Cfg(steps=4) and back.read_metrics() == [{"step": 1}]


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


def test_half_written_last_metrics_line_is_dropped(tmp_path):
    run = _finished(tmp_path)
    for step in (1, 2):
        run.log({"step": step, "loss": 0.5})
    with open(run.metrics_path, "a", encoding="utf-8") as f:
        f.write('{"step": 3, "lo')  # killed while writing
    assert [r["step"] for r in run.read_metrics()] == [1, 2]
    resumed = open_run("demo", "fit", Cfg(), resume=run.path)
    resumed.log({"step": 3, "loss": 0.25})
    assert [r["step"] for r in resumed.read_metrics()] == [1, 2, 3]
    assert run.metrics_path.read_text().endswith('"loss": 0.25}\n')
    resumed.truncate_metrics("step", 2)
    assert run.metrics_path.read_text().count("\n") == 2


def test_a_damaged_middle_metrics_line_is_an_error(tmp_path):
    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    run.metrics_path.write_text('{"step": 1}\ngarbage\n{"step": 3}\n')
    with pytest.raises(BadInput, match="line 2"):
        run.read_metrics()


def test_checkpoints_are_compressed_and_old_ones_still_load(tmp_path):
    import io
    import json
    import zipfile

    run = open_run("demo", "fit", Cfg(), root=tmp_path)
    state = {**_state(), "pool": np.zeros((256, 256), np.float32)}
    path = run.save_checkpoint(state, step=2)
    assert path.stat().st_size < 256 * 256 * 4 / 20
    with zipfile.ZipFile(path) as zf:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
    # an uncompressed checkpoint as earlier versions wrote it
    meta, arrays = runs_mod.read_checkpoint(path)
    buf = io.BytesIO()
    np.savez(buf, __meta__=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    path.write_bytes(buf.getvalue())
    loaded, step, _ = run.load_checkpoint(state)
    assert step == 2 and loaded["count"] == 7


def test_numpy_checkpoints_need_no_jax(tmp_path):
    """The soup's pytree (dicts of NumPy arrays) saves and loads in a process without JAX."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from dataclasses import dataclass\n"
        "from selforg.core.runs import open_run\n"
        "@dataclass(frozen=True)\n"
        "class C:\n    n: int = 1\n"
        f"run = open_run('demo', 'fit', C(), out={str(tmp_path / 'r')!r})\n"
        "state = {'b': np.arange(3), 'a': [np.ones(2, np.uint8), None, 5]}\n"
        "run.save_checkpoint(state, step=1)\n"
        "back, step, _ = run.load_checkpoint(state)\n"
        "assert step == 1 and back['a'][2] == 5 and back['a'][1] is None\n"
        "np.testing.assert_array_equal(back['b'], np.arange(3))\n"
        "print('jax' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    # and JAX reads the same file into the same leaves
    from selforg.core.runs import load_checkpoint_file

    state = {"b": np.zeros(3, np.int64), "a": [np.zeros(2, np.uint8), None, 0]}
    back, _ = load_checkpoint_file(tmp_path / "r" / "checkpoints" / "latest.npz", state)
    np.testing.assert_array_equal(back["b"], np.arange(3))
    assert back["a"][2] == 5


def test_wall_seconds_sums_the_sessions_of_a_resumed_run():
    from selforg.core.runs import wall_seconds

    # two sessions: the clock restarts at the resume (5.0 → 1.0)
    records = [{"elapsed_s": 2.0}, {"elapsed_s": 5.0}, {"elapsed_s": 1.0}, {"elapsed_s": 3.5}]
    assert wall_seconds(records) == 8.5
    assert wall_seconds([]) == 0.0
    # a record without a clock (a stability score) is not a restart
    assert wall_seconds([{"elapsed_s": 2.0}, {"stability": 0.1}, {"elapsed_s": 3.0}]) == 3.0
