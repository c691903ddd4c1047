"""The learned protocol: the learners every agent runs, their scales and frozen statistics.

Randazzo, Niklasson, Mordvintsev, "MPLP: Learning a Message Passing Learning Protocol" (2020,
arXiv 2007.00970). A `Protocol` holds, for the agents of a small dense network,

- one learner per kind of agent: weight and bias learners per dense layer (or one of each shared
  by all dense layers), one per activation, one for the softmax, one for the loss;
- per dense layer a learned output scale for the weight and the bias updates (init 0.01);
- `Stats`: the frozen standardisation of every agent's inputs (one scalar shift and one scalar
  1/std per input tensor) and the frozen mean of each parameter learner's channel-0 output,
  taken once from an initial pass (`selforg.mplp.network.init_stats`) and never trained.

A learner maps the standardised inputs ``x [..., F]`` and its carry ``[..., C]`` to a new carry;
channel 0 of a parameter learner's carry is its update, the last ``M`` channels its message.
`GRULearner` is the stateful cell, `MLPLearner` the stateless pair of MLPs. The counts of
`Protocol.create` equal the authors' released models: 115,081 meta-parameters for the sinusoid
(stateful, per-layer learners) and 46,829 for the MNIST network (shared dense learners).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.mplp.config import ACTIVATIONS, LOSSES  # noqa: F401 - re-exported

W_STD = 0.05  # target networks start at W ~ N(0, 0.05), b = 0
SCALE_INIT = W_STD / 5  # the learned update scale starts at 0.01


def activation(name: str, x: jax.Array) -> jax.Array:
    """The target network's activation. ``step`` is max(0, sign(x)): its gradient is 0."""
    if name == "relu":
        return jax.nn.relu(x)
    if name == "sigmoid":
        return jax.nn.sigmoid(x)
    if name == "tanh":
        return jnp.tanh(x)
    if name == "step":
        return jnp.maximum(0.0, jnp.sign(x))
    raise ValueError(f"unknown activation {name!r}")


@dataclass(frozen=True)
class NetSpec:
    """A target network: dense layers of `widths`, `activation` between them, then the loss.

    Attributes:
        widths: (inputs, hidden..., outputs), e.g. (1, 20, 20, 1).
        activation: relu | sigmoid | tanh | step, after every dense layer but the last.
        loss: ``l2`` (diff²/2 per output) or ``ce`` (softmax, then cross-entropy).
    """

    widths: tuple[int, ...]
    activation: str = "relu"
    loss: str = "l2"

    @property
    def n_dense(self) -> int:
        return len(self.widths) - 1

    @property
    def n_act(self) -> int:
        return len(self.widths) - 2


def _glorot(key: jax.Array, fan_in: int, fan_out: int) -> jax.Array:
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -limit, limit)


class MLP(eqx.Module):
    """Dense layers (Glorot weights, zero biases); `act` after every layer but the last, which
    has a bias only when `last_bias`; `out` is applied to the last layer's output."""

    weights: tuple[jax.Array, ...]
    biases: tuple[jax.Array, ...]
    act: str = eqx.field(static=True)
    out: str = eqx.field(static=True)

    @staticmethod
    def create(key: jax.Array, sizes: tuple[int, ...], *, act: str, out: str = "linear",
               last_bias: bool = True) -> MLP:
        keys = jax.random.split(key, len(sizes) - 1)
        pairs = zip(keys, sizes[:-1], sizes[1:], strict=False)
        weights = tuple(_glorot(k, a, b) for k, a, b in pairs)
        n_bias = len(weights) if last_bias else len(weights) - 1
        biases = tuple(jnp.zeros(sizes[i + 1]) for i in range(n_bias))
        return MLP(weights, biases, act, out)

    def __call__(self, x: jax.Array) -> jax.Array:
        for i, w in enumerate(self.weights):
            x = x @ w
            if i < len(self.biases):
                x = x + jnp.broadcast_to(self.biases[i], x.shape)
            if i < len(self.weights) - 1:
                x = jnp.tanh(x) if self.act == "tanh" else jax.nn.relu(x)
        return jnp.tanh(x) if self.out == "tanh" else x


class Learner(eqx.Module):
    """What every agent runs: ``(x [..., in_size], carry [..., carry_size]) -> new carry``.

    Channel 0 of a parameter agent's carry is its update; the last `message_size` channels are
    its message. Subclasses: `GRULearner`, `MLPLearner`, and the hand-written exact-backprop
    learners of `selforg.mplp.backprop`.
    """

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        raise NotImplementedError

    @property
    def carry_size(self) -> int:
        raise NotImplementedError


class GRULearner(Learner):
    """GRU-like cell: update/reset gates (bias init −1), candidate
    tanh(MLP_x(x) + MLP_c(r ⊙ carry) + b), MLPs 80-40 with tanh and a last layer without bias.
    The carry (1 + hidden + M channels for a parameter agent, hidden + M otherwise) is kept per
    batch element and synapse across inner steps."""

    w_update_x: jax.Array
    w_update_c: jax.Array
    b_update: jax.Array
    w_reset_x: jax.Array
    w_reset_c: jax.Array
    b_reset: jax.Array
    b_next: jax.Array
    next_x: MLP
    next_c: MLP

    @staticmethod
    def create(key: jax.Array, in_size: int, carry_size: int) -> GRULearner:
        k = jax.random.split(key, 6)
        c = carry_size
        return GRULearner(
            _glorot(k[0], in_size, c), _glorot(k[1], c, c), jnp.full((c,), -1.0, jnp.float32),
            _glorot(k[2], in_size, c), _glorot(k[3], c, c), jnp.full((c,), -1.0, jnp.float32),
            jnp.zeros((c,)),
            MLP.create(k[4], (in_size, 80, 40, c), act="tanh", last_bias=False),
            MLP.create(k[5], (c, 80, 40, c), act="tanh", last_bias=False),
        )

    @property
    def carry_size(self) -> int:
        return int(self.b_next.shape[0])

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        shape = carry.shape
        u = jax.nn.sigmoid(x @ self.w_update_x + carry @ self.w_update_c
                           + jnp.broadcast_to(self.b_update, shape))
        r = jax.nn.sigmoid(x @ self.w_reset_x + carry @ self.w_reset_c
                           + jnp.broadcast_to(self.b_reset, shape))
        cand = jnp.tanh(self.next_x(x) + self.next_c(r * carry)
                        + jnp.broadcast_to(self.b_next, shape))
        return u * carry + (1.0 - u) * cand


class MLPLearner(Learner):
    """The stateless variant: an update MLP (80-40-1, ReLU, tanh out; parameter agents only)
    and a message MLP (80-40-M, ReLU, tanh out). It ignores its carry; its output has the
    carry's layout (update channel first, message last)."""

    update: MLP | None
    message: MLP

    @staticmethod
    def create(key: jax.Array, in_size: int, message_size: int, *, param: bool) -> MLPLearner:
        k1, k2 = jax.random.split(key)
        update = MLP.create(k1, (in_size, 80, 40, 1), act="relu", out="tanh") if param else None
        return MLPLearner(update, MLP.create(k2, (in_size, 80, 40, message_size), act="relu",
                                             out="tanh"))

    @property
    def carry_size(self) -> int:
        return int(self.message.weights[-1].shape[1]) + (1 if self.update is not None else 0)

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        msg = self.message(x)
        return msg if self.update is None else jnp.concatenate([self.update(x), msg], -1)


class Learners(eqx.Module):
    """Every trainable meta-parameter: the learners and the per-layer update scales."""

    weight: tuple[Learner, ...]  # one per dense layer, or one shared
    bias: tuple[Learner, ...]
    w_scale: jax.Array  # [n_dense]
    b_scale: jax.Array  # [n_dense]
    act: tuple[Learner, ...]  # one per activation
    softmax: Learner | None
    loss: Learner
    prior: tuple[tuple[jax.Array, jax.Array], ...] | None = None  # few-shot: learned init


class Stats(eqx.Module):
    """Frozen statistics. ``std[name]`` is ``[2, n]``: row 0 the shift (−mean), row 1 the
    scale (1/std, or 1 where std < 1e-5), one column per input tensor of the agent, the message
    first. ``out_mean[name]`` is the frozen mean of a parameter learner's channel-0 output.
    Names: ``w<l>``, ``b<l>`` (dense layer l), ``a<i>`` (activation i), ``softmax``, ``loss``."""

    std: dict[str, jax.Array]
    out_mean: dict[str, jax.Array]


# input tensors per agent besides the message: weight/bias: (own value, input); activation:
# its input; softmax: inputs, translated inputs, exp numerator, exp denominator; loss: the
# prediction, the target and the difference (l2) or the log probability (ce).
N_STATES = {"w": 2, "b": 2, "a": 1, "softmax": 4, "loss": 3}


class Protocol(eqx.Module):
    """A learned message-passing learning protocol for dense networks of `depth` layers.

    Attributes:
        learners: the trainable part (`Learners`).
        stats: the frozen part (`Stats`), None until `init_stats` fills it.
        message_size: M channels per message.
        depth: dense layers of the network it was made for.
        loss_kind: ``l2`` or ``ce`` (whether it has a softmax agent).
        shared: one weight and one bias learner for all dense layers.
        stateful: GRU learners (else the stateless MLP pair).
    """

    learners: Learners
    stats: Stats | None
    message_size: int = eqx.field(static=True)
    depth: int = eqx.field(static=True)
    loss_kind: str = eqx.field(static=True)
    shared: bool = eqx.field(static=True)
    stateful: bool = eqx.field(static=True)

    @staticmethod
    def create(key: jax.Array, net: NetSpec, *, message_size: int, hidden: int,
               stateful: bool = True, shared: bool = False) -> Protocol:
        """Fresh learners for `net` (statistics still missing: see `init_stats`).

        Example:
            >>> p = Protocol.create(jax.random.key(0), NetSpec((1, 20, 20, 1)),
            ...                     message_size=8, hidden=15)
            >>> p.learners.w_scale.shape
            (3,)
        """
        m = message_size
        keys = iter(jax.random.split(key, 4 * net.n_dense + net.n_act + 2))

        def make(n_states: int, param: bool, in_msg: int = m) -> Learner:
            in_size = in_msg + n_states
            if stateful:
                return GRULearner.create(next(keys), in_size, (1 if param else 0) + hidden + m)
            return MLPLearner.create(next(keys), in_size, m, param=param)

        n_param = 1 if shared else net.n_dense
        weight = tuple(make(2, True) for _ in range(n_param))
        bias = tuple(make(2, True) for _ in range(n_param))
        act = tuple(make(1, False) for _ in range(net.n_act))
        softmax = make(4, False) if net.loss == "ce" else None
        loss = make(3, False, in_msg=1)  # the loss agent receives the per-element loss
        scales = jnp.full((net.n_dense,), SCALE_INIT, jnp.float32)
        learners = Learners(weight, bias, scales, scales, act, softmax, loss)
        return Protocol(learners, None, m, net.n_dense, net.loss, shared, stateful)

    # -- which learner / statistics serve layer l of a network with n dense layers --------

    def dense_slot(self, layer: int, n_dense: int) -> int:
        """Layer `layer` of an `n_dense`-layer network uses this layer's scale and statistics
        (the same index at the trained depth; for a deeper network the first and last keep
        theirs and the middle ones share the trained middle's)."""
        if n_dense == self.depth:
            return layer
        if layer == 0:
            return 0
        if layer == n_dense - 1:
            return self.depth - 1
        return min(max(layer, 1), max(self.depth - 2, 0))

    def act_slot(self, index: int, n_act: int) -> int:
        n = len(self.learners.act)
        return index if n_act == n else min(index, n - 1)

    def weight_learner(self, slot: int) -> Learner:
        return self.learners.weight[0 if self.shared else slot]

    def bias_learner(self, slot: int) -> Learner:
        return self.learners.bias[0 if self.shared else slot]


def identity_stats(protocol_depth: int, n_act: int, softmax: bool) -> Stats:
    """Statistics that leave every input as it is (shift 0, scale 1; output mean 0)."""
    std: dict[str, jax.Array] = {}
    out_mean: dict[str, jax.Array] = {}

    def ident(n: int) -> jax.Array:
        return jnp.stack([jnp.zeros(n + 1), jnp.ones(n + 1)])

    for layer in range(protocol_depth):
        for kind in ("w", "b"):
            std[f"{kind}{layer}"] = ident(N_STATES[kind])
            out_mean[f"{kind}{layer}"] = jnp.zeros(())
    for i in range(n_act):
        std[f"a{i}"] = ident(N_STATES["a"])
    if softmax:
        std["softmax"] = ident(N_STATES["softmax"])
    std["loss"] = ident(N_STATES["loss"])
    return Stats(std, out_mean)


def count(tree: object) -> int:
    """Number of array elements in a pytree (a `Protocol`: learners + frozen statistics)."""
    return int(sum(np.size(x) for x in jax.tree_util.tree_leaves(tree) if eqx.is_array(x)))
