"""The Gray–Scott model, the built-in untrained reaction-diffusion example and a correctness
check of the RD machinery (Pearson, "Complex Patterns in a Simple System", Science 1993; the
discretisation of the demo accompanying Mordvintsev et al., arXiv 2107.06862).

Two species u, v on a torus::

    du/dt = Du ∇²u − u v² + F (1 − u)
    dv/dt = Dv ∇²v + u v² − (F + k) v

with the same /16 9-point Laplacian as the learned rule (the same paired sums), explicit
Euler, dt = 1, Du = 1, Dv = 0.5. The state is ``(2, H, W)``: u = plane 0, v = plane 1, as in
``state.npy`` (two planes rather than a channel axis of 2: the step then vectorises over whole
rows, about twice as fast). `step_numpy` is a plain NumPy transcription, used by the tests and
the benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import final

import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.rollout import Rule, rollout
from selforg.rd.config import GrayScottConfig

# (F, k): the textbook regimes (Pearson's classes under the names Karl Sims' and mrob's
# explorers use), looked at on 128² grids after 8,000 steps from the square seed: spots and
# mitosis end as spots, stripes and maze as bands and rings, coral as a labyrinth, holes as a
# hexagonal net of holes, chaos as travelling waves.
PRESETS: dict[str, tuple[float, float]] = {
    "spots": (0.030, 0.062),
    "stripes": (0.022, 0.051),
    "mitosis": (0.0367, 0.0649),
    "coral": (0.055, 0.062),
    "maze": (0.029, 0.057),
    "holes": (0.039, 0.058),
    "chaos": (0.026, 0.051),
}


SEEDS = ("square", "gaussian")


def seed_state(size: int, seed: int = 0, start: str = "square") -> np.ndarray:
    """The initial state ``(2, H, W)``.

    ``square`` (Pearson 1993): u = 1, v = 0, a centred square of side size/6 at u = 0.5,
    v = 0.25, plus ±0.01 noise on both. ``gaussian`` (the authors' demo): u = 0.7,
    v = 0.7·exp(−100 r²) around the centre (r in units of the side), plus 0.01 noise on v. The
    demo's blob dies out in the spot and mitosis regimes; the square forms them, so it is the
    default.
    """
    if start not in SEEDS:
        raise BadInput(f"unknown Gray–Scott seed {start!r}; allowed: {', '.join(SEEDS)}")
    rng = np.random.default_rng(seed)
    if start == "gaussian":
        r = (np.arange(size, dtype=np.float32) - (size - 1) / 2) / size
        r2 = r[:, None] ** 2 + r[None, :] ** 2
        u = np.full((size, size), 0.7, np.float32)
        v = 0.7 * np.exp(-100.0 * r2).astype(np.float32)
        v = v + 0.01 * rng.random((size, size), dtype=np.float32)
        return np.stack([u, v]).astype(np.float32)
    u = np.ones((size, size), np.float32)
    v = np.zeros((size, size), np.float32)
    side = max(2, size // 6)
    a = (size - side) // 2
    u[a : a + side, a : a + side] = 0.5
    v[a : a + side, a : a + side] = 0.25
    u += 0.02 * (rng.random((size, size), dtype=np.float32) - 0.5)
    v += 0.02 * (rng.random((size, size), dtype=np.float32) - 0.5)
    return np.stack([u, v]).astype(np.float32)


def laplacian_planes(x):
    """`selforg.rd.model.laplacian` over the last two axes of ``(..., H, W)`` (same pairing)."""
    h, w = x.shape[-2], x.shape[-1]
    p = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(1, 1), (1, 1)], mode="wrap")

    def at(a: int, b: int):
        return p[..., a : a + h, b : b + w]

    edges = (at(0, 1) + at(2, 1)) + (at(1, 0) + at(1, 2))
    corners = (at(0, 0) + at(2, 2)) + (at(0, 2) + at(2, 0))
    return (corners + 2.0 * edges - 12.0 * x) * (1.0 / 16.0)


def step_jax(x, f: float, k: float, du: float = 1.0, dv: float = 0.5, dt: float = 1.0):
    """One Gray–Scott step of ``(2, H, W)`` in JAX."""
    lap = laplacian_planes(x)
    u, v = x[0], x[1]
    uvv = u * v * v
    nu = u + dt * (du * lap[0] - uvv + f * (1.0 - u))
    nv = v + dt * (dv * lap[1] + uvv - (f + k) * v)
    return jnp.stack([nu, nv])


def _lap_numpy(a: np.ndarray) -> np.ndarray:
    n, s = np.roll(a, 1, axis=0), np.roll(a, -1, axis=0)
    w, e = np.roll(a, 1, axis=1), np.roll(a, -1, axis=1)
    nw, se = np.roll(n, 1, axis=1), np.roll(s, -1, axis=1)
    ne, sw = np.roll(n, -1, axis=1), np.roll(s, 1, axis=1)
    return ((nw + se) + (ne + sw) + 2.0 * ((n + s) + (w + e)) - 12.0 * a) / 16.0


def step_numpy(u: np.ndarray, v: np.ndarray, f: float, k: float, du: float = 1.0,
               dv: float = 0.5, dt: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One Gray–Scott step of ``u, v`` ``(H, W)`` written out in NumPy (np.roll stencils)."""
    uvv = u * v * v
    nu = u + dt * (du * _lap_numpy(u) - uvv + f * (1.0 - u))
    nv = v + dt * (dv * _lap_numpy(v) + uvv - (f + k) * v)
    return nu.astype(u.dtype), nv.astype(v.dtype)


@final
class GrayScottRule(Rule):
    """Gray–Scott as a core `Rule`: ``params = (F, k, Du, Dv, dt)``, deterministic."""

    def step(self, params, state, key):
        del key
        f, k, du, dv, dt = params
        return step_jax(state, f, k, du, dv, dt)


@partial(jax.jit, static_argnums=(2, 3))
def _scan(x, params, steps: int, every: int | None):
    return rollout(GrayScottRule(), params, x, steps, key=None, save_every=every)


ENGINES = ("auto", "jax", "numba")


def simulate(x0: np.ndarray, f: float, k: float, steps: int, *, every: int | None = None,
             du: float = 1.0, dv: float = 0.5, dt: float = 1.0, engine: str = "auto"):
    """`steps` Gray–Scott steps of ``(2, H, W)``.

    Args:
        engine: ``"jax"`` (one `lax.scan` of `step_jax` via `core.rollout`: any device,
            differentiable), ``"numba"`` (`grayscott_cpu`: a fused row-parallel CPU stencil,
            4× XLA's on a CPU, the same result to float32 rounding) or ``"auto"`` (numba when
            JAX runs on the CPU).

    Returns:
        (final ``(2, H, W)``, frames ``(steps // every, 2, H, W)``, or None without `every`).
    """
    if engine not in ENGINES:
        raise BadInput(f"unknown Gray–Scott engine {engine!r}; allowed: {', '.join(ENGINES)}")
    if engine == "numba" or (engine == "auto" and jax.default_backend() == "cpu"):
        from selforg.rd.grayscott_cpu import simulate_cpu

        return simulate_cpu(x0, f, k, steps, every=every, du=du, dv=dv, dt=dt)
    params = tuple(jnp.float32(p) for p in (f, k, du, dv, dt))
    n = steps - steps % every if every else steps
    final, frames = _scan(jnp.asarray(x0, jnp.float32), params, n, every or None)
    if n < steps:
        final, _ = _scan(final, params, steps - n, None)
    return jax.block_until_ready(final), frames


@dataclass(frozen=True)
class GrayScottResult:
    """What `gray_scott` wrote.

    Attributes:
        run_dir: the run folder (config.json, final.png, state.npy, rollout.gif).
        f, k: the rates used.
        steps: steps run.
        v_fraction: the share of cells with v > 0.2 at the end (0: the pattern died out).
        seconds: simulation wall time.
    """

    run_dir: Path
    f: float
    k: float
    steps: int
    v_fraction: float
    seconds: float


def rates(cfg: GrayScottConfig) -> tuple[float, float]:
    """(F, k) of a config: the preset's, overridden by `f` and `k` where given."""
    if cfg.preset not in PRESETS:
        raise BadInput(f"unknown preset {cfg.preset!r}; allowed: {', '.join(PRESETS)}")
    f0, k0 = PRESETS[cfg.preset]
    return (f0 if cfg.f is None else cfg.f), (k0 if cfg.k is None else cfg.k)


def picture(x: np.ndarray) -> np.ndarray:
    """An RGB picture ``(H, W, 3)`` of ``(2, H, W)``: v (0..0.5) through a blue–yellow map."""
    t = np.clip(np.asarray(x)[1] / 0.5, 0.0, 1.0)[..., None]
    dark = np.array([0.05, 0.08, 0.25], np.float32)
    mid = np.array([0.15, 0.55, 0.75], np.float32)
    light = np.array([1.0, 0.92, 0.45], np.float32)
    lo = dark + (mid - dark) * np.clip(2 * t, 0, 1)
    return np.where(t < 0.5, lo, mid + (light - mid) * np.clip(2 * t - 1, 0, 1)).astype(
        np.float32)


def gray_scott(cfg: GrayScottConfig, *, out: str | Path | None = None, quiet: bool = True,
               root: str | Path = "runs") -> GrayScottResult:
    """Run Gray–Scott from the demo's seed; write final.png, state.npy ``(2, H, W)`` and a GIF.

    Args:
        cfg: preset or (F, k), grid side, steps, frame cadence, seed (`GrayScottConfig`).
        out: the run folder (default ``<root>/rd-gray-scott/<time>-<preset>``).
        quiet: accepted for the common shape.

    Example:
        >>> res = gray_scott(GrayScottConfig(preset="spots", size=64, steps=500))
        ... # doctest: +SKIP
        >>> np.load(res.run_dir / "state.npy").shape
        (2, 64, 64)
    """
    del quiet
    from selforg.core.runs import open_run

    f, k = rates(cfg)
    if cfg.size < 8 or cfg.size > 4096:
        raise BadInput(f"grid size {cfg.size} is outside 8..4096")
    if cfg.every < 1:
        raise BadInput(f"--every {cfg.every}: need ≥ 1")
    if cfg.dt * max(cfg.du, cfg.dv) > 2.0 or min(cfg.du, cfg.dv) < 0:
        raise BadInput(f"Du {cfg.du:g}, Dv {cfg.dv:g}, dt {cfg.dt:g}: need D ≥ 0 and dt·D ≤ 2")
    run = open_run("rd", "gray-scott", cfg, out=out, name=cfg.preset, root=root)
    x0 = seed_state(cfg.size, cfg.seed, cfg.start)
    t0 = time.monotonic()
    every = max(1, min(cfg.every, cfg.steps)) if cfg.steps else None
    final, frames = simulate(x0, f, k, cfg.steps, every=every, du=cfg.du, dv=cfg.dv, dt=cfg.dt)
    seconds = time.monotonic() - t0
    final = np.asarray(final)
    np.save(run.artefact("state.npy"), final)
    scale = max(1, 256 // cfg.size)
    media.save_png(run.artefact("final.png"), media.upscale(picture(final), scale))
    pics = [picture(x0)] + ([picture(fr) for fr in np.asarray(frames)] if frames is not None
                            else [])
    if len(pics) > 150:  # keep the GIF small: at most ~150 frames
        pics = pics[:: int(np.ceil(len(pics) / 150))]
    media.write_gif(run.artefact("rollout.gif"), [media.upscale(p, scale) for p in pics],
                    fps=20)
    frac = float(np.mean(final[1] > 0.2))
    run.write_json("results.json", {"f": f, "k": k, "steps": cfg.steps, "v_fraction": frac,
                                    "seconds": seconds})
    return GrayScottResult(run.path, f, k, cfg.steps, frac, seconds)
