"""Hand-written agents that pass exact backprop messages: a drop-in for the learned ones.

Each is a `Learner` (the same ``(x, carry) -> carry`` call the GRU makes) run through the same
message-passing code (`selforg.mplp.network.mp_step`), with identity statistics and the update
scale set to the learning rate. Messages have one channel, the gradient of the loss with respect
to the op's output for that batch element; parameter agents put −gradient in channel 0. The
network they drive takes exactly the steps of SGD, which checks the wiring: the loss → softmax →
activation → bias → weight order, the bias agent's output message reaching the weight agents,
and the mean over a layer's outputs of the weight agents' messages.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from selforg.mplp.model import Learner, Learners, NetSpec, Protocol, identity_stats


class LossGrad(Learner):
    """Inputs (loss, prediction, target, diff | log p): d loss / d prediction."""

    kind: str = eqx.field(static=True)

    @property
    def carry_size(self) -> int:
        return 1

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        if self.kind == "l2":
            return -x[..., 3:4]  # diff = target − prediction
        return -x[..., 2:3] / x[..., 1:2]  # −target / p


class SoftmaxGrad(Learner):
    """Inputs (m, logits, translated, exp numerator, exp denominator): the softmax Jacobian
    applied to m."""

    @property
    def carry_size(self) -> int:
        return 1

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        p = x[..., 3] / x[..., 4]
        m = x[..., 0]
        return (p * (m - jnp.sum(p * m, axis=-1, keepdims=True)))[..., None]


class ActivationGrad(Learner):
    """Inputs (m, pre-activation): m times the activation's derivative."""

    kind: str = eqx.field(static=True)

    @property
    def carry_size(self) -> int:
        return 1

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        a = x[..., 1]
        if self.kind == "relu":
            d = (a > 0).astype(a.dtype)
        elif self.kind == "sigmoid":
            s = jax.nn.sigmoid(a)
            d = s * (1 - s)
        elif self.kind == "tanh":
            d = 1 - jnp.tanh(a) ** 2
        else:  # step: no gradient
            d = jnp.zeros_like(a)
        return (x[..., 0] * d)[..., None]


class BiasGrad(Learner):
    """Inputs (m, b, pre-bias value): update −m, message m."""

    @property
    def carry_size(self) -> int:
        return 2

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        return jnp.concatenate([-x[..., :1], x[..., :1]], -1)


class WeightGrad(Learner):
    """Inputs per synapse i→j (m_j, W_ij, x_i) ``[B, in, out, 3]``: update −x_i·m_j; message
    out·W_ij·m_j, so that the wiring's mean over j gives Σ_j W_ij m_j."""

    @property
    def carry_size(self) -> int:
        return 2

    def __call__(self, x: jax.Array, carry: jax.Array) -> jax.Array:
        m, w, inp = x[..., 0], x[..., 1], x[..., 2]
        n_out = x.shape[-2]
        return jnp.stack([-inp * m, n_out * w * m], -1)


def backprop_protocol(net: NetSpec, lr: float) -> Protocol:
    """A `Protocol` of exact-gradient agents for `net`: one inner step is one SGD step with
    learning rate `lr` on the batch-mean loss.

    Example:
        >>> p = backprop_protocol(NetSpec((1, 4, 1)), lr=0.1)
        >>> p.message_size
        1
    """
    nd = net.n_dense
    learners = Learners(
        weight=tuple(WeightGrad() for _ in range(nd)),
        bias=tuple(BiasGrad() for _ in range(nd)),
        w_scale=jnp.full((nd,), lr, jnp.float32),
        b_scale=jnp.full((nd,), lr, jnp.float32),
        act=tuple(ActivationGrad(net.activation) for _ in range(net.n_act)),
        softmax=SoftmaxGrad() if net.loss == "ce" else None,
        loss=LossGrad(net.loss),
    )
    stats = identity_stats(nd, net.n_act, net.loss == "ce")
    return Protocol(learners, stats, 1, nd, net.loss, shared=False, stateful=False)
