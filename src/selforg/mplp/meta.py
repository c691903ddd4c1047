"""Meta-training pieces: the protocol a config describes, its pool and statistics, the outer
loss and the jitted meta-step; and the single-file model (`save_model`, `load_model_file`).

The outer loss of one task is ``hint × mean_k L(θ_k, batch_k) + (1 − hint) × L(θ_K, held-out)``
where θ_k are the target network's parameters after inner step k; it is averaged over the outer
batch, differentiated through the whole inner `lax.scan` with respect to the learners only (the
statistics stay frozen), every gradient tensor is normalised g/(‖g‖ + 1e-8), and Adam applies
it. Few-shot also learns the initial network (`Learners.prior`) and, in the same step on the same
tasks, trains MAML's initialisation (SGD 0.05 for the inner steps, held-out loss after them).
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import optax

from selforg.core.config import from_dict, to_dict
from selforg.core.errors import BadInput
from selforg.mplp.config import TrainConfig
from selforg.mplp.model import NetSpec, Protocol, Stats, identity_stats
from selforg.mplp.network import (
    init_carries,
    init_stats,
    init_weights,
    loss_value,
    mp_rollout,
)
from selforg.mplp.tasks import make_task

MAML_LR = 0.05
MODEL_FORMAT = "selforg-mplp-model/1"


def net_of(cfg: TrainConfig) -> NetSpec:
    return NetSpec(tuple(cfg.widths), cfg.activation, cfg.loss)


def fresh_protocol(cfg: TrainConfig) -> Protocol:
    """The untrained protocol of `cfg` (identity statistics until `initial_stats`)."""
    net = net_of(cfg)
    key = jax.random.fold_in(jax.random.key(cfg.seed), 0)
    p = Protocol.create(key, net, message_size=cfg.message_size, hidden=cfg.hidden,
                        stateful=cfg.stateful, shared=cfg.shared)
    if cfg.task == "fewshot":
        prior = init_weights(jax.random.fold_in(key, 1), net)
        p = Protocol(p.learners.__class__(**{**_fields(p.learners), "prior": prior}), p.stats,
                     p.message_size, p.depth, p.loss_kind, p.shared, p.stateful)
    stats = identity_stats(net.n_dense, net.n_act, net.loss == "ce")
    return _with_stats(p, stats)


def _fields(module: Any) -> dict[str, Any]:
    return {k: getattr(module, k) for k in module.__dataclass_fields__}


def _with_stats(p: Protocol, stats: Stats) -> Protocol:
    return Protocol(p.learners, stats, p.message_size, p.depth, p.loss_kind, p.shared,
                    p.stateful)


def make_pool(cfg: TrainConfig) -> Any:
    """The fixed pool of initial target networks, stacked: ``((W [P, a, b], b [P, b]), ...)``."""
    keys = jax.random.split(jax.random.fold_in(jax.random.key(cfg.seed), 2), cfg.pool)
    return jax.vmap(lambda k: init_weights(k, net_of(cfg)))(keys)


def initial_stats(cfg: TrainConfig, protocol: Protocol, pool: Any) -> Protocol:
    """Freeze the standardisation from one initial pass over a task with the pool's first
    network (few-shot: the initial network)."""
    net = net_of(cfg)
    task = make_task(cfg.task, jax.random.fold_in(jax.random.key(cfg.seed), 3),
                     cfg.inner_steps, cfg.inner_batch)
    w0 = (protocol.learners.prior if cfg.task == "fewshot"
          else jax.tree_util.tree_map(lambda a: a[0], pool))
    state = {"weights": w0, "carries": init_carries(protocol, net, cfg.inner_batch)}
    return init_stats(protocol, net, state, task.xs, task.ys)


def initial_learners(cfg: TrainConfig, fresh: Protocol) -> Any:
    """The learners of ``cfg.init``, checked against those of `fresh` (the protocol `cfg`
    makes): same tree, same shapes.

    Raises:
        BadInput: ``cfg.init`` is unreadable or its learners have other shapes.
    """
    from selforg.mplp.zoo import locate

    _, other, _, _ = locate(cfg.init)
    want = jax.tree_util.tree_structure(fresh.learners)
    got = jax.tree_util.tree_structure(other.learners)
    shapes = [jnp.shape(a) for a in jax.tree_util.tree_leaves(fresh.learners)]
    if want != got or shapes != [jnp.shape(a) for a in jax.tree_util.tree_leaves(other.learners)]:
        raise BadInput(f"--init {cfg.init}: its learners do not fit this run (task, widths'"
                       " depth, message size, hidden, stateful and shared must agree)")
    return other.learners


def initial_state(cfg: TrainConfig) -> dict[str, Any]:
    """Everything meta-training carries: learners, frozen statistics, pool, Adam states (and
    MAML's init and its Adam state for few-shot)."""
    return initial_state_template(cfg, stats=True)


def initial_state_template(cfg: TrainConfig, *, stats: bool = False) -> dict[str, Any]:
    """`initial_state`, with identity statistics unless `stats` (a template for loading a
    checkpoint: the same structure, without the initial pass)."""
    protocol = fresh_protocol(cfg)
    pool = make_pool(cfg)
    if stats and cfg.init is not None:  # a template (stats=False) is overwritten anyway
        protocol = Protocol(initial_learners(cfg, protocol), protocol.stats,
                            protocol.message_size, protocol.depth, protocol.loss_kind,
                            protocol.shared, protocol.stateful)
    if stats:
        protocol = initial_stats(cfg, protocol, pool)
    opt = optax.adam(cfg.lr)
    state = {"learners": protocol.learners, "stats": protocol.stats, "pool": pool,
             "opt": opt.init(protocol.learners)}
    if cfg.task == "fewshot":
        maml = protocol.learners.prior
        state["maml"] = maml
        state["maml_opt"] = opt.init(maml)
    return state


def normalise(grads: Any) -> Any:
    """Every gradient tensor g as g / (‖g‖ + 1e-8)."""
    return jax.tree_util.tree_map(lambda g: g / (jnp.linalg.norm(g.ravel()) + 1e-8), grads)


def sgd_rollout(net: NetSpec, w: Any, xs: jax.Array, ys: jax.Array, lr: float) -> Any:
    """Plain SGD over the batches (differentiable: MAML's inner loop)."""

    def body(w: Any, xy: tuple[jax.Array, jax.Array]) -> tuple[Any, None]:
        g = jax.grad(lambda ww: loss_value(net, ww, xy[0], xy[1]))(w)
        return jax.tree_util.tree_map(lambda a, b: a - lr * b, w, g), None

    return jax.lax.scan(body, w, (xs, ys))[0]


def make_step(cfg: TrainConfig, template: Protocol | None = None):
    """The meta-step ``(state, step) -> (state, metrics)`` for `core.train.train_loop`.

    One function object per configuration (the run's length, logging cadence and starting
    learners aside), so that runs of one process with the same settings (a run and its
    resumption, a notebook's second call) share the compiled step. `template` is accepted for
    the callers that build it anyway; the step takes only its static fields, which `cfg`
    fixes.
    """
    del template
    return _make_step(dataclasses.replace(cfg, iterations=1, log_every=1, checkpoint_every=1,
                                          init=None))


@functools.lru_cache(maxsize=8)
def _make_step(cfg: TrainConfig):
    template = fresh_protocol(cfg)
    net = net_of(cfg)
    opt = optax.adam(cfg.lr)
    base = jax.random.fold_in(jax.random.key(cfg.seed), 4)
    remat = cfg.inner_steps * cfg.inner_batch * max(
        a * b for a, b in zip(cfg.widths[:-1], cfg.widths[1:], strict=False)) > 20_000
    hint = cfg.hint_ratio

    def step(state: dict[str, Any], i: jax.Array) -> tuple[dict[str, Any], dict[str, Any]]:
        key = jax.random.fold_in(base, i)
        kt, kp = jax.random.split(key)
        tasks = jax.vmap(lambda k: make_task(cfg.task, k, cfg.inner_steps, cfg.inner_batch))(
            jax.random.split(kt, cfg.outer_batch))
        idx = jax.random.randint(kp, (cfg.outer_batch,), 0, cfg.pool)
        w0 = jax.tree_util.tree_map(lambda a: a[idx], state["pool"])

        def outer(learners: Any) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
            protocol = Protocol(learners, state["stats"], template.message_size,
                                template.depth, template.loss_kind, template.shared,
                                template.stateful)

            def one(w: Any, task: Any) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
                if cfg.task == "fewshot":
                    w = learners.prior
                s = {"weights": w, "carries": init_carries(protocol, net, cfg.inner_batch)}
                final, hints = mp_rollout(protocol, net, s, task.xs, task.ys, remat=remat)
                held = loss_value(net, final["weights"], task.xe, task.ye)
                return hint * jnp.mean(hints) + (1 - hint) * held, (jnp.mean(hints), held)

            total, (h, e) = jax.vmap(one)(w0, tasks)
            return jnp.mean(total), (jnp.mean(h), jnp.mean(e))

        (loss, (h, e)), grads = jax.value_and_grad(outer, has_aux=True)(state["learners"])
        updates, opt_state = opt.update(normalise(grads), state["opt"], state["learners"])
        new = dict(state, learners=optax.apply_updates(state["learners"], updates),
                   opt=opt_state)
        metrics = {"loss": loss, "hint": h, "heldout": e}
        if cfg.task == "fewshot":
            def maml_loss(w: Any) -> jax.Array:
                def one(task: Any) -> jax.Array:
                    wk = sgd_rollout(net, w, task.xs, task.ys, MAML_LR)
                    return loss_value(net, wk, task.xe, task.ye)

                return jnp.mean(jax.vmap(one)(tasks))

            ml, mg = jax.value_and_grad(maml_loss)(state["maml"])
            mu, mopt = opt.update(normalise(mg), state["maml_opt"], state["maml"])
            new["maml"] = optax.apply_updates(state["maml"], mu)
            new["maml_opt"] = mopt
            metrics["maml_heldout"] = ml
        return new, metrics

    return step


# -- the single-file model -------------------------------------------------------------------


def model_tree(protocol: Protocol, maml: Any = None) -> dict[str, Any]:
    return {"learners": protocol.learners, "stats": protocol.stats, "maml": maml}


def save_model(path: str | Path, cfg: TrainConfig, protocol: Protocol, maml: Any = None,
               *, extra: dict[str, Any] | None = None) -> Path:
    """Write the protocol (learners + frozen statistics, and MAML's init for few-shot) with
    its config as one compressed ``.npz``."""
    from selforg.core.runs import atomic_write_bytes, checkpoint_bytes

    meta = {"model": MODEL_FORMAT, "config": to_dict(cfg), **(extra or {})}
    path = Path(path)
    atomic_write_bytes(path, checkpoint_bytes(model_tree(protocol, maml), meta))
    return path


def load_model_file(path: str | Path) -> tuple[TrainConfig, Protocol, Any, dict[str, Any]]:
    """Read a model file: (config, protocol, MAML init or None, its metadata).

    Raises:
        BadInput: not an MPLP model file.
    """
    from selforg.core.runs import read_checkpoint, restore_tree

    meta, arrays = read_checkpoint(path)
    if meta.get("model") != MODEL_FORMAT:
        raise BadInput(f"{path} is not an MPLP model file (it says {meta.get('model')!r})")
    cfg = from_dict(TrainConfig, meta["config"])
    template = fresh_protocol(cfg)
    maml = template.learners.prior if cfg.task == "fewshot" else None
    tree = restore_tree(model_tree(template, maml), arrays, source=str(path))
    protocol = Protocol(tree["learners"], tree["stats"], template.message_size,
                        template.depth, template.loss_kind, template.shared, template.stateful)
    return cfg, protocol, tree["maml"], meta


def protocol_of(cfg: TrainConfig, state: dict[str, Any]) -> Protocol:
    """The protocol held by a meta-training state."""
    t = fresh_protocol(cfg)
    return Protocol(state["learners"], state["stats"], t.message_size, t.depth, t.loss_kind,
                    t.shared, t.stateful)
