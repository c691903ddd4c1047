"""Training a Mesh NCA on one mesh from 2D renders (Pajouheshgar et al., "Mesh Neural Cellular
Automata", SIGGRAPH 2024).

Each iteration takes a sample from a pool of mesh states (a fresh seed every `reseed_every`
iterations), runs the rule U{15..24} steps, renders the vertex colours from `views` random
cameras and compares each render with the exemplar by the masked patch sliced-Wasserstein loss
(weight 2), plus the overflow penalty 1e4·mean|s − clip(s, −1, 1)|. Gradients are normalised
per parameter tensor; Adam at 1e-3, ×0.3 at iterations 1000 and 2000. The run folder, resume,
checkpoints and divergence handling are `selforg.core`'s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.rollout import Rule, rollout
from selforg.core.runs import Run, open_run
from selforg.core.train import LoopSettings, train_loop
from selforg.mesh import render as R
from selforg.mesh.config import TrainConfig
from selforg.mesh.grow import grow_on, still, turntable
from selforg.mesh.loss import masked_texture_loss, patch_masks
from selforg.mesh.meshes import Mesh, load_mesh
from selforg.mesh.model import MeshNCA, Params, init_params, make_graph, param_count
from selforg.mesh.store import load_model, save_model
from selforg.nca import losses
from selforg.nca.gradnorm import normalize_per_param
from selforg.nca.images import load_exemplar
from selforg.nca.training import optimiser

EXTENDABLE = ("iterations",)


@dataclass(frozen=True)
class TrainResult:
    """Where a training run went and how it ended.

    Attributes:
        run_dir: the run folder (config.json, metrics.jsonl, model.npz, turntable, plots).
        steps: iterations done (counting those before a resume).
        final_loss: the last logged loss (NaN when nothing was logged).
        seconds: wall time of this call's training loop.
        vertices: vertices of the training mesh.
        parameters: the rule's parameter count (12,432).
    """

    run_dir: Path
    steps: int
    final_loss: float
    seconds: float
    vertices: int
    parameters: int


def check_config(cfg: TrainConfig) -> None:
    """Raise `BadInput` for values no run can use."""
    if not 1 <= cfg.min_steps <= cfg.max_steps:
        raise BadInput(f"rollout steps {cfg.min_steps}..{cfg.max_steps}: need 1 ≤ min ≤ max")
    if not 16 <= cfg.size <= 1024:
        raise BadInput(f"render size {cfg.size} is outside 16..1024")
    if not 16 <= cfg.exemplar_size <= 2048:
        raise BadInput(f"exemplar size {cfg.exemplar_size} is outside 16..2048")
    if not 1 <= cfg.views <= cfg.view_bank:
        raise BadInput(f"views {cfg.views}: need 1 ≤ views ≤ view bank ({cfg.view_bank})")
    if not 1 <= cfg.batch <= cfg.pool_size:
        raise BadInput(f"batch {cfg.batch} is outside 1..pool ({cfg.pool_size})")
    if cfg.reseed_every < 1:
        raise BadInput(f"reseed_every {cfg.reseed_every} must be ≥ 1")


def patch_cfg(cfg: TrainConfig) -> losses.PatchLoss:
    lc = cfg.loss
    return losses.PatchLoss(lc.levels, lc.patch, lc.n_patches, lc.projections)


class FirstSteps(Rule):
    """`rule` for the first `n` steps of a rollout, then the identity (rollouts of random
    length inside one compiled scan). State: ``(x, t)`` with t the steps taken."""

    rule: Rule
    n: jax.Array

    def step(self, params: Any, state: Any, key: jax.Array | None) -> Any:
        x, t = state
        new = self.rule.step(params, x, key)
        return jnp.where(t < self.n, new, x), t + 1


def initial_params(cfg: TrainConfig, key: jax.Array) -> Params:
    if cfg.init is None:
        return init_params(key)
    return load_model(cfg.init).params


def init_state(cfg: TrainConfig, n_vertices: int) -> dict[str, Any]:
    """Weights, optimiser state, the pool of seeds and the PRNG key (raw uint32)."""
    key = jax.random.PRNGKey(cfg.seed)
    k_model, k_pool, k_run = jax.random.split(key, 3)
    params = initial_params(cfg, k_model)
    opt = optimiser(cfg.lr, cfg.lr_decay_at, cfg.lr_decay)
    pool = jax.random.uniform(k_pool, (cfg.pool_size, n_vertices, 16), jnp.float32, 0.0, 0.1)
    return {"params": params, "opt": opt.init(params), "pool": pool,
            "key": k_run}


def init_state_template(cfg: TrainConfig) -> dict[str, Any]:
    """A state of the right shapes for loading a checkpoint of a `cfg` run."""
    mesh = load_mesh(cfg.mesh)
    return init_state(_replace_init(cfg), mesh.n_vertices)


def _replace_init(cfg: TrainConfig) -> TrainConfig:
    from dataclasses import replace

    return replace(cfg, init=None)


class Task(eqx.Module):
    """What a step needs besides the state: the mesh graph, the bank of views and their patch
    masks, the exemplar's pyramid."""

    rule: MeshNCA
    faces: jax.Array
    tri: jax.Array
    bary: jax.Array
    masks: list[jax.Array]
    target: list[jax.Array]


def make_task(cfg: TrainConfig, mesh: Mesh, exemplar: np.ndarray) -> Task:
    rng = np.random.default_rng(cfg.seed)
    views = R.make_views(mesh, R.random_cameras(rng, cfg.view_bank), cfg.size)
    masks = [jnp.asarray(m, jnp.float32) for m in patch_masks(views.hit, cfg.loss.levels,
                                                              cfg.loss.patch)]
    target = losses.exemplar_pyramid(jnp.asarray(exemplar), patch_cfg(cfg))
    return Task(MeshNCA(make_graph(mesh)), jnp.asarray(mesh.faces), jnp.asarray(views.tri),
                jnp.asarray(views.bary), masks, target)


def _loss(params: Params, x: jax.Array, n: jax.Array, task: Task, sel: jax.Array,
          keys: tuple[jax.Array, jax.Array], cfg: TrainConfig):
    k_roll, k_loss = keys
    rule = FirstSteps(task.rule, n)
    y, _ = jax.vmap(lambda s, k: rollout(rule, params, (s, jnp.int32(0)), cfg.max_steps,
                                         key=k)[0])(x, jax.random.split(k_roll, x.shape[0]))
    tri = task.tri[sel]                                                  # (views, P)
    vidx = jnp.where(tri[..., None] >= 0, task.faces[jnp.maximum(tri, 0)], 0)
    bary = task.bary[sel]
    # the loss sees the unclipped colours so that gradients flow everywhere
    imgs = jax.vmap(lambda s: R.render(s[:, :3] + 0.5, vidx, bary, cfg.size))(y)
    imgs = imgs.reshape(-1, cfg.size, cfg.size, 3)
    masks = [jnp.tile(m[sel], (x.shape[0], 1)) for m in task.masks]
    swd = masked_texture_loss(imgs, masks, task.target, k_loss, patch_cfg(cfg)).mean()
    overflow = jnp.mean(jnp.abs(y - jnp.clip(y, -1.0, 1.0)))
    total = cfg.appearance_weight * swd + cfg.overflow_weight * overflow
    return total, (y, swd, overflow)


@eqx.filter_jit
def _step(state: dict[str, Any], i: jax.Array, task: Task, cfg: TrainConfig):
    opt = optimiser(cfg.lr, cfg.lr_decay_at, cfg.lr_decay)
    key = jax.random.fold_in(state["key"], i)
    k_idx, k_len, k_seed, k_view, k_loss, k_roll = jax.random.split(key, 6)
    pool = state["pool"]
    idx = jax.random.choice(k_idx, cfg.pool_size, (cfg.batch,), replace=False)
    x = pool[idx]
    fresh = task.rule.seed(k_seed)
    x = x.at[0].set(jnp.where(i % cfg.reseed_every == 0, fresh, x[0]))
    n = jax.random.randint(k_len, (), cfg.min_steps, cfg.max_steps + 1)
    sel = jax.random.choice(k_view, task.tri.shape[0], (cfg.views,), replace=False)
    (loss, (y, swd, ov)), grads = jax.value_and_grad(_loss, has_aux=True)(
        state["params"], x, n, task, sel, (k_roll, k_loss), cfg)
    grads = normalize_per_param(grads)
    updates, opt_state = opt.update(grads, state["opt"], state["params"])
    params = eqx.apply_updates(state["params"], updates)
    new = dict(state, params=params, opt=opt_state, pool=pool.at[idx].set(y))
    return new, {"loss": loss, "swd": swd, "overflow": ov}


def make_step(task: Task, cfg: TrainConfig):
    """The training step ``(state, i) -> (state, metrics)`` for `core.train.train_loop`."""
    return lambda state, i: _step(state, jnp.asarray(i, jnp.int32), task, cfg)


def write_artefacts(run: Run, params: Params, mesh: Mesh, exemplar: np.ndarray,
                    cfg: TrainConfig) -> None:
    """turntable.gif / .mp4 of the training mesh after 96 steps, views.png beside the
    exemplar, plots/loss.png."""
    state = grow_on(params, mesh, 96, seed=cfg.seed)
    frames = turntable(params, mesh, state, frames=36, size=cfg.size, seed=cfg.seed, start=96)
    media.write_gif(run.artefact("turntable.gif"), frames, fps=12)
    media.write_mp4(run.artefact("turntable.mp4"), frames, fps=12)
    ex = media.resize(exemplar, cfg.size)
    media.save_png(run.artefact("views.png"),
                   media.image_grid([ex, *still(mesh, state, size=cfg.size)], cols=5))
    records = run.read_metrics()
    if records:
        media.plot_metrics(run.artefact("plots", "loss.png"), records, ["loss", "swd"],
                           title=f"mesh train {cfg.exemplar} on {cfg.mesh}")


def train(cfg: TrainConfig, *, out: str | Path | None = None, resume: str | Path | None = None,
          quiet: bool = True, root: str | Path = "runs", checkpoint_every: int = 100,
          log_every: int = 10) -> TrainResult:
    """Train a Mesh NCA on ``cfg.mesh`` to reproduce ``cfg.exemplar``.

    Args:
        cfg: the run's settings (with `resume`, the saved config must agree except for
            ``iterations``, which extends the run).
        out: the run folder (default ``runs/mesh-train/<time>-<exemplar>-<mesh>``).
        resume: a run folder to continue from its latest checkpoint.
        quiet: no progress bar.

    Returns:
        `TrainResult` (run folder, iterations done, final loss, seconds, V, parameters).

    Example:
        >>> cfg = TrainConfig(mesh="icosphere-2", size=32, exemplar_size=32, iterations=4,
        ...                   pool_size=4, view_bank=4, views=2)
        >>> train(cfg, out="runs/tiny-mesh").steps  # doctest: +SKIP
        4
    """
    check_config(cfg)
    run = open_run("mesh", "train", cfg, out=out, resume=resume,
                   name=f"{Path(cfg.exemplar).stem}-{Path(cfg.mesh).stem}", root=root,
                   extendable=EXTENDABLE)
    cfg = run.config
    mesh = load_mesh(cfg.mesh)
    exemplar = load_exemplar(cfg.exemplar, cfg.exemplar_size)
    task = make_task(cfg, mesh, exemplar)
    settings = LoopSettings(steps=cfg.iterations, log_every=log_every,
                            checkpoint_every=checkpoint_every, quiet=quiet,
                            description=f"mesh train {cfg.exemplar}")
    t0 = time.monotonic()
    state, done, records = train_loop(run, init_state(cfg, mesh.n_vertices),
                                      make_step(task, cfg), settings,
                                      best_of=lambda s: s["params"])
    seconds = time.monotonic() - t0
    save_model(run.path / "model.npz", state["params"], cfg, step=done,
               extra={"train_seconds": round(seconds, 1)})
    write_artefacts(run, state["params"], mesh, exemplar, cfg)
    final = float(records[-1]["loss"]) if records else float("nan")
    return TrainResult(run.path, done, final, seconds, mesh.n_vertices,
                       param_count(state["params"]))
