"""Data parallelism for the shared training loop: the batch split over devices.

The loop (`selforg.core.train.train_loop`) builds a 1-D mesh ``("data",)`` over the first N of
``jax.devices()``, replicates the training state on it and runs every step under that mesh; a
step marks its batch with `shard_batch`, so XLA splits the batch's work over the devices and
all-reduces the gradients, while the parameters stay whole on every device. With one device
`shard_batch` does nothing, so a step is written once for both.

The number of devices is not part of a run's config (it changes no result beyond the order of
floating-point sums), so a run checkpointed on two devices resumes on one, and back.

Example:
    >>> from selforg.core.parallel import data_parallel
    >>> with data_parallel("all"):  # doctest: +SKIP
    ...     train_texture(cfg)  # every step's batch is split over all devices
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from selforg.core.errors import BadInput

AXIS = "data"
_DEVICES: contextvars.ContextVar[int | str | None] = contextvars.ContextVar(
    "selforg_devices", default=None)


@contextlib.contextmanager
def data_parallel(devices: int | str | None) -> Iterator[None]:
    """Within the block, training loops split their batches over `devices` (an int, or
    ``"all"``; None or 1: one device)."""
    token = _DEVICES.set(devices)
    try:
        yield
    finally:
        _DEVICES.reset(token)


def requested_devices() -> int | str | None:
    """The device count asked for by the innermost `data_parallel` block (None outside)."""
    return _DEVICES.get()


def device_count(devices: int | str | None) -> int:
    """``"all"`` → the number of JAX devices; an int is checked against it.

    Raises:
        BadInput: more devices than JAX sees, or fewer than 1.
    """
    import jax

    have = len(jax.devices())
    if devices is None:
        return 1
    if devices == "all":
        return have
    n = int(devices)
    if not 1 <= n <= have:
        raise BadInput(f"--devices {n}: JAX sees {have} device(s) ({jax.devices()[0].platform});"
                       f" give 1..{have} or all")
    return n


def data_mesh(n: int) -> Any:
    """A 1-D mesh with axis ``"data"`` over the first `n` JAX devices."""
    import jax
    import numpy as np

    return jax.sharding.Mesh(np.asarray(jax.devices()[:n]), (AXIS,))


def replicate(tree: Any, mesh: Any) -> Any:
    """Every array leaf of `tree` copied whole onto every device of `mesh`."""
    import equinox as eqx
    import jax

    arrays, rest = eqx.partition(tree, eqx.is_array)
    rep = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())
    return eqx.combine(jax.device_put(arrays, rep), rest)


def shard_batch(tree: Any) -> Any:
    """Mark the leading (batch) axis of every array in `tree` as split over the ``data`` mesh
    axis, when a step runs under the loop's data mesh; otherwise return `tree` unchanged.

    Call it inside a step, on the batch the step draws (after any random draw, so the numbers
    are those of a single-device run).

    Raises:
        BadInput: the batch does not divide evenly over the devices.
    """
    import jax

    mesh = jax.sharding.get_abstract_mesh()
    if mesh.empty or AXIS not in mesh.axis_names:
        return tree
    n = mesh.shape[AXIS]
    spec = jax.sharding.PartitionSpec(AXIS)

    def one(x: Any) -> Any:
        if not hasattr(x, "shape") or not x.shape:
            return x
        if x.shape[0] % n:
            raise BadInput(f"a batch of {x.shape[0]} does not split over {n} devices; give a"
                           f" batch that is a multiple of {n}")
        return jax.lax.with_sharding_constraint(x, spec)

    return jax.tree_util.tree_map(one, tree)
