"""Tour part: a 1-layer linear self-attention layer learns to do one step of gradient descent.

von Oswald et al., "Transformers learn in-context by gradient descent" (ICML 2023,
arXiv 2212.07677), Fig. 2: trained until its loss matches GD-1, then compared with the GD
construction (loss, model cosine, prediction difference) and shown as weight heat maps.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from selforg.core.report import Media, Section


def tour_part(out: Path, *, quiet: bool = True, max_steps: int = 600,
              tolerance: float = 0.01) -> Section:
    """Train until the batch loss is within ``tolerance`` of GD-1 (smoothed), then measure.

    Writes ``out/icl/weights.png`` and ``out/icl/loss.png``.
    """
    import jax.numpy as jnp

    from selforg.core.media import plot_curves
    from selforg.core.runs import open_run
    from selforg.icl.config import RegressionConfig
    from selforg.icl.construct import gd_stack
    from selforg.icl.metrics import compare, lsa_learner
    from selforg.icl.regression import eval_tasks, gd_learner, save_weight_picture, train_regression
    from selforg.icl.solvers import best_gd_eta

    t0 = time.perf_counter()
    folder = Path(out) / "icl"
    folder.mkdir(parents=True, exist_ok=True)
    run_dir = folder / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cfg = RegressionConfig(steps=max_steps, eval_tasks=2000, log_every=10)
    run = open_run("icl", "tour", cfg, out=run_dir)
    x, y = eval_tasks(cfg)
    eta, loss_gd = best_gd_eta(x, y)
    ema: dict[str, float] = {}

    def matched(m: dict[str, float]) -> bool:
        # the ratio to GD-1 on the same batch, smoothed: batches differ a lot, ratios less
        r = m["loss"] / m["gd_loss"]
        ema["r"] = r if "r" not in ema else 0.9 * ema["r"] + 0.1 * r
        ema["n"] = ema.get("n", 0) + 1
        return ema["n"] > 20 and ema["r"] < 1 + tolerance

    model, records, seconds = train_regression(run, cfg, quiet=quiet, eta_ref=eta,
                                               stop_when=matched, description="icl tour")
    m = {k: float(v) for k, v in compare(lsa_learner(model), gd_learner(eta), x, y).items()}
    constructed = gd_stack(cfg.dim, cfg.n_ctx, [eta]).layers[0]
    save_weight_picture(folder / "weights.png", model, constructed, cfg.dim)
    steps = [r["step"] for r in records]
    plot_curves(folder / "loss.png", {"trained LSA": (steps, [r["loss"] for r in records]),
                                    "GD-1, same batch": (steps, [r["gd_loss"] for r in records])},
              xlabel="step", ylabel="loss", logy=True, title="1-layer LSA learns GD-1")
    steps_done = int(records[-1]["step"]) if records else 0
    return Section(
        title="icl: a linear self-attention layer learns one step of gradient descent",
        summary=(
            "A 1-layer linear self-attention layer is trained on fresh in-context linear "
            "regression tasks (10 points in 10 dimensions) until its loss matches one step of "
            "gradient descent with the line-searched step size. Its implicit linear model "
            "(the gradient of the prediction with respect to the query) then points the same "
            "way as GD's, and its weights are the GD construction up to a scale: "
            "W_K^T W_Q is the identity on the x-block and P W_V reads only -y."),
        numbers={
            "steps": steps_done, "train seconds": round(seconds, 1),
            "loss (trained)": m["loss_a"], "loss (GD-1)": loss_gd, "eta (GD-1)": eta,
            "model cos": m["model_cos"], "model diff": m["model_diff"],
            "preds diff": m["preds_diff"],
            "loss of predicting 0": float(0.5 * jnp.mean(y[:, -1] ** 2)),
        },
        media=[Media("icl/weights.png", "trained W_K^T W_Q and P W_V next to the construction"),
               Media("icl/loss.png", "training loss vs GD-1 on the same batches")],
        seconds=time.perf_counter() - t0,
    )
