"""The shipped networks: the learned oscillator does what its zoo entry says, from fresh
random initial conditions, and opens in libroadrunner."""

import jax
import numpy as np
import pytest

from selforg.crn.evaluate import oscillator_check
from selforg.crn.models import load_model, zoo_models
from selforg.crn.sbml import to_sbml


def test_every_zoo_entry_loads_and_names_its_command():
    models = zoo_models()
    assert {"brusselator", "lotka-volterra", "equilibrium", "oscillator"} <= set(models)
    for name, m in models.items():
        assert m.name == name and m.description
        if m.info.get("kind") == "trained":
            assert m.command.startswith("selforg crn train ")
            assert "training seconds" in m.info["results"]


def test_learned_oscillator_keeps_period_and_amplitude_for_10x_the_horizon():
    m = load_model("zoo:oscillator")
    cfg = m.info["config"]
    assert m.network.n_reactions <= 8
    horizon = (cfg["burn_in"] + cfg["window"]) * cfg["period"]
    x0s = np.random.default_rng(2024).uniform(0.1, 2.0, (6, m.network.n_species))
    with jax.enable_x64(True):
        res = oscillator_check(m.network, 0, period=cfg["period"], horizon=horizon,
                               burn_in=cfg["burn_in"], window=cfg["window"], x0s=x0s,
                               dt=cfg["dt"])
    assert res["worst_period_error"] < 0.05
    assert res["worst_amplitude_drift"] < 0.10
    assert min(res["amplitude_late"]) > 0.1  # a real oscillation, not a decayed wiggle
    assert res["passed"]


@pytest.mark.parametrize("name", ["oscillator", "switch", "chambers"])
def test_learned_networks_in_libroadrunner(name):
    from roadrunner_run import roadrunner_trajectory

    from selforg.crn.dynamics import simulate

    m = load_model(f"zoo:{name}")
    sbml = to_sbml(m.network, m.x0, compartments=m.compartments or None)
    theirs = roadrunner_trajectory(sbml, m.network.species, 50.0, 501)[:, 1:]
    with jax.enable_x64(True):
        ours = simulate(m.network, m.x0, 50.0, saveat=501, solver="tsit5", rtol=1e-10,
                        atol=1e-12).xs
    assert np.abs(theirs - ours).max() / np.abs(theirs).max() < 1e-4


def test_the_chambers_do_what_one_chamber_cannot():
    from selforg.crn.analysis import oscillation
    from selforg.crn.dynamics import simulate
    from selforg.crn.network import Network

    m = load_model("zoo:chambers")
    net = m.network
    osc = load_model("zoo:oscillator").network
    second = net.subset(np.arange(net.n_reactions) == osc.n_reactions)  # B_2 -> @ 1
    assert str(second).endswith("B_2 -> @ 1\n")
    mixed = Network(osc.species, np.concatenate([osc.reactants, [[0, 1, 0]]]),
                    np.concatenate([osc.products, [[0, 0, 0]]]),
                    np.concatenate([osc.rates, [1.0]]))
    x0s = np.random.default_rng(7).uniform(0.2, 1.8, (4, 6)) * np.tile(
        load_model("zoo:oscillator").x0, 2)
    with jax.enable_x64(True):
        two = simulate(net, x0s, 600.0, saveat=3001, solver="tsit5")
        one = simulate(mixed, x0s[:, :3], 600.0, saveat=3001, solver="tsit5")
    late = two.ts > 400
    for b in range(4):
        driven = oscillation(two.ts[late], two.xs[b, late, net.index("A_2")])
        assert driven.cycles >= 5 and driven.amplitude > 0.3
        assert oscillation(one.ts[late], one.xs[b, late, 0]).cycles == 0
