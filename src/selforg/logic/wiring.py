"""Fixed wirings of gate layers: `unique`, `random`, and the perception's centre-vs-neighbour.

Petersen et al. (NeurIPS 2022) for `random`; Miotti et al., "Differentiable Logic Cellular
Automata" (2025) for `unique` and the first perception layer. Wiring is drawn once from the seed
and never learned; a layer with ``out`` gates is a pair of index arrays ``(a, b)``, each (out,).
"""

from __future__ import annotations

import numpy as np

from selforg.core.errors import BadInput


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
