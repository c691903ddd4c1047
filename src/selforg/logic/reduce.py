"""Functional reduction of a netlist: gates that compute the same function are computed once.

A learned circuit often computes one function several times over, by different gates (the zoo's
Life circuit: 37 of its 145 pruned gates repeat an earlier gate's function or its complement).
`netlist`'s pruning only merges gates that read the same registers; this merges by function.
When the netlist has few inputs (one or two channels: 9 or 18), every gate's function is known
exactly from its truth table over all input patterns, so the merge is exact, not a guess from
random patterns. The packed engine's generated kernel runs the reduced netlist: fewer bitwise
ops per word, the same output bits (tested against the interpreter, which runs the netlist as
pruned).
"""

from __future__ import annotations

import numpy as np

from selforg.logic import gates
from selforg.logic.circuit import Netlist, _prune

#: Reduce netlists of at most this many input registers (truth tables of 2^n bits each).
MAX_INPUTS = 18

_TABLES = [gates.truth_table(op) for op in range(16)]
_OP_OF_TABLE = {t: op for op, t in enumerate(_TABLES)}
_NOT_A = 12


def _flipped(op: int, flip_a: bool, flip_b: bool) -> int:
    """The gate that computes ``op(a ^ flip_a, b ^ flip_b)`` from (a, b)."""
    t = _TABLES[op]
    return _OP_OF_TABLE[tuple(t[2 * (x ^ flip_a) + (y ^ flip_b)] for x in (0, 1) for y in (0, 1))]


def _input_tables(n_in: int) -> list[np.ndarray]:
    """Truth table of input register i over all 2^n_in patterns, packed 64 patterns per word."""
    patterns = np.arange(max(2**n_in, 64), dtype=np.uint64) % np.uint64(2**n_in)
    bits = [((patterns >> np.uint64(i)) & np.uint64(1)).astype(np.uint8) for i in range(n_in)]
    return [np.packbits(b, bitorder="little").view(np.uint64) for b in bits]


def reduce_netlist(net: Netlist) -> Netlist:
    """`net` with every gate whose function (or its complement) an earlier register already
    holds replaced by that register, then pruned; unchanged when it has more than
    `MAX_INPUTS` inputs. The outputs compute the same functions, bit for bit."""
    n_in = net.n_inputs
    if n_in > MAX_INPUTS:
        return net
    tables = _input_tables(n_in)
    where = {t.tobytes(): r for r, t in enumerate(tables)}  # function -> register holding it
    ops, a_list, b_list, origin = [], [], [], []
    # rep[r] = (register, complemented) that replaces old register r
    rep: list[tuple[int, bool]] = [(r, False) for r in range(n_in)]

    def emit(op: int, x: int, y: int, tag, table: np.ndarray) -> int:
        ops.append(op)
        a_list.append(x)
        b_list.append(y)
        origin.append(tag)
        tables.append(table)
        where[table.tobytes()] = n_in + len(ops) - 1
        return n_in + len(ops) - 1

    for i, (op, a, b) in enumerate(zip(net.ops.tolist(), net.a.tolist(), net.b.tolist(),
                                       strict=True)):
        (x, fx), (y, fy) = rep[a], rep[b]
        op = _flipped(op, fx, fy)
        table = gates.bitwise(op, tables[x], tables[y])
        if table.tobytes() in where:
            rep.append((where[table.tobytes()], False))
        elif (~table).tobytes() in where:
            rep.append((where[(~table).tobytes()], True))
        else:
            rep.append((emit(op, x, y, net.origin[i], table), False))
    outputs = []
    for o in net.outputs.tolist():
        r, neg = rep[o]
        if neg:
            r = emit(_NOT_A, r, r, ("output", 0, 0, len(outputs)), ~tables[r])
        outputs.append(r)
    reduced = Netlist(net.channels, np.array(ops, np.int32), np.array(a_list, np.int32),
                      np.array(b_list, np.int32), np.array(outputs, np.int32), tuple(origin))
    return _prune(reduced)
