"""A hand-built Game of Life circuit in the logic CA format (no training involved).

Used to check the tools on a known-correct rule (verify-life, the packed engine, the C export)
and as the baseline circuit of the benchmark. Eight perception kernels each copy one neighbour
(a pass-through tree over the centre-vs-neighbour layer); the update network adds the eight
neighbour bits with half/full adders (mod 8 is enough: 8 neighbours give 000, a dead cell, as
Life says) and applies B3/S23: ``next = s1 ∧ ¬s2 ∧ (s0 ∨ alive)``.
"""

from __future__ import annotations

import numpy as np

from selforg.logic.circuit import Circuit, Layer

XOR, AND, OR, A_AND_NOT_B, A, B = 6, 1, 7, 2, 3, 5


class _Dag:
    """Collects two-input gates over numbered inputs; node ids continue after the inputs."""

    def __init__(self, n_inputs: int):
        self.n_inputs = n_inputs
        self.gates: list[tuple[int, int, int]] = []

    def gate(self, op: int, x: int, y: int) -> int:
        self.gates.append((op, x, y))
        return self.n_inputs + len(self.gates) - 1

    def add(self, xs: list[int], ys: list[int], bits: int = 3) -> list[int]:
        """Ripple-carry sum of two little-endian bit lists, truncated to `bits` bits."""
        out, carry = [], None
        for i in range(bits):
            terms = [t for t in (xs[i] if i < len(xs) else None,
                                 ys[i] if i < len(ys) else None, carry) if t is not None]
            if not terms:
                break
            if len(terms) == 1:
                out.append(terms[0])
                carry = None
            elif len(terms) == 2:
                out.append(self.gate(XOR, *terms))
                carry = self.gate(AND, *terms) if i + 1 < bits else None
            else:
                x, y, z = terms
                t = self.gate(XOR, x, y)
                out.append(self.gate(XOR, t, z))
                if i + 1 < bits:
                    carry = self.gate(OR, self.gate(AND, x, y), self.gate(AND, t, z))
                else:
                    carry = None
        return out


def layered(n_inputs: int, gates: list[tuple[int, int, int]], outputs: list[int]) -> list[Layer]:
    """Turn a gate DAG into layers that read only the previous layer (pass-throughs carry values).

    Args:
        gates: (op, x, y) per node; node ids are ``n_inputs + index``; inputs come first.
        outputs: node ids of the result, in order (the last layer).
    """
    depth = {i: 0 for i in range(n_inputs)}
    last_use: dict[int, int] = {}
    for i, (_, x, y) in enumerate(gates):
        node = n_inputs + i
        depth[node] = 1 + max(depth[x], depth[y])
        for s in (x, y):
            last_use[s] = max(last_use.get(s, 0), depth[node])
    top = max(depth[o] for o in outputs)
    top = max(top, 1)
    for o in outputs:
        last_use[o] = top + 1
    prev = list(range(n_inputs))
    layers = []
    for level in range(1, top + 1):
        if level == top:
            slots = list(outputs)
        else:
            slots = [n for n in depth if depth[n] <= level < last_use.get(n, 0)]
        where = {n: j for j, n in enumerate(prev)}
        a, b, ops = [], [], []
        for n in slots:
            if depth[n] == level:
                op, x, y = gates[n - n_inputs]
                a.append(where[x])
                b.append(where[y])
                ops.append(op)
            else:
                a.append(where[n])
                b.append(where[n])
                ops.append(A)
        layers.append(Layer(np.array(a, np.int32), np.array(b, np.int32),
                            np.array([ops], np.int32)))
        prev = slots
    return layers


def life_circuit() -> Circuit:
    """The Game of Life (B3/S23, periodic) as a logic CA circuit; 1 channel, 8 kernels."""
    neighbours = [0, 1, 2, 3, 5, 6, 7, 8]
    first = Layer(np.array(neighbours, np.int32), np.full(8, 4, np.int32),
                  np.full((8, 8), A, np.int32))
    perception = [first]
    for level in (1, 2, 3):  # 8 -> 4 -> 2 -> 1: kernel k steers neighbour k to the output
        half = 8 >> level
        ops = np.full((8, half), A, np.int32)
        for k in range(8):
            if (k >> (level - 1)) % 2:
                ops[k, k >> level] = B
        a = np.arange(0, 2 * half, 2, dtype=np.int32)
        perception.append(Layer(a, a + 1, ops))
    dag = _Dag(9)  # update input: 0 = own bit, 1 + k = neighbour k
    bits = [[1 + k] for k in range(8)]
    while len(bits) > 1:
        bits = [dag.add(bits[i], bits[i + 1]) for i in range(0, len(bits), 2)]
    s0, s1, s2 = bits[0]
    s0_or_alive = dag.gate(OR, s0, 0)
    s1_not_s2 = dag.gate(A_AND_NOT_B, s1, s2)
    out = dag.gate(AND, s1_not_s2, s0_or_alive)
    update = layered(9, dag.gates, [out])
    return Circuit(1, 8, "periodic", tuple(perception), tuple(update))
