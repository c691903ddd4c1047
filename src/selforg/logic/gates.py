"""The 16 two-input boolean gates, relaxed to [0, 1] (soft) and exact on {0, 1} (hard).

Petersen et al., "Deep Differentiable Logic Gate Networks" (NeurIPS 2022). Every relaxed gate is
``c0 + c1·a + c2·b + c3·ab``, so a soft gate with op probabilities ``p`` (16,) is
``(p @ COEFFS) · [1, a, b, ab]``: four multiply-adds instead of sixteen gate evaluations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # JAX is imported where a relaxation is computed: circuit tools run without it
    from jaxtyping import Array, Float

#: Gate names by index (the order of the paper's table).
NAMES: tuple[str, ...] = (
    "FALSE", "AND", "A_AND_NOT_B", "A", "NOT_A_AND_B", "B", "XOR", "OR",
    "NOR", "XNOR", "NOT_B", "A_OR_NOT_B", "NOT_A", "NOT_A_OR_B", "NAND", "TRUE",
)
#: Short symbols for drawings and summaries.
SYMBOLS: tuple[str, ...] = (
    "0", "∧", "a∧¬b", "a", "¬a∧b", "b", "⊕", "∨", "⊽", "≡", "¬b", "a∨¬b", "¬a", "¬a∨b", "⊼", "1",
)
#: Coefficients (16, 4) of [1, a, b, ab] for each gate.
COEFFS = np.array(
    [
        [0, 0, 0, 0],  # FALSE
        [0, 0, 0, 1],  # AND
        [0, 1, 0, -1],  # A and not B
        [0, 1, 0, 0],  # A
        [0, 0, 1, -1],  # not A and B
        [0, 0, 1, 0],  # B
        [0, 1, 1, -2],  # XOR
        [0, 1, 1, -1],  # OR
        [1, -1, -1, 1],  # NOR
        [1, -1, -1, 2],  # XNOR
        [1, 0, -1, 0],  # not B
        [1, 0, -1, 1],  # A or not B
        [1, -1, 0, 0],  # not A
        [1, -1, 0, 1],  # not A or B
        [1, 0, 0, -1],  # NAND
        [1, 0, 0, 0],  # TRUE
    ],
    dtype=np.float32,
)
#: Gates that only copy one input: removed (as wires) by pruning, not counted as active.
PASS_THROUGH = (3, 5)
#: Which inputs each gate really reads: (uses a, uses b).
USES = tuple((bool(c[1] or c[3]), bool(c[2] or c[3])) for c in COEFFS)
#: Index of the pass-through gate A, the residual initialisation.
GATE_A = 3


def soft_coeffs(logits: Float[Array, "... 16"]) -> Float[Array, "... 4"]:
    """Expected coefficients under softmax(logits): (..., 16) -> (..., 4).

    Full float32 precision on every backend: GPUs default to TF32 matmuls (10-bit mantissa),
    which puts soft states up to 1e-3 outside [0, 1]; AND-like gates square the excess, and
    over a 12-step rollout of 10-layer circuits it grows to inf (lizard runs diverged so).
    """
    import jax
    import jax.numpy as jnp

    return jnp.matmul(jax.nn.softmax(logits, axis=-1), jnp.asarray(COEFFS),
                      precision=jax.lax.Precision.HIGHEST)


def hard_coeffs(logits: Float[Array, "... 16"]) -> Float[Array, "... 4"]:
    """Coefficients of the argmax gate: (..., 16) -> (..., 4); exact on {0, 1} inputs."""
    import jax.numpy as jnp

    return jnp.asarray(COEFFS)[jnp.argmax(logits, axis=-1)]


def apply(coeffs: Float[Array, "... 4"], a: Array, b: Array) -> Array:
    """Evaluate gates with coefficients (..., 4) on inputs a, b of shape (...)."""
    return coeffs[..., 0] + coeffs[..., 1] * a + coeffs[..., 2] * b + coeffs[..., 3] * (a * b)


def truth_table(op: int) -> tuple[int, int, int, int]:
    """Outputs of gate `op` for (a, b) = (0,0), (0,1), (1,0), (1,1)."""
    c = COEFFS[op]
    return tuple(int(c[0] + c[1] * a + c[2] * b + c[3] * a * b) for a in (0, 1) for b in (0, 1))


def bitwise(op: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Gate `op` applied bitwise to unsigned integer arrays (the packed-engine semantics)."""
    ones = np.invert(np.zeros_like(a))
    table = {
        0: lambda: np.zeros_like(a), 1: lambda: a & b, 2: lambda: a & ~b, 3: lambda: a.copy(),
        4: lambda: ~a & b, 5: lambda: b.copy(), 6: lambda: a ^ b, 7: lambda: a | b,
        8: lambda: ~(a | b), 9: lambda: ~(a ^ b), 10: lambda: ~b, 11: lambda: a | ~b,
        12: lambda: ~a, 13: lambda: ~a | b, 14: lambda: ~(a & b), 15: lambda: ones.copy(),
    }
    return table[int(op)]()


#: C expressions of each gate over uint64 operands ``A`` and ``B``.
C_EXPR: tuple[str, ...] = (
    "0", "A & B", "A & ~B", "A", "~A & B", "B", "A ^ B", "A | B",
    "~(A | B)", "~(A ^ B)", "~B", "A | ~B", "~A", "~A | B", "~(A & B)", "~(uint64_t)0",
)
