"""Float32 matmuls wherever the in-context-learning code runs.

GPUs default to TF32 (10-bit mantissa) for float32 matmuls. The constructions here are exact
identities (one LSA layer = one GD step, the mesa-layer = a ridge solve), products of several
layers amplify the rounding, and Sherman-Morrison cancels it badly. JAX resolves a matmul's
precision when the matmul is traced, so every layer, solver and task sampler of this package
traces its matmuls under `full_precision`: a caller's own ``jax.default_matmul_precision`` or
``jax_default_matmul_precision`` setting cannot lower them. A CPU computes float32 either way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def full_precision(fn: F) -> F:
    """Trace `fn`'s matmuls at ``"highest"`` precision (float32 on every backend).

    Use as a decorator, inside or outside ``jax.jit``: JAX reads the precision when it traces
    each matmul, and the precision setting is part of jit's cache key.
    """

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        import jax

        with jax.default_matmul_precision("highest"):
            return fn(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def precision_scope():
    """A context in which matmuls trace at ``"highest"`` precision: the whole body of every
    experiment function (``gd`` ...), so optimiser steps and third-party layers (the
    sine front end's `equinox.nn.MLP`) are covered too."""
    import jax

    return jax.default_matmul_precision("highest")
