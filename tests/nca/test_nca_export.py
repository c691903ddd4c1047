"""μNCA export: the C program reproduces the quantised model bit for bit; the GLSL shader holds
the int8 weights in the layout its mat4 products need; the CLI writes both."""

import re
import shutil
import subprocess

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.cli import main
from selforg.nca import codegen as ex
from selforg.nca.int8 import dequantize
from selforg.nca.model import MICRO_FILTERS
from selforg.nca.store import load_model


@pytest.fixture(scope="module")
def brick():
    return load_model("zoo:brick").quantized


def test_noise_is_exact_and_seeded():
    a, b = ex.noise(5, 7, 4, 0), ex.noise(5, 7, 4, 1)
    assert a.shape == (5, 7, 4) and a.dtype == np.float32
    assert a.min() >= -0.5 and a.max() < 0.5 and not np.array_equal(a, b)
    np.testing.assert_array_equal(a, ex.noise(5, 7, 4, 0))
    # every value is a multiple of 2^-24 shifted by 0.5: exactly what the C program computes
    k = (a.astype(np.float64) + 0.5) * 2**24
    np.testing.assert_array_equal(k, np.round(k))


def test_numpy_reference_follows_the_jax_model(brick):
    # XLA sums the 4C products of the update in another order (and may fuse them), so the
    # float32 results differ in the last bits: ~1e-7 per step here, hence 1e-5 after 10 steps.
    x = ex.noise(12, 9, 8, 3)
    model = dequantize(brick)
    y = jax.jit(lambda s: jax.lax.fori_loop(0, 10, lambda _, v: model.step(v), s))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(y), ex.numpy_run(brick, x, 10), atol=1e-5, rtol=0)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH")
def test_c_program_equals_the_quantised_reference(brick, tmp_path):
    src = tmp_path / "nca.c"
    src.write_text(ex.c_program(brick))
    prog = tmp_path / "nca"
    subprocess.run(["cc", "-O2", "-std=c99", "-ffp-contract=off", "-Wall", "-Werror", "-o",
                    str(prog), str(src)], check=True, capture_output=True)
    w, h, steps, seed = 13, 9, 40, 5  # not square: catches swapped axes
    out = subprocess.run([str(prog), str(w), str(h), str(steps), str(seed),
                          str(tmp_path / "o.ppm"), str(tmp_path / "o.f32")], capture_output=True)
    assert out.returncode == 0, out.stderr
    ref = ex.numpy_run(brick, ex.noise(h, w, 8, seed), steps)
    state = np.fromfile(tmp_path / "o.f32", np.float32).reshape(h, w, 8)
    # the same float32 operations in the same order: bit-identical, no tolerance
    np.testing.assert_array_equal(state, ref)
    assert (tmp_path / "o.ppm").read_bytes() == ex.to_ppm(ref)
    assert not np.array_equal(ref, ex.noise(h, w, 8, seed))  # it did run
    bad = subprocess.run([str(prog), "0", "4", "1", "0", str(tmp_path / "x.ppm")],
                         capture_output=True)
    assert bad.returncode == 2


def _glsl_mat4(m):
    """Emulate GLSL's column-major mat4 constructor: returns M with M[col][row]."""
    return np.array(m, np.float64).reshape(4, 4)


def test_glsl_holds_the_weights_in_mat4_order(brick):
    text = ex.glsl_shader(brick)
    c = len(MICRO_FILTERS[brick.variant])
    g = c // 4
    mats = re.findall(r"mat4\(([^)]*)\) \* (\w+\(?\w+\)?)", text)
    assert len(mats) == 4 * g * g
    # out_o = ... + Σ_k mat4_k · v_k reproduces z · W for the block of output group o
    w = brick.w_q.astype(np.float64)
    for o in range(g):
        block = mats[o * 4 * g : (o + 1) * 4 * g]
        for k, (nums, _) in enumerate(block):
            m = _glsl_mat4([float(v) for v in nums.split(",")])
            v = np.arange(1.0, 5.0)
            glsl = np.array([sum(m[col][row] * v[col] for col in range(4)) for row in range(4)])
            np.testing.assert_array_equal(glsl, v @ w[4 * k : 4 * k + 4, 4 * o : 4 * o + 4])
    assert "vec4 p1 = vec4(X1.x, X1.y, Y1.z, Y1.w);" in text  # micro-264: lap×4, sx×2, sy×2
    assert text.count("layout(location") == g


def test_export_cli(tmp_path, capsys):
    glsl, c = tmp_path / "brick.frag", tmp_path / "brick.c"
    assert main(["nca", "export", "zoo:gravel", "--glsl", str(glsl), "--c", str(c)]) == 0
    assert glsl.read_text().startswith("#version 300 es") and "int main" in c.read_text()
    assert main(["nca", "export", "zoo:gravel"]) == 2
    assert main(["nca", "export", "zoo:lizard", "--c", str(c)]) == 2
    assert "not a μNCA" in capsys.readouterr().err
