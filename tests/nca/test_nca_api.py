"""The library API: one function per command, each taking its config and returning a frozen
result; `import selforg.nca` and the CLI start without JAX."""

import dataclasses
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import selforg.nca as nca
from selforg.core.errors import BadInput

VERBS = {
    "train_grow": "GrowConfig", "train_texture": "TextureConfig", "run": "RunConfig",
    "quantize": "QuantizeConfig", "export": "ExportConfig", "evaluate": "EvalConfig",
    "zoo": "ZooConfig",
}


def test_every_verb_is_a_function_even_after_every_module_is_imported():
    # a submodule named like a function would replace it on the package once imported
    for mod in pkgutil.iter_modules(nca.__path__):
        importlib.import_module(f"selforg.nca.{mod.name}")
    for verb, config in VERBS.items():
        assert verb in nca.__all__ and config in nca.__all__
        fn = getattr(nca, verb)
        assert callable(fn) and not isinstance(fn, type(nca)), verb
        cfg = getattr(nca, config)
        assert dataclasses.is_dataclass(cfg) and cfg.__dataclass_params__.frozen
    assert callable(nca.simulate) and not isinstance(nca.simulate, type(nca))


def test_import_and_help_start_without_jax():
    code = ("import sys, selforg.nca, selforg.nca.cli, selforg.nca.config;"
            " print('jax' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_run_writes_a_run_folder_and_nothing_else(_in_empty_folder):
    res = nca.run(nca.RunConfig(model="zoo:gravel", steps=6, every=3, size=(12, 10)))
    assert dataclasses.is_dataclass(res) and res.size == (12, 10) and res.frames == 3
    assert res.run_dir.parent == Path("runs/nca-run")
    assert sorted(p.name for p in res.run_dir.iterdir()) == [
        "config.json", "final.png", "rollout.gif"]
    saved = json.loads((res.run_dir / "config.json").read_text())
    assert saved["config"]["model"] == "zoo:gravel" and saved["config"]["steps"] == 6
    assert [p.name for p in _in_empty_folder.iterdir()] == ["runs"]  # no nca-run.png


def test_evaluate_and_zoo_return_frozen_results():
    res = nca.zoo(nca.ZooConfig(kind="grow"))
    assert [e.name for e in res.entries] == ["lizard", "lizard-base"] and res.run_dir is None
    with pytest.raises(BadInput):
        nca.zoo(nca.ZooConfig(kind="sponge"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.entries = ()  # type: ignore[misc]


def test_export_returns_the_files(tmp_path):
    res = nca.export(nca.ExportConfig(model="zoo:gravel", glsl=str(tmp_path / "g.frag")))
    assert res.files == (tmp_path / "g.frag",) and res.bytes == 264
    assert res.variant == "micro-264" and res.run_dir is None
