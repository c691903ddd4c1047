"""`nca quantize` → `nca export` round trip, and the float-vs-int8 comparison on a trained
zoo model."""

import json
import subprocess

import pytest

from selforg.cli import main
from selforg.nca import QuantizeConfig, quantize
from selforg.nca.evaluation import evaluate_texture
from selforg.nca.images import load_exemplar
from selforg.nca.store import load_model


def test_quantize_a_zoo_model_then_export_and_run_the_c_program(tmp_path, capsys,
                                                                _in_empty_folder):
    assert main(["nca", "quantize", "zoo:brick", "--steps", "20"]) == 0
    res = json.loads(capsys.readouterr().out)
    # zoo:brick ships int8 weights only: no float number, and the output says why
    assert res["float_distance"] is None and "int8 weights only" in res["note"]
    assert res["run_dir"] and res["bytes_file"].startswith(res["run_dir"])
    assert not list(_in_empty_folder.glob("*.bin"))  # nothing in the current folder
    c = tmp_path / "brick.c"
    assert main(["nca", "export", res["bytes_file"], "--c", str(c)]) == 0
    prog = tmp_path / "brick"
    subprocess.run(["cc", "-O2", "-std=c99", "-ffp-contract=off", "-o", str(prog), str(c)],
                   check=True, capture_output=True)
    ppm = tmp_path / "o.ppm"
    subprocess.run([str(prog), "16", "12", "5", "0", str(ppm)], check=True)
    assert ppm.read_bytes().startswith(b"P6\n16 12\n255\n")
    # the byte file carries its config: run and eval need no run folder
    assert main(["nca", "eval", res["bytes_file"]]) == 0


def test_float_and_int8_are_different_models_and_close(tmp_path):
    # zoo:brick-float ships float32 weights (measured: float 0.00076, int8 0.00124 after
    # 1000 steps; floor 0.00073, ceiling 0.42)
    res = quantize(QuantizeConfig(model="zoo:brick-float", out=str(tmp_path / "b.bin")))
    assert res.bytes == 264 and res.bytes_file.stat().st_size == 264 and res.run_dir is None
    assert res.float_distance is not None and res.float_distance != res.int8_distance
    # tolerance: within 0.002 of the float model, 0.5 % of the noise-to-floor gap
    assert abs(res.int8_distance - res.float_distance) < 0.002
    # the float number is the float model's own, as `nca eval` measures it
    loaded = load_model("zoo:brick-float")
    cfg = loaded.config
    ev = evaluate_texture(loaded.model, load_exemplar(cfg.exemplar, cfg.exemplar_size), cfg.size)
    assert res.float_distance == pytest.approx(ev["distance_1000"], rel=1e-6)
    # and the int8 number is that of the byte file written
    again = load_model(res.bytes_file)
    ev8 = evaluate_texture(again.model, load_exemplar(cfg.exemplar, cfg.exemplar_size), cfg.size)
    assert res.int8_distance == pytest.approx(ev8["distance_1000"], rel=1e-6)
