"""Evaluating a protocol: the `eval` verb, MPLP against Adam and SGD on the same tasks.

Every task draws a fresh network (W ~ N(0, 0.05), b = 0; few-shot: MPLP starts from its learned
initialisation, MAML from its own) and its batches; MPLP, Adam and SGD then take the same inner
steps on the same batches from the same network. The loss is scored after every step on the
task's evaluation set (the 100-point grid over [−5, 5] for sinusoids, the 500 test images for
digits); index 0 of each curve is the loss before any update. Digits also reports the test
accuracy after the last step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selforg.core.errors import require
from selforg.mplp.config import EvalConfig, TrainConfig, check_eval, validate_widths

METHODS = ("mplp", "adam", "sgd")


@dataclass(frozen=True)
class EvalResult:
    """What `evaluate` measured.

    Attributes:
        run_dir: the folder holding ``eval.json`` and ``inner_loss.png``.
        curves: ``{"mplp", "adam", "sgd"[, "maml"]}`` → mean loss per inner step over the
            tasks, ``steps + 1`` values, index 0 before any update.
        accuracy: digits: test accuracy after the last step per method, else None.
        final: the last value of each curve.
        seconds: wall time.
    """

    run_dir: Path | None
    curves: dict[str, list[float]]
    accuracy: dict[str, float] | None
    final: dict[str, float]
    seconds: float


def _sgd_default(task: str) -> float:
    return 0.1 if task == "digits" else 0.05


def inner_curves(protocol: Any, net: Any, cfg: TrainConfig, *, tasks: int, steps: int,
                 seed: int, adam_lr: float = 0.01, sgd_lr: float | None = None,
                 maml: Any = None) -> dict[str, Any]:
    """Mean evaluation loss per inner step of MPLP, Adam and SGD (and MAML's init with SGD
    0.05 for few-shot) over `tasks` fresh tasks; digits adds ``accuracy``."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    from selforg.mplp.meta import MAML_LR
    from selforg.mplp.network import accuracy, init_carries, init_weights, loss_value, mp_step
    from selforg.mplp.tasks import make_task

    sgd_lr = _sgd_default(cfg.task) if sgd_lr is None else sgd_lr
    batch = cfg.inner_batch
    is_digits = cfg.task == "digits"

    def opt_curve(opt: optax.GradientTransformation, w: Any, task: Any) -> Any:
        def body(carry: Any, xy: Any) -> Any:
            w, s = carry
            g = jax.grad(lambda ww: loss_value(net, ww, xy[0], xy[1]))(w)
            u, s = opt.update(g, s, w)
            w = optax.apply_updates(w, u)
            return (w, s), loss_value(net, w, task.xv, task.yv)

        (w, _), losses = jax.lax.scan(body, (w, opt.init(w)), (task.xs, task.ys))
        return losses, w

    def mplp_curve(w: Any, task: Any) -> Any:
        def body(s: Any, xy: Any) -> Any:
            s, _, _ = mp_step(protocol, net, s, xy[0], xy[1])
            return s, loss_value(net, s["weights"], task.xv, task.yv)

        s0 = {"weights": w, "carries": init_carries(protocol, net, batch)}
        s, losses = jax.lax.scan(body, s0, (task.xs, task.ys))
        return losses, s["weights"]

    def one(key: jax.Array) -> dict[str, Any]:
        kt, kn = jax.random.split(key)
        task = make_task(cfg.task, kt, steps, batch)
        w0 = init_weights(kn, net)
        start = protocol.learners.prior if cfg.task == "fewshot" else w0
        out: dict[str, Any] = {}
        finals: dict[str, Any] = {}
        for name, (init, run) in {
            "mplp": (start, mplp_curve),
            "adam": (w0, lambda w, t: opt_curve(optax.adam(adam_lr), w, t)),
            "sgd": (w0, lambda w, t: opt_curve(optax.sgd(sgd_lr), w, t)),
            **({"maml": (maml, lambda w, t: opt_curve(optax.sgd(MAML_LR), w, t))}
               if maml is not None else {}),
        }.items():
            losses, w_end = run(init, task)
            out[name] = jnp.concatenate([loss_value(net, init, task.xv, task.yv)[None],
                                         losses])
            finals[name] = w_end
        if is_digits:
            out["accuracy"] = {k: accuracy(net, w, task.xv, task.yv) for k, w in finals.items()}
        return out

    keys = jax.random.split(jax.random.fold_in(jax.random.key(seed), 7), tasks)
    chunk = 10 if is_digits else 50
    res = jax.lax.map(jax.jit(one), keys, batch_size=min(chunk, tasks))
    res = jax.device_get(res)
    curves: dict[str, Any] = {k: [round(float(v), 6) for v in np.mean(res[k], axis=0)]
                              for k in res if k != "accuracy"}
    if is_digits:
        curves["accuracy"] = {k: round(float(np.mean(v)), 4) for k, v in res["accuracy"].items()}
    return curves


def plot_inner(path: str | Path, curves: dict[str, Any], *, title: str) -> Path:
    """Loss per inner step, one line per method (log scale)."""
    from selforg.core.media import plot_curves

    lines = {k: (list(range(len(v))), v) for k, v in curves.items() if isinstance(v, list)}
    return plot_curves(path, lines, xlabel="inner step", ylabel="evaluation loss",
                       title=title, logy=True, markers=True)


def load(spec: str | Path) -> tuple[TrainConfig, Any, Any, dict[str, Any]]:
    """A protocol from a run folder, a ``protocol.npz`` or ``zoo:NAME``:
    (config, protocol, MAML init or None, metadata)."""
    from selforg.mplp.zoo import locate

    return locate(spec)


def evaluate(cfg: EvalConfig, *, out: str | Path | None = None,
             quiet: bool = True) -> EvalResult:
    """Score the protocol `cfg.model` against Adam and SGD on `cfg.tasks` fresh tasks.

    Writes ``eval.json`` (the `EvalResult` numbers) and ``inner_loss.png`` into `out` (or a new
    ``runs/mplp-eval/<time>/``).

    Example:
        >>> from selforg.mplp import EvalConfig, evaluate
        >>> res = evaluate(EvalConfig("zoo:sinusoid", tasks=10))  # doctest: +SKIP
        >>> res.curves["mplp"][5] < res.curves["adam"][5]  # doctest: +SKIP
        True
    """
    import dataclasses

    from selforg.core.runs import open_run
    from selforg.mplp.model import NetSpec

    t0 = time.monotonic()
    check_eval(cfg)
    tcfg, protocol, maml, _ = load(cfg.model)
    widths = tuple(cfg.widths) if cfg.widths is not None else tuple(tcfg.widths)
    validate_widths(tcfg.task, widths)
    if len(widths) - 1 != protocol.depth:
        require(protocol.shared, f"widths {','.join(map(str, widths))}: this protocol has"
                f" {protocol.depth} dense layers with their own learners; a network of another"
                " depth needs a protocol with shared learners (digits)")
    require(tcfg.task != "fewshot" or widths == tuple(tcfg.widths),
            "few-shot starts from its learned initial network, whose widths are fixed")
    net = NetSpec(widths, cfg.activation or tcfg.activation, tcfg.loss)
    steps = cfg.steps or tcfg.inner_steps
    run = open_run("mplp", "eval", cfg, out=out)
    curves = inner_curves(protocol, net, tcfg, tasks=cfg.tasks, steps=steps, seed=cfg.seed,
                          adam_lr=cfg.adam_lr, sgd_lr=cfg.sgd_lr, maml=maml)
    acc = curves.pop("accuracy", None)
    final = {k: v[-1] for k, v in curves.items()}
    seconds = time.monotonic() - t0
    doc = {**curves, "final": final, "tasks": cfg.tasks, "steps": steps,
           "widths": list(widths), "activation": net.activation, "trained_task": tcfg.task,
           "adam_lr": cfg.adam_lr, "sgd_lr": cfg.sgd_lr or _sgd_default(tcfg.task),
           "seconds": round(seconds, 2), "config": dataclasses.asdict(cfg)}
    if acc is not None:
        doc["accuracy"] = acc
    run.write_json("eval.json", doc)
    plot_inner(run.artefact("inner_loss.png"), curves,
               title=f"{tcfg.task} {'-'.join(map(str, widths))} {net.activation}:"
               f" loss per inner step, {cfg.tasks} fresh tasks")
    return EvalResult(run.path, curves, acc, final, seconds)
