"""Throughput of MPLP: the jitted, vectorised message passing against an eager per-agent loop.

Run from the repo root: ``python -m benchmarks.mplp [--quick]``. On the sinusoid protocol
(1-20-20-1, M 8, GRU learners, 115,081 meta-parameters) it measures, in the same run:

- inner steps/s of `mp_step` under `jax.jit` (every agent of a kind in one batched call) and of
  an eager version that runs each neuron's agents in a Python loop without jit (the baseline),
  after checking that both give the same new weights;
- meta-training steps/s (outer batch 4 × 5 inner steps, gradient through the inner scan) jitted
  against the same gradient taken eagerly.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

from selforg.mplp.config import preset
from selforg.mplp.meta import initial_state, make_step, net_of, protocol_of
from selforg.mplp.network import _features, _Standardiser, forward, init_carries, loss_elements
from selforg.mplp.network import mp_step as fast_step


def eager_step(protocol, net, state, x, y):
    """`mp_step` agent by agent: a Python loop over each layer's neurons, no jit."""
    m_size = protocol.message_size
    weights, carries = state["weights"], state["carries"]
    std = _Standardiser(protocol.stats)
    pred, saved = forward(net, weights, x)
    elements, loss_states = loss_elements(net, pred, y)
    lrn = protocol.learners
    cols = []
    for j in range(elements.shape[1]):  # one loss agent per output element
        f = _features(std, "loss", elements[:, j:j + 1, None],
                      [s[:, j:j + 1] for s in loss_states])
        cols.append(lrn.loss(f, carries["loss"][:, j:j + 1]))
    m = jnp.concatenate(cols, 1)[..., -m_size:]
    new_weights = [None] * net.n_dense
    for layer in reversed(range(net.n_dense)):
        rec = saved[layer]
        w, b = weights[layer]
        if layer < net.n_dense - 1:
            outs = []
            for j in range(w.shape[1]):
                f = _features(std, f"a{layer}", m[:, j:j + 1], [rec["act_in"][:, j:j + 1]])
                outs.append(lrn.act[layer](f, carries["a"][layer][:, j:j + 1]))
            m = jnp.concatenate(outs, 1)[..., -m_size:]
        db, dw, msgs = [], [], []
        for j in range(w.shape[1]):  # neuron j: its bias agent, then its incoming synapses
            f = _features(std, f"b{layer}", m[:, j:j + 1],
                          [jnp.broadcast_to(b[j:j + 1], rec["z"][:, j:j + 1].shape),
                           rec["z"][:, j:j + 1]])
            c = protocol.bias_learner(layer)(f, carries["b"][layer][:, j:j + 1])
            db.append(std.output(f"b{layer}", jnp.mean(c[..., 0], 0)) * lrn.b_scale[layer])
            mb = c[..., -m_size:]
            bsz, n_in = x.shape[0], w.shape[0]
            f = _features(std, f"w{layer}",
                          jnp.broadcast_to(mb[:, None], (bsz, n_in, 1, m_size)),
                          [jnp.broadcast_to(w[:, j:j + 1], (bsz, n_in, 1)),
                           rec["x"][:, :, None]])
            cw = protocol.weight_learner(layer)(f, carries["w"][layer][:, :, j:j + 1])
            dw.append(std.output(f"w{layer}", jnp.mean(cw[..., 0], 0)) * lrn.w_scale[layer])
            msgs.append(cw[..., -m_size:])
        m = jnp.mean(jnp.concatenate(msgs, 2), axis=2)
        new_weights[layer] = (w + jnp.concatenate(dw, 1), b + jnp.concatenate(db, 0))
    return tuple(new_weights)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    reps = 3 if args.quick else 20
    cfg = preset("sinusoid")
    net = net_of(cfg)
    state = initial_state(cfg)
    protocol = protocol_of(cfg, state)
    w0 = jax.tree_util.tree_map(lambda a: a[0], state["pool"])
    s = {"weights": w0, "carries": init_carries(protocol, net, cfg.inner_batch)}
    x = jnp.linspace(-4, 4, cfg.inner_batch)[:, None]
    y = 0.3 * jnp.sin(x)

    jitted = jax.jit(lambda s: fast_step(protocol, net, s, x, y)[0])
    jax.block_until_ready(jitted(s))
    t0 = time.perf_counter()
    for _ in range(reps * 10):
        out = jitted(s)
    jax.block_until_ready(out)
    fast = reps * 10 / (time.perf_counter() - t0)

    with jax.disable_jit():
        t0 = time.perf_counter()
        for _ in range(max(1, reps // 5)):
            eager = eager_step(protocol, net, s, x, y)
        jax.block_until_ready(eager)
        slow = max(1, reps // 5) / (time.perf_counter() - t0)
    diff = max(float(jnp.max(jnp.abs(a - b))) for a, b in zip(
        jax.tree_util.tree_leaves(out["weights"]), jax.tree_util.tree_leaves(eager),
        strict=True))
    print(f"inner steps/s: jitted {fast:.1f}, eager per-agent loop {slow:.3f}"
          f" ({fast / slow:.0f}x); max weight difference {diff:.2e}")

    step = jax.jit(make_step(cfg, protocol))
    st, _ = step(state, np.int32(0))
    jax.block_until_ready(st)
    n = max(2, reps // 4)
    t0 = time.perf_counter()
    for i in range(n):
        st, m = step(st, np.int32(i + 1))
    jax.block_until_ready(m)
    meta_fast = n / (time.perf_counter() - t0)
    with jax.disable_jit():
        t0 = time.perf_counter()
        _, m = make_step(cfg, protocol)(state, np.int32(0))
        jax.block_until_ready(m)
        meta_slow = 1 / (time.perf_counter() - t0)
    print(f"meta-training steps/s (outer batch {cfg.outer_batch} x {cfg.inner_steps} inner"
          f" steps): jitted {meta_fast:.3f}, eager (vectorised agents, no jit)"
          f" {meta_slow:.4f} ({meta_fast / meta_slow:.0f}x)")


if __name__ == "__main__":
    main()
