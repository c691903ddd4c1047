"""Wiring: unique pairs in the documented order, coverage, random wiring, centre-vs-neighbour,
the reference notebook's draw."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.core.errors import BadInput
from selforg.logic.config import preset
from selforg.logic.model import build_wiring
from selforg.logic.wiring import centre_neighbour_wiring, random_wiring, unique_wiring


def test_unique_order_before_permutation():
    a, b = unique_wiring(6, 7, np.random.default_rng(0))
    pairs = sorted(zip(a.tolist(), b.tolist(), strict=True))
    # (0,1),(2,3),(4,5) then (1,2),(3,4) then offset 2: (0,2),(1,3)
    assert pairs == sorted([(0, 1), (2, 3), (4, 5), (1, 2), (3, 4), (0, 2), (1, 3)])


@settings(max_examples=40, deadline=None)
@given(n_in=st.integers(2, 300), extra=st.integers(0, 200), seed=st.integers(0, 10**6))
def test_unique_covers_every_input(n_in, extra, seed):
    n_out = (n_in + 1) // 2 + extra
    if n_in % 2:  # an odd input count needs the second round to reach the last input
        n_out = max(n_out, n_in - 1)
    n_out = min(n_out, n_in * (n_in - 1) // 2)  # only so many distinct pairs exist
    a, b = unique_wiring(n_in, n_out, np.random.default_rng(seed))
    assert len(a) == len(b) == n_out
    assert set(a.tolist()) | set(b.tolist()) == set(range(n_in))
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    assert len(pairs) == n_out  # no pair is repeated
    assert all(x != y for x, y in pairs)


def test_unique_refuses_too_few_gates():
    with pytest.raises(BadInput):
        unique_wiring(10, 4, np.random.default_rng(0))


def test_random_wiring_is_a_balanced_relabelling():
    a, b = random_wiring(10, 10, np.random.default_rng(1))
    counts = np.bincount(np.concatenate([a, b]), minlength=10)
    assert counts.tolist() == [2] * 10  # perm(20) % 10 uses each input exactly twice


def test_centre_neighbour_layer():
    a, b = centre_neighbour_wiring(8, np.random.default_rng(3))
    assert sorted(a.tolist()) == [0, 1, 2, 3, 5, 6, 7, 8]
    assert b.tolist() == [4] * 8


def test_reference_draw_gives_the_notebooks_wiring():
    """Pinned against a line-by-line transcription of the reference notebook's initialisation
    (jax.random keys, threefry non-partitionable), run for the lizard's layer sizes."""
    lizard = preset("lizard", seed=23, wiring_draw="reference")
    w = build_wiring(lizard)
    assert w.perception[0].a.tolist() == [1, 5, 0, 8, 7, 3, 6, 2]
    assert w.perception[0].b.tolist() == [4] * 8
    assert (w.perception[1].a.tolist(), w.perception[1].b.tolist()) == ([2, 4, 6, 0], [3, 5, 7, 1])
    assert w.update[0].a[:10].tolist() == [317, 368, 107, 230, 242, 396, 384, 442, 614, 466]
    assert w.update[-1].a[:5].tolist() == [76, 28, 114, 216, 198]
    # the same unique pairs as the NumPy draw, only permuted differently
    numpy_drawn = build_wiring(dataclasses.replace(lizard, wiring_draw="numpy"))
    for ours, theirs in zip(w.update, numpy_drawn.update, strict=True):
        assert sorted(zip(ours.a, ours.b, strict=True)) == sorted(
            zip(theirs.a, theirs.b, strict=True))
        assert not np.array_equal(ours.a, theirs.a)
    rand = build_wiring(preset("lizard", seed=5, wiring="random", wiring_draw="reference"))
    assert (rand.perception[1].a.tolist(), rand.perception[1].b.tolist()) == ([0, 1, 3, 2],
                                                                               [4, 7, 6, 5])
    assert rand.update[0].a[:6].tolist() == [560, 417, 395, 250, 543, 532]
    assert rand.update[0].b[:6].tolist() == [67, 456, 260, 360, 538, 221]


def test_unknown_wiring_draw_is_refused():
    with pytest.raises(BadInput, match="wiring draw"):
        preset("lizard", wiring_draw="torch")
