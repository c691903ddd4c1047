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

# The stop test sees the logged records only (the loop moves metrics to the host on the
# logging cadence), so the tour logs every 2nd step and smooths over about 10 records.
LOG_EVERY = 2
SMOOTHING = 0.9
MIN_RECORDS = 10


def matched_gd(tolerance: float):
    """A ``stop_when(record)`` that is True once the loss, relative to GD-1's on the same
    batches and smoothed over the logged records, is within `tolerance` of 1."""
    ema: dict[str, float] = {}

    def matched(record: dict[str, float]) -> bool:
        # batches differ a lot, the ratio to GD-1 on the same batch much less
        r = record["loss"] / record["gd_loss"]
        ema["r"] = r if "r" not in ema else SMOOTHING * ema["r"] + (1 - SMOOTHING) * r
        ema["n"] = ema.get("n", 0) + 1
        return ema["n"] >= MIN_RECORDS and ema["r"] < 1 + tolerance

    return matched


def tour_part(out: Path, *, quiet: bool = True, max_steps: int = 600,
              tolerance: float = 0.01) -> Section:
    """Train until the batch loss is within ``tolerance`` of GD-1 (smoothed), then measure.

    Writes ``out/icl/weights.png`` and ``out/icl/loss.png`` (and the run folder ``out/icl/run``).
    """
    import jax.numpy as jnp

    from selforg.core.runs import open_run
    from selforg.icl.config import RegressionConfig
    from selforg.icl.construct import gd_stack
    from selforg.icl.experiment import loss_plot
    from selforg.icl.metrics import compare, lsa_learner
    from selforg.icl.precision import precision_scope
    from selforg.icl.regression import eval_tasks, gd_learner, save_weight_picture, train_regression
    from selforg.icl.solvers import best_gd_eta

    t0 = time.perf_counter()
    folder = Path(out) / "icl"
    folder.mkdir(parents=True, exist_ok=True)
    run_dir = folder / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cfg = RegressionConfig(steps=max_steps, eval_tasks=2000, log_every=LOG_EVERY)
    with precision_scope():
        run = open_run("icl", "gd", cfg, out=run_dir)
        x, y = eval_tasks(cfg)
        eta, loss_gd = best_gd_eta(x, y)
        model, records, seconds = train_regression(run, cfg, quiet=quiet, eta_ref=eta,
                                                   stop_when=matched_gd(tolerance),
                                                   description="icl tour")
        m = {k: float(v) for k, v in compare(lsa_learner(model), gd_learner(eta), x, y).items()}
        constructed = gd_stack(cfg.dim, cfg.n_ctx, [eta]).layers[0]
        save_weight_picture(folder / "weights.png", model, constructed, cfg.dim)
    loss_plot(folder / "loss.png", records, {"trained LSA": "loss",
                                             "GD-1 on the same batch": "gd_loss"},
              title="training loss of a 1-layer LSA against one GD step, batch by batch")
    steps_done = int(records[-1]["step"]) if records else 0
    same = f"selforg icl gd --iterations {steps_done}"
    return Section(
        title="icl: a linear self-attention layer learns one step of gradient descent",
        summary=(
            "A 1-layer linear self-attention layer is trained on fresh in-context linear "
            "regression tasks (10 points in 10 dimensions) until its loss matches one step of "
            "gradient descent with the line-searched step size "
            f"({steps_done} steps of 2048 tasks here). Its implicit linear model "
            "(the gradient of the prediction with respect to the query) then points the same "
            "way as GD's, and its weights are the GD construction up to a scale: "
            "W_K^T W_Q is the identity on the x-block and P W_V reads only -y. The numbers "
            f"are on {cfg.eval_tasks} validation tasks."),
        numbers={
            "steps": steps_done, "train seconds": round(seconds, 1),
            "loss (trained)": m["loss_a"], "loss (GD-1)": loss_gd, "eta (GD-1)": eta,
            "model cos": m["model_cos"], "model diff": m["model_diff"],
            "preds diff": m["preds_diff"],
            "loss of predicting 0": float(0.5 * jnp.mean(y[:, -1] ** 2)),
        },
        media=[Media("icl/weights.png",
                     "the trained layer's W_K^T W_Q and P W_V (rescaled by beta) next to the "
                     "one-step GD construction's; rows and columns are the token entries "
                     "x1..x10 and y",
                     command=f"{same}  (plots/weights.png of its run folder)"),
               Media("icl/loss.png", "training loss per logged step against GD-1's loss on "
                     "the same batches",
                     command=f"{same}  (plots/loss.png)")],
        seconds=time.perf_counter() - t0,
        command="selforg tour --only icl",
    )
