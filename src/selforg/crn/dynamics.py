"""Mass-action dynamics in JAX: dx/dt = Sᵀ v(x), v_r = k_r Π_i x_i^{A_ri}, k = exp θ.

Two integrators behind one `simulate`: fixed-step classical RK4 in `lax.scan` (fast,
differentiable, what training uses) and Diffrax (adaptive Tsit5, or the stiff Kvaerno5, with a
PID step-size controller). Both work on concentrations x directly, and Runge–Kutta methods are
linear in the vector field, so every linear invariant c·x of the network (c with S c = 0) is
kept to rounding, whatever the step.

Positivity: the rates are evaluated at the positive part max(x, 0) of the state and the state
itself is never altered. A species at or below zero then cannot be consumed further (each of
its consuming reactions carries a factor x_i⁺ = 0) while its producing reactions still act, so
the exact flow keeps x ≥ 0 and a numerical undershoot (an O(dt⁵) local error) is pulled back
instead of amplified. Clamping the state after a step would break conservation; changing only
where the rate law is evaluated does not, since S c = 0 holds for any rate vector.

`vmap`: `solve` is a pure function of (model, log-rates, x0); `simulate` maps it over a leading
batch axis of x0 and/or of the log-rates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from selforg.core.errors import BadInput
from selforg.crn.network import Network

SOLVERS = ("rk4", "tsit5", "kvaerno5")
Forcing = Callable[[Array], Array]


class MassAction(eqx.Module):
    """The integer structure of a network as arrays a jitted solver takes.

    Attributes:
        slots: (R, m) int32 index into [x⁺, 1] of each reactant copy (padding points at the 1),
            m the largest reaction order, so v_r = k_r · Π_j x_ext[slots[r, j]].
        stoich: (R, n) net stoichiometry S = B − A, as floats.
    """

    slots: Int[Array, "R m"]
    stoich: Float[Array, "R n"]

    @staticmethod
    def of(net: Network, dtype=None) -> MassAction:
        """The `MassAction` of `net` (float dtype: JAX's default float unless given)."""
        n = net.n_species
        order = max(1, int(net.reactants.sum(axis=1).max(initial=0)))
        slots = np.full((net.n_reactions, order), n, np.int32)
        for r in range(net.n_reactions):
            idx = np.repeat(np.arange(n), net.reactants[r])
            slots[r, : len(idx)] = idx
        dtype = dtype or jnp.zeros(()).dtype
        return MassAction(jnp.asarray(slots), jnp.asarray(net.stoichiometry, dtype))

    def rates(self, log_k: Float[Array, " R"], x: Float[Array, " n"]) -> Float[Array, " R"]:
        """Reaction rates v (R,) at state x (n,), evaluated at max(x, 0)."""
        ext = jnp.concatenate([jnp.maximum(x, 0), jnp.ones((1,), x.dtype)])
        return jnp.exp(log_k) * jnp.prod(ext[self.slots], axis=1)

    def field(self, log_k: Float[Array, " R"], x: Float[Array, " n"]) -> Float[Array, " n"]:
        """dx/dt (n,) = Sᵀ v."""
        return self.rates(log_k, x) @ self.stoich


def rk4_grid(t1: float, points: int, dt: float) -> tuple[int, float]:
    """(steps between saved points, step) so `points` evenly spaced saves fit [0, t1]."""
    interval = t1 / max(points - 1, 1)
    per = max(1, math.ceil(interval / dt - 1e-9))
    return per, interval / per


def rk4(field: Callable[[Array, Array], Array], x0: Array, dt: float, per: int,
        saves: int) -> Float[Array, "T n"]:
    """Classical RK4 with step `dt`, `per` steps between saves: (saves + 1, n) incl. x0.

    `field(t, x)` is dx/dt. Two nested `lax.scan`s, so memory for the gradient grows with the
    number of saves, not of steps (the inner steps are rematerialised).
    """

    def step(carry, _):
        t, x = carry
        k1 = field(t, x)
        k2 = field(t + dt / 2, x + dt / 2 * k1)
        k3 = field(t + dt / 2, x + dt / 2 * k2)
        k4 = field(t + dt, x + dt * k3)
        return (t + dt, x + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)), None

    @jax.checkpoint
    def save(carry, _):
        carry, _ = jax.lax.scan(step, carry, None, length=per)
        return carry, carry[1]

    t0 = jnp.zeros((), x0.dtype)
    _, xs = jax.lax.scan(save, (t0, x0), None, length=saves)
    return jnp.concatenate([x0[None], xs], axis=0)


def _diffrax(field, x0, ts, solver: str, rtol: float, atol: float, dt0: float,
             max_steps: int):
    import diffrax

    term = diffrax.ODETerm(lambda t, y, args: field(t, y))
    method = diffrax.Tsit5() if solver == "tsit5" else diffrax.Kvaerno5()
    sol = diffrax.diffeqsolve(
        term, method, t0=ts[0], t1=ts[-1], dt0=dt0, y0=x0,
        saveat=diffrax.SaveAt(ts=ts),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol),
        max_steps=max_steps, throw=False,
    )
    return sol.ys, sol.stats["num_steps"], sol.result == diffrax.RESULTS.successful


@eqx.filter_jit
def solve(model: MassAction, log_k: Array, x0: Array, t1: float, *, points: int,
          solver: str = "rk4", dt: float = 0.01, rtol: float = 1e-6, atol: float = 1e-9,
          max_steps: int = 100_000, forcing: Forcing | None = None):
    """Integrate one trajectory: ``(xs (points, n), steps taken, ok)``. Jitted, vmappable.

    Args:
        model: the network's structure (`MassAction.of`).
        log_k: (R,) log rate constants θ (k = exp θ).
        x0: (n,) initial concentrations.
        t1: end time; the saves are ``linspace(0, t1, points)``.
        points: saved times (≥ 2).
        solver: rk4 | tsit5 | kvaerno5.
        dt: RK4: the largest step (shrunk so the saves fall on steps); Diffrax: the first step.
        rtol, atol: Diffrax tolerances.
        max_steps: Diffrax's step limit (ok is False when it is reached).
        forcing: optional ``u(t) -> (n,)`` added to dx/dt (input pulses in training).
    """

    def field(t, x):
        dx = model.field(log_k, x)
        return dx if forcing is None else dx + forcing(t)

    if solver == "rk4":
        per, h = rk4_grid(float(t1), points, dt)
        xs = rk4(field, x0, h, per, points - 1)
        return xs, jnp.asarray(per * (points - 1)), jnp.all(jnp.isfinite(xs))
    ts = jnp.linspace(0.0, t1, points, dtype=x0.dtype)
    return _diffrax(field, x0, ts, solver, rtol, atol, dt, max_steps)


@dataclass(frozen=True)
class Trajectory:
    """Concentrations over time.

    Attributes:
        species: names of the columns.
        ts: (T,) times.
        xs: (T, n), or (B, T, n) for a batch of initial conditions or rate sets.
        steps: integrator steps taken (per trajectory).
        ok: the integrator reached t1 with finite values (per trajectory).
    """

    species: tuple[str, ...]
    ts: np.ndarray
    xs: np.ndarray
    steps: np.ndarray
    ok: np.ndarray

    def column(self, name: str) -> np.ndarray:
        """The concentration of species `name`, (T,) or (B, T)."""
        return self.xs[..., self.species.index(name)]

    def csv(self) -> str:
        """CSV text: a header ``t,<species>...``, one row per saved time (unbatched only)."""
        if self.xs.ndim != 2:
            raise BadInput("CSV holds one trajectory; this one is a batch")
        rows = [",".join(("t", *self.species))]
        rows += [",".join(repr(float(v)) for v in (t, *x))
                 for t, x in zip(self.ts, self.xs, strict=True)]
        return "\n".join(rows) + "\n"


def simulate(network: Network, x0, t1: float, *, solver: str = "rk4", saveat: int = 201,
             dt: float = 0.01, rtol: float = 1e-6, atol: float = 1e-9,
             log_rates=None, max_steps: int = 100_000) -> Trajectory:
    """Integrate `network` from `x0` to `t1` under mass action.

    Args:
        network: the reactions and their rates.
        x0: (n,) initial concentrations, or (B, n) for a batch (vmapped).
        t1: end time (> 0).
        solver: "rk4" (fixed step `dt`, in `lax.scan`), "tsit5" (adaptive, non-stiff) or
            "kvaerno5" (adaptive, stiff; implicit), both from Diffrax with a PID controller.
        saveat: the number of evenly spaced saved times in [0, t1] (≥ 2).
        dt: RK4 step (shrunk to fit the saves); Diffrax: the first step.
        rtol, atol: Diffrax tolerances.
        log_rates: (R,) or (B, R) log rate constants in place of ``log(network.rates)``.
        max_steps: Diffrax's step limit.

    Returns:
        `Trajectory` with ts (saveat,) and xs (saveat, n) or (B, saveat, n); the dtype is
        JAX's default float (float64 inside ``jax.enable_x64()``).

    Example:
        >>> from selforg.crn.network import parse
        >>> tr = simulate(parse("A <-> B @ 2, 1"), [1.0, 0.0], 5.0, saveat=3)
        >>> [round(float(v), 4) for v in tr.xs[-1]]
        [0.3333, 0.6667]
    """
    if solver not in SOLVERS:
        raise BadInput(f"solver {solver!r}: choose one of {', '.join(SOLVERS)}")
    if not (t1 > 0 and np.isfinite(t1)):
        raise BadInput(f"t1 must be a finite number > 0, got {t1}")
    if saveat < 2:
        raise BadInput(f"saveat must be ≥ 2 saved times, got {saveat}")
    model = MassAction.of(network)
    dtype = model.stoich.dtype
    x0 = jnp.asarray(x0, dtype)
    if x0.shape[-1:] != (network.n_species,) or x0.ndim > 2:
        raise BadInput(f"x0 has shape {tuple(x0.shape)}; expected ({network.n_species},) or"
                       f" (B, {network.n_species})")
    lk = jnp.log(jnp.asarray(network.rates, dtype)) if log_rates is None else \
        jnp.asarray(log_rates, dtype)
    kw = dict(points=int(saveat), solver=solver, dt=float(dt), rtol=float(rtol),
              atol=float(atol), max_steps=int(max_steps))

    def one(lk_, x0_):
        return solve(model, lk_, x0_, float(t1), **kw)

    if x0.ndim == 2 or lk.ndim == 2:
        axes = (0 if lk.ndim == 2 else None, 0 if x0.ndim == 2 else None)
        xs, steps, ok = jax.vmap(one, in_axes=axes)(lk, x0)
    else:
        xs, steps, ok = one(lk, x0)
    ts = np.linspace(0.0, float(t1), int(saveat))
    return Trajectory(network.species, ts, np.asarray(xs), np.asarray(steps), np.asarray(ok))
