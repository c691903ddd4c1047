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

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.core.parallel import shard_batch
from selforg.core.runs import Run
from selforg.core.train import LoopSettings, train_loop
from selforg.icl.config import SineConfig
from selforg.icl.experiment import finish_part, loss_plot, merge_records, open_experiment, open_part
from selforg.icl.lsa import LSA, context_mask
from selforg.icl.metrics import training_seconds
from selforg.icl.precision import full_precision, precision_scope
from selforg.icl.results import SineResult
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

    @full_precision
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

    @full_precision
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

    @full_precision
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


def _train(part: Run, model, cfg: SineConfig, quiet: bool):
    opt = optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(cfg.lr))
    key = jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 5)

    @eqx.filter_jit
    def step(state, i):
        m, o = state
        x, y = shard_batch(sine_data(jax.random.fold_in(key, i), cfg.batch, n_ctx=cfg.n_ctx))
        loss, g = eqx.filter_value_and_grad(_loss)(m, x, y)
        u, o = opt.update(g, o, eqx.filter(m, eqx.is_array))
        return (eqx.apply_updates(m, u), o), {"loss": loss}

    state = (model, opt.init(eqx.filter(model, eqx.is_array)))
    state, _, _ = train_loop(part, state, step, LoopSettings(
        steps=cfg.steps, log_every=cfg.log_every, checkpoint_every=500, quiet=quiet,
        description=f"icl {part.verb}"), best_of=lambda s: s[0])
    records = part.read_metrics()
    return state[0], training_seconds(records), records


LEARNERS = {"lsa": "features + LSA", "gd_features": "features + GD step"}


def sine(config: SineConfig | None = None, *, out: str | Path | None = None,
             quiet: bool = True, resume: str | Path | None = None) -> SineResult:
    """``selforg icl sine``: train both learners on sine tasks; compare losses and functions.

    Each learner trains in its own part folder (``lsa/``, ``gd_features/``); the run folder
    gets ``results.json``, ``plots/loss.png`` and ``plots/functions.png`` (both adapted
    functions on one task). A larger ``steps`` on resume extends a finished run.

    Args:
        config: the experiment (default `SineConfig()`: 40,000 steps, about 20 min on 2 cores;
            when resuming, the run's own).
        out, quiet, resume: as in `selforg.icl.gd`.

    Example:
        >>> from selforg.icl import SineConfig, sine
        >>> res = sine(SineConfig(steps=200, eval_tasks=512))
        >>> res.loss_lsa, res.loss_gd_features  # doctest: +SKIP
    """
    with precision_scope():
        run = open_experiment("sine", config, SineConfig, out=out, resume=resume, parts=True)
        cfg: SineConfig = run.config
        k1, k2 = jax.random.split(jax.random.PRNGKey(cfg.seed))
        fresh = {"lsa": FeatureLSA(cfg, key=k1), "gd_features": FeatureGD(cfg, key=k2)}
        models, seconds, records = {}, {}, {}
        for n, (name, model) in enumerate(fresh.items(), 1):
            models[name], seconds[name], records[name] = _train(open_part(run, name, cfg),
                                                                model, cfg, quiet)
            finish_part(run, n)
        x, y = sine_data(jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 10**6),
                         cfg.eval_tasks, n_ctx=cfg.n_ctx)
        pl = _predict_batch(models["lsa"], x, y)
        pg = _predict_batch(models["gd_features"], x, y)
        result = SineResult(
            run_dir=run.path, loss_lsa=float(0.5 * jnp.mean((pl - y[:, -1]) ** 2)),
            loss_gd_features=float(0.5 * jnp.mean((pg - y[:, -1]) ** 2)),
            preds_diff=float(jnp.mean(jnp.abs(pl - pg))), train_seconds=seconds, models=models)
        run.write_json("results.json", {**result.summary(), "steps": cfg.steps})
        labels = {LEARNERS[k]: r for k, r in records.items()}
        loss_plot(run.path / "plots" / "loss.png", merge_records(labels), list(labels),
                  title="sine regression: training loss of both learners")
        _plot_functions(run.path / "plots" / "functions.png", models, x[0], y[0])
    return result


def _plot_functions(path: Path, models, x, y) -> None:
    """Both learners' predictions on one task as the query sweeps [-5, 5]."""
    from selforg.core.media import plot_curves

    grid = np.linspace(-5, 5, 101, dtype=np.float32)
    xs = jnp.broadcast_to(x, (101, x.shape[0])).at[:, -1].set(grid)
    ys = jnp.broadcast_to(y, xs.shape)
    a, rho = _fit_sine(np.asarray(x), np.asarray(y))
    curves = {"target": (grid, a * np.sin(grid + rho))}
    for name, label in LEARNERS.items():
        curves[label] = (grid, np.asarray(_predict_batch(models[name], xs, ys)))
    plot_curves(path, curves, xlabel="query x", ylabel="prediction",
                title=f"functions adapted to one context of {x.shape[0] - 1} points")


def _fit_sine(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, rho) of y = a sin(x + rho) from the samples (least squares on sin/cos)."""
    m = np.stack([np.sin(x), np.cos(x)], axis=1)
    c, *_ = np.linalg.lstsq(m, y, rcond=None)
    return float(np.hypot(*c)), float(np.arctan2(c[1], c[0]))

