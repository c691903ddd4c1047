"""The classic networks and their known answers: the `check` verb.

- A ⇌ B (kf, kb): a(t) = a_eq + (a0 − a_eq)·exp(−(kf + kb) t), a_eq = kb (a0 + b0)/(kf + kb);
  a + b is conserved.
- Lotka–Volterra (X → 2X @α, X + Y → 2Y @β, Y → ∅ @γ): V = βx − γ ln x + βy − α ln y is
  conserved.
- Brusselator (∅ → X @A, 2X + Y → 3X @1, X → Y @B, X → ∅ @1): fixed point (A, B/A), stable for
  B < 1 + A², a limit cycle past the Hopf bifurcation at B = 1 + A² whose period there is 2π/A.

Every check integrates in float64 and states its tolerance; `check` runs them all.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from selforg.crn.config import CheckConfig
from selforg.crn.network import Network, format_rate, parse


def equilibrium(kf: float = 2.0, kb: float = 1.0) -> Network:
    """A ⇌ B with forward rate kf and backward rate kb."""
    return parse(f"A <-> B @ {format_rate(kf)}, {format_rate(kb)}")


def equilibrium_solution(ts: np.ndarray, a0: float, b0: float, kf: float,
                         kb: float) -> np.ndarray:
    """a(t) of A ⇌ B, (T,)."""
    a_eq = kb * (a0 + b0) / (kf + kb)
    return a_eq + (a0 - a_eq) * np.exp(-(kf + kb) * np.asarray(ts))


def lotka_volterra(alpha: float = 1.0, beta: float = 0.5, gamma: float = 1.0) -> Network:
    """Prey X, predator Y."""
    return parse(f"X -> 2 X @ {format_rate(alpha)}; X + Y -> 2 Y @ {format_rate(beta)};"
                 f" Y -> @ {format_rate(gamma)}")


def lotka_volterra_invariant(xs: np.ndarray, alpha: float, beta: float,
                             gamma: float) -> np.ndarray:
    """V = βx − γ ln x + βy − α ln y along xs (T, 2)."""
    x, y = xs[..., 0], xs[..., 1]
    return beta * x - gamma * np.log(x) + beta * y - alpha * np.log(y)


def brusselator(a: float = 1.0, b: float = 3.0) -> Network:
    """The Brusselator with feed A and control B (species X, Y)."""
    return parse(f"-> X @ {format_rate(a)}; 2 X + Y -> 3 X @ 1; X -> Y @ {format_rate(b)};"
                 " X -> @ 1")


@dataclass(frozen=True)
class CheckItem:
    """One known answer.

    Attributes:
        name: what is checked.
        expected: the known value (text).
        measured: what the integration gave (text).
        error: the deviation the tolerance applies to.
        tolerance: the largest allowed error.
        passed: error ≤ tolerance.
    """

    name: str
    expected: str
    measured: str
    error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.tolerance)


@dataclass(frozen=True)
class CheckResult:
    """What `check` found.

    Attributes:
        run_dir: always None (checking writes nothing).
        items: every check, in order.
        passed: all of them passed.
        seconds: wall time.
    """

    run_dir: None
    items: tuple[CheckItem, ...]
    passed: bool
    seconds: float

    def text(self) -> str:
        """A table: one line per check."""
        lines = []
        for it in self.items:
            mark = "ok  " if it.passed else "FAIL"
            lines.append(f"{mark} {it.name}: expected {it.expected}, got {it.measured}"
                         f" (error {it.error:.2e} ≤ {it.tolerance:g})")
        return "\n".join(lines)


def _equilibrium_items(cfg: CheckConfig) -> list[CheckItem]:
    from selforg.crn.dynamics import simulate

    kf, kb, a0, b0 = 2.0, 1.0, 1.0, 0.25
    net = equilibrium(kf, kb)
    items = []
    for solver in ("rk4", "tsit5"):
        tr = simulate(net, [a0, b0], 5.0, saveat=101, solver=solver, dt=0.01,
                      rtol=cfg.rtol, atol=cfg.atol)
        exact = equilibrium_solution(tr.ts, a0, b0, kf, kb)
        err = float(np.max(np.abs(tr.xs[:, 0] - exact) / np.abs(exact)))
        items.append(CheckItem(f"A <-> B @ 2, 1 ({solver}): a(t), t ≤ 5",
                               "a_eq + (a0 − a_eq)·exp(−3t)", f"a(5) = {tr.xs[-1, 0]:.8f}",
                               err, 1e-4))
        drift = float(np.max(np.abs(tr.xs.sum(axis=1) - (a0 + b0))))
        items.append(CheckItem(f"A <-> B ({solver}): a + b conserved", f"{a0 + b0}",
                               f"max drift {drift:.1e}", drift, 1e-12))
    return items


def _lotka_volterra_items(cfg: CheckConfig) -> list[CheckItem]:
    from selforg.crn.dynamics import simulate

    alpha, beta, gamma = 1.0, 0.5, 1.0
    net = lotka_volterra(alpha, beta, gamma)
    items = []
    for solver in ("rk4", "tsit5"):
        tr = simulate(net, [2.0, 1.0], 100.0, saveat=2001, solver=solver, dt=0.005,
                      rtol=cfg.rtol, atol=cfg.atol)
        v = lotka_volterra_invariant(tr.xs, alpha, beta, gamma)
        drift = float(np.max(np.abs(v - v[0])) / abs(v[0]))
        items.append(CheckItem(f"Lotka-Volterra ({solver}): V conserved over t = 100",
                               f"V = {v[0]:.6f}", f"relative drift {drift:.1e}", drift, 1e-4))
    return items


def _brusselator_items(cfg: CheckConfig) -> list[CheckItem]:
    from selforg.crn.analysis import oscillation
    from selforg.crn.dynamics import simulate

    a = 1.0
    hopf = 1 + a * a
    items = []
    below, past = hopf - 0.3, hopf + 0.1
    tr = simulate(brusselator(a, below), [a + 0.5, below / a], 200.0, saveat=4001,
                  solver="tsit5", rtol=cfg.rtol, atol=cfg.atol)
    fixed = np.array([a, below / a])
    err = float(np.max(np.abs(tr.xs[-1] - fixed)))
    items.append(CheckItem(f"Brusselator A=1, B={below:g}: fixed point (A, B/A)",
                           f"({fixed[0]:g}, {fixed[1]:g})",
                           f"({tr.xs[-1, 0]:.6f}, {tr.xs[-1, 1]:.6f}) at t = 200", err, 1e-6))
    late = oscillation(tr.ts[tr.ts >= 150], tr.xs[tr.ts >= 150, 0])
    items.append(CheckItem(f"Brusselator B={below:g} < 1 + A²: no oscillation",
                           "amplitude → 0", f"amplitude {late.amplitude:.1e} for t ≥ 150",
                           late.amplitude, 1e-6))
    tr = simulate(brusselator(a, past), [a + 0.1, past / a], 400.0, saveat=8001,
                  solver="tsit5", rtol=cfg.rtol, atol=cfg.atol)
    w = tr.ts >= 300
    osc = oscillation(tr.ts[w], tr.xs[w, 0])
    expected = 2 * math.pi / a
    err = abs(osc.period - expected) / expected if math.isfinite(osc.period) else math.inf
    items.append(CheckItem(f"Brusselator B={past:g} > 1 + A²: limit cycle period ≈ 2π/A",
                           f"{expected:.4f} (±5%)",
                           f"{osc.period:.4f}, amplitude {osc.amplitude:.3f}, {osc.cycles}"
                           " cycles", err, 0.05))
    return items


def check(cfg: CheckConfig | None = None, *, out=None, quiet: bool = True) -> CheckResult:
    """Integrate the classic networks and compare with their known answers (float64).

    Args:
        cfg: the Diffrax tolerances (`CheckConfig()`).
        out, quiet: accepted for the shape every verb has; checking writes nothing.

    Example:
        >>> res = check()  # doctest: +SKIP
        >>> res.passed  # doctest: +SKIP
        True
    """
    import jax

    del out, quiet
    cfg = cfg or CheckConfig()
    t0 = time.monotonic()
    with jax.enable_x64(True):
        items = (_equilibrium_items(cfg) + _lotka_volterra_items(cfg)
                 + _brusselator_items(cfg))
    return CheckResult(None, tuple(items), all(i.passed for i in items),
                       time.monotonic() - t0)
