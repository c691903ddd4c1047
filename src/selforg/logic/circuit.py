"""Trained logic CA circuits as data: wiring + chosen gate per node, JSON files, pruning, counts.

Miotti et al., "Differentiable Logic Cellular Automata" (2025). A circuit has K perception kernels
(each a small gate network on the 9 values of one channel's 3×3 patch, row-major, centre 4; all
kernels share one wiring and each has its own gates) and an update network whose input is the
cell's own C bits followed by every kernel output, flattened as (channel, output bit, kernel), and
whose C outputs are the cell's next state.

The file format (``selforg-logic-circuit/1``)::

    {"format": "selforg-logic-circuit/1", "channels": C, "kernels": K, "boundary": "periodic",
     "config": {"experiment": "life", "steps": 1, ...},
     "perception": [{"a": [...], "b": [...], "ops": [[...] * K]}, ...],
     "update": [{"a": [...], "b": [...], "ops": [...]}, ...]}

``config`` (optional) is the `LogicConfig` the circuit was trained with, so a circuit file alone
says how to regrow, check or retrain it; files written before it existed load without one.

`netlist` flattens a circuit into straight-line bitwise instructions over registers (the form the
packed engine and the C export run); with ``prune=True`` pass-through gates become wires and gates
no output depends on are dropped.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.config import from_dict as config_from_dict
from selforg.core.config import to_dict as config_to_dict
from selforg.core.errors import BadInput
from selforg.logic import gates
from selforg.logic.config import LogicConfig, validate

FORMAT = "selforg-logic-circuit/1"


@dataclass(frozen=True)
class Layer:
    """One gate layer: gate j reads inputs ``a[j]``, ``b[j]`` of the previous layer.

    Attributes:
        a, b: int32 (out,) input indices.
        ops: int32 (R, out) gate index per replica (R = K kernels, or 1 for the update network).
    """

    a: np.ndarray
    b: np.ndarray
    ops: np.ndarray

    @property
    def width(self) -> int:
        return len(self.a)


@dataclass(frozen=True, eq=False)
class Circuit:
    """A discrete logic CA rule. See the module docstring for the meaning of each part.

    Attributes:
        config: the training config (None for a hand-built circuit or an old file).
    """

    channels: int
    kernels: int
    boundary: str
    perception: tuple[Layer, ...]
    update: tuple[Layer, ...]
    config: LogicConfig | None = None

    @property
    def perception_bits(self) -> int:
        """Output bits P of one kernel."""
        return self.perception[-1].width

    @property
    def update_inputs(self) -> int:
        return self.channels + self.channels * self.perception_bits * self.kernels

    def to_dict(self) -> dict[str, Any]:
        def layer(l: Layer, per_kernel: bool) -> dict[str, Any]:
            ops = l.ops.tolist() if per_kernel else l.ops[0].tolist()
            return {"a": l.a.tolist(), "b": l.b.tolist(), "ops": ops}

        out: dict[str, Any] = {
            "format": FORMAT,
            "channels": self.channels,
            "kernels": self.kernels,
            "boundary": self.boundary,
        }
        if self.config is not None:
            out["config"] = config_to_dict(self.config)
        out["perception"] = [layer(l, True) for l in self.perception]
        out["update"] = [layer(l, False) for l in self.update]
        return out

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
        return path


def _int_array(value: Any, where: str, ndim: int) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        raise BadInput(f"{where} is not a rectangular list of integers") from None
    if arr.ndim != ndim or arr.size == 0 or arr.dtype.kind not in "iu":
        raise BadInput(f"{where} must be a non-empty {ndim}-D list of integers")
    return arr.astype(np.int32)


def _layer(d: Any, where: str, n_in: int, replicas: int | None) -> Layer:
    if not isinstance(d, dict) or not {"a", "b", "ops"} <= set(d):
        raise BadInput(f"{where} must be an object with keys a, b, ops")
    a = _int_array(d["a"], f"{where}.a", 1)
    b = _int_array(d["b"], f"{where}.b", 1)
    ops = _int_array(d["ops"], f"{where}.ops", 1 if replicas is None else 2)
    if replicas is None:
        ops = ops[None]
    if len(a) != len(b) or ops.shape != (replicas or 1, len(a)):
        raise BadInput(f"{where}: a, b and ops disagree in size")
    for name, idx in (("a", a), ("b", b)):
        if idx.min() < 0 or idx.max() >= n_in:
            raise BadInput(f"{where}.{name} has an index outside 0..{n_in - 1}")
    if ops.min() < 0 or ops.max() > 15:
        raise BadInput(f"{where}.ops has a gate outside 0..15")
    return Layer(a, b, ops)


def from_dict(d: Any) -> Circuit:
    """Validate and build a circuit from its JSON object.

    Raises:
        BadInput: anything malformed (format, sizes, indices, gate numbers), named precisely.
    """
    if not isinstance(d, dict):
        raise BadInput("a circuit file must hold a JSON object")
    if d.get("format") != FORMAT:
        raise BadInput(f"circuit format is {d.get('format')!r}, expected {FORMAT!r}")
    for key in ("channels", "kernels"):
        if not isinstance(d.get(key), int) or d[key] < 1:
            raise BadInput(f"circuit '{key}' must be an integer ≥ 1")
    if d.get("boundary") not in ("periodic", "zero"):
        raise BadInput(f"circuit boundary {d.get('boundary')!r} (allowed: periodic, zero)")
    for key in ("perception", "update"):
        if not isinstance(d.get(key), list) or not d[key]:
            raise BadInput(f"circuit '{key}' must be a non-empty list of layers")
    c, k = d["channels"], d["kernels"]
    perception, n_in = [], 9
    for i, ld in enumerate(d["perception"]):
        layer = _layer(ld, f"perception[{i}]", n_in, k)
        perception.append(layer)
        n_in = layer.width
    n_in = c + c * n_in * k
    update = []
    for i, ld in enumerate(d["update"]):
        layer = _layer(ld, f"update[{i}]", n_in, None)
        update.append(layer)
        n_in = layer.width
    if n_in != c:
        raise BadInput(f"the last update layer has {n_in} gates but the circuit has {c} channels")
    config = None
    if d.get("config") is not None:
        config = config_from_dict(LogicConfig, d["config"])
        validate(config)
        shape = (c, k, d["boundary"], tuple(l.width for l in perception),
                 tuple(l.width for l in update))
        if shape != (config.channels, config.kernels, config.boundary,
                     config.perception_widths[1:], config.update_widths):
            raise BadInput("the circuit's config disagrees with its channels, kernels, boundary"
                           " or layer widths")
    return Circuit(c, k, d["boundary"], tuple(perception), tuple(update), config)


def load(path: str | Path) -> Circuit:
    """Read a circuit JSON file. Raises BadInput when missing or malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"cannot read circuit {path} ({e.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"circuit {path} is not valid JSON ({e.msg} at line {e.lineno})") from None
    try:
        return from_dict(data)
    except BadInput as e:
        raise BadInput(f"circuit {path}: {e}") from None


@dataclass(frozen=True)
class Netlist:
    """Straight-line bitwise program of one cell update.

    Registers 0 .. 9C-1 hold the 3×3 patch of each channel (register ``9c + p``); instruction i
    writes register ``9C + i`` = ``ops[i](reg[a[i]], reg[b[i]])``; the new state of channel c is
    register ``outputs[c]``.

    Attributes:
        ops, a, b: int32 (n,) instructions. outputs: int32 (C,). origin: (n,) tuples
        ``(section, layer, replica, gate)`` naming the circuit gate each instruction came from.
    """

    channels: int
    ops: np.ndarray
    a: np.ndarray
    b: np.ndarray
    outputs: np.ndarray
    origin: tuple[tuple[str, int, int, int], ...]

    @property
    def n_inputs(self) -> int:
        return 9 * self.channels

    @property
    def n_registers(self) -> int:
        return self.n_inputs + len(self.ops)


def netlist(circuit: Circuit, *, prune: bool = True) -> Netlist:
    """Flatten `circuit` (perception instanced per channel and kernel) into a `Netlist`."""
    ops, a_list, b_list, origin = [], [], [], []
    n_in = 9 * circuit.channels

    def emit(op: int, ra: int, rb: int, tag: tuple[str, int, int, int]) -> int:
        ops.append(int(op))
        a_list.append(ra)
        b_list.append(rb)
        origin.append(tag)
        return n_in + len(ops) - 1

    kernel_out = {}
    for c in range(circuit.channels):
        for k in range(circuit.kernels):
            cur = [9 * c + p for p in range(9)]
            for li, layer in enumerate(circuit.perception):
                tag = ("perception", li, k)
                cur = [
                    emit(layer.ops[k, j], cur[layer.a[j]], cur[layer.b[j]], (*tag, j))
                    for j in range(layer.width)
                ]
            kernel_out[c, k] = cur
    cur = [9 * c + 4 for c in range(circuit.channels)]
    for c in range(circuit.channels):
        for bit in range(circuit.perception_bits):
            cur.extend(kernel_out[c, k][bit] for k in range(circuit.kernels))
    for li, layer in enumerate(circuit.update):
        cur = [
            emit(layer.ops[0, j], cur[layer.a[j]], cur[layer.b[j]], ("update", li, 0, j))
            for j in range(layer.width)
        ]
    net = Netlist(
        circuit.channels, np.array(ops, np.int32), np.array(a_list, np.int32),
        np.array(b_list, np.int32), np.array(cur, np.int32), tuple(origin),
    )
    return _prune(net) if prune else net


_TABLES = [gates.truth_table(op) for op in range(16)]
_OP_OF_TABLE = {t: op for op, t in enumerate(_TABLES)}


def _simplify(net: Netlist) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rewrite each gate given what is known of its inputs.

    Pass-throughs become wires; a gate with a constant input, or reading one register twice,
    becomes a constant, a wire or a NOT; double negation cancels; identical gates (up to input
    order) are merged. Returns (ops, a, b, alias) where ``alias[r]`` is the register that now
    holds register r's value.
    """
    n_in, n = net.n_inputs, len(net.ops)
    alias = np.arange(n_in + n)
    ops, a, b = net.ops.copy(), net.a.copy(), net.b.copy()
    const: dict[int, int] = {}
    negation: dict[int, int] = {}
    seen: dict[tuple[int, int, int], int] = {}
    for i in range(n):
        r = n_in + i
        t = _TABLES[int(ops[i])]
        x, y = int(alias[a[i]]), int(alias[b[i]])
        use_x, use_y = t[0:2] != t[2:4], (t[0], t[2]) != (t[1], t[3])
        unary = None
        if not use_x and not use_y:
            unary = (None, (t[0], t[0]))
        elif x in const and y in const:
            v = t[2 * const[x] + const[y]]
            unary = (None, (v, v))
        elif x in const or not use_y:
            cx = const.get(x, 0)
            unary = (y, (t[2 * cx], t[2 * cx + 1])) if x in const else (x, (t[0], t[2]))
        elif y in const or not use_x:
            cy = const.get(y, 0)
            unary = (x, (t[cy], t[2 + cy])) if y in const else (y, (t[0], t[1]))
        elif x == y:
            unary = (x, (t[0], t[3]))
        if unary is not None:
            src, (u0, u1) = unary
            if (u0, u1) == (0, 1):
                alias[r] = src
                continue
            if (u0, u1) == (1, 0) and src in negation:
                alias[r] = negation[src]
                continue
            op, x, y = (_OP_OF_TABLE[(u0, u0, u1, u1)], src, src) if src is not None else (
                15 if u0 else 0, 0, 0)
        else:
            op = int(ops[i])
            if t[1] == t[2] and x > y or op in (4, 13):  # canonical input order
                x, y = y, x
                op = _OP_OF_TABLE[(t[0], t[2], t[1], t[3])]
        key = (op, x, y)
        if key in seen:
            alias[r] = seen[key]
            continue
        seen[key] = r
        ops[i], a[i], b[i] = op, x, y
        if op in (0, 15):
            const[r] = int(op == 15)
        elif op == 12:
            negation[r] = x
    return ops, a, b, alias


def _prune(net: Netlist) -> Netlist:
    """`_simplify`, then drop every instruction no output depends on."""
    n_in, n = net.n_inputs, len(net.ops)
    ops, a, b, alias = _simplify(net)
    outputs = alias[net.outputs]
    live = np.zeros(n_in + n, bool)
    live[outputs] = True
    kept_mask = np.zeros(n, bool)
    for i in range(n - 1, -1, -1):
        r = n_in + i
        if not live[r] or alias[r] != r:
            continue
        kept_mask[i] = True
        use_a, use_b = gates.USES[ops[i]]
        if use_a:
            live[a[i]] = True
        if use_b:
            live[b[i]] = True
    keep = np.flatnonzero(kept_mask)
    remap = np.arange(n_in + n)
    remap[n_in + keep] = n_in + np.arange(len(keep))
    new_a = np.array([remap[a[i]] if gates.USES[ops[i]][0] else 0 for i in keep], np.int32)
    new_b = np.array([remap[b[i]] if gates.USES[ops[i]][1] else 0 for i in keep], np.int32)
    return Netlist(
        net.channels, ops[keep].astype(np.int32), new_a.reshape(-1), new_b.reshape(-1),
        remap[outputs].astype(np.int32), tuple(net.origin[i] for i in keep),
    )


def live_gates(circuit: Circuit) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Which gates some output depends on, following each gate's wires back from the outputs.

    A gate's output depends on an input it reads (`gates.USES`: a pass-through reads one, a
    constant none), so a pass-through passes dependence on and a constant stops it; nothing is
    simplified first (``AND(x, x)`` still reads x). A kernel gate is live when any channel's
    instance of it is.

    Returns:
        (perception, update): bool arrays shaped like each layer's ``ops`` ((K, out), (1, out)).
    """
    update = [np.zeros(l.ops.shape, bool) for l in circuit.update]
    update[-1][:] = True
    inputs_live = np.zeros(circuit.update_inputs, bool)
    for li in range(len(circuit.update) - 1, -1, -1):
        layer = circuit.update[li]
        target = update[li - 1][0] if li else inputs_live
        _mark_inputs(layer.ops[0], layer.a, layer.b, update[li][0], target)
    c, bits, k = circuit.channels, circuit.perception_bits, circuit.kernels
    # update inputs: C own bits, then kernel outputs in (channel, bit, kernel) order
    outputs_live = inputs_live[c:].reshape(c, bits, k).any(axis=0).T  # (K, bits)
    perception = [np.zeros(l.ops.shape, bool) for l in circuit.perception]
    perception[-1][:] = outputs_live
    for li in range(len(circuit.perception) - 1, 0, -1):
        layer = circuit.perception[li]
        for kk in range(k):
            _mark_inputs(layer.ops[kk], layer.a, layer.b, perception[li][kk],
                         perception[li - 1][kk])
    return perception, update


def _mark_inputs(ops: np.ndarray, a: np.ndarray, b: np.ndarray, live: np.ndarray,
                 target: np.ndarray) -> None:
    for j in np.flatnonzero(live):
        use_a, use_b = gates.USES[int(ops[j])]
        if use_a:
            target[a[j]] = True
        if use_b:
            target[b[j]] = True


def stats(circuit: Circuit) -> dict[str, Any]:
    """Gate counts of a circuit (kernel gates counted once per kernel, not per channel).

    Returns:
        dict with ``gates`` (every gate), ``active`` (gates that are not pass-throughs),
        ``active_paper`` (the count the paper reports as active gates: not a pass-through, and
        some output depends on it, see `live_gates`), ``active_after_pruning`` (gates left once
        `netlist` has also folded constants, double negations and duplicates), ``ops_per_cell``
        (bitwise operations of one cell update in the pruned netlist, perception instanced per
        channel), and ``op_counts`` (gate name -> count among the gates after pruning, each named
        by the operation it computes there).
    """
    layers = circuit.perception + circuit.update
    total = sum(l.ops.size for l in layers)
    active = [np.isin(l.ops, gates.PASS_THROUGH, invert=True) for l in layers]
    live_per, live_upd = live_gates(circuit)
    paper = sum(int((m & live).sum()) for m, live in zip(active, live_per + live_upd,
                                                         strict=True))
    pruned = netlist(circuit, prune=True)
    # each kept gate named by what it computes once simplified (a pass-through of a constant
    # is that constant), at its first instance
    first_op = dict(zip(reversed(pruned.origin), reversed(pruned.ops.tolist()), strict=True))
    kept = sorted(first_op)
    names = Counter(gates.NAMES[first_op[o]] for o in kept)
    return {
        "gates": int(total),
        "active": int(sum(int(m.sum()) for m in active)),
        "active_paper": paper,
        "active_after_pruning": len(kept),
        "ops_per_cell": len(pruned.ops),
        "op_counts": dict(names.most_common()),
    }


def pruned_circuit(circuit: Circuit) -> Circuit:
    """The same rule with every gate no output depends on set to FALSE (a constant)."""
    kept = set(netlist(circuit, prune=True).origin)

    def clean(section: str, layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
        out = []
        for li, l in enumerate(layers):
            ops = l.ops.copy()
            for k in range(ops.shape[0]):
                for j in range(ops.shape[1]):
                    if ops[k, j] not in gates.PASS_THROUGH and (section, li, k, j) not in kept:
                        ops[k, j] = 0
            out.append(Layer(l.a, l.b, ops))
        return tuple(out)

    return Circuit(
        circuit.channels, circuit.kernels, circuit.boundary,
        clean("perception", circuit.perception), clean("update", circuit.update), circuit.config,
    )
