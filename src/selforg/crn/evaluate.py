"""The check of a learned network from fresh random initial conditions (float64), and its
trajectory plots. Each returns the measured numbers; ``_x0`` and ``_t1`` are the initial
condition and horizon the shipped model shows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from selforg.crn.analysis import oscillation
from selforg.crn.network import Network

EVAL_SEED = 10_007  # not a training seed: the initial conditions are fresh


def evaluate(task, net: Network, run) -> dict[str, Any]:
    """Dispatch on the task; writes ``plots/trajectory.png`` into the run folder."""
    import jax

    with jax.enable_x64(True):
        if task.name == "oscillator":
            return _oscillator(task, net, run)
        if task.name == "switch":
            return _switch(task, net, run)
        return _chambers(task, net, run)


def _median_finite(values) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return round(float(np.median(finite)), 4) if finite else float("nan")


def _fresh_x0(n: int, count: int, lo: float, hi: float) -> np.ndarray:
    return np.random.default_rng(EVAL_SEED).uniform(lo, hi, (count, n))


def oscillator_check(net: Network, output: int, *, period: float, horizon: float,
                     burn_in: float, window: float, x0s: np.ndarray, dt: float) -> dict:
    """Period and amplitude of species `output` in the training window [burn_in·P, horizon]
    and in the last window of 10 × horizon, for each initial condition (RK4, float64).

    Returns a dict with per-trajectory lists and the worst drifts; `passed` when every
    trajectory keeps its period within 5% of the target and its amplitude within 10% of the
    training window's.
    """
    from selforg.crn.dynamics import simulate

    t_long = 10 * horizon
    points = int(round(t_long / (period / 32))) + 1
    tr = simulate(net, x0s, t_long, solver="rk4", saveat=points, dt=dt)
    early = (tr.ts >= burn_in * period) & (tr.ts <= horizon)
    late = tr.ts >= t_long - window * period
    rows = []
    for b in range(len(x0s)):
        e = oscillation(tr.ts[early], tr.xs[b, early, output])
        lt = oscillation(tr.ts[late], tr.xs[b, late, output])
        rows.append((e, lt))
    period_err = [abs(lt.period - period) / period if math.isfinite(lt.period) else math.inf
                  for _, lt in rows]
    amp_drift = [abs(lt.amplitude - e.amplitude) / max(e.amplitude, 1e-12) for e, lt in rows]
    return {
        "ts": tr.ts, "xs": tr.xs,
        "period_early": [e.period for e, _ in rows], "period_late": [lt.period for _, lt in rows],
        "amplitude_early": [e.amplitude for e, _ in rows],
        "amplitude_late": [lt.amplitude for _, lt in rows],
        "worst_period_error": max(period_err), "worst_amplitude_drift": max(amp_drift),
        "passed": max(period_err) <= 0.05 and max(amp_drift) <= 0.10,
    }


def _oscillator(task, net: Network, run) -> dict[str, Any]:
    from selforg.crn.plots import plot_trajectory

    cfg = task.cfg
    horizon = (cfg.burn_in + cfg.window) * cfg.period
    x0s = _fresh_x0(net.n_species, 8, 0.1, 2.0)
    res = oscillator_check(net, 0, period=cfg.period, horizon=horizon, burn_in=cfg.burn_in,
                           window=cfg.window, x0s=x0s, dt=cfg.dt)
    ts, xs = res.pop("ts"), res.pop("xs")
    plot_trajectory(run.artefact("plots", "trajectory.png"), ts, xs[0], net.species,
                    title=f"learned oscillator from a fresh start, 10× the training horizon"
                    f" ({horizon:g})", shade=[(0, horizon, "training horizon")])
    t_show = 3 * horizon
    w = ts <= t_show
    plot_trajectory(run.artefact("plots", "trajectory_start.png"), ts[w], xs[0, w],
                    net.species, title="the first 3 training horizons")
    late = [p for p in res["period_late"] if math.isfinite(p)]
    period = float(np.median(late)) if late else float("nan")
    return {
        "summary": f"{net.n_reactions}-reaction oscillator: {task.output} with period"
                   f" {period:.3g} (target {cfg.period:g})",
        "target period": cfg.period, "period": round(period, 4),
        "worst period error at 10x horizon": round(res["worst_period_error"], 4),
        "worst amplitude drift at 10x horizon": round(res["worst_amplitude_drift"], 4),
        "amplitude": round(float(np.median(res["amplitude_late"])), 4),
        "fresh initial conditions": len(x0s),
        "keeps period (5%) and amplitude (10%)": bool(res["passed"]),
        "_x0": x0s[0], "_t1": 3 * horizon,
    }


TEST_SEQUENCE = (0, 0, 1, 0, 1, 1, 0, 1)  # 0 = set, 1 = reset


def _switch(task, net: Network, run) -> dict[str, Any]:
    import jax.numpy as jnp

    from selforg.crn.dynamics import MassAction
    from selforg.crn.plots import plot_trajectory
    from selforg.crn.tasks import PulseProtocol, Switch

    p = task.protocol
    longer = PulseProtocol(pulses=len(TEST_SEQUENCE), spacing=2 * p.spacing, width=p.width,
                           height=p.height, settle=p.settle)
    test = Switch(task.cfg, longer)
    model = MassAction.of(net)
    x0s = _fresh_x0(net.n_species, 8, 0.0, 1.5)
    x0s[:, :2] = 0.0
    kinds = jnp.asarray(TEST_SEQUENCE)
    lk = jnp.log(jnp.asarray(net.rates))
    test.model = model
    xs = np.stack([np.asarray(test.run(lk, jnp.asarray(x0), kinds)) for x0 in x0s])
    target, weight = (np.asarray(a) for a in test.targets(kinds))
    y = xs[..., net.index("Y")]
    judged = weight > 0
    correct = np.where(target[None] > 0.5, y > 0.5, y < 0.5)[:, judged]
    highs = y[:, judged & (target > 0.5)]
    lows = y[:, judged & (target < 0.5)]
    shade = []
    for i, kind in enumerate(TEST_SEQUENCE):
        start = (i + 0.5) * longer.spacing
        shade.append((start, start + longer.width * 3, "set pulse" if kind == 0
                      else "reset pulse"))
    plot_trajectory(run.artefact("plots", "trajectory.png"), test.ts, xs[0], net.species,
                    title="learned switch: set/reset pulses, memory Y held between them"
                    f" (holds {longer.spacing:g}, twice the training)", shade=shade)
    frac = float(correct.mean())
    # Does the memory hold for good? Each final state, left alone for 50 × the training hold.
    from selforg.crn.dynamics import simulate

    last_set = [i for i, k in enumerate(TEST_SEQUENCE) if k == 0][-1]
    t_set = int(((last_set + 1.5) * longer.spacing - 1) / test.h)
    alone = simulate(net, np.where(np.arange(net.n_species) < 2, 0.0, xs[:, t_set]),
                     50 * p.spacing, solver="kvaerno5", saveat=3)
    later = alone.xs[:, -1, net.index("Y")]
    frac_set = float(np.mean(later > 0.5))
    return {
        "summary": f"{net.n_reactions}-reaction set/reset memory: Y right at"
                   f" {100 * frac:.1f}% of the judged times; set states still set after"
                   f" {50 * p.spacing:g}: {100 * frac_set:.0f}%",
        "test sequence": "".join("SR"[k] for k in TEST_SEQUENCE),
        "correct fraction": round(frac, 4),
        "lowest Y when set": round(float(highs.min()), 4),
        "highest Y when reset": round(float(lows.max()), 4),
        f"Y {50 * p.spacing:g} after the last set pulse, left alone (lowest)":
            round(float(later.min()), 4),
        "set states still set then": frac_set,
        "fresh initial conditions": len(x0s),
        "_x0": x0s[0], "_t1": float(test.ts[-1]),
    }


def _chambers(task, net: Network, run) -> dict[str, Any]:
    from selforg.crn.dynamics import simulate
    from selforg.crn.plots import plot_trajectory

    cfg = task.cfg
    period = task.period
    horizon = (cfg.burn_in + cfg.window) * period
    n = task.n
    x0c = np.asarray(task.x0, np.float64)
    x0s = _fresh_x0(2 * n, 8, 0.2, 1.8) * np.concatenate([x0c, x0c])
    t_long = 10 * horizon
    points = int(round(t_long / (period / 32))) + 1
    clock, driven = net.index(f"{task.osc_output}_1"), net.index(task.output)
    coupled = simulate(net, x0s, t_long, solver="rk4", saveat=points, dt=cfg.dt)
    # The coupled clock may run slower than alone: judge over the last 10 of its periods.
    late = coupled.ts >= t_long - 10 * period
    osc_clock = [oscillation(coupled.ts[late], coupled.xs[b, late, clock]) for b in range(8)]
    osc_driven = [oscillation(coupled.ts[late], coupled.xs[b, late, driven]) for b in range(8)]
    # The same two chemistries mixed in one chamber: the clock stops.
    mixed = Network(task.osc.species, np.concatenate([task.osc.reactants,
                                                      task.second.reactants]),
                    np.concatenate([task.osc.products, task.second.products]),
                    np.concatenate([task.osc.rates, task.second.rates]))
    one = simulate(mixed, x0s[:, :n], t_long, solver="rk4", saveat=points, dt=cfg.dt)
    i = task.osc.species.index(task.osc_output)
    osc_mixed = [oscillation(one.ts[late], one.xs[b, late, i]) for b in range(8)]
    w = coupled.ts <= 3 * horizon
    plot_trajectory(run.artefact("plots", "trajectory.png"), coupled.ts[w], coupled.xs[0, w],
                    net.species, only=[f"{task.osc_output}_1", task.output],
                    title=f"clock in chamber 1 ({task.osc_output}_1) drives chamber 2"
                    f" ({task.output}) through the learned membrane")
    plot_trajectory(run.artefact("plots", "one_chamber.png"), one.ts[w], one.xs[0, w],
                    mixed.species,
                    title=f"both chemistries in one chamber ({cfg.second}): the clock stops")
    perm = {net.species[int(np.flatnonzero(net.reactants[r])[0])][:-2]: float(net.rates[r])
            for r in range(task.fixed, net.n_reactions, 2)}
    driven_period = _median_finite([o.period for o in osc_driven])
    return {
        "summary": f"a clock in chamber 1 drives chamber 2 (chemistry {cfg.second}) through"
                   f" a membrane open to {', '.join(perm) or 'nothing'}: {task.output}"
                   f" oscillates with period {driven_period:.3g}",
        "permeabilities": {k: round(v, 5) for k, v in perm.items()},
        "clock period, last window of 10x horizon": _median_finite(
            [o.period for o in osc_clock]),
        "driven period, last window of 10x horizon": driven_period,
        "driven amplitude / clock amplitude": round(float(np.median(
            [d.amplitude / max(c.amplitude, 1e-12) for c, d in zip(osc_clock, osc_driven,
                                                                 strict=True)])), 4),
        "driven chambers oscillating (of 8)": sum(o.cycles >= 2 for o in osc_driven),
        "one mixed chamber: oscillating (of 8)": sum(o.cycles >= 2 for o in osc_mixed),
        "one mixed chamber: largest amplitude": float(f"{max(o.amplitude for o in osc_mixed):.3g}"),
        "fresh initial conditions": len(x0s),
        "_x0": x0s[0], "_t1": 3 * horizon,
    }
