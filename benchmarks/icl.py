"""Throughput of the in-context-learning models: ``python -m benchmarks.icl [--quick]``.

Rows (each with a baseline measured in the same run):
- 1-layer LSA training on regression (batch 2048): jitted step vs the same step run eagerly;
- sequence models (batch 64, T = 50): mesa-layer (rematerialised O(sqrt(T))-memory backward,
  and plain autodiff) vs a 2-layer LSA;
- time from the start of training until the 1-layer LSA matches GD-1 (smoothed loss within 1%
  of GD-1 on the same batches), compile included.
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from selforg.icl.config import MesaConfig, RegressionConfig
from selforg.icl.lsa import Stack
from selforg.icl.mesa_layer import MesaLayer
from selforg.icl.regression import init_model, make_train_step
from selforg.icl.sequence import make_model, seq_batch_losses
from selforg.icl.solvers import best_gd_eta
from selforg.icl.tasks import dynamics_data, regression_data


def _time_steps(step, state, n: int) -> tuple[float, object]:
    state, m = step(state, np.int32(0))  # compile (an int32 step: a Python int is static)
    jax.block_until_ready(m)
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        state, m = step(state, np.int32(i))
    jax.block_until_ready(m)
    return n / (time.perf_counter() - t0), state


def lsa_regression(n: int) -> dict[str, float]:
    cfg = RegressionConfig()
    model = init_model(cfg, jax.random.PRNGKey(0))
    opt = optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(cfg.lr))
    state = (model, opt.init(eqx.filter(model, eqx.is_array)))
    step = make_train_step(cfg, opt, jax.random.PRNGKey(1))
    jitted, _ = _time_steps(step, state, n)
    with jax.disable_jit():
        eager, _ = _time_steps(step, state, max(2, n // 20))
    return {"jit": jitted, "eager": eager}


def sequence_models(n: int) -> dict[str, float]:
    cfg = MesaConfig()
    out = {}
    variants = {
        "lsa2": make_model("lsa2", cfg, jax.random.PRNGKey(0)),
        "mesa1": make_model("mesa1", cfg, jax.random.PRNGKey(0)),
        "mesa1-autodiff": Stack([MesaLayer(30, custom_grad=False, key=jax.random.PRNGKey(0))]),
    }
    opt = optax.adam(1e-3)
    for name, model in variants.items():
        @eqx.filter_jit
        def step(state, i):
            m, o = state
            s = dynamics_data(jax.random.fold_in(jax.random.PRNGKey(1), i), cfg.batch)
            loss, g = eqx.filter_value_and_grad(lambda m: jnp.mean(seq_batch_losses(m, s)))(m)
            u, o = opt.update(g, o, eqx.filter(m, eqx.is_array))
            return (eqx.apply_updates(m, u), o), loss

        out[name], _ = _time_steps(step, (model, opt.init(eqx.filter(model, eqx.is_array))), n)
    return out


def time_to_gd(max_steps: int) -> dict[str, float]:
    t0 = time.perf_counter()
    cfg = RegressionConfig()
    x, y = regression_data(jax.random.PRNGKey(99), 2000)
    eta, _ = best_gd_eta(x, y)
    model = init_model(cfg, jax.random.PRNGKey(0))
    opt = optax.chain(optax.clip_by_global_norm(cfg.clip), optax.adam(cfg.lr))
    state = (model, opt.init(eqx.filter(model, eqx.is_array)))
    step = make_train_step(cfg, opt, jax.random.PRNGKey(1), eta_ref=eta)
    ema, i = None, 0
    for i in range(1, max_steps + 1):
        state, m = step(state, np.int32(i))
        r = float(m["loss"] / m["gd_loss"])
        ema = r if ema is None else 0.9 * ema + 0.1 * r
        if i > 20 and ema < 1.01:
            break
    return {"seconds": time.perf_counter() - t0, "steps": i, "ratio": ema}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer steps")
    args = p.parse_args(argv)
    n = 20 if args.quick else 100
    print(f"icl benchmark ({jax.devices()[0].platform}, {'quick' if args.quick else 'full'})")
    r = lsa_regression(n)
    print(f"{'case':<44}{'steps/s':>10}{'vs baseline':>14}")
    print(f"{'1-layer LSA train step, batch 2048 (jit)':<44}{r['jit']:>10.1f}"
          f"{r['jit'] / r['eager']:>13.1f}x")
    print(f"{'  baseline: same step, eager':<44}{r['eager']:>10.2f}{1.0:>13.1f}x")
    print(f"{'  tasks/s (jit)':<44}{r['jit'] * 2048:>10.0f}")
    s = sequence_models(n // 2)
    for name in ("mesa1", "mesa1-autodiff"):
        print(f"{name + ' train step, batch 64, T 50':<44}{s[name]:>10.1f}"
              f"{s[name] / s['lsa2']:>13.2f}x")
    print(f"{'  baseline: lsa2 train step, batch 64':<44}{s['lsa2']:>10.1f}{1.0:>13.1f}x")
    t = time_to_gd(300 if args.quick else 1500)
    print(f"time to match GD-1 (1%, compile incl.): {t['seconds']:.1f} s, {t['steps']} steps,"
          f" loss/GD-1 {t['ratio']:.4f}")


if __name__ == "__main__":
    main()
