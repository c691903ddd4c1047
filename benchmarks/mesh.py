"""Mesh NCA throughput: vertex updates/s of the jitted rollout next to a SciPy-sparse
implementation of the same step measured in the same run, and the time of one training step
(rollout, render of 3 views, masked patch loss, gradient, Adam) at 2,562 and 10,242 vertices.

The baseline (`selforg.mesh.reference.SparseStep`) is what one writes first with SciPy: four
CSR matrices for the SH-weighted neighbour sums, NumPy matmuls for the MLP, a NumPy random
mask per step, float32 throughout. Ours: an edge gather and `segment_sum`, the MLP and the
mask fused by XLA, the steps under `lax.scan`. Both give the same states (tests/mesh).

    python -m benchmarks.mesh [--quick]
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

from selforg.core.rollout import rollout
from selforg.mesh.meshes import icosphere
from selforg.mesh.model import MeshNCA, init_params, make_graph
from selforg.mesh.reference import SparseStep


def _best(f, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def rollout_rates(k: int, steps: int, repeats: int) -> tuple[int, float, float]:
    """(V, ours vertex-updates/s, SciPy vertex-updates/s) on icosphere-k."""
    mesh = icosphere(k)
    params = init_params(jax.random.PRNGKey(0))
    rule = MeshNCA(make_graph(mesh))
    x0 = rule.seed(jax.random.PRNGKey(1))
    key = jax.random.PRNGKey(2)
    run = jax.jit(lambda p, x: rollout(rule, p, x, steps, key=key)[0])
    run(params, x0).block_until_ready()
    ours = _best(lambda: run(params, x0).block_until_ready(), repeats)
    ref = SparseStep(mesh, params)
    rng = np.random.default_rng(0)

    def scipy_rollout() -> None:
        x = np.asarray(x0)
        for _ in range(steps):
            x = ref.step(x, rng.random((x.shape[0], 1)) < 0.5)

    theirs = _best(scipy_rollout, repeats)
    n = mesh.n_vertices * steps
    return mesh.n_vertices, n / ours, n / theirs


def train_step_time(k: int, repeats: int) -> tuple[int, float]:
    """(V, seconds per training step) with the default recipe on icosphere-k."""
    from selforg.mesh.config import TrainConfig
    from selforg.mesh.training import init_state, make_step, make_task
    from selforg.nca.images import load_exemplar

    cfg = TrainConfig(mesh=f"icosphere-{k}")
    mesh = icosphere(k)
    task = make_task(cfg, mesh, load_exemplar(cfg.exemplar, cfg.exemplar_size))
    step = make_step(task, cfg)
    state = init_state(cfg, mesh.n_vertices)
    state, m = step(state, 0)
    jax.block_until_ready(m)
    times = []
    for i in range(1, repeats + 1):
        t0 = time.perf_counter()
        state, m = step(state, i)
        jax.block_until_ready(m)
        times.append(time.perf_counter() - t0)
    return mesh.n_vertices, float(np.median(times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = ap.parse_args()
    steps, repeats = (50, 2) if args.quick else (200, 3)
    print(f"rollout of {steps} steps (best of {repeats}), vertex updates/s")
    print(f"{'vertices':>9} {'ours (jit)':>12} {'SciPy sparse':>13} {'speed-up':>9}")
    for k in (4, 5):
        v, ours, theirs = rollout_rates(k, steps, repeats)
        print(f"{v:>9,} {ours:>12.3g} {theirs:>13.3g} {ours / theirs:>8.1f}×")
    print("training step (24-step rollout, 3 views of 128², masked patch loss, gradient, Adam),"
          f" median of {repeats}")
    for k in (4, 5):
        v, t = train_step_time(k, repeats)
        print(f"{v:>9,} vertices: {t:.3f} s/step")


if __name__ == "__main__":
    main()
