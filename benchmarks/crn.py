"""Throughput of the CRN integrators: an ensemble of 1,024 initial conditions of a 6-species
mass-action network, our jitted, vmapped solvers against `scipy.integrate.solve_ivp` on the
same network, time span and tolerances (the baseline, measured in this run), and the time of
one training step of the oscillator.

Run from the repo root: ``python -m benchmarks.crn [--quick]``. float64 throughout. The SciPy
baseline integrates a subset of the ensemble one trajectory at a time (as solve_ivp does) with
a vectorised NumPy right-hand side; its time per trajectory is what the speed-ups compare.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

NETWORK = """
-> A @ 0.5
A -> B @ 1
B + C -> 2 C @ 0.8
C -> D @ 0.6
D + A -> E @ 0.4
E -> F + A @ 0.7
F -> @ 0.3
2 C -> F @ 0.05
D -> @ 0.2
B -> @ 0.1
"""


def _scipy(net, x0s: np.ndarray, t1: float, rtol: float, atol: float,
           ts: np.ndarray) -> tuple[float, np.ndarray]:
    from scipy.integrate import solve_ivp

    a = net.reactants.astype(np.float64)
    s = net.stoichiometry.astype(np.float64)
    k = net.rates

    def rhs(_t, x):
        v = k * np.prod(np.maximum(x, 0.0)[None, :] ** a, axis=1)
        return v @ s

    out = []
    t0 = time.perf_counter()
    for x0 in x0s:
        sol = solve_ivp(rhs, (0.0, t1), x0, method="RK45", rtol=rtol, atol=atol, t_eval=ts)
        out.append(sol.y.T)
    return (time.perf_counter() - t0) / len(x0s), np.array(out)


def _ours(net, x0s: np.ndarray, t1: float, solver: str, **kw) -> tuple[float, float,
                                                                        np.ndarray]:
    from selforg.crn.dynamics import simulate

    t0 = time.perf_counter()
    simulate(net, x0s, t1, solver=solver, **kw)  # compile
    compile_s = time.perf_counter() - t0
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        tr = simulate(net, x0s, t1, solver=solver, **kw)
        best = min(best, time.perf_counter() - t0)
    return best / len(x0s), compile_s, tr.xs


def _train_step() -> tuple[float, float]:
    import jax
    import optax

    from selforg.crn.config import preset
    from selforg.crn.tasks import make_task
    from selforg.crn.training import _initial_state, _make_step

    cfg = preset("oscillator", search=0)
    task = make_task(cfg)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(cfg.lr))
    state = _initial_state(task, cfg, opt)
    step = jax.jit(_make_step(task, cfg, opt))
    t0 = time.perf_counter()
    state, m = step(state, np.int32(0))
    jax.block_until_ready(m)
    compile_s = time.perf_counter() - t0
    n = 10
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        state, m = step(state, np.int32(i))
    jax.block_until_ready(m)
    return (time.perf_counter() - t0) / n, compile_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer SciPy trajectories")
    args = parser.parse_args()

    import jax

    from selforg.crn.network import parse

    net = parse(NETWORK)
    assert net.n_species == 6
    t1, rtol, atol, points = 50.0, 1e-6, 1e-9, 101
    rng = np.random.default_rng(0)
    x0s = rng.uniform(0.1, 2.0, (1024, 6))
    ts = np.linspace(0.0, t1, points)
    n_scipy = 32 if args.quick else 128
    scipy_per, ref = _scipy(net, x0s[:n_scipy], t1, rtol, atol, ts)
    rows = []
    with jax.enable_x64(True):
        for label, solver, kw in (
            ("ours, Diffrax Tsit5 (adaptive), vmap", "tsit5",
             dict(saveat=points, rtol=rtol, atol=atol)),
            ("ours, Diffrax Kvaerno5 (stiff), vmap", "kvaerno5",
             dict(saveat=points, rtol=rtol, atol=atol)),
            ("ours, RK4 dt 0.02 in lax.scan, vmap", "rk4", dict(saveat=points, dt=0.02)),
        ):
            per, compile_s, xs = _ours(net, x0s, t1, solver, **kw)
            err = np.abs(xs[:n_scipy] - ref).max() / np.abs(ref).max()
            rows.append((label, per, compile_s, err))
    step_s, step_compile = _train_step()

    print(f"6-species network, {len(x0s)} initial conditions, t = 0..{t1:g}, rtol {rtol:g},"
          f" atol {atol:g}, {points} saved times, float64; {jax.devices()[0].platform}")
    print(f"{'integrator':42s} {'ms/trajectory':>14s} {'speed-up':>9s} {'compile s':>10s}"
          f" {'max rel. diff to SciPy':>23s}")
    print(f"{'SciPy solve_ivp RK45, one at a time':42s} {1e3 * scipy_per:14.3f} {1.0:9.1f}"
          f" {'-':>10s} {'-':>23s}   ({n_scipy} trajectories)")
    for label, per, compile_s, err in rows:
        print(f"{label:42s} {1e3 * per:14.4f} {scipy_per / per:9.1f} {compile_s:10.1f}"
              f" {err:23.1e}")
    print(f"training step, oscillator preset (3 species, 90 candidates, batch 16,"
          f" t = 60, RK4 dt 0.05, float32): {1e3 * step_s:.0f} ms (compile {step_compile:.1f} s)")


if __name__ == "__main__":
    main()
