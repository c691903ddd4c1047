"""Reaction networks in chemical notation: parse, print, the dense candidate set, invariants.

The notation, one reaction per line or several separated by ``;``::

    A + B -> 2 C @ 0.5        # mass action, rate constant 0.5
    X ->                      # degradation (an empty side; ``0`` or ``∅`` also mean empty)
    -> Y @ 2                  # constant inflow
    A <-> B @ 1, 0.2          # reversible: forward 1, backward 0.2 (two reactions)
    species: A, B, C, X, Y    # optional: the species and their order

A reaction without ``@`` has rate 1. Species are identifiers (letters, digits, ``_``, not
starting with a digit), so that they are valid SBML ids. `format_network` prints a network
back in the same notation; ``parse(format_network(net)) == net`` exactly (rates are printed
with ``repr``, the shortest text that reads back to the same float), and a pair of consecutive
reactions that are each other's reverse prints as one ``<->`` line.

Nothing here imports JAX.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from selforg.core.errors import BadInput

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INT = re.compile(r"\d+")
EMPTY = ("0", "∅")


@dataclass(frozen=True, eq=False)
class Network:
    """A reaction network under mass action.

    Attributes:
        species: names, in order; column i of the matrices is species i.
        reactants: (R, n) int64, A[r, i] = copies of species i consumed by reaction r.
        products: (R, n) int64, B[r, i] = copies produced.
        rates: (R,) float64 rate constants k_r > 0.
    """

    species: tuple[str, ...]
    reactants: np.ndarray
    products: np.ndarray
    rates: np.ndarray

    def __post_init__(self) -> None:
        n, r = len(self.species), len(self.rates)
        for name, m in (("reactants", self.reactants), ("products", self.products)):
            if np.shape(m) != (r, n):
                raise ValueError(f"{name} has shape {np.shape(m)}, expected ({r}, {n})")
        if len(set(self.species)) != n:
            raise ValueError(f"species repeat: {self.species}")

    @property
    def n_species(self) -> int:
        return len(self.species)

    @property
    def n_reactions(self) -> int:
        return len(self.rates)

    @property
    def stoichiometry(self) -> np.ndarray:
        """(R, n) net change S = B − A of each reaction."""
        return self.products - self.reactants

    def with_rates(self, rates: np.ndarray) -> Network:
        """The same reactions with other rate constants, (R,)."""
        return Network(self.species, self.reactants, self.products,
                       np.asarray(rates, np.float64).reshape(self.n_reactions))

    def subset(self, keep: np.ndarray) -> Network:
        """The reactions where `keep` (R,) bool is true, all species kept."""
        keep = np.asarray(keep, bool)
        return Network(self.species, self.reactants[keep], self.products[keep],
                       self.rates[keep])

    def index(self, name: str) -> int:
        """Column of species `name`.

        Raises:
            BadInput: no such species.
        """
        try:
            return self.species.index(name)
        except ValueError:
            raise BadInput(f"no species {name!r} in the network (it has"
                           f" {', '.join(self.species) or 'none'})") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Network):
            return NotImplemented
        return (self.species == other.species
                and np.array_equal(self.reactants, other.reactants)
                and np.array_equal(self.products, other.products)
                and np.array_equal(self.rates, other.rates))

    def __hash__(self) -> int:
        return hash((self.species, self.reactants.tobytes(), self.products.tobytes(),
                     self.rates.tobytes()))

    def __str__(self) -> str:
        return format_network(self)


def make_network(species: tuple[str, ...] | list[str],
                 reactions: list[tuple[dict[str, int], dict[str, int], float]]) -> Network:
    """A network from ``[(reactant counts, product counts, rate), ...]`` by species name."""
    species = tuple(species)
    idx = {s: i for i, s in enumerate(species)}
    a = np.zeros((len(reactions), len(species)), np.int64)
    b = np.zeros_like(a)
    for r, (lhs, rhs, _) in enumerate(reactions):
        for side, m in ((lhs, a), (rhs, b)):
            for name, count in side.items():
                m[r, idx[name]] += count
    rates = np.array([float(k) for _, _, k in reactions], np.float64)
    return Network(species, a, b, rates)


# ----------------------------------------------------------------------------------------
# Parsing


class _Cursor:
    """A position in one statement of the text, for errors with line and column."""

    def __init__(self, text: str, line: int, col0: int):
        self.text, self.line, self.col0, self.pos = text, line, col0, 0

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def peek(self, s: str) -> bool:
        self.skip()
        return self.text.startswith(s, self.pos)

    def take(self, s: str) -> bool:
        if self.peek(s):
            self.pos += len(s)
            return True
        return False

    def match(self, pattern: re.Pattern[str]) -> str | None:
        self.skip()
        m = pattern.match(self.text, self.pos)
        if m is None:
            return None
        self.pos = m.end()
        return m.group(0)

    def found(self) -> str:
        self.skip()
        if self.pos >= len(self.text):
            return "the end of the reaction"
        m = re.match(r"\S+", self.text[self.pos:])
        return repr(m.group(0) if m else self.text[self.pos])

    def error(self, message: str) -> BadInput:
        self.skip()
        return BadInput(f"line {self.line}, column {self.col0 + self.pos + 1}: {message}")


def _side(cur: _Cursor, what: str) -> dict[str, int]:
    """``2 A + B``, or empty (nothing, ``0`` or ``∅``) -> counts by name."""
    counts: dict[str, int] = {}
    if cur.at_end() or cur.peek("->") or cur.peek("<->") or cur.peek("@"):
        return counts
    for empty in EMPTY:
        save = cur.pos
        if cur.take(empty):
            if cur.at_end() or cur.peek("->") or cur.peek("<->") or cur.peek("@"):
                return counts
            cur.pos = save
    while True:
        coef = 1
        cur.skip()
        start = cur.pos
        number = cur.match(_INT)
        if number is not None:
            coef = int(number)
            if coef < 1:
                cur.pos = start
                raise cur.error(f"a stoichiometric coefficient must be ≥ 1, got {number}")
        name = cur.match(_NAME)
        if name is None:
            raise cur.error(f"expected a species name in the {what}, found {cur.found()}")
        counts[name] = counts.get(name, 0) + coef
        if not cur.take("+"):
            return counts


def _rate(cur: _Cursor) -> float:
    cur.skip()
    start = cur.pos
    text = cur.match(_NUMBER)
    if text is None:
        raise cur.error(f"expected a rate constant (a number > 0), found {cur.found()}")
    value = float(text)
    if not (value > 0 and np.isfinite(value)):
        cur.pos = start
        raise cur.error(f"a rate constant must be a finite number > 0, got {text}")
    return value


def _statement(cur: _Cursor) -> list[tuple[dict[str, int], dict[str, int], float]]:
    lhs = _side(cur, "reactants")
    if cur.take("<->"):
        reversible = True
    elif cur.take("->"):
        reversible = False
    else:
        raise cur.error(f"expected '->' or '<->', found {cur.found()}")
    rhs = _side(cur, "products")
    rates = [1.0, 1.0] if reversible else [1.0]
    if cur.take("@"):
        rates[0] = _rate(cur)
        if reversible:
            if not cur.take(","):
                raise cur.error("a reversible reaction needs two rates, '@ forward, backward'")
            rates[1] = _rate(cur)
    if not cur.at_end():
        raise cur.error(f"unexpected {cur.found()} after the reaction")
    if lhs == rhs:
        raise cur.error("the reaction changes nothing (both sides are the same)")
    out = [(lhs, rhs, rates[0])]
    if reversible:
        out.append((rhs, lhs, rates[1]))
    return out


def _statements(text: str):
    """(line number, 0-based column, statement text) of every non-empty statement."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        col = 0
        for part in line.split(";"):
            if part.strip():
                yield number, col, part
            col += len(part) + 1


def parse(text: str) -> Network:
    """Parse chemical notation (see the module docstring) into a `Network`.

    Species are ordered by a ``species:`` line if there is one, else by first appearance.

    Raises:
        BadInput: malformed text; the message names the line and column.

    Example:
        >>> net = parse("A + B -> 2 C @ 0.5; C ->")
        >>> net.species, net.reactants.tolist(), net.rates.tolist()
        (('A', 'B', 'C'), [[1, 1, 0], [0, 0, 1]], [0.5, 1.0])
    """
    declared: list[str] | None = None
    reactions: list[tuple[dict[str, int], dict[str, int], float]] = []
    seen: dict[str, None] = {}
    for line, col, stmt in _statements(text):
        cur = _Cursor(stmt, line, col)
        if cur.take("species:"):
            if declared is not None:
                raise cur.error("a second 'species:' line")
            declared = []
            while not cur.at_end():
                name = cur.match(_NAME)
                if name is None:
                    raise cur.error(f"expected a species name, found {cur.found()}")
                if name in declared:
                    raise cur.error(f"species {name} is declared twice")
                declared.append(name)
                if not cur.take(","):
                    break
            if not cur.at_end():
                raise cur.error(f"unexpected {cur.found()} in the species list")
            continue
        for lhs, rhs, k in _statement(cur):
            for name in itertools.chain(lhs, rhs):
                seen.setdefault(name)
            reactions.append((lhs, rhs, k))
    if declared is not None:
        missing = [s for s in seen if s not in declared]
        if missing:
            raise BadInput(f"species {', '.join(missing)} are used but not in the 'species:'"
                           " line")
        species = tuple(declared)
    else:
        species = tuple(seen)
    if not reactions:
        raise BadInput("no reactions in the text (write e.g. 'A + B -> C @ 0.5')")
    return make_network(species, reactions)


# ----------------------------------------------------------------------------------------
# Printing


def format_rate(k: float) -> str:
    """The shortest text that reads back as exactly `k` (``1.0`` prints as ``1``)."""
    text = repr(float(k))
    return text[:-2] if text.endswith(".0") else text


def _format_side(species: tuple[str, ...], counts: np.ndarray) -> str:
    terms = [(f"{c} {s}" if c > 1 else s) for s, c in zip(species, counts, strict=True) if c]
    return " + ".join(terms)


def format_reaction(net: Network, r: int) -> str:
    """Reaction `r` as ``A + B -> 2 C @ 0.5``."""
    lhs = _format_side(net.species, net.reactants[r])
    rhs = _format_side(net.species, net.products[r])
    return " ".join(p for p in (lhs, "->", rhs) if p) + f" @ {format_rate(net.rates[r])}"


def _appearance_order(net: Network) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for r in range(net.n_reactions):
        for m in (net.reactants, net.products):
            for i in np.flatnonzero(m[r]):
                seen.setdefault(net.species[i])
    return tuple(seen)


def format_network(net: Network, *, species_line: bool | None = None) -> str:
    """The network in chemical notation, one reaction per line (ends with a newline).

    A ``species:`` line comes first when the species' order (or a species in no reaction)
    would not otherwise be read back, or when `species_line` is True.
    """
    lines = []
    if species_line or (species_line is None and _appearance_order(net) != net.species):
        lines.append("species: " + ", ".join(net.species))
    r = 0
    while r < net.n_reactions:
        nxt = r + 1
        if (nxt < net.n_reactions and np.array_equal(net.reactants[r], net.products[nxt])
                and np.array_equal(net.products[r], net.reactants[nxt])):
            lhs = _format_side(net.species, net.reactants[r])
            rhs = _format_side(net.species, net.products[r])
            rates = f"{format_rate(net.rates[r])}, {format_rate(net.rates[nxt])}"
            lines.append(" ".join(p for p in (lhs, "<->", rhs) if p) + f" @ {rates}")
            r += 2
            continue
        lines.append(format_reaction(net, r))
        r += 1
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------
# Candidate sets, invariants, initial conditions


def species_names(n: int) -> tuple[str, ...]:
    """``A, B, C, ...`` for n ≤ 26, else ``S0, S1, ...``."""
    if n <= 26:
        return tuple(chr(ord("A") + i) for i in range(n))
    return tuple(f"S{i}" for i in range(n))


def complexes(n: int, max_order: int = 2) -> list[tuple[int, ...]]:
    """Every multiset of at most `max_order` species out of n, as count vectors (empty first)."""
    out: list[tuple[int, ...]] = []
    for order in range(max_order + 1):
        for combo in itertools.combinations_with_replacement(range(n), order):
            counts = [0] * n
            for i in combo:
                counts[i] += 1
            out.append(tuple(counts))
    return out


def dense_network(species: int | tuple[str, ...], *, max_reactants: int = 2,
                  max_products: int = 2, rate: float = 1.0) -> Network:
    """All reactions with ≤ `max_reactants` reactants and ≤ `max_products` products.

    For n species there are C(n+2, 2) complexes of order ≤ 2, so (C(n+2,2))² − C(n+2,2)
    reactions (n = 3: 90; n = 4: 210), each with rate `rate`.
    """
    names = species_names(species) if isinstance(species, int) else tuple(species)
    n = len(names)
    lhs_all, rhs_all = complexes(n, max_reactants), complexes(n, max_products)
    pairs = [(a, b) for a in lhs_all for b in rhs_all if a != b]
    a = np.array([p[0] for p in pairs], np.int64).reshape(len(pairs), n)
    b = np.array([p[1] for p in pairs], np.int64).reshape(len(pairs), n)
    return Network(names, a, b, np.full(len(pairs), float(rate)))


def conservation_laws(net: Network) -> np.ndarray:
    """A basis (m, n) of the linear invariants c with S c = 0: c·x is constant in time.

    Computed exactly over the rationals (the stoichiometry is integer), each row scaled to
    coprime integers and returned as float64.
    """
    s = [[Fraction(int(v)) for v in row] for row in net.stoichiometry]
    n = net.n_species
    # Null space of S (R x n) by Gauss-Jordan elimination.
    rows = [r[:] for r in s]
    pivots: list[int] = []
    rank = 0
    for col in range(n):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][col]
        rows[rank] = [v / lead for v in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank], strict=True)]
        pivots.append(col)
        rank += 1
    basis = []
    for free in (c for c in range(n) if c not in pivots):
        vec = [Fraction(0)] * n
        vec[free] = Fraction(1)
        for i, col in enumerate(pivots):
            vec[col] = -rows[i][free]
        denom = np.lcm.reduce([v.denominator for v in vec])
        ints = [int(v * denom) for v in vec]
        g = np.gcd.reduce([abs(v) for v in ints if v]) or 1
        basis.append([v // g for v in ints])
    return np.array(basis, np.float64).reshape(len(basis), n)


def parse_x0(text: str, species: tuple[str, ...], *, default: float = 0.0) -> np.ndarray:
    """``"A=1,B=0.5"`` -> (n,) float64 concentrations; unnamed species get `default`.

    Raises:
        BadInput: an unknown species, a missing ``=``, a negative or non-numeric value.
    """
    x0 = np.full(len(species), float(default))
    if not text.strip():
        return x0
    for item in text.split(","):
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise BadInput(f"--x0 {text!r}: write NAME=VALUE pairs, e.g. 'A=1,B=0.5'")
        if name not in species:
            raise BadInput(f"--x0: no species {name!r} in the network (it has"
                           f" {', '.join(species)})")
        try:
            v = float(value)
        except ValueError:
            raise BadInput(f"--x0: {value.strip()!r} for {name} is not a number") from None
        if not (v >= 0 and np.isfinite(v)):
            raise BadInput(f"--x0: {name}={value.strip()} must be a finite number ≥ 0")
        x0[species.index(name)] = v
    return x0
