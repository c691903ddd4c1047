"""Target networks and the message passing that trains them.

The forward pass is ordinary (x @ W + b, activation, softmax, loss) and keeps what each agent
sees later. `mp_step` is one inner step without gradients: the loss agent turns the per-element
loss into messages ``[batch, out, M]``; every op hands back ``[batch, in, M]``: the softmax and
activation agents, then in each dense layer first the bias agent (which updates b) and then the
weight agents, which receive the bias agent's OUTPUT message and update W; a weight agent's
message to the layer input is the mean over the layer's outputs. A parameter update is channel
0 of the learner's carry averaged over the batch, minus the frozen output mean, times the
learned scale, added to the parameter. All agents read the forward values of the old
parameters; the new parameters are used from the next step on.

Shapes (B batch, n_i widths, C carry channels): weights ``W_l [n_l, n_{l+1}]``, ``b_l
[n_{l+1}]``; carries ``W_l: [B, n_l, n_{l+1}, C]``, ``b_l: [B, n_{l+1}, C]``, activation
``[B, n, C]``, softmax and loss ``[B, n_out, C]``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from selforg.mplp.model import W_STD, NetSpec, Protocol, Stats, activation

EPS_CE = 1e-7
STD_EPS = 1e-5

Weights = tuple[tuple[jax.Array, jax.Array], ...]


def init_weights(key: jax.Array, net: NetSpec) -> Weights:
    """A fresh target network: W ~ N(0, 0.05), b = 0."""
    keys = jax.random.split(key, net.n_dense)
    return tuple(
        (W_STD * jax.random.normal(k, (a, b)), jnp.zeros((b,)))
        for k, a, b in zip(keys, net.widths[:-1], net.widths[1:], strict=False)
    )


def init_carries(protocol: Protocol, net: NetSpec, batch: int) -> dict[str, Any]:
    """Zero carries for every agent of `net` under `protocol` (see the module's shapes)."""
    w = net.widths
    nd = net.n_dense
    carries: dict[str, Any] = {"w": [], "b": [], "a": []}
    for layer in range(nd):
        slot = protocol.dense_slot(layer, nd)
        cw = protocol.weight_learner(slot).carry_size
        cb = protocol.bias_learner(slot).carry_size
        carries["w"].append(jnp.zeros((batch, w[layer], w[layer + 1], cw)))
        carries["b"].append(jnp.zeros((batch, w[layer + 1], cb)))
    for i in range(net.n_act):
        c = protocol.learners.act[protocol.act_slot(i, net.n_act)].carry_size
        carries["a"].append(jnp.zeros((batch, w[i + 1], c)))
    if net.loss == "ce":
        carries["softmax"] = jnp.zeros((batch, w[-1], protocol.learners.softmax.carry_size))
    carries["loss"] = jnp.zeros((batch, w[-1], protocol.learners.loss.carry_size))
    carries["w"], carries["b"], carries["a"] = (
        tuple(carries["w"]), tuple(carries["b"]), tuple(carries["a"]))
    return carries


def init_state(key: jax.Array, protocol: Protocol, net: NetSpec, batch: int) -> dict[str, Any]:
    """Inner-loop state: fresh weights and zero carries."""
    return {"weights": init_weights(key, net), "carries": init_carries(protocol, net, batch)}


def forward(net: NetSpec, weights: Weights, x: jax.Array) -> tuple[jax.Array, list[dict]]:
    """Network output ``[B, n_out]`` (probabilities for ``ce``) and what each layer saw: its
    input ``x``, the pre-bias value ``z`` and (hidden layers) the activation's input ``act_in``;
    with ``ce`` a last entry holds the softmax's four tensors."""
    saved: list[dict] = []
    h = x
    for layer, (w, b) in enumerate(weights):
        z = h @ w
        y = z + jnp.broadcast_to(b, z.shape)
        rec = {"x": h, "z": z}
        if layer < len(weights) - 1:
            rec["act_in"] = y
            h = activation(net.activation, y)
        else:
            h = y
        saved.append(rec)
    if net.loss == "ce":
        translated = h - jnp.max(h, axis=-1, keepdims=True)
        exp_nom = jnp.exp(translated)
        exp_denom = jnp.broadcast_to(jnp.sum(exp_nom, -1, keepdims=True), exp_nom.shape)
        saved.append({"softmax": (h, translated, exp_nom, exp_denom)})
        h = exp_nom / exp_denom
    return h, saved


def loss_elements(net: NetSpec, pred: jax.Array, target: jax.Array
                  ) -> tuple[jax.Array, tuple[jax.Array, ...]]:
    """Per-element loss ``[B, n_out]`` and the loss agent's input tensors: l2: diff²/2 with
    (prediction, target, diff = target − prediction); ce: −target·log p with (p clipped at
    1e-7, target, log p)."""
    if net.loss == "l2":
        diff = target - pred
        return diff**2 / 2, (pred, target, diff)
    p = jnp.clip(pred, EPS_CE, 1.0 - EPS_CE)
    log_in = jnp.log(p)
    return -(target * log_in), (p, target, log_in)


def loss_value(net: NetSpec, weights: Weights, x: jax.Array, y: jax.Array) -> jax.Array:
    """The task loss: per-element loss summed over outputs, averaged over the batch."""
    pred, _ = forward(net, weights, x)
    return jnp.mean(jnp.sum(loss_elements(net, pred, y)[0], axis=-1))


def accuracy(net: NetSpec, weights: Weights, x: jax.Array, y: jax.Array) -> jax.Array:
    """Fraction of rows whose largest output is the target's largest entry."""
    pred, _ = forward(net, weights, x)
    return jnp.mean(jnp.argmax(pred, -1) == jnp.argmax(y, -1))


class _Standardiser:
    """Frozen statistics when `stats` is given; else computes them from what it sees (the
    initial pass) and records them under the agent's name."""

    def __init__(self, stats: Stats | None):
        self.stats = stats
        self.seen_std: dict[str, jax.Array] = {}
        self.seen_out: dict[str, jax.Array] = {}

    def inputs(self, name: str, tensors: list[jax.Array]) -> list[jax.Array]:
        if self.stats is not None:
            shift, scale = self.stats.std[name][0], self.stats.std[name][1]
        else:
            shift = jnp.stack([-jnp.mean(t) for t in tensors])
            std = jnp.stack([jnp.std(t) for t in tensors])
            scale = jnp.where(std < STD_EPS, 1.0, 1.0 / jnp.maximum(std, STD_EPS))
            self.seen_std[name] = jnp.stack([shift, scale])
        return [(t + shift[i]) * scale[i] for i, t in enumerate(tensors)]

    def output(self, name: str, y: jax.Array) -> jax.Array:
        if self.stats is not None:
            return y - self.stats.out_mean[name]
        mean = jnp.mean(y)
        self.seen_out[name] = mean
        return y - mean


def _features(std: _Standardiser, name: str, message: jax.Array,
              states: list[jax.Array]) -> jax.Array:
    parts = std.inputs(name, [message, *states])
    return jnp.concatenate([parts[0]] + [s[..., None] for s in parts[1:]], axis=-1)


def mp_step(protocol: Protocol, net: NetSpec, state: dict[str, Any], x: jax.Array,
            y: jax.Array, *, collect: bool = False) -> tuple[dict[str, Any], jax.Array, Any]:
    """One inner step: forward on ``x [B, n_in]``, ``y [B, n_out]``, then the learned
    backward pass of messages and the parameter updates.

    Args:
        protocol: the learners (and, unless `collect`, the frozen statistics).
        net: the target network.
        state: ``{"weights", "carries"}`` (`init_state`).
        collect: compute the standardisation on the fly and return it (the initial pass).

    Returns:
        (new state, the loss before the update, the statistics seen when `collect` else None).
    """
    m_size = protocol.message_size
    weights, carries = state["weights"], state["carries"]
    std = _Standardiser(None if collect else protocol.stats)
    pred, saved = forward(net, weights, x)
    elements, loss_states = loss_elements(net, pred, y)
    loss = jnp.mean(jnp.sum(elements, axis=-1))
    new_carries: dict[str, Any] = {"w": [None] * net.n_dense, "b": [None] * net.n_dense,
                                   "a": [None] * net.n_act}
    lrn = protocol.learners

    # loss agent: the per-element loss is its one-channel message
    feats = _features(std, "loss", elements[..., None], list(loss_states))
    c = lrn.loss(feats, carries["loss"])
    new_carries["loss"] = c
    m = c[..., -m_size:]
    if net.loss == "ce":
        feats = _features(std, "softmax", m, list(saved[-1]["softmax"]))
        c = lrn.softmax(feats, carries["softmax"])
        new_carries["softmax"] = c
        m = c[..., -m_size:]

    new_weights: list[Any] = [None] * net.n_dense
    for layer in reversed(range(net.n_dense)):
        rec = saved[layer]
        w, b = weights[layer]
        slot = protocol.dense_slot(layer, net.n_dense)
        if layer < net.n_dense - 1:  # the activation after this layer
            i = protocol.act_slot(layer, net.n_act)
            feats = _features(std, f"a{i}", m, [rec["act_in"]])
            c = lrn.act[i](feats, carries["a"][layer])
            new_carries["a"][layer] = c
            m = c[..., -m_size:]
        batch = m.shape[0]
        # bias agent first: its output message is what the weight agents receive
        feats = _features(std, f"b{slot}", m, [jnp.broadcast_to(b, rec["z"].shape), rec["z"]])
        c = protocol.bias_learner(slot)(feats, carries["b"][layer])
        new_carries["b"][layer] = c
        db = std.output(f"b{slot}", jnp.mean(c[..., 0], axis=0)) * lrn.b_scale[slot]
        m = c[..., -m_size:]
        # weight agents, one per synapse i -> j: [B, in, out, ...]
        n_in, n_out = w.shape
        m_rep = jnp.broadcast_to(m[:, None], (batch, n_in, n_out, m.shape[-1]))
        w_rep = jnp.broadcast_to(w, (batch, n_in, n_out))
        x_rep = jnp.broadcast_to(rec["x"][:, :, None], (batch, n_in, n_out))
        feats = _features(std, f"w{slot}", m_rep, [w_rep, x_rep])
        c = protocol.weight_learner(slot)(feats, carries["w"][layer])
        new_carries["w"][layer] = c
        dw = std.output(f"w{slot}", jnp.mean(c[..., 0], axis=0)) * lrn.w_scale[slot]
        m = jnp.mean(c[..., -m_size:], axis=2)
        new_weights[layer] = (w + dw, b + db)

    for k in ("w", "b", "a"):
        new_carries[k] = tuple(new_carries[k])
    new_state = {"weights": tuple(new_weights), "carries": new_carries}
    seen = Stats(std.seen_std, std.seen_out) if collect else None
    return new_state, loss, seen


def init_stats(protocol: Protocol, net: NetSpec, state: dict[str, Any], xs: jax.Array,
               ys: jax.Array) -> Protocol:
    """Freeze the standardisation: run the inner loop over the batches ``xs [K, B, n_in]``,
    ``ys [K, B, n_out]`` computing every agent's statistics on the fly, average them over the
    K steps and return the protocol holding them."""
    step = jax.jit(lambda p, s, x, y: mp_step(p, net, s, x, y, collect=True))
    seen = []
    for k in range(xs.shape[0]):
        state, _, stats = step(protocol, state, xs[k], ys[k])
        seen.append(stats)
    mean = jax.tree_util.tree_map(lambda *a: jnp.mean(jnp.stack(a), axis=0), *seen)
    expected = {f"{k}{layer}" for layer in range(protocol.depth) for k in ("w", "b")}
    assert expected <= set(mean.std), "initial pass missed a dense layer"
    return Protocol(protocol.learners, mean, protocol.message_size, protocol.depth,
                    protocol.loss_kind, protocol.shared, protocol.stateful)


def mp_rollout(protocol: Protocol, net: NetSpec, state: dict[str, Any], xs: jax.Array,
               ys: jax.Array, *, remat: bool = False) -> tuple[dict[str, Any], jax.Array]:
    """`mp_step` over the batches ``xs [K, B, n_in]`` in a `lax.scan` (gradients flow through
    it). Returns (final state, ``[K]`` the loss on each batch right AFTER its update)."""

    def body(s: dict[str, Any], xy: tuple[jax.Array, jax.Array]) -> tuple[Any, jax.Array]:
        new, _, _ = mp_step(protocol, net, s, xy[0], xy[1])
        return new, loss_value(net, new["weights"], xy[0], xy[1])

    if remat:
        body = jax.checkpoint(body)
    return jax.lax.scan(body, state, (xs, ys))
