"""NCA throughput: training steps/s and inference cell-updates/s for the growing, texture and
μNCA-588 models, next to a straightforward JAX implementation measured in the same run.

The baseline is what one writes first: perception as a grouped convolution
(`lax.conv_general_dilated` with ``feature_group_count``), a plain Python loop over the steps
(unrolled inside `jit` for training, one jitted step per call for inference), no remat.
Ours: the 3×3 perception as shifted adds, steps under `lax.scan`, `jax.checkpoint` per step.
Both train on the same loss (MSE of the RGB channels to a fixed random image) so the numbers
measure the automaton machinery, not the texture loss.

The texture loss (patch sliced Wasserstein, 5 levels, value and gradient for a batch of 4×64²
images against a 128² exemplar) is timed on its own: ours sorts through `losses.sort_samples`,
the baseline through ``jnp.sort``; the loss values must agree.

    python -m benchmarks.nca [--quick]
"""

from __future__ import annotations

import argparse
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import grid
from selforg.nca.model import GrowingNCA, MicroNCA, TextureNCA, micro_kernels
from selforg.nca.rollout import rollout


def _conv(xp, w, groups):
    return jax.lax.conv_general_dilated(
        xp, jnp.asarray(w), (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=groups)


def _conv_perceive(x, kernels, padding, *, per_channel=False):
    """(B, H, W, C) → (B, H, W, K·C) kernel-major (as `grid.perceive`) with a grouped conv;
    with ``per_channel`` the kernels are ``(3, 3, C)``, one per channel → (B, H, W, C)."""
    b, h, w, c = x.shape
    mode = "wrap" if padding == "circular" else "constant"
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode=mode)
    k = np.asarray(kernels, np.float32)
    if per_channel:
        return _conv(xp, k[:, :, None, :], c)
    n = k.shape[0]
    wt = np.zeros((3, 3, 1, c * n), np.float32)  # output channel ch·K + k
    for ch in range(c):
        for i in range(n):
            wt[:, :, 0, ch * n + i] = k[i]
    out = _conv(xp, wt, c)
    return out.reshape(b, h, w, c, n).transpose(0, 1, 2, 4, 3).reshape(b, h, w, n * c)


def baseline_step(model, x, key):
    """The same update as ``model.step`` with convolution-based perception."""
    if isinstance(model, MicroNCA):
        p = _conv_perceive(x, micro_kernels(model.filters), "circular", per_channel=True)
        y = jnp.concatenate([x, p], -1)
        z = jnp.concatenate([y, jnp.abs(y)], -1)
        return x + z @ model.w + grid.lift(model.b, x.ndim)
    growing = isinstance(model, GrowingNCA)
    names = ("id", "sobel_x", "sobel_y") if growing else ("id", "sobel_x", "sobel_y", "lap")
    p = _conv_perceive(x, grid.kernel_bank(names), "zero" if growing else "circular")
    h = jax.nn.relu(p @ model.w1 + grid.lift(model.b1, x.ndim))
    ds = h @ model.w2 + grid.lift(model.b2, x.ndim)
    mask = grid.update_mask(key, x.shape[:-1], model.fire_rate)
    if growing:
        pre = grid.alive_mask(x)
        x = x + ds * mask
        return x * pre * grid.alive_mask(x)
    return x + ds * mask


def _timed(fn, repeats):
    out = fn()
    jax.block_until_ready(out)  # compile + warm
    t = time.perf_counter()
    for _ in range(repeats):
        out = fn()
    jax.block_until_ready(out)
    return (time.perf_counter() - t) / repeats


def _live(model, key):
    """Non-trivial weights (trained models are not zero-initialised)."""
    if isinstance(model, MicroNCA):
        return eqx.tree_at(lambda m: m.w, model, 0.05 * jax.random.normal(key, model.w.shape))
    return eqx.tree_at(lambda m: m.w2, model, 0.02 * jax.random.normal(key, model.w2.shape))


def bench_one(name, model, batch, side, steps, repeats):
    key = jax.random.PRNGKey(0)
    model = _live(model, key)
    x = jax.random.uniform(key, (batch, side, side, model.channels), minval=-0.5, maxval=0.5)
    if isinstance(model, GrowingNCA):
        x = x.at[..., 3].set(1.0)
    target = jax.random.uniform(key, (batch, side, side, 3))

    def loss_ours(m):
        y = rollout(m, x, steps, key, grad_norm=isinstance(m, MicroNCA))
        return jnp.mean(jnp.square(y[..., :3] - target))

    def loss_base(m):
        y = x
        for i in range(steps):  # unrolled plain loop
            y = baseline_step(m, y, jax.random.fold_in(key, i))
        return jnp.mean(jnp.square(y[..., :3] - target))

    g_ours = eqx.filter_jit(eqx.filter_grad(loss_ours))
    g_base = eqx.filter_jit(eqx.filter_grad(loss_base))
    t_train_ours = _timed(lambda: g_ours(model), repeats)
    t_train_base = _timed(lambda: g_base(model), repeats)

    inf_steps = steps * 4
    run_ours = eqx.filter_jit(lambda m, x: rollout(m, x, inf_steps, key, remat=False))
    step_base = eqx.filter_jit(baseline_step)

    def run_base():
        y = x
        for i in range(inf_steps):
            y = step_base(model, y, jax.random.fold_in(key, i))
        return y

    t_inf_ours = _timed(lambda: run_ours(model, x), repeats)
    t_inf_base = _timed(run_base, repeats)
    cells = batch * side * side * inf_steps
    return {
        "model": name, "shape": f"{batch}×{side}²×{steps}",
        "train ours (steps/s)": 1 / t_train_ours, "train base (steps/s)": 1 / t_train_base,
        "infer ours (Mcell/s)": cells / t_inf_ours / 1e6,
        "infer base (Mcell/s)": cells / t_inf_base / 1e6,
    }


def bench_texture_loss(repeats):
    """(ours, baseline) value-and-gradient calls per second of the texture loss."""
    from unittest import mock

    from selforg.nca import losses
    from selforg.nca.images import load_exemplar

    key = jax.random.PRNGKey(0)
    target = losses.exemplar_pyramid(jnp.asarray(load_exemplar("brick", 128)))
    imgs = jax.random.uniform(key, (4, 64, 64, 3))
    ours = jax.jit(jax.value_and_grad(lambda y: losses.texture_loss(y, target, key).mean()))
    base = jax.jit(jax.value_and_grad(lambda y: losses.texture_loss(y, target, key).mean()))
    with mock.patch.object(losses, "sort_samples", lambda a: jnp.sort(a, axis=-2)):
        base_value = float(base(imgs)[0])  # traced (and compiled) with the plain sort
    assert abs(float(ours(imgs)[0]) - base_value) <= 1e-6 * abs(base_value), "losses differ"
    return 1 / _timed(lambda: ours(imgs), 5 * repeats), 1 / _timed(lambda: base(imgs), 5 * repeats)


def check_same_update():
    """The baseline computes the same step as the library (else the comparison is void)."""
    key = jax.random.PRNGKey(1)
    for model in (GrowingNCA(key=key), TextureNCA(key=key), MicroNCA("micro-588", key=key)):
        model = _live(model, key)
        x = jax.random.uniform(key, (2, 12, 12, model.channels), minval=-0.5, maxval=0.5)
        a, b = model.step(x, key), baseline_step(model, x, key)
        err = float(jnp.abs(a - b).max())
        assert err < 1e-4, (type(model).__name__, err)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small shapes, one repeat")
    args = ap.parse_args(argv)
    check_same_update()
    if args.quick:
        plan = [("growing", GrowingNCA, 4, 40, 16), ("texture", TextureNCA, 2, 48, 16),
                ("micro-588", lambda key: MicroNCA("micro-588", key=key), 2, 48, 16)]
        repeats = 2
    else:
        plan = [("growing", GrowingNCA, 8, 72, 64), ("texture", TextureNCA, 4, 64, 48),
                ("micro-588", lambda key: MicroNCA("micro-588", key=key), 4, 64, 48)]
        repeats = 3
    rows = [bench_one(n, ctor(key=jax.random.PRNGKey(0)), b, s, t, repeats)
            for n, ctor, b, s, t in plan]
    cols = list(rows[0])
    print(" | ".join(f"{c:>20}" for c in cols) + " | train ratio | infer ratio")
    for r in rows:
        cells = [f"{r[c]:>20.3f}" if isinstance(r[c], float) else f"{r[c]:>20}" for c in cols]
        tr = r["train ours (steps/s)"] / r["train base (steps/s)"]
        ir = r["infer ours (Mcell/s)"] / r["infer base (Mcell/s)"]
        print(" | ".join(cells) + f" | {tr:11.2f} | {ir:11.2f}")
    ours, base = bench_texture_loss(repeats)
    print(f"texture loss, value and gradient, 4×64² vs a 128² exemplar (calls/s): ours {ours:.2f},"
          f" jnp.sort {base:.2f}, ratio {ours / base:.2f}")


if __name__ == "__main__":
    main()
