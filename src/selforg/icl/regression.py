"""In-context linear regression: train LSA stacks, compare them with GD, GD-K and GD++.

von Oswald et al., "Transformers learn in-context by gradient descent" (ICML 2023,
arXiv 2212.07677), Sec. 3-4: a 1-layer LSA trained on fresh regression tasks converges to the
weights of one GD step (Fig. 2); a weight-tied 2-layer model beats GD-2 and matches GD++
(Fig. 3); deeper untied models track GD++ with per-layer step sizes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.core.parallel import shard_batch
from selforg.core.runs import Run
from selforg.core.train import LoopSettings, train_loop
from selforg.icl.config import GDPPConfig, RegressionConfig, SoftmaxConfig
from selforg.icl.construct import gd_stack
from selforg.icl.experiment import (
    finish_part,
    loss_plot,
    merge_records,
    open_experiment,
    open_part,
)
from selforg.icl.lsa import Stack, make_stack, regression_predict
from selforg.icl.metrics import (
    Learner,
    compare,
    interpolate,
    learner_loss,
    lsa_learner,
    training_seconds,
)
from selforg.icl.precision import precision_scope
from selforg.icl.results import GDPPResult, GDResult, SoftmaxResult
from selforg.icl.solvers import best_gd_eta, gd_predict, gdpp_predict
from selforg.icl.tasks import regression_data, regression_tokens


def init_model(cfg: RegressionConfig, key) -> Stack:
    """The LSA stack of `cfg` (init: truncated-normal variance scaling ``init_scale / layers``)."""
    return make_stack(cfg.dim + 1, cfg.layers, tied=cfg.tied, key=key, heads=cfg.heads,
                      key_size=cfg.key_size, softmax=cfg.softmax,
                      init_scale=cfg.init_scale / cfg.layers)


def batch_loss(model: Stack, tokens, y_q) -> jax.Array:
    """``0.5 mean (prediction - y_q)^2`` of the model on a batch of token sets (b, n+1, d+1)."""
    preds = jax.vmap(lambda t: regression_predict(model, t))(tokens)
    return 0.5 * jnp.mean((preds - y_q) ** 2)


def make_train_step(cfg: RegressionConfig, opt: optax.GradientTransformation, data_key,
                    eta_ref: float | None = None) -> Callable:
    """Jitted ``(state, step) -> (state, metrics)``; state = (model, opt_state).

    The batch of step i comes from ``fold_in(data_key, i)``, so a resumed run draws the same
    tasks. With ``eta_ref`` the metrics also hold ``gd_loss``, GD-1's loss on the same batch.
    """

    @eqx.filter_jit
    def step(state, i):
        model, opt_state = state
        x, y = shard_batch(regression_data(jax.random.fold_in(data_key, i), cfg.batch,
                                           n_ctx=cfg.n_ctx, dim=cfg.dim,
                                           half_width=cfg.half_width))
        loss, grads = eqx.filter_value_and_grad(batch_loss)(model, regression_tokens(x, y),
                                                            y[:, -1])
        updates, opt_state = opt.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        model = eqx.apply_updates(model, updates)
        metrics = {"loss": loss}
        if eta_ref is not None:
            gd = jax.vmap(lambda a, b, c: gd_predict(a, b, c, eta_ref))(x[:, :-1], y[:, :-1],
                                                                       x[:, -1])
            metrics["gd_loss"] = 0.5 * jnp.mean((gd - y[:, -1]) ** 2)
        return (model, opt_state), metrics

    return step


def train_regression(run: Run, cfg: RegressionConfig, *, quiet: bool = True,
                     eta_ref: float | None = None, stop_when=None, description: str = "icl",
                     train: bool = True) -> tuple[Stack, list[dict[str, float]], float]:
    """Train the LSA stack of `cfg` with Adam through `core.train.train_loop`.

    With ``train=False`` the run's latest checkpoint is loaded and returned as it is (to
    evaluate a run that was stopped early).

    Returns:
        (trained model, all logged records of the run, seconds the run spent training: from
        the records, so evaluating a checkpoint with ``train=False`` keeps the training time).
    """
    k_model, k_data = jax.random.split(jax.random.PRNGKey(cfg.seed))
    model = init_model(cfg, k_model)
    opt = optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(cfg.lr))
    state = (model, opt.init(eqx.filter(model, eqx.is_array)))
    step = make_train_step(cfg, opt, k_data, eta_ref)
    settings = LoopSettings(steps=cfg.steps, log_every=cfg.log_every, checkpoint_every=500,
                            quiet=quiet, description=description)
    if train:
        state, _, _ = train_loop(run, state, step, settings, stop_when=stop_when,
                                 best_of=lambda s: s[0])
    else:
        state, _, _ = run.load_checkpoint(state)
    records = run.read_metrics()
    return state[0], records, training_seconds(records)


def eval_tasks(cfg: RegressionConfig, n: int | None = None, **kw) -> tuple[jax.Array, jax.Array]:
    """The validation tasks (a key disjoint from the training stream)."""
    key = jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 10**6)
    # every shift passes the same keywords, so the sampler compiles once (per heavy_tail)
    shift = {"half_width": cfg.half_width, "w_scale": 1.0, "noise": 0.0, **kw}
    return regression_data(key, n or cfg.eval_tasks, n_ctx=cfg.n_ctx, dim=cfg.dim,
                           **{k: float(v) if k != "heavy_tail" else v for k, v in shift.items()})


def gd_learner(eta: float, steps: int = 1) -> Learner:
    """``steps`` GD steps of size `eta` as a learner (a pytree holding eta, see `lsa_learner`)."""
    return eqx.Partial(gdpp_predict, etas=jnp.full((steps,), eta, jnp.float32))


def ood_curves(cfg: RegressionConfig, learners: dict[str, Any], alphas) -> dict[str, Any]:
    """Losses under distribution shift: inputs ~ U(-a/2, a/2) with teacher scaled by a, and
    noisy targets (std a/4) and heavy-tailed (Student-t) inputs scaled by a; on
    ``cfg.eval_tasks`` tasks per shift (the validation set's size: its sampler is compiled
    already)."""
    out: dict[str, Any] = {"alpha": [float(a) for a in alphas]}
    shifts = {
        "scale": lambda a: {"half_width": a / 2, "w_scale": a},
        "noise": lambda a: {"noise": a / 4},
        "heavy_tail": lambda a: {"half_width": a / 2, "heavy_tail": True},
    }
    for shift, kw in shifts.items():
        losses: dict[str, list[jax.Array]] = {name: [] for name in learners}
        for a in alphas:
            x, y = eval_tasks(cfg, **kw(float(a)))
            for name, fn in learners.items():
                losses[name].append(learner_loss(fn, x, y))
        for name, values in losses.items():
            out[f"{shift}/{name}"] = [float(v) for v in values]
    return out


def matched_gd(tolerance: float, window: int, history: Sequence[dict[str, Any]] = ()
               ) -> Callable[[dict[str, Any]], bool]:
    """A ``stop_when(record)`` that is True once the mean of ``loss / gd_loss`` (the training
    loss relative to GD-1's on the same batch) over the last `window` logged records is below
    ``1 + tolerance``.

    Args:
        history: the run's records so far (a resumed run continues its window); a record of a
            step already seen replaces that step and every later one, as the loop's own
            metrics do when a run resumes from an earlier checkpoint.
    """
    ratios: dict[int, float] = {}

    def matched(record: dict[str, Any]) -> bool:
        step = int(record["step"])
        for s in [s for s in ratios if s >= step]:
            del ratios[s]
        ratios[step] = record["loss"] / record["gd_loss"]
        last = [ratios[s] for s in sorted(ratios)[-window:]]
        return len(last) == window and sum(last) / window < 1 + tolerance

    for r in history:
        if "gd_loss" in r:
            matched(r)
    return matched


def _steps_to_match(records: list[dict[str, float]], tol: float) -> int | None:
    """First logged step whose loss is within ``tol`` (relative) of GD-1 on the same batch."""
    for r in records:
        if "gd_loss" in r and r["loss"] <= (1 + tol) * r["gd_loss"]:
            return int(r["step"])
    return None


def gd(config: RegressionConfig | None = None, *, out: str | Path | None = None,
           quiet: bool = True, resume: str | Path | None = None,
           eval_only: bool = False) -> GDResult:
    """``selforg icl gd``: train a 1-layer LSA, compare it with GD-1 (paper Fig. 2).

    Training stops before ``config.steps`` once the layer matches GD-1 on the training batches
    (``config.stop_tolerance``, see `RegressionConfig`; 0 trains every step). Writes into the
    run folder ``results.json`` (also the interpolation and OOD curves) and ``plots/``: loss,
    interpolation, ``ood_{scale,noise,heavy_tail}`` and weight heat maps.

    Args:
        config: the experiment (default `RegressionConfig()`; when resuming, the run's own).
        out: the run folder (default ``runs/icl-gd/<time>-gd/``).
        quiet: no progress bar.
        resume: a run folder to continue; a larger ``config.steps`` extends a finished run
            (a constant learning rate, so the result is that of the longer run; a run that
            stopped by the rule stops again at its next log unless ``stop_tolerance`` is 0).
        eval_only: with `resume`, evaluate its latest checkpoint without training.

    Example:
        >>> from selforg.icl import RegressionConfig, gd
        >>> res = gd(RegressionConfig(steps=200, batch=256, eval_tasks=1000))
        >>> res.loss_trained, res.loss_gd, res.model_cos  # doctest: +SKIP
    """
    with precision_scope():
        run = open_experiment("gd", config, RegressionConfig, out=out, resume=resume,
                              eval_only=eval_only)
        cfg: RegressionConfig = run.config
        x, y = eval_tasks(cfg)
        eta, loss_gd = best_gd_eta(x, y)
        stop = None
        if cfg.stop_tolerance > 0:
            stop = matched_gd(cfg.stop_tolerance, cfg.stop_window,
                              run.read_metrics() if run.resumed else ())
        model, records, seconds = train_regression(run, cfg, quiet=quiet, eta_ref=eta,
                                                   stop_when=stop, description="icl gd",
                                                   train=not eval_only)
        trained, gd = lsa_learner(model), gd_learner(eta)
        m = {k: float(v) for k, v in compare(trained, gd, x, y).items()}
        constructed = gd_stack(cfg.dim, cfg.n_ctx, [eta]).layers[0]
        alphas = np.linspace(0.0, 1.0, 6)
        interp = [float(learner_loss(lsa_learner(Stack([layer])), x, y))
                  for layer in interpolate(model.layers[0], constructed, cfg.dim, alphas)]
        ood = ood_curves(cfg, {"trained": trained, "gd": gd}, np.linspace(0.5, 2.0, 7))
        result = GDResult(
            run_dir=run.path, loss_trained=m["loss_a"], loss_gd=loss_gd,
            loss_zero=float(0.5 * jnp.mean(y[:, -1] ** 2)), eta_gd=eta,
            model_cos=m["model_cos"], preds_diff=m["preds_diff"], model_diff=m["model_diff"],
            steps_done=_steps_done(records), steps_to_match_gd_1pct=_steps_to_match(records, 0.01),
            train_seconds=seconds, model=model)
        run.write_json("results.json", {
            **result.summary(), "relative_gap": m["loss_a"] / loss_gd - 1.0, "steps": cfg.steps,
            "interpolation": {"alpha": alphas.tolist(), "loss": interp}, "ood": ood})
        _plot_gd(run.path / "plots", cfg, records, model, constructed, loss_gd, alphas, interp,
                 ood)
    return result


def _steps_done(records: list[dict[str, Any]]) -> int:
    return int(records[-1]["step"]) if records else 0


def _plot_gd(folder: Path, cfg: RegressionConfig, records, model, constructed, loss_gd, alphas,
             interp, ood) -> None:
    from selforg.core.media import plot_curves

    loss_plot(folder / "loss.png", [{"step": r["step"], "trained LSA": r["loss"],
                                     "GD-1 (same batch)": r["gd_loss"]} for r in records],
              ["trained LSA", "GD-1 (same batch)"],
              title="training loss: 1-layer LSA vs one step of GD on the same batches")
    plot_curves(folder / "interpolation.png", {"interpolated": (alphas, interp)},
                xlabel="alpha (0 = GD construction, 1 = trained, rescaled)", ylabel="loss",
                hlines={"GD-1": loss_gd}, markers=True,
                title="loss of weights interpolated between GD-1 and the trained layer")
    names = {"scale": "inputs ~ U(-a/2, a/2), teacher scaled by a",
             "noise": "context targets with noise of std a/4",
             "heavy_tail": "heavy-tailed (Student-t) inputs scaled by a"}
    for shift, what in names.items():
        plot_curves(folder / f"ood_{shift}.png",
                    {n: (ood["alpha"], ood[f"{shift}/{n}"]) for n in ("trained", "gd")},
                    xlabel="a (1 = training distribution)" if shift == "scale" else "a",
                    ylabel="loss", logy=True, markers=True,
                    title=f"out of distribution: {what}")
    save_weight_picture(folder / "weights.png", model, constructed, cfg.dim)


def save_weight_picture(path, model: Stack, constructed, dim: int):
    """Trained ``W_K^T W_Q / beta`` and ``P W_V * beta`` next to the GD construction's."""
    from selforg.icl.lsa import products
    from selforg.icl.metrics import rescaled_products
    from selforg.icl.plots import weight_heatmaps

    kq, pv, beta = rescaled_products(model.layers[0], dim)
    kq_c, pv_c = products(constructed)
    return weight_heatmaps(path, {
        "trained: W_K^T W_Q / beta": np.asarray(kq[0]), "trained: P W_V * beta": np.asarray(pv[0]),
        "GD construction: W_K^T W_Q": np.asarray(kq_c[0]),
        "GD construction: P W_V": np.asarray(pv_c[0])},
        labels=[f"x{i + 1}" for i in range(dim)] + ["y"],
        title="1-layer LSA weight products, trained (rescaled by beta ="
              f" {float(beta):.3g}) vs the one-step GD construction")


def fit_gdpp(cfg: GDPPConfig, eta0: float) -> tuple[np.ndarray, np.ndarray]:
    """Learn GD++'s per-layer (eta, gamma) (one pair when tied) by Adam on fresh tasks.

    Returns:
        (etas (layers,), gammas (layers,)).
    """
    n = 1 if cfg.tied else cfg.layers
    params = {"eta": jnp.full((n,), eta0), "gamma": jnp.zeros((n,))}
    opt = optax.adam(cfg.gdpp_lr)
    key = jax.random.fold_in(jax.random.PRNGKey(cfg.seed), 7)

    def loss(p, x, y):
        etas = jnp.broadcast_to(p["eta"], (cfg.layers,))
        gammas = jnp.broadcast_to(p["gamma"], (cfg.layers,))
        f = jax.vmap(lambda a, b, c: gdpp_predict(a, b, c, etas, gammas))
        return 0.5 * jnp.mean((f(x[:, :-1], y[:, :-1], x[:, -1]) - y[:, -1]) ** 2)

    @jax.jit
    def fit(params):
        def body(carry, i):
            p, s = carry
            x, y = regression_data(jax.random.fold_in(key, i), cfg.batch, n_ctx=cfg.n_ctx,
                                   dim=cfg.dim, half_width=cfg.half_width)
            g = jax.grad(loss)(p, x, y)
            u, s = opt.update(g, s, p)
            return (optax.apply_updates(p, u), s), None

        (p, _), _ = jax.lax.scan(body, (params, opt.init(params)), jnp.arange(cfg.gdpp_steps))
        return p

    p = fit(params)
    return (np.broadcast_to(np.asarray(p["eta"]), (cfg.layers,)).copy(),
            np.broadcast_to(np.asarray(p["gamma"]), (cfg.layers,)).copy())


def gdpp(config: GDPPConfig | None = None, *, out: str | Path | None = None,
             quiet: bool = True, resume: str | Path | None = None,
             eval_only: bool = False) -> GDPPResult:
    """``selforg icl gdpp``: a K-layer LSA (tied or not) vs GD-K and GD++ (paper Fig. 3).

    GD-K uses the line-searched step size; GD++ learns (eta, gamma) per layer (one pair when
    tied). Writes ``results.json`` and ``plots/loss.png``. Arguments as in `gd`.

    Example:
        >>> from selforg.icl import GDPPConfig, gdpp
        >>> res = gdpp(GDPPConfig(steps=300, batch=256, eval_tasks=1000, gdpp_steps=100))
        >>> res.loss_trained, res.loss_gdpp, res.model_cos_gdpp  # doctest: +SKIP
    """
    with precision_scope():
        run = open_experiment("gdpp", config, GDPPConfig, out=out, resume=resume,
                              eval_only=eval_only)
        cfg: GDPPConfig = run.config
        x, y = eval_tasks(cfg)
        eta, loss_gd = best_gd_eta(x, y, steps=cfg.layers)
        etas, gammas = fit_gdpp(cfg, eta)
        gdpp = lambda a, b, c: gdpp_predict(a, b, c, jnp.asarray(etas), jnp.asarray(gammas))  # noqa: E731
        loss_gdpp = float(learner_loss(gdpp, x, y))
        model, records, seconds = train_regression(run, cfg, quiet=quiet, description="icl gdpp",
                                                   train=not eval_only)
        trained = lsa_learner(model)
        vs_gd = {k: float(v) for k, v in
                 compare(trained, gd_learner(eta, cfg.layers), x, y).items()}
        vs_pp = {k: float(v) for k, v in compare(trained, gdpp, x, y).items()}
        result = GDPPResult(
            run_dir=run.path, layers=cfg.layers, tied=cfg.tied, loss_trained=vs_gd["loss_a"],
            loss_gd=loss_gd, loss_gdpp=loss_gdpp, eta_gd=eta,
            eta_gdpp=tuple(float(e) for e in etas), gamma_gdpp=tuple(float(g) for g in gammas),
            model_cos_gd=vs_gd["model_cos"], model_cos_gdpp=vs_pp["model_cos"],
            steps_done=_steps_done(records), train_seconds=seconds, model=model)
        run.write_json("results.json", {
            **result.summary(),
            "preds_diff_gd": vs_gd["preds_diff"], "preds_diff_gdpp": vs_pp["preds_diff"],
            "model_diff_gd": vs_gd["model_diff"], "model_diff_gdpp": vs_pp["model_diff"],
            "relative_gap_gdpp": vs_gd["loss_a"] / loss_gdpp - 1.0, "steps": cfg.steps})
        kind = "weight-tied" if cfg.tied else "untied"
        loss_plot(run.path / "plots" / "loss.png", records, ["loss"],
                  hlines={f"GD-{cfg.layers} (validation)": loss_gd,
                          "GD++ (validation)": loss_gdpp},
                  title=f"training loss of a {kind} {cfg.layers}-layer LSA vs GD-{cfg.layers}"
                        " and GD++")
    return result


def softmax(config: SoftmaxConfig | None = None, *, out: str | Path | None = None,
                quiet: bool = True, resume: str | Path | None = None) -> SoftmaxResult:
    """``selforg icl softmax``: 1-layer softmax self-attention per head count vs GD-1.

    One head cannot reach the GD loss; two heads nearly can (paper Sec. 4 / appendix). Each
    head count trains in its own part folder ``heads<h>/``. Arguments as in `gd`.

    Example:
        >>> from selforg.icl import SoftmaxConfig, softmax
        >>> res = softmax(SoftmaxConfig(steps=100, batch=256, eval_tasks=1000))
        >>> res.loss_heads, res.loss_gd  # doctest: +SKIP
    """
    with precision_scope():
        run = open_experiment("softmax", config, SoftmaxConfig, out=out, resume=resume,
                              parts=True)
        cfg: SoftmaxConfig = run.config
        x, y = eval_tasks(cfg)
        eta, loss_gd = best_gd_eta(x, y)
        losses, seconds, models, records = {}, {}, {}, {}
        for n, h in enumerate(cfg.head_counts, 1):
            part_cfg = dataclasses.replace(cfg, heads=h, softmax=True, layers=1)
            part = open_part(run, f"heads{h}", part_cfg)
            model, records[h], seconds[str(h)] = train_regression(
                part, part_cfg, quiet=quiet, description=f"icl softmax {h}")
            finish_part(run, n)
            models[str(h)] = model
            losses[str(h)] = float(learner_loss(lsa_learner(model), x, y))
        result = SoftmaxResult(run_dir=run.path, loss_gd=loss_gd, eta_gd=eta, loss_heads=losses,
                               train_seconds=seconds, models=models)
        run.write_json("results.json", {**result.summary(), "steps": cfg.steps})
        labels = {f"{h} head{'s' if h > 1 else ''}": r for h, r in records.items()}
        loss_plot(run.path / "plots" / "loss.png", merge_records(labels), list(labels),
                  hlines={"GD-1 (validation)": loss_gd},
                  title="training loss of softmax self-attention by head count vs GD-1")
    return result
