"""Mass-action integration against known answers: A ⇌ B, Lotka–Volterra, Brusselator; the
NumPy reference; conservation to rounding; gradients against finite differences; vmap."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.crn import reference
from selforg.crn.analysis import oscillation
from selforg.crn.classics import (
    brusselator,
    equilibrium,
    equilibrium_solution,
    lotka_volterra,
    lotka_volterra_invariant,
)
from selforg.crn.dynamics import MassAction, simulate, solve
from selforg.crn.network import conservation_laws, dense_network, parse


@pytest.fixture(autouse=True)
def x64():
    with jax.enable_x64(True):
        yield


@pytest.mark.parametrize("solver", ["rk4", "tsit5", "kvaerno5"])
def test_equilibrium_matches_the_analytic_solution(solver):
    kf, kb, a0, b0 = 2.0, 1.0, 1.0, 0.25
    tr = simulate(equilibrium(kf, kb), [a0, b0], 5.0, saveat=51, solver=solver,
                  rtol=1e-9, atol=1e-12)
    exact = equilibrium_solution(tr.ts, a0, b0, kf, kb)
    assert np.max(np.abs(tr.xs[:, 0] - exact) / exact) < 1e-4
    assert np.max(np.abs(tr.xs.sum(axis=1) - (a0 + b0))) < 1e-12


@pytest.mark.parametrize("solver", ["rk4", "tsit5"])
def test_lotka_volterra_invariant_drift(solver):
    tr = simulate(lotka_volterra(1.0, 0.5, 1.0), [2.0, 1.0], 100.0, saveat=1001,
                  solver=solver, dt=0.005, rtol=1e-10, atol=1e-12)
    v = lotka_volterra_invariant(tr.xs, 1.0, 0.5, 1.0)
    assert np.max(np.abs(v - v[0])) / abs(v[0]) < 1e-4
    # and it really cycles: several predator-prey periods in t = 100
    assert oscillation(tr.ts, tr.xs[:, 0]).cycles >= 5


@pytest.mark.parametrize("a", [1.0, 2.0])
def test_brusselator_fixed_point_stable_below_hopf(a):
    b = 1 + a * a - 0.3
    net = brusselator(a, b)
    assert np.allclose(reference.field(net, np.array([a, b / a])), 0.0, atol=1e-14)
    tr = simulate(net, [a + 0.5, b / a], 200.0, saveat=2001, solver="tsit5",
                  rtol=1e-10, atol=1e-12)
    assert np.max(np.abs(tr.xs[-1] - [a, b / a])) < 1e-6
    late = oscillation(tr.ts[tr.ts > 150], tr.xs[tr.ts > 150, 0])
    assert late.cycles == 0 and late.amplitude < 1e-6


@pytest.mark.parametrize("a", [1.0, 2.0])
def test_brusselator_limit_cycle_just_past_hopf(a):
    b = 1 + a * a + 0.1
    tr = simulate(brusselator(a, b), [a + 0.02, b / a], 400.0, saveat=8001, solver="tsit5",
                  rtol=1e-10, atol=1e-12)
    early, late = tr.ts < 10, tr.ts > 300
    osc = oscillation(tr.ts[late], tr.xs[late, 0])
    assert abs(osc.period - 2 * math.pi / a) / (2 * math.pi / a) < 0.05
    assert osc.cycles >= 10 and osc.period_spread < 1e-3
    # a limit cycle: the small start grew to a steady amplitude
    assert osc.amplitude > 2 * oscillation(tr.ts[early], tr.xs[early, 0]).amplitude > 0


def test_rk4_equals_the_numpy_reference():
    net = dense_network(3).with_rates(np.random.default_rng(0).uniform(0.01, 0.3, 90))
    x0 = np.array([0.5, 1.0, 0.2])
    fast = simulate(net, x0, 3.0, saveat=7, solver="rk4", dt=0.05).xs
    slow = reference.rk4(net, x0, 3.0, points=7, dt=0.05)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("solver,dt", [("rk4", 0.2), ("rk4", 0.01), ("tsit5", 0.01),
                                       ("kvaerno5", 0.01)])
def test_linear_invariants_kept_to_rounding(solver, dt):
    # Michaelis-Menten with a fast binding step: E + C and S + C + P are conserved.
    net = parse("E + S <-> C @ 20, 1; C -> E + P @ 5")
    laws = conservation_laws(net)
    x0 = np.array([1.0, 3.0, 0.0, 0.0])
    tr = simulate(net, x0, 10.0, saveat=101, solver=solver, dt=dt, rtol=1e-6, atol=1e-9)
    drift = np.abs(tr.xs @ laws.T - x0 @ laws.T).max()
    assert drift < 1e-12  # even at rk4 dt = 0.2, a step too large to be stable here
    if dt < 0.1:
        assert tr.xs.min() > -1e-6  # positivity by the positive-part rate law


def test_positive_part_rates_stop_consumption_below_zero():
    model = MassAction.of(parse("A + B -> C @ 1; A -> @ 2"))
    dx = model.field(jnp.log(jnp.array([1.0, 2.0])), jnp.array([-0.1, 1.0, 0.0]))
    assert np.asarray(dx).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("solver", ["rk4", "tsit5"])
def test_gradient_wrt_log_rates_matches_finite_differences(solver):
    net = parse("-> X @ 1; 2 X + Y -> 3 X @ 1; X -> Y @ 2.5; X -> @ 1")
    model = MassAction.of(net)
    x0 = jnp.array([1.2, 2.0])
    target = jnp.array([0.8, 3.0])

    def loss(lk):
        xs, _, _ = solve(model, lk, x0, 4.0, points=9, solver=solver, dt=0.01,
                         rtol=1e-11, atol=1e-13)
        return jnp.sum((xs[1:] - target[None]) ** 2)

    lk = jnp.log(jnp.asarray(net.rates))
    grad = np.asarray(jax.grad(loss)(lk))
    eps = 1e-5
    fd = np.array([(loss(lk.at[i].add(eps)) - loss(lk.at[i].add(-eps))) / (2 * eps)
                   for i in range(len(lk))])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_vmap_over_initial_conditions_and_rates():
    net = lotka_volterra(1.0, 0.5, 1.0)
    x0s = np.array([[2.0, 1.0], [1.0, 1.5], [0.5, 0.5]])
    batch = simulate(net, x0s, 5.0, saveat=11, solver="rk4").xs
    assert batch.shape == (3, 11, 2)
    for i in range(3):
        np.testing.assert_allclose(batch[i], simulate(net, x0s[i], 5.0, saveat=11).xs,
                                   rtol=1e-13)
    lks = np.log(np.array([[1.0, 0.5, 1.0], [2.0, 0.5, 1.0]]))
    both = simulate(net, x0s[0], 5.0, saveat=11, log_rates=lks).xs
    np.testing.assert_allclose(both[0], batch[0], rtol=1e-13)
    faster = simulate(net.with_rates(np.exp(lks[1])), x0s[0], 5.0, saveat=11).xs
    np.testing.assert_allclose(both[1], faster, rtol=1e-13)
