"""Reaction-diffusion throughput: training steps/s and inference cell-updates/s of the learned
rule next to a straightforward JAX implementation measured in the same run, and Gray–Scott
cell-updates/s next to NumPy.

The baseline is what one writes first from the authors' notebook: the Laplacian as a
depthwise convolution (`lax.conv_general_dilated` with ``feature_group_count``), the MLP as
two 1×1 convolutions (the released weights' (1, 1, 32, 128) / (1, 1, 128, 32) shapes), a plain
Python loop over the steps (unrolled inside `jit` for training, one jitted step per call for
inference), no remat. Ours (`selforg.rd`): the Laplacian as paired shifted adds, the MLP as
matrix products, steps under `lax.scan` (`core.rollout`), `jax.checkpoint` per step in
training. Both train on the same loss (MSE of the RGB channels to a fixed random image), so the
numbers measure the RD machinery, not the texture loss. Gray–Scott: both engines of
`grayscott.simulate` (``jax``: `core.rollout` of the JAX step; ``numba``: the fused CPU stencil
that ``auto`` picks on a CPU) against a float32 NumPy step in a Python loop (`numpy_gray_scott`:
slices of a wrap-padded buffer, faster than the `np.roll` transcription the tests use).

    python -m benchmarks.rd [--quick]
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core.rollout import rollout
from selforg.rd import grayscott as gs
from selforg.rd.model import RD, RDRule

LAP = np.array([[1, 2, 1], [2, -12, 2], [1, 2, 1]], np.float32) / 16.0


def _conv(x, w, groups=1, padding="VALID"):
    return jax.lax.conv_general_dilated(
        x, jnp.asarray(w), (1, 1), padding, dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups)


def baseline_step(model: RD, x):
    """The same update as ``model.step`` with convolutions throughout."""
    c = x.shape[-1]
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="wrap")
    lap = _conv(xp, np.repeat(LAP[:, :, None, None], c, axis=3), groups=c)
    h = jax.nn.relu(_conv(x, model.w1[None, None]) + model.b1.reshape(1, 1, 1, -1))
    r = _conv(h, model.w2[None, None])
    return x + model.dt * (r + model.diffusion().reshape(1, 1, 1, -1) * lap)


def _timed(fn, repeats):
    out = fn()
    jax.block_until_ready(out)  # compile + warm
    t = time.perf_counter()
    for _ in range(repeats):
        out = fn()
    jax.block_until_ready(out)
    return (time.perf_counter() - t) / repeats


def _live(model: RD, key) -> RD:
    """Non-trivial weights (a fresh rule has a zero second layer)."""
    return eqx.tree_at(lambda m: m.w2, model, 0.02 * jax.random.normal(key, model.w2.shape))


def bench_rule(batch, side, steps, repeats):
    key = jax.random.PRNGKey(0)
    model = _live(RD(key=key), key)
    x = model.seed((batch, side, side), key)
    target = jax.random.uniform(key, (batch, side, side, 3))
    rule = RDRule(dmap=jnp.float32(1.0))

    def loss_ours(m):
        y, _ = rollout(rule, m, x, steps, key=None, remat=True)
        return jnp.mean(jnp.square(y[..., :3] - target))

    def loss_base(m):
        y = x
        for _ in range(steps):  # unrolled plain loop
            y = baseline_step(m, y)
        return jnp.mean(jnp.square(y[..., :3] - target))

    g_ours = eqx.filter_jit(eqx.filter_grad(loss_ours))
    g_base = eqx.filter_jit(eqx.filter_grad(loss_base))
    t_train_ours = _timed(lambda: g_ours(model), repeats)
    t_train_base = _timed(lambda: g_base(model), repeats)

    inf_steps = steps * 4
    run_ours = eqx.filter_jit(lambda m, x: rollout(rule, m, x, inf_steps, key=None)[0])
    step_base = eqx.filter_jit(baseline_step)

    def run_base():
        y = x
        for _ in range(inf_steps):
            y = step_base(model, y)
        return y

    t_inf_ours = _timed(lambda: run_ours(model, x), repeats)
    t_inf_base = _timed(run_base, repeats)
    cells = batch * side * side * inf_steps
    return {
        "shape": f"{batch}×{side}²×{steps}",
        "train ours (steps/s)": 1 / t_train_ours, "train base (steps/s)": 1 / t_train_base,
        "infer ours (Mcell/s)": cells / t_inf_ours / 1e6,
        "infer base (Mcell/s)": cells / t_inf_base / 1e6,
    }


def numpy_gray_scott(x0, f, k, steps):
    """The NumPy baseline: float32 throughout, the Laplacian from slices of a preallocated
    wrap-padded buffer (faster than the `np.roll` transcription `gs.step_numpy`, which
    allocates eight shifted copies per plane and step)."""
    u, v = x0[0].copy(), x0[1].copy()
    pu, pv = (np.empty((u.shape[0] + 2, u.shape[1] + 2), np.float32) for _ in range(2))
    f32, kf = np.float32(f), np.float32(f + k)

    def lap(a, p):
        p[1:-1, 1:-1] = a
        p[0, 1:-1], p[-1, 1:-1] = a[-1], a[0]
        p[:, 0], p[:, -1] = p[:, -2], p[:, 1]
        edges = (p[:-2, 1:-1] + p[2:, 1:-1]) + (p[1:-1, :-2] + p[1:-1, 2:])
        corners = (p[:-2, :-2] + p[2:, 2:]) + (p[:-2, 2:] + p[2:, :-2])
        return (corners + np.float32(2.0) * edges - np.float32(12.0) * a) * np.float32(1 / 16)

    for _ in range(steps):
        uvv = u * v * v
        u, v = (u + (lap(u, pu) - uvv + f32 * (np.float32(1.0) - u)),
                v + (np.float32(0.5) * lap(v, pv) + uvv - kf * v))
    return np.stack([u, v])


def bench_gray_scott(side, steps, repeats):
    x0 = gs.seed_state(side)
    f, k = gs.PRESETS["spots"]
    t_jax = _timed(lambda: gs.simulate(x0, f, k, steps, engine="jax")[0], repeats)
    t_numba = _timed(lambda: gs.simulate(x0, f, k, steps, engine="numba")[0], repeats)
    t0 = time.perf_counter()
    numpy_gray_scott(x0, f, k, steps)
    t_np = time.perf_counter() - t0
    cells = side * side * steps
    return {"shape": f"{side}²×{steps}", "jax (Mcell/s)": cells / t_jax / 1e6,
            "numba (Mcell/s)": cells / t_numba / 1e6, "numpy (Mcell/s)": cells / t_np / 1e6}


def check_same_gray_scott():
    """The NumPy baseline computes the library's step (else the comparison is void)."""
    x0 = gs.seed_state(32, seed=3)
    f, k = gs.PRESETS["spots"]
    u, v = x0[0].copy(), x0[1].copy()
    for _ in range(20):
        u, v = gs.step_numpy(u, v, f, k)
    err = float(np.abs(numpy_gray_scott(x0, f, k, 20) - np.stack([u, v])).max())
    assert err < 1e-5, err


def check_same_update():
    """The baseline computes the same step as the library (else the comparison is void)."""
    key = jax.random.PRNGKey(1)
    model = _live(RD(key=key), key)
    x = model.seed((2, 12, 12), key)
    err = float(jnp.abs(model.step(x) - baseline_step(model, x)).max())
    assert err < 1e-5, err


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small shapes, one repeat")
    args = ap.parse_args(argv)
    check_same_update()
    check_same_gray_scott()
    if args.quick:
        rule_plan, gs_plan, repeats = [(2, 32, 16)], [(128, 500)], 1
    else:
        rule_plan, gs_plan, repeats = [(4, 64, 48), (1, 128, 64)], [(256, 2000)], 3
    print("learned rule | train ours | train base | ratio | infer ours Mcell/s | infer base"
          " | ratio")
    for plan in rule_plan:
        r = bench_rule(*plan, repeats)
        tr = r["train ours (steps/s)"] / r["train base (steps/s)"]
        ir = r["infer ours (Mcell/s)"] / r["infer base (Mcell/s)"]
        print(f"{r['shape']:>12} | {r['train ours (steps/s)']:10.3f} |"
              f" {r['train base (steps/s)']:10.3f} | {tr:5.2f} |"
              f" {r['infer ours (Mcell/s)']:18.2f} | {r['infer base (Mcell/s)']:10.2f} |"
              f" {ir:5.2f}")
    print("gray-scott | jax Mcell/s | numba Mcell/s (ours on CPU) | numpy Mcell/s | jax ratio"
          " | numba ratio")
    for plan in gs_plan:
        r = bench_gray_scott(*plan, repeats)
        np_rate = r["numpy (Mcell/s)"]
        print(f"{r['shape']:>10} | {r['jax (Mcell/s)']:11.2f} | {r['numba (Mcell/s)']:27.2f} |"
              f" {np_rate:13.2f} | {r['jax (Mcell/s)'] / np_rate:9.2f} |"
              f" {r['numba (Mcell/s)'] / np_rate:11.2f}")


if __name__ == "__main__":
    main()
