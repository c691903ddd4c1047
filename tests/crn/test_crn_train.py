"""Training: the run folder and its files, pruning, skipped non-finite steps, resume and
extension bit for bit, the starting-point search's relabelling."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from selforg.core.errors import BadInput
from selforg.core.runs import read_checkpoint
from selforg.crn.config import preset
from selforg.crn.models import load_model
from selforg.crn.network import dense_network, parse
from selforg.crn.sbml import read_sbml
from selforg.crn.tasks import _swap_species
from selforg.crn.training import _make_step, train

TINY = dict(iterations=4, finetune=2, batch=2, burn_in=1.0, window=1.0, search=0,
            log_every=2, checkpoint_every=2, init_log_rate=-1.0, species=2, period=2.0)


def _theta(run_dir):
    meta, arrays = read_checkpoint(run_dir / "checkpoints" / "latest.npz")
    return meta["step"], arrays


def test_a_tiny_oscillator_run_writes_its_files(tmp_path):
    res = train(preset("oscillator", **TINY), out=tmp_path / "run")
    assert res.steps == 6 and res.candidates == 30
    text = (res.run_dir / "network.txt").read_text()
    assert parse(text) == res.network and text == res.text
    sbml_net, x0 = read_sbml(res.run_dir / "network.sbml")
    # SBML holds 15 significant digits
    assert sbml_net.with_rates(res.network.rates) == res.network and len(x0) == 2
    np.testing.assert_allclose(sbml_net.rates, res.network.rates, rtol=1e-14)
    model = load_model(res.run_dir)  # the run folder's model.json
    assert model.network == res.network
    assert model.command == "selforg crn train oscillator --species 2 --period 2 --iterations 4" \
        " --finetune 2 --batch 2 --search 0"
    results = json.loads((res.run_dir / "results.json").read_text())
    assert results["learned reactions"] == res.reactions
    for name in ("loss", "network", "trajectory"):
        assert (res.run_dir / "plots" / f"{name}.png").stat().st_size > 1000


def test_pruning_removes_the_small_rates(tmp_path):
    cfg = preset("oscillator", **{**TINY, "init_log_rate": -3.5, "prune_below": 0.05})
    res = train(cfg, out=tmp_path / "run")
    # e^-3.5 = 0.03 < 0.05: most candidates are pruned at step 4, the survivors kept
    assert 0 < res.reactions < 30 == res.candidates
    assert res.network.n_reactions == res.reactions
    assert np.all(res.network.rates > 0.05)


def test_extending_the_finetuning_on_resume_is_bit_exact(tmp_path):
    straight = train(preset("oscillator", **{**TINY, "finetune": 4}), out=tmp_path / "a")
    short = train(preset("oscillator", **TINY), out=tmp_path / "b")
    longer = train(preset("oscillator", **{**TINY, "finetune": 4}), resume=short.run_dir)
    assert longer.steps == straight.steps == 8
    (sa, a), (sb, b) = _theta(straight.run_dir), _theta(longer.run_dir)
    assert sa == sb == 8
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert longer.network == straight.network


def test_resume_refuses_another_setting(tmp_path):
    first = train(preset("oscillator", **TINY), out=tmp_path / "a")
    with pytest.raises(BadInput, match="lr"):
        train(preset("oscillator", **{**TINY, "lr": 0.5}), resume=first.run_dir)


class _Nan:
    """A task whose loss is not finite on every other step."""

    cfg = preset("oscillator", **TINY)

    def loss(self, theta, mask, key, progress):
        del key, progress
        bad = jnp.sum(theta * mask) > 0
        return jnp.where(bad, jnp.nan, jnp.sum(theta**2)), {}


def test_a_step_with_a_non_finite_loss_is_skipped_not_applied():
    cfg = _Nan.cfg
    opt = optax.adam(0.1)
    theta = jnp.array([1.0, -2.0])
    state = {"theta": theta, "opt": opt.init(theta), "mask": jnp.ones(2),
             "skipped": jnp.zeros((), jnp.int32)}
    step = jax.jit(_make_step(_Nan(), cfg, opt))
    new, m = step(state, 0)  # sum 1 - 2 < 0: a finite step
    assert not np.array_equal(new["theta"], theta) and int(new["skipped"]) == 0
    bad_state = dict(new, theta=jnp.array([3.0, 1.0]))
    after, m = step(bad_state, 1)
    np.testing.assert_array_equal(after["theta"], bad_state["theta"])
    assert int(after["skipped"]) == 1 and float(m["loss"]) == 1e3
    assert all(np.isfinite(float(v)) for v in m.values())


def test_relabelling_species_maps_the_dense_set_onto_itself():
    net = dense_network(3)
    idx = _swap_species(net, 0, 2)
    assert sorted(idx) == list(range(90))
    np.testing.assert_array_equal(idx[idx], np.arange(90))
    np.testing.assert_array_equal(net.reactants[idx][:, [2, 1, 0]], net.reactants)


def test_a_tiny_switch_run_keeps_its_inputs_catalytic(tmp_path):
    cfg = preset("switch", species=3, iterations=2, finetune=1, batch=2, log_every=1)
    res = train(cfg, out=tmp_path / "run")
    net = res.network
    assert net.species == ("S", "R", "Y")
    s = net.stoichiometry
    # S and R change only through their fixed decays (the last two reactions)
    assert np.all(s[:-2, :2] == 0)
    assert str(net).endswith("S -> @ 1\nR -> @ 1\n")
    assert 0.0 <= res.numbers["correct fraction"] <= 1.0
    assert (res.run_dir / "plots" / "trajectory.png").is_file()


def test_a_tiny_chambers_run_learns_only_the_membrane(tmp_path):
    cfg = preset("chambers", iterations=2, finetune=1, batch=2, log_every=1, burn_in=1.0,
                 window=1.0, search=2)
    res = train(cfg, out=tmp_path / "run")
    osc = load_model("zoo:oscillator").network
    assert res.candidates == osc.n_species == 3
    net = res.network
    assert net.n_species == 2 * osc.n_species
    # chamber 1 runs the oscillator unchanged, chamber 2 its own chemistry (B -> @ 1)
    np.testing.assert_array_equal(net.rates[: osc.n_reactions], osc.rates)
    assert "B_2 -> @ 1" in str(net)
    assert res.numbers["one mixed chamber: oscillating (of 8)"] == 0
    sbml = (res.run_dir / "network.sbml").read_text()
    assert 'compartment id="chamber1"' in sbml and 'compartment id="chamber2"' in sbml
    assert set(res.numbers["permeabilities"]) <= {"A", "B", "C"}
