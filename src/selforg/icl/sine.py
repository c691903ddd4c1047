"""Non-linear regression in context: learned features + LSA vs meta-learned GD on features.

von Oswald et al., ICML 2023 (arXiv 2212.07677), Sec. 5: for ``y = a sin(x + rho)`` a
Transformer with an MLP in front of one LSA layer does what GD on learned features does.
Model: each token (x_i, y_i) (the query (x_q, 0)) is embedded linearly (2 -> 40) and passed
through a residual MLP (40 -> 160 -> 40, GELU); one LSA layer (key 40) then acts on the 40-d
tokens and the prediction is minus the last coordinate of the query token, as in the linear
case. The front end sees y, so it has to learn to carry y through to where the LSA layer can
use it.
Control: the same embedding + MLP applied to (x_i, 0), i.e. a feature map phi(x), with a
linear head w adapted by one GD step (eta = 0.1) on the context, meta-learned end to end.
"""

from __future__ import annotations

import time
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.core.runs import Run
from selforg.core.train import LoopSettings, train_loop
from selforg.icl.config import SineConfig
from selforg.icl.lsa import LSA, context_mask
from selforg.icl.tasks import sine_data


class Features(eqx.Module):
    """h + MLP(h) with h = embed(token): (n, in_size) tokens -> (n, embed) features."""

    embed: eqx.nn.Linear
    mlp: eqx.nn.MLP

    def __init__(self, cfg: SineConfig, *, in_size: int, key):
        k1, k2 = jax.random.split(key)
        self.embed = eqx.nn.Linear(in_size, cfg.embed, key=k1)
        self.mlp = eqx.nn.MLP(cfg.embed, cfg.embed, cfg.hidden, 1, activation=jax.nn.gelu,
                              key=k2)

    def __call__(self, tokens):
        h = jax.vmap(self.embed)(tokens)
        return h + jax.vmap(self.mlp)(h)


class FeatureLSA(eqx.Module):
    """Tokens (x_i, y_i), query (x_q, 0) -> embed + residual MLP -> one LSA layer (key 40);
    prediction = minus the last coordinate of the query token."""

    features: Features
    lsa: LSA

    def __init__(self, cfg: SineConfig, *, key):
        k1, k2 = jax.random.split(key)
        self.features = Features(cfg, in_size=2, key=k1)
        self.lsa = LSA(cfg.embed, key_size=cfg.embed, init_scale=0.002, key=k2)

    def __call__(self, x, y):
        e = self.features(jnp.stack([x, y.at[-1].set(0.0)], axis=-1))
        return -self.lsa(e, context_mask(x.shape[0], x.shape[0] - 1))[-1, -1]


class FeatureGD(eqx.Module):
    """phi(x) with a linear head w0 adapted by one GD step on the context (the control)."""

    features: Features
    w0: jax.Array
    eta: float = eqx.field(static=True)

    def __init__(self, cfg: SineConfig, *, key):
        # x alone is the same as the token (x, 0) through an embedding with a bias
        self.features = Features(cfg, in_size=1, key=key)
        self.w0 = jnp.zeros((cfg.embed,))
        self.eta = cfg.eta_gd

    def __call__(self, x, y):
        phi = self.features(x[:, None])
        pc, yc = phi[:-1], y[:-1]
        grad = (pc @ self.w0 - yc) @ pc / pc.shape[0]
        return (self.w0 - self.eta * grad) @ phi[-1]


@eqx.filter_jit
def _predict_batch(model, x, y):
    return jax.vmap(model)(x, y)


def _loss(model, x, y):
    return 0.5 * jnp.mean((jax.vmap(model)(x, y) - y[:, -1]) ** 2)


def _train(run: Run, name: str, model, cfg: SineConfig, quiet: bool):
    sub = Run(path=run.path / name, system=run.system, verb=f"{run.verb}-{name}",
              config=run.config, resumed=run.resumed and (run.path / name).exists())
    sub.path.mkdir(parents=True, exist_ok=True)
    opt = optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(cfg.lr))
    key = jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 5)

    @eqx.filter_jit
    def step(state, i):
        m, o = state
        x, y = sine_data(jax.random.fold_in(key, i), cfg.batch, n_ctx=cfg.n_ctx)
        loss, g = eqx.filter_value_and_grad(_loss)(m, x, y)
        u, o = opt.update(g, o, eqx.filter(m, eqx.is_array))
        return (eqx.apply_updates(m, u), o), {"loss": loss}

    state = (model, opt.init(eqx.filter(model, eqx.is_array)))
    t0 = time.perf_counter()
    state, _, _ = train_loop(sub, state, step, LoopSettings(
        steps=cfg.steps, log_every=cfg.log_every, checkpoint_every=500, quiet=quiet,
        description=f"icl sine {name}"))
    return state[0], time.perf_counter() - t0, sub.read_metrics()


def run_sine(run: Run, *, quiet: bool = True) -> dict[str, Any]:
    """Train both learners on sine tasks; compare losses and their adapted functions."""
    from selforg.core.media import plot_curves

    cfg: SineConfig = run.config
    k1, k2 = jax.random.split(jax.random.PRNGKey(cfg.seed))
    lsa, t_lsa, rec_lsa = _train(run, "lsa", FeatureLSA(cfg, key=k1), cfg, quiet)
    gd, t_gd, rec_gd = _train(run, "gd_features", FeatureGD(cfg, key=k2), cfg, quiet)
    x, y = sine_data(jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 10**6), cfg.eval_tasks,
                     n_ctx=cfg.n_ctx)
    pl = _predict_batch(lsa, x, y)
    pg = _predict_batch(gd, x, y)
    results = {
        "loss_lsa": float(0.5 * jnp.mean((pl - y[:, -1]) ** 2)),
        "loss_gd_features": float(0.5 * jnp.mean((pg - y[:, -1]) ** 2)),
        "preds_diff": float(jnp.mean(jnp.abs(pl - pg))),
        "train_seconds": {"lsa": t_lsa, "gd_features": t_gd}, "steps": cfg.steps,
    }
    run.write_json("results.json", results)
    plot_curves(run.artefact("plots", "loss.png"), {
        "features + LSA": ([r["step"] for r in rec_lsa], [r["loss"] for r in rec_lsa]),
        "features + GD step": ([r["step"] for r in rec_gd], [r["loss"] for r in rec_gd])},
        xlabel="step", ylabel="loss", logy=True, title="sine regression in context")
    # one task: both adapted functions on a grid (query swept over [-5, 5])
    grid = np.linspace(-5, 5, 101, dtype=np.float32)
    xs = jnp.broadcast_to(x[0], (101, x.shape[1])).at[:, -1].set(grid)
    ys = jnp.broadcast_to(y[0], xs.shape)
    a, rho = _fit_sine(np.asarray(x[0]), np.asarray(y[0]))
    plot_curves(run.artefact("plots", "functions.png"), {
        "target": (grid, a * np.sin(grid + rho)),
        "features + LSA": (grid, np.asarray(_predict_batch(lsa, xs, ys))),
        "features + GD step": (grid, np.asarray(_predict_batch(gd, xs, ys)))},
        xlabel="x", ylabel="y", title="functions adapted to one context")
    return results


def _fit_sine(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, rho) of y = a sin(x + rho) from the samples (least squares on sin/cos)."""
    m = np.stack([np.sin(x), np.cos(x)], axis=1)
    c, *_ = np.linalg.lstsq(m, y, rcond=None)
    return float(np.hypot(*c)), float(np.arctan2(c[1], c[0]))

