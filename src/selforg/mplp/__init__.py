"""MPLP: learned learning rules that train small networks by message passing.

Randazzo, Niklasson, Mordvintsev, "MPLP: Learning a Message Passing Learning Protocol" (2020,
arXiv 2007.00970). Every op of a small dense network is an agent; a backward pass of learned
messages (loss → softmax → activation → bias → weight agents) updates the parameters, and the
agents' shared learners are meta-learned by gradient descent through the whole inner loop.

One function per CLI verb, each taking its config and returning a frozen result: `train`
(`TrainConfig`, `preset`) → `TrainResult`, `evaluate` (`EvalConfig`) → `EvalResult`, `zoo`
→ `ZooResult`. The pieces: `Protocol` (learners + frozen statistics), `NetSpec`, `mp_step`
(one inner step), `backprop_protocol` (hand-written agents that reproduce SGD exactly).

Example:
    >>> from selforg.mplp import EvalConfig, evaluate
    >>> res = evaluate(EvalConfig("zoo:sinusoid", tasks=20))  # doctest: +SKIP
    >>> res.curves["mplp"][5] < res.curves["adam"][5]  # doctest: +SKIP
    True

The names load on first use, so ``selforg mplp --help`` does not import JAX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selforg.core.lazy import lazy_exports

if TYPE_CHECKING:
    from selforg.mplp.backprop import backprop_protocol
    from selforg.mplp.config import EvalConfig, TrainConfig, ZooConfig, preset
    from selforg.mplp.evaluate import EvalResult, evaluate
    from selforg.mplp.model import NetSpec, Protocol, count
    from selforg.mplp.network import mp_rollout, mp_step
    from selforg.mplp.train import TrainResult, train
    from selforg.mplp.zoo import ZooEntry, ZooResult, zoo

_WHERE = {
    "backprop_protocol": "backprop",
    "EvalConfig": "config", "TrainConfig": "config", "ZooConfig": "config", "preset": "config",
    "EvalResult": "evaluate", "evaluate": "evaluate",
    "NetSpec": "model", "Protocol": "model", "count": "model",
    "mp_rollout": "network", "mp_step": "network",
    "TrainResult": "train", "train": "train",
    "ZooEntry": "zoo", "ZooResult": "zoo", "zoo": "zoo",
}

__all__ = [
    "EvalConfig", "EvalResult", "NetSpec", "Protocol", "TrainConfig", "TrainResult",
    "ZooConfig", "ZooEntry", "ZooResult", "backprop_protocol", "count", "evaluate",
    "mp_rollout", "mp_step", "preset", "train", "zoo",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
