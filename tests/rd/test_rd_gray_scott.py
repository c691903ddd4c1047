"""Gray–Scott: the JAX step against a NumPy transcription, the regimes, the verb's files."""

import json

import numpy as np
import pytest

from selforg.cli import main
from selforg.rd.config import GrayScottConfig
from selforg.rd.grayscott import PRESETS, rates, seed_state, simulate, step_numpy


@pytest.mark.parametrize("engine", ["jax", "numba"])
def test_engines_equal_numpy_transcription_over_1000_steps(engine):
    x0 = seed_state(48, seed=1)
    f, k = PRESETS["mitosis"]
    final, _ = simulate(x0, f, k, 1000, engine=engine)
    u, v = x0[0].copy(), x0[1].copy()
    for _ in range(1000):
        u, v = step_numpy(u, v, f, k)
    final = np.asarray(final)
    assert v.max() > 0.2  # a pattern is there to be compared
    np.testing.assert_allclose(final[0], u, atol=1e-5)
    np.testing.assert_allclose(final[1], v, atol=1e-5)


def test_plane_laplacian_is_the_rule_laplacian():
    import jax.numpy as jnp

    from selforg.rd.grayscott import laplacian_planes
    from selforg.rd.model import laplacian

    x = np.random.default_rng(0).random((2, 12, 12), dtype=np.float32)
    a = np.asarray(laplacian_planes(jnp.asarray(x)))
    b = np.moveaxis(np.asarray(laplacian(jnp.asarray(np.moveaxis(x, 0, -1)))), -1, 0)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("engine", ["jax", "numba"])
def test_one_step_by_hand(engine):
    # a uniform state has no diffusion: only the reaction acts
    x = np.zeros((2, 8, 8), np.float32)
    x[0], x[1] = 0.5, 0.25
    final, _ = simulate(x, 0.04, 0.06, 1, engine=engine)
    uvv = 0.5 * 0.25**2
    np.testing.assert_allclose(np.asarray(final)[0], 0.5 - uvv + 0.04 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(final)[1], 0.25 + uvv - 0.10 * 0.25, rtol=1e-6)


def test_spots_stay_alive_and_a_high_kill_rate_dies_out():
    spots, _ = simulate(seed_state(64), *PRESETS["spots"], 3000)
    frac = float(np.mean(np.asarray(spots)[1] > 0.2))
    assert 0.02 < frac < 0.5
    dead, _ = simulate(seed_state(64), 0.03, 0.08, 3000)
    assert float(np.asarray(dead)[1].max()) < 0.01


def test_preset_overrides():
    assert rates(GrayScottConfig(preset="spots")) == PRESETS["spots"]
    assert rates(GrayScottConfig(preset="spots", f=0.01)) == (0.01, PRESETS["spots"][1])


def test_cli_writes_final_state_and_gif(tmp_path, capsys):
    out = tmp_path / "gs"
    code = main(["rd", "gray-scott", "--preset", "stripes", "--size", "32", "--steps", "200",
                 "--every", "20", "--out", str(out), "--quiet"])
    assert code == 0
    state = np.load(out / "state.npy")
    assert state.shape == (2, 32, 32) and state.dtype == np.float32
    assert (out / "final.png").is_file() and (out / "rollout.gif").is_file()
    res = json.loads((out / "results.json").read_text())
    assert res["f"] == PRESETS["stripes"][0] and res["steps"] == 200
    assert "F 0.022" in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["--preset", "no-such"], "invalid choice"),
    (["--f", "-1"], "≥ 0"),
    (["--size", "4"], "outside 8..4096"),
])
def test_bad_input_exits_2(argv, words, capsys, tmp_path):
    assert main(["rd", "gray-scott", *argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and len(err.splitlines()) == 1


def test_cli_offers_exactly_the_presets():
    from selforg.rd.cli import PRESET_NAMES

    assert PRESET_NAMES == tuple(PRESETS)


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (5, 2), (7, 9)])
def test_numba_engine_matches_jax_on_odd_grids_and_frames(shape):
    # tiny and odd grids exercise the wrap-around columns and rows; 7 steps with a frame
    # every 3 leave a tail after the last frame, and an odd count ends in the spare buffers
    x0 = np.random.default_rng(2).random((2, *shape), dtype=np.float32)
    a, fa = simulate(x0, 0.04, 0.06, 7, every=3, engine="jax")
    b, fb = simulate(x0, 0.04, 0.06, 7, every=3, engine="numba")
    assert fa.shape == fb.shape == (2, 2, *shape)
    np.testing.assert_allclose(np.asarray(fa), fb, atol=1e-6)
    np.testing.assert_allclose(np.asarray(a), b, atol=1e-6)
    assert b.dtype == np.float32 and not np.shares_memory(b, x0)


def test_unknown_engine_is_refused():
    from selforg.core.errors import BadInput

    with pytest.raises(BadInput, match="engine"):
        simulate(seed_state(8), 0.04, 0.06, 1, engine="cuda")
