"""Fixed wirings of gate layers: `unique`, `random`, and the perception's centre-vs-neighbour.

Petersen et al. (NeurIPS 2022) for `random`; Miotti et al., "Differentiable Logic Cellular
Automata" (2025) for `unique` and the first perception layer. Wiring is drawn once from the seed
and never learned; a layer with ``out`` gates is a pair of index arrays ``(a, b)``, each (out,).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from selforg.core.errors import BadInput

if TYPE_CHECKING:  # JAX draws only the reference notebook's wiring (imported there)
    import jax

#: How wiring permutations are drawn from the seed (LogicConfig.wiring_draw).
WIRING_DRAWS = ("numpy", "reference")


def unique_wiring(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (0,1),(2,3),…, then (1,2),(3,4),…, then offsets 2,3,… until ≥ n_out; permuted.

    Args:
        n_in: inputs of the layer; n_out: gates. Needs ``2·n_out ≥ n_in``.
        rng: draws the permutation of the pairs.

    Returns:
        (a, b): int32 (n_out,) input indices of each gate.
    """
    if n_out < 1 or n_in < 2 or 2 * n_out < n_in:
        raise BadInput(f"unique wiring needs 2·out ≥ in and in ≥ 2 (got in={n_in}, out={n_out})")
    x = np.arange(n_in)
    a, b = [], []

    def add(u: np.ndarray, v: np.ndarray) -> None:
        m = min(len(u), len(v))
        a.extend(u[:m])
        b.extend(v[:m])

    add(x[0::2], x[1::2])
    if len(a) < n_out:
        add(x[1::2], x[2::2])
    offset = 2
    while len(a) < n_out and offset < n_in:
        add(x[:-offset], x[offset:])
        offset += 1
    if len(a) < n_out:
        raise BadInput(f"unique wiring cannot make {n_out} distinct pairs from {n_in} inputs")
    perm = rng.permutation(n_out)
    return (np.asarray(a[:n_out], np.int32)[perm], np.asarray(b[:n_out], np.int32)[perm])


def random_wiring(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Petersen's wiring: ``c = perm(2·out) % in`` relabelled by a permutation of the inputs.

    Returns:
        (a, b): int32 (n_out,) input indices of each gate.
    """
    if n_out < 1 or n_in < 1:
        raise BadInput(f"random wiring needs in ≥ 1 and out ≥ 1 (got in={n_in}, out={n_out})")
    c = rng.permutation(2 * n_out) % n_in
    c = rng.permutation(n_in)[c]
    return c[:n_out].astype(np.int32), c[n_out:].astype(np.int32)


def centre_neighbour_wiring(
    n_out: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """First perception layer on a 3×3 patch (row-major, centre 4): gate i reads (π(i), centre).

    π is a random permutation of the 8 neighbours; n_out ≤ 8.
    """
    if not 1 <= n_out <= 8:
        raise BadInput(f"the centre-vs-neighbour layer has 1..8 gates (got {n_out})")
    neighbours = np.array([0, 1, 2, 3, 5, 6, 7, 8])
    a = neighbours[rng.permutation(8)][:n_out]
    return a.astype(np.int32), np.full(n_out, 4, np.int32)


def make_wiring(kind: str, n_in: int, n_out: int, rng: np.random.Generator):
    """Dispatch on `kind` in {"unique", "random"}."""
    if kind == "unique":
        return unique_wiring(n_in, n_out, rng)
    if kind == "random":
        return random_wiring(n_in, n_out, rng)
    raise BadInput(f"unknown wiring {kind!r} (allowed: unique, random)")


class _KeyedPermutations:
    """Stands in for the ``np.random.Generator`` of one layer: ``permutation(n)`` takes the
    next of the given jax keys, so the wiring functions above draw exactly as the reference does.
    """

    def __init__(self, keys: list[jax.Array]):
        self._keys = list(keys)

    def permutation(self, n: int) -> np.ndarray:
        import jax

        with jax.threefry_partitionable(False):
            return np.asarray(jax.random.permutation(self._keys.pop(0), n))


def reference_layer_draws(
    seed: int, update_kinds: list[str], perception_kinds: list[str]
) -> tuple[list[_KeyedPermutations], list[_KeyedPermutations]]:
    """Per-layer permutation sources in the key order of the paper's reference notebook.

    There the seed's key is split once (the second half builds the model), the update network
    is wired first, then the perception kernels, each layer from its own split-off key; a
    `random` layer splits its key in two and permutes the gate slots with the second. Keys
    come from threefry in its original (non-partitionable) mode, JAX's default until 0.5,
    which the notebook ran on. With this and `unique_wiring` / `centre_neighbour_wiring` /
    `random_wiring` (the same algorithms), a seed gives the notebook's wiring for that seed.

    Args:
        update_kinds, perception_kinds: the wiring kind of each layer ("unique", "random" or
            "moore" for the centre-vs-neighbour layer).

    Returns:
        (update, perception): one permutation source per layer, to pass as `rng`.
    """
    import jax

    def layer_keys(key: jax.Array, kinds: list[str]) -> list[_KeyedPermutations]:
        out = []
        for kind in kinds:
            key, sub = jax.random.split(key)
            if kind == "random":
                first, second = jax.random.split(sub)
                out.append(_KeyedPermutations([second, first]))
            else:
                out.append(_KeyedPermutations([sub]))
        return out

    with jax.threefry_partitionable(False):
        _, model_key = jax.random.split(jax.random.PRNGKey(seed))
        key, update_key = jax.random.split(model_key)
        _, perception_key = jax.random.split(key)
        return layer_keys(update_key, update_kinds), layer_keys(perception_key, perception_kinds)
