"""The training tasks: what is learned, the loss, and the check of the learned network.

Each task owns a candidate network and a vector of trainable log parameters θ (log rate
constants, or log permeabilities for the chambers). `loss(theta, mask, key)` is traced by JAX:
θ is clamped smoothly into [log_rate_min, log_rate_max], reactions with ``mask == 0`` are
absent (k = 0, after pruning), and `key` draws the step's random initial conditions.

- `Oscillator`: from random initial concentrations, after a burn-in the output species (the
  first) follows c0 + Σ_h a_h sin(hωt) + b_h cos(hωt), h = 1, 2, ω = 2π/period, fitted by least
  squares: the loss is the fraction of the window's variance the fit leaves, plus
  (log a₁-amplitude − log target)², so a decaying transient is pushed towards a sustained
  oscillation (the log keeps the gradient alive when the amplitude is small).
- `Switch`: set (S) and reset (R) species are pulsed in from outside and decay; the memory
  species must be high (≥ 0.8) after a set pulse and low (≤ 0.2) after a reset, until the next
  pulse. Candidate reactions use S and R as catalysts only (they appear on both sides alike).
- `Chambers`: a clock (the given oscillator) runs in chamber 1; chamber 2 runs another
  chemistry (`second`, default ``B -> @ 1``) that stops the clock when both share one chamber.
  Each species crosses the membrane with a learned permeability p_i (p·(x[c'] − x[c]), as
  the reactions X_1 → X_2 and X_2 → X_1 at rate p). From random initial conditions, the
  output species in chamber 2 must swing with `amplitude` × the clock's own standard
  deviation, and the clock must keep its own: the membrane has to pass the signal and keep
  the second chemistry away from the clock (a random search over permeability vectors gives
  the start, as for the oscillator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from selforg.crn.config import TrainConfig
from selforg.crn.dynamics import MassAction, rk4
from selforg.crn.network import Network, dense_network, make_network


def clamp(theta, lo: float, hi: float):
    """θ smoothly kept in [lo, hi] (identity well inside; the slope vanishes at the ends)."""
    return hi - jax.nn.softplus(hi - (lo + jax.nn.softplus(theta - lo)))


def sparsity_penalty(k, kind: str):
    """Σ k (L1) or Σ √k (Lhalf) over the present reactions' rate constants k."""
    return jnp.sum(k) if kind == "L1" else jnp.sum(jnp.sqrt(k + 1e-12))


def _bound_penalty(xs, x_max: float):
    return jnp.mean(jax.nn.relu(xs - x_max) ** 2)


def _masked_log_k(theta, mask, cfg: TrainConfig):
    """log k with absent reactions at a rate of e^-60 (numerically zero, gradient-safe)."""
    th = clamp(theta, cfg.log_rate_min, cfg.log_rate_max)
    return jnp.where(mask > 0, th, -60.0)


class Task:
    """The interface every task has (see the module docstring)."""

    name: str
    candidates: Network
    output: str

    def __init__(self, cfg: TrainConfig):
        self.cfg = cfg

    def init_theta(self, key) -> jax.Array:
        raise NotImplementedError

    def loss(self, theta, mask, key, progress):
        raise NotImplementedError

    def network(self, theta, mask) -> Network:
        """The learned network: the present reactions with their rate constants."""
        k = np.exp(np.asarray(clamp(jnp.asarray(theta), self.cfg.log_rate_min,
                                    self.cfg.log_rate_max), np.float64))
        return self.candidates.with_rates(k).subset(np.asarray(mask) > 0)


# ----------------------------------------------------------------------------------------


def _harmonics(ts: np.ndarray, period: float, n: int = 2) -> np.ndarray:
    """(W, 2 + 2n) columns 1, t (centred), sin(hωt), cos(hωt) for h = 1..n."""
    w = 2 * math.pi / period
    cols = [np.ones_like(ts), (ts - ts.mean()) / (ts.max() - ts.min())]
    for h in range(1, n + 1):
        cols += [np.sin(h * w * ts), np.cos(h * w * ts)]
    return np.stack(cols, axis=1)


class Oscillator(Task):
    name = "oscillator"

    def __init__(self, cfg: TrainConfig):
        super().__init__(cfg)
        self.candidates = dense_network(cfg.species)
        self.output = self.candidates.species[0]
        self.model = MassAction.of(self.candidates)
        p = cfg.period
        self.per_period = 16
        self.saves = int(round((cfg.burn_in + cfg.window) * self.per_period))
        self.h = p / self.per_period
        self.steps_per_save = max(1, math.ceil(self.h / cfg.dt - 1e-9))
        self.first = int(round(cfg.burn_in * self.per_period))
        self.length = int(round(cfg.window * self.per_period))
        # Windows start at every whole period from 0 to the burn-in: the early ones see the
        # transient, so a network that still decays gets a gradient towards oscillating; the
        # late ones ask for a sustained oscillation.
        self.starts = tuple(range(0, self.first + 1, self.per_period))
        ts = np.arange(self.length) * self.h
        basis = _harmonics(ts, p)
        self.basis = jnp.asarray(basis, jnp.float32)
        self.proj = jnp.asarray(np.linalg.pinv(basis), jnp.float32)

    def init_theta(self, key):
        r = self.candidates.n_reactions
        theta = self.cfg.init_log_rate + 0.5 * jax.random.normal(key, (r,))
        if self.cfg.search:
            found = search_oscillator(self.candidates, self.model, self.cfg,
                                      jax.random.fold_in(key, 7))
            if found is not None:
                active, log_k = found
                theta = jnp.where(active, log_k, theta)
        return theta

    def x0s(self, key):
        return jax.random.uniform(key, (self.cfg.batch, self.candidates.n_species),
                                  minval=0.1, maxval=2.0)

    def trajectories(self, theta, mask, x0s):
        lk = _masked_log_k(theta, mask, self.cfg)
        dt = self.h / self.steps_per_save

        def one(x0):
            return rk4(lambda t, x: self.model.field(lk, x), x0, dt, self.steps_per_save,
                       self.saves)

        return jax.vmap(one)(x0s)

    def window_fit(self, y):
        """(shape loss, amplitude of the first harmonic) of the window y (W,).

        The shape loss is the fraction of y's variance that the harmonics of the target
        period do not explain (a trend is fitted alongside, so that a drift neither counts as
        oscillation nor biases the harmonics).
        """
        coef = self.proj @ y
        periodic = 0.5 * jnp.sum(coef[2:] ** 2)
        shape = 1.0 - periodic / (jnp.var(y) + 1e-6)
        amp = jnp.sqrt(coef[2] ** 2 + coef[3] ** 2 + 1e-8)
        return shape, amp

    def loss(self, theta, mask, key, progress):
        del progress
        xs = self.trajectories(theta, mask, self.x0s(key))
        shapes, amp_losses = [], []
        for s0 in self.starts:
            shape, amp = jax.vmap(self.window_fit)(xs[:, s0:s0 + self.length, 0])
            shapes.append(jnp.mean(shape))
            amp_losses.append(jnp.mean((jnp.log(amp) - math.log(self.cfg.amplitude)) ** 2))
        bound = _bound_penalty(xs, self.cfg.x_max)
        loss = jnp.mean(jnp.stack(shapes)) + jnp.mean(jnp.stack(amp_losses)) + bound
        return loss, {"shape": shapes[-1], "amplitude": jnp.mean(amp), "bound": bound}


def _swap_species(net: Network, i: int, j: int) -> np.ndarray:
    """(R,) index of each reaction of `net` with species i and j exchanged (`net` must hold
    every such reaction, as the dense set does)."""
    perm = np.arange(net.n_species)
    perm[[i, j]] = perm[[j, i]]
    where = {(a.tobytes(), b.tobytes()): r
             for r, (a, b) in enumerate(zip(net.reactants, net.products, strict=True))}
    return np.array([where[(a[perm].tobytes(), b[perm].tobytes())]
                     for a, b in zip(net.reactants, net.products, strict=True)])


def search_oscillator(net: Network, model: MassAction, cfg: TrainConfig, key, *,
                      chunk: int = 2048):
    """A random search over sparse subsets of the candidate set for a starting point.

    `cfg.search` random networks are drawn, each reaction present with probability
    `cfg.search_density`, log rates uniform in [−3, 1]; each is integrated from one random
    initial condition for t = 60 (RK4, dt 0.05) and every species measured over the second
    half. Of those where a species oscillates (≥ 3 cycles, half range ≥ 0.02, periods within
    5%) the one with the fewest reactions wins (then the larger amplitude). Its species are
    relabelled so that the oscillating one is the output (the dense set is symmetric under
    relabelling) and its rates scaled by p/period, which under mass action scales time
    exactly, so it starts at the target period. About one random network in 8,000 oscillates
    (3 species, density 0.08). Returns (present (R,) bool, log rates (R,)) or None.
    """
    from selforg.crn.analysis import oscillation

    r, n = model.stoich.shape
    ts = np.arange(301) * 0.2

    @jax.jit
    def run(lk, x0):
        return jax.vmap(lambda a, b: rk4(lambda t, x: model.field(a, x), b, 0.05, 4, 300))(
            lk, x0)

    best = None
    for start in range(0, cfg.search, chunk):
        size = min(chunk, cfg.search - start)
        k1, k2, k3 = jax.random.split(jax.random.fold_in(key, start), 3)
        active = jax.random.bernoulli(k1, cfg.search_density, (size, r))
        log_k = jax.random.uniform(k2, (size, r), minval=-3.0, maxval=1.0)
        x0 = jax.random.uniform(k3, (size, n), minval=0.1, maxval=2.0)
        xs = np.asarray(run(jnp.where(active, log_k, -60.0), x0))
        active, log_k = np.asarray(active), np.asarray(log_k)
        fine = np.all(np.isfinite(xs), axis=(1, 2)) & (np.nan_to_num(xs).max(axis=(1, 2)) < 20)
        for i in np.flatnonzero(fine):
            for sp in range(n):
                o = oscillation(ts[150:], xs[i, 150:, sp])
                if o.cycles < 3 or o.amplitude < 0.02 or o.period_spread > 0.05:
                    continue
                rank = (int(active[i].sum()), -o.amplitude)
                if best is None or rank < best[0]:
                    best = (rank, sp, active[i], log_k[i] + math.log(o.period / cfg.period))
    if best is None:
        return None
    _, sp, active, log_k = best
    if sp:
        idx = _swap_species(net, 0, sp)
        moved_a, moved_k = np.zeros_like(active), np.zeros_like(log_k)
        moved_a[idx], moved_k[idx] = active, log_k
        active, log_k = moved_a, moved_k
    return jnp.asarray(active), jnp.asarray(log_k, jnp.float32)


# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseProtocol:
    """Input pulses of the switch: one every `spacing`, `width` long, inflow `height`."""

    pulses: int = 4
    spacing: float = 20.0
    width: float = 1.0
    height: float = 2.0
    settle: float = 8.0  # the memory is judged from this long after a pulse's start

    @property
    def t1(self) -> float:
        return self.pulses * self.spacing + self.spacing / 2


class Switch(Task):
    name = "switch"

    def __init__(self, cfg: TrainConfig, protocol: PulseProtocol | None = None):
        super().__init__(cfg)
        n = cfg.species
        names = ("S", "R", *(("Y", "Z", "W", "V", "U", "T")[: n - 2]))
        dense = dense_network(names)
        # S and R are signals: no candidate reaction changes them; they decay at a fixed rate.
        s = dense.stoichiometry
        keep = (s[:, 0] == 0) & (s[:, 1] == 0)
        self.learned = dense.subset(keep)
        decay = make_network(names, [({"S": 1}, {}, 1.0), ({"R": 1}, {}, 1.0)])
        self.candidates = Network(names, np.concatenate([self.learned.reactants,
                                                         decay.reactants]),
                                  np.concatenate([self.learned.products, decay.products]),
                                  np.concatenate([self.learned.rates, decay.rates]))
        self.n_learned = self.learned.n_reactions
        self.output = "Y"
        self.model = MassAction.of(self.candidates)
        self.protocol = protocol or PulseProtocol()
        self.h = 0.5
        self.steps_per_save = max(1, math.ceil(self.h / cfg.dt - 1e-9))
        self.saves = int(round(self.protocol.t1 / self.h))
        self.ts = np.arange(self.saves + 1) * self.h

    def init_theta(self, key):
        return self.cfg.init_log_rate + 0.5 * jax.random.normal(key, (self.n_learned,))

    def full_log_k(self, theta, mask):
        return jnp.concatenate([_masked_log_k(theta, mask, self.cfg), jnp.zeros((2,))])

    def network(self, theta, mask) -> Network:
        k = np.exp(np.asarray(clamp(jnp.asarray(theta), self.cfg.log_rate_min,
                                    self.cfg.log_rate_max), np.float64))
        keep = np.concatenate([np.asarray(mask) > 0, [True, True]])
        return self.candidates.with_rates(np.concatenate([k, [1.0, 1.0]])).subset(keep)

    def targets(self, kinds, settle=None):
        """(T,) target memory (1 set, 0 reset) and (T,) weight (1 where judged) of one
        pulse sequence `kinds` (pulses,) with 0 = set, 1 = reset, judged from `settle`
        (default the protocol's) after each pulse's start until the next pulse."""
        p = self.protocol
        settle = p.settle if settle is None else settle
        ts = jnp.asarray(self.ts, jnp.float32)
        target = jnp.zeros_like(ts)
        weight = jnp.zeros_like(ts)
        for i in range(p.pulses):
            start = (i + 0.5) * p.spacing
            judged = (ts >= start + settle) & (ts < start + p.spacing)
            target = jnp.where(judged, 1.0 - kinds[i].astype(ts.dtype), target)
            weight = jnp.where(judged, 1.0, weight)
        return target, weight

    def forcing(self, kinds):
        p = self.protocol
        starts = (jnp.arange(p.pulses) + 0.5) * p.spacing
        n = self.candidates.n_species

        def u(t):
            on = ((t >= starts) & (t < starts + p.width)).astype(jnp.float32) * p.height
            set_in = jnp.sum(jnp.where(kinds == 0, on, 0.0))
            reset_in = jnp.sum(jnp.where(kinds == 1, on, 0.0))
            return jnp.zeros((n,)).at[0].set(set_in).at[1].set(reset_in)

        return u

    def run(self, log_k, x0, kinds):
        dt = self.h / self.steps_per_save
        u = self.forcing(kinds)
        return rk4(lambda t, x: self.model.field(log_k, x) + u(t).astype(x.dtype), x0, dt,
                   self.steps_per_save, self.saves)

    def sample(self, key):
        k1, k2 = jax.random.split(key)
        n = self.candidates.n_species
        x0 = jax.random.uniform(k1, (self.cfg.batch, n), minval=0.0, maxval=1.5)
        x0 = x0.at[:, :2].set(0.0)
        kinds = jax.random.bernoulli(k2, 0.5, (self.cfg.batch, self.protocol.pulses))
        return x0, kinds.astype(jnp.int32)

    def loss(self, theta, mask, key, progress):
        lk = self.full_log_k(theta, mask)
        x0, kinds = self.sample(key)
        xs = jax.vmap(lambda a, b: self.run(lk, a, b))(x0, kinds)
        # A curriculum on how long the memory must hold: judged from just after the pulse at
        # first (a network must respond to its inputs before it can remember them), from
        # `settle` after it by half-way through the steps before pruning.
        p = self.protocol
        settle = p.width + (p.settle - p.width) * jnp.minimum(1.0, 2 * progress)
        target, weight = jax.vmap(lambda k: self.targets(k, settle))(kinds)
        iy = self.candidates.index("Y")
        y = xs[..., iy]
        miss = jnp.where(target > 0.5, jax.nn.relu(0.8 - y), jax.nn.relu(y - 0.2))
        err = jnp.sum(weight * miss**2) / jnp.sum(weight)
        wrong = jnp.sum(weight * (miss > 0)) / jnp.sum(weight)
        bound = _bound_penalty(xs, self.cfg.x_max)
        # A memory that only leaks slowly would pass any finite hold: ask the held states to
        # be at rest (dY/dt relative to Y near 0), so that both levels are fixed points,
        # weighted in over the second half of the steps before pruning.
        rate = jax.vmap(jax.vmap(lambda x: self.model.field(lk, x)[iy]))(xs) / (y + 0.05)
        drift = jnp.sum(weight * rate**2) / jnp.sum(weight)
        ramp = jnp.clip(2 * progress - 1, 0.0, 1.0)
        loss = err + bound + self.cfg.hold_weight * ramp * drift
        return loss, {"memory": err, "wrong": wrong, "bound": bound,
                      "drift": jnp.sqrt(drift)}


# ----------------------------------------------------------------------------------------


def chambers_network(osc: Network, second: Network) -> tuple[Network, dict[str, str]]:
    """Chamber 1 runs `osc` (species X_1), chamber 2 runs `second` over the same species
    (X_2), then 2n transport reactions X_1 <-> X_2 (rate 1 each; the learned permeabilities
    replace them). Returns (network, species -> compartment)."""
    n = osc.n_species
    names = tuple(f"{s}_{c}" for c in (1, 2) for s in osc.species)
    z1, z2 = np.zeros_like(osc.reactants), np.zeros_like(second.reactants)
    a = np.concatenate([np.concatenate([osc.reactants, z1], 1),
                        np.concatenate([z2, second.reactants], 1)])
    b = np.concatenate([np.concatenate([osc.products, z1], 1),
                        np.concatenate([z2, second.products], 1)])
    eye = np.eye(n, dtype=np.int64)
    ta, tb = [], []
    for i in range(n):
        one, two = np.concatenate([eye[i], 0 * eye[i]]), np.concatenate([0 * eye[i], eye[i]])
        ta += [one, two]
        tb += [two, one]
    a = np.concatenate([a, np.array(ta)])
    b = np.concatenate([b, np.array(tb)])
    rates = np.concatenate([osc.rates, second.rates, np.ones(2 * n)])
    compartments = {s: f"chamber{s[-1]}" for s in names}
    return Network(names, a, b, rates), compartments


class Chambers(Task):
    """A clock in chamber 1 drives chamber 2, whose own chemistry (`second`) would stop the
    clock if the two were mixed in one chamber; the membrane's permeabilities are learned."""

    name = "chambers"

    def __init__(self, cfg: TrainConfig, oscillator: Network, output: str, period: float,
                 x0: np.ndarray):
        super().__init__(cfg)
        from selforg.crn.network import parse

        self.osc = oscillator
        self.second = parse("species: " + ", ".join(oscillator.species) + "\n" + cfg.second)
        self.osc_output = output
        self.candidates, self.compartments = chambers_network(oscillator, self.second)
        self.output = f"{output}_2"
        self.n = oscillator.n_species
        self.fixed = oscillator.n_reactions + self.second.n_reactions
        self.model = MassAction.of(self.candidates)
        self.per_period = 16
        self.period = period
        self.h = period / self.per_period
        self.steps_per_save = max(1, math.ceil(self.h / cfg.dt - 1e-9))
        self.saves = int(round((cfg.burn_in + cfg.window) * self.per_period))
        self.first = int(round(cfg.burn_in * self.per_period))
        self.length = self.saves + 1 - self.first
        self.x0 = jnp.asarray(x0, jnp.float32)
        self.fixed_log_k = jnp.log(jnp.asarray(
            np.concatenate([oscillator.rates, self.second.rates]), jnp.float32))
        basis = _harmonics(np.arange(self.length) * self.h, period)
        self.basis = jnp.asarray(basis, jnp.float32)
        self.proj = jnp.asarray(np.linalg.pinv(basis), jnp.float32)
        # The clock's own first-harmonic amplitude, alone in its chamber.
        alone = MassAction.of(oscillator)
        lk = jnp.log(jnp.asarray(oscillator.rates, jnp.float32))
        xs = rk4(lambda t, x: alone.field(lk, x), self.x0, self.h / self.steps_per_save,
                 self.steps_per_save, self.saves)
        self.ref_std = float(jnp.std(xs[self.first:, oscillator.species.index(output)]))

    def _fit(self, y):
        coef = self.proj @ y
        shape = 1.0 - 0.5 * jnp.sum(coef[2:] ** 2) / (jnp.var(y) + 1e-8)
        return shape, jnp.sqrt(coef[2] ** 2 + coef[3] ** 2 + 1e-10)

    def init_theta(self, key):
        """The best of `cfg.search` random permeability vectors (log p uniform in
        [init_log_rate − 6, init_log_rate + 3]) by the loss; the plain init if search = 0."""
        theta = self.cfg.init_log_rate + 0.5 * jax.random.normal(key, (self.n,))
        if not self.cfg.search:
            return theta
        k1, k2 = jax.random.split(key)
        cands = self.cfg.init_log_rate + jax.random.uniform(
            k1, (self.cfg.search, self.n), minval=-6.0, maxval=3.0)
        score = jax.jit(lambda th: self.loss(th, jnp.ones((self.n,)), k2, 1.0)[0])
        losses = np.array([float(score(c)) for c in cands])
        losses[~np.isfinite(losses)] = np.inf
        return cands[int(np.argmin(losses))]

    def full_log_k(self, theta, mask):
        lp = _masked_log_k(theta, mask, self.cfg)
        return jnp.concatenate([self.fixed_log_k, jnp.repeat(lp, 2)])

    def network(self, theta, mask) -> Network:
        p = np.exp(np.asarray(clamp(jnp.asarray(theta), self.cfg.log_rate_min,
                                    self.cfg.log_rate_max), np.float64))
        rates = np.concatenate([self.osc.rates, self.second.rates, np.repeat(p, 2)])
        keep = np.concatenate([np.ones(self.fixed, bool), np.repeat(np.asarray(mask) > 0, 2)])
        return self.candidates.with_rates(rates).subset(keep)

    def run(self, log_k, x0):
        dt = self.h / self.steps_per_save
        return rk4(lambda t, x: self.model.field(log_k, x), x0, dt, self.steps_per_save,
                   self.saves)

    def loss(self, theta, mask, key, progress):
        del progress
        lk = self.full_log_k(theta, mask)
        u = jax.random.uniform(key, (self.cfg.batch, 2 * self.n), minval=0.2, maxval=1.8)
        x0 = u * jnp.concatenate([self.x0, self.x0])[None]
        xs = jax.vmap(lambda a: self.run(lk, a))(x0)
        i = self.osc.species.index(self.osc_output)
        w1, w2 = xs[:, self.first:, i], xs[:, self.first:, self.n + i]
        s1, s2 = jnp.std(w1, axis=1) + 1e-6, jnp.std(w2, axis=1) + 1e-6
        ref = math.log(self.ref_std)
        driven = (jnp.log(s2) - ref - math.log(self.cfg.amplitude)) ** 2
        clock = (jnp.log(s1) - ref) ** 2
        loss = jnp.mean(driven) + jnp.mean(clock)
        return loss, {"driven_std": jnp.mean(s2), "clock_std": jnp.mean(s1)}


def make_task(cfg: TrainConfig) -> Task:
    """The task `cfg.task` names."""
    if cfg.task == "oscillator":
        return Oscillator(cfg)
    if cfg.task == "switch":
        return Switch(cfg)
    from selforg.crn.models import load_model

    model = load_model(cfg.network)
    results = model.info.get("results")
    period = float(results.get("period") or cfg.period) if isinstance(results, dict) \
        else cfg.period
    output = model.output or model.network.species[0]
    x0 = model.x0 if model.x0.any() else np.ones(model.network.n_species)
    return Chambers(cfg, model.network, output, period, x0)
