"""Chemical notation: parsing, printing (exact round trip), errors with line and column, the
dense candidate set and conservation laws."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.core.errors import BadInput
from selforg.crn.network import (
    Network,
    conservation_laws,
    dense_network,
    format_network,
    parse,
    parse_x0,
)

NAMES = ("A", "B", "C2", "x_1", "Glucose", "_h")


@st.composite
def networks(draw):
    n = draw(st.integers(1, len(NAMES)))
    species = tuple(draw(st.permutations(NAMES))[:n])
    r = draw(st.integers(1, 6))
    counts = st.lists(st.integers(0, 3), min_size=n, max_size=n)
    a, b = [], []
    for _ in range(r):
        lhs, rhs = draw(counts), draw(counts)
        if lhs == rhs:  # a reaction must change something
            rhs[0] += 1
        a.append(lhs)
        b.append(rhs)
    rates = draw(st.lists(st.floats(1e-300, 1e300, allow_nan=False, allow_infinity=False),
                          min_size=r, max_size=r))
    return Network(species, np.array(a, np.int64).reshape(r, n),
                   np.array(b, np.int64).reshape(r, n), np.array(rates))


@settings(max_examples=300, deadline=None)
@given(networks())
def test_print_then_parse_is_the_same_network(net):
    text = format_network(net)
    back = parse(text)
    assert back == net
    assert format_network(back) == text


def test_the_notation_of_the_issue():
    net = parse("A + B -> 2 C @ 0.5\nX ->\n-> Y\nA <-> B @ 1, 0.2  # reversible\n")
    assert net.species == ("A", "B", "C", "X", "Y")
    assert net.reactants.tolist() == [[1, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 0],
                                      [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    assert net.products.tolist() == [[0, 0, 2, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1],
                                     [0, 1, 0, 0, 0], [1, 0, 0, 0, 0]]
    assert net.rates.tolist() == [0.5, 1.0, 1.0, 1.0, 0.2]
    assert format_network(net) == ("A + B -> 2 C @ 0.5\nX -> @ 1\n-> Y @ 1\nA <-> B @ 1, 0.2\n")


def test_semicolons_comments_empty_markers_and_repeats():
    a = parse("A + A -> B @ 3; B -> 0 @ 2 # gone\n\n# a comment line\n∅ -> A @ 1e-3")
    b = parse("2 A -> B @ 3\nB -> @ 2\n-> A @ 0.001")
    assert a == b


def test_species_line_keeps_order_and_unused_species():
    net = parse("species: C, B, A, D\nA -> B @ 1")
    assert net.species == ("C", "B", "A", "D")
    assert "species: C, B, A, D" in format_network(net)
    assert parse(format_network(net)) == net


@pytest.mark.parametrize("text, line, col, words", [
    ("A + -> B", 1, 5, "species name"),
    ("A -> B\nA => B", 2, 3, "'->' or '<->'"),
    ("A -> B @ -1", 1, 10, "must be a finite number > 0"),
    ("A -> B @ x", 1, 10, "rate constant"),
    ("A -> B; A <-> C @ 1", 1, 20, "two rates"),
    ("A -> B @ 1 2", 1, 12, "unexpected"),
    ("A -> A", 1, 7, "changes nothing"),
    ("0 A -> B", 1, 1, "≥ 1"),
    ("3B -> 2 + C", 1, 9, "species name"),
])
def test_bad_notation_names_line_and_column(text, line, col, words):
    with pytest.raises(BadInput) as e:
        parse(text)
    msg = str(e.value)
    assert msg.startswith(f"line {line}, column {col}:"), msg
    assert words in msg and "\n" not in msg


def test_empty_text_is_refused():
    with pytest.raises(BadInput, match="no reactions"):
        parse("# nothing\n")


def test_dense_candidate_set_counts_and_orders():
    for n, expected in ((1, 6), (2, 30), (3, 90), (4, 210)):
        net = dense_network(n)
        assert net.n_reactions == expected
        assert net.reactants.sum(axis=1).max() <= 2 and net.products.sum(axis=1).max() <= 2
        pairs = {(tuple(a), tuple(b)) for a, b in zip(net.reactants, net.products,
                                                     strict=True)}
        assert len(pairs) == expected  # no reaction twice, none that changes nothing


def test_conservation_laws():
    assert conservation_laws(parse("A <-> B @ 1, 2")).tolist() == [[1.0, 1.0]]
    laws = conservation_laws(parse("E + S <-> C @ 1, 1; C -> E + P @ 1"))
    # E + C and S + C + P are conserved (a basis of that space).
    s = parse("E + S <-> C @ 1, 1; C -> E + P @ 1").stoichiometry
    assert laws.shape == (2, 4) and np.all(s @ laws.T == 0)
    assert conservation_laws(parse("-> X @ 1; X -> @ 1")).shape == (0, 1)


def test_x0_text():
    assert parse_x0("A=1, C=0.5", ("A", "B", "C")).tolist() == [1.0, 0.0, 0.5]
    for bad, words in (("Q=1", "no species"), ("A", "NAME=VALUE"), ("A=-1", "≥ 0"),
                       ("A=x", "not a number")):
        with pytest.raises(BadInput, match=words):
            parse_x0(bad, ("A", "B"))
