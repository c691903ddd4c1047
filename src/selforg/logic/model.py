"""The differentiable logic cellular automaton: perception kernels, update circuit, rollouts.

Miotti, Niklasson, Randazzo, Mordvintsev, "Differentiable Logic Cellular Automata" (2025);
gate relaxation from Petersen et al. (NeurIPS 2022). Parameters are plain pytrees of logits::

    {"perception": [(K, out, 16) per layer], "update": [(out, 16) per layer]}

The wiring (a `Circuit` skeleton whose ops are ignored) is fixed numpy data closed over by jit.
Soft and hard forward passes share all code: only the gate coefficients differ
(`gates.soft_coeffs` vs `gates.hard_coeffs`), so "hard ≡ soft for one-hot logits" holds by design.
The update is a `selforg.core.rollout.Rule` (`LogicRule`: the wiring is the rule, the gate
coefficients its parameters), rolled out by the package's one `rollout`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core.errors import BadInput
from selforg.core.grid import update_mask
from selforg.core.rollout import Rule
from selforg.core.rollout import rollout as core_rollout
from selforg.logic import gates
from selforg.logic.circuit import Circuit, Layer
from selforg.logic.config import LogicConfig, wired_update_inputs
from selforg.logic.wiring import centre_neighbour_wiring, make_wiring, reference_layer_draws

Params = dict[str, list[Array]]


def build_wiring(cfg: LogicConfig, seed: int | None = None) -> Circuit:
    """The fixed wiring of `cfg` (ops all pass-through A), drawn from `seed` (default cfg.seed);
    its `config` is `cfg` (with that seed).

    `cfg.wiring_draw` picks the random source: NumPy (all layers from one generator, perception
    first) or the reference notebook's jax.random key sequence (`wiring.reference_layer_draws`).
    """
    seed = cfg.seed if seed is None else seed
    pw, k = cfg.perception_widths, cfg.kernels
    # The first update layer may read only the leading inputs (cfg.update_inputs); the circuit
    # still computes every kernel output, and pruning drops the unread ones.
    update_sizes = list(zip((wired_update_inputs(cfg), *cfg.update_widths[:-1]),
                            cfg.update_widths, strict=True))
    perception_sizes = list(zip(pw[1:-1], pw[2:], strict=True))
    if cfg.wiring_draw == "reference":
        update_rngs, perception_rngs = reference_layer_draws(
            seed, [cfg.wiring] * len(update_sizes), ["moore"] + [cfg.wiring] * len(perception_sizes)
        )
    else:
        rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
        update_rngs = [rng] * len(update_sizes)
        perception_rngs = [rng] * (1 + len(perception_sizes))
    perception = []
    a, b = centre_neighbour_wiring(pw[1], perception_rngs[0])
    perception.append(Layer(a, b, np.full((k, pw[1]), gates.GATE_A, np.int32)))
    for (n_in, n_out), rng_ in zip(perception_sizes, perception_rngs[1:], strict=True):
        a, b = make_wiring(cfg.wiring, n_in, n_out, rng_)
        perception.append(Layer(a, b, np.full((k, n_out), gates.GATE_A, np.int32)))
    update = []
    for (n_in, n_out), rng_ in zip(update_sizes, update_rngs, strict=True):
        a, b = make_wiring(cfg.wiring, n_in, n_out, rng_)
        update.append(Layer(a, b, np.full((1, n_out), gates.GATE_A, np.int32)))
    drawn_for = cfg if seed == cfg.seed else dataclasses.replace(cfg, seed=seed)
    return Circuit(cfg.channels, k, cfg.boundary, tuple(perception), tuple(update), drawn_for)


def init_params(wiring: Circuit, residual: float = 10.0) -> Params:
    """Residual initialisation: every logit 0 except the pass-through gate A = `residual`."""

    def logits(shape: tuple[int, ...]) -> Array:
        return jnp.zeros((*shape, 16), jnp.float32).at[..., gates.GATE_A].set(residual)

    return {
        "perception": [logits((wiring.kernels, l.width)) for l in wiring.perception],
        "update": [logits((l.width,)) for l in wiring.update],
    }


def circuit_params(circuit: Circuit, scale: float = 1.0) -> Params:
    """One-hot logits (times `scale`) that select exactly the circuit's gates."""
    eye = np.eye(16, dtype=np.float32) * scale
    return {
        "perception": [jnp.asarray(eye[l.ops]) for l in circuit.perception],
        "update": [jnp.asarray(eye[l.ops[0]]) for l in circuit.update],
    }


def to_circuit(wiring: Circuit, params: Params) -> Circuit:
    """The discrete circuit: each gate's argmax op on the fixed wiring."""
    per = tuple(
        Layer(l.a, l.b, np.asarray(jnp.argmax(p, -1), np.int32))
        for l, p in zip(wiring.perception, params["perception"], strict=True)
    )
    upd = tuple(
        Layer(l.a, l.b, np.asarray(jnp.argmax(p, -1), np.int32)[None])
        for l, p in zip(wiring.update, params["update"], strict=True)
    )
    return Circuit(wiring.channels, wiring.kernels, wiring.boundary, per, upd, wiring.config)


Coeffs = dict[str, list[Array]]
Index = dict[str, list[tuple[Array, Array, Array]]]


def coefficients(params: Params, fn: Callable[[Array], Array]) -> Coeffs:
    """Gate coefficients (..., 4) of every layer via `gates.soft_coeffs` or `gates.hard_coeffs`."""
    return {k: [fn(p) for p in v] for k, v in params.items()}


def patches(state: Float[Array, "c b h w"], boundary: str) -> Float[Array, "9 c b h w"]:
    """The 3×3 Moore patch of every cell and channel, row-major (centre index 4).

    Feature-major: the patch position is the leading axis, so each gate layer below gathers
    whole contiguous rows (XLA's CPU gather along a trailing axis is several times slower).
    """
    pad = ((0, 0), (0, 0), (1, 1), (1, 1))
    padded = jnp.pad(state, pad, mode="wrap") if boundary == "periodic" else jnp.pad(state, pad)
    h, w = state.shape[2], state.shape[3]
    return jnp.stack(
        [padded[:, :, dy : dy + h, dx : dx + w] for dy in range(3) for dx in range(3)], axis=0
    )


@jax.custom_vjp
def take_pair(x: Array, a: Array, b: Array, inv: Array) -> tuple[Array, Array]:
    """``(x[a], x[b])`` along the leading (feature) axis, with a gather-only gradient.

    The autodiff gradient of a gather is a scatter-add (slow on CPU); with the wiring fixed, the
    inverse index ``inv`` (in, D) lists where each input went (positions in [a-part | b-part |
    zero]), so the gradient is one more gather and a sum over D.
    """
    # mode="clip" skips the out-of-bounds NaN fill: the wiring is in bounds by construction
    return jnp.take(x, a, axis=0, mode="clip"), jnp.take(x, b, axis=0, mode="clip")


def _take_fwd(x, a, b, inv):
    return take_pair(x, a, b, inv), inv


def _take_bwd(inv, g):
    ga, gb = g
    zero = jnp.zeros((1, *ga.shape[1:]), ga.dtype)
    pool = jnp.concatenate([ga, gb, zero], axis=0)
    return jnp.take(pool, inv, axis=0, mode="clip").sum(1), None, None, None


take_pair.defvjp(_take_fwd, _take_bwd)


def inverse_index(a: np.ndarray, b: np.ndarray, n_in: int, depth: int | None = None) -> np.ndarray:
    """(n_in, D) int32: for input i, its positions in ``[a-uses | b-uses]``; padding → 2·out."""
    out = len(a)
    uses: list[list[int]] = [[] for _ in range(n_in)]
    for j, i in enumerate(a):
        uses[i].append(j)
    for j, i in enumerate(b):
        uses[i].append(out + j)
    d = max(1, max(len(u) for u in uses)) if depth is None else depth
    inv = np.full((n_in, d), 2 * out, np.int32)
    for i, u in enumerate(uses):
        inv[i, : len(u)] = u
    return inv


#: Perception runs kernel by kernel once channels × cells reach this (see `cell_update`).
LOOP_KERNELS_MIN_SIZE = 32768


def _gate_layer(x: Array, a: Array, b: Array, inv: Array, co: Array) -> Array:
    """One layer on the leading axis of x (in, ...); coefficients (out, ..., 4) broadcast."""
    xa, xb = take_pair(x, a, b, inv)
    return gates.apply(co, xa, xb)


def _segments(layers: tuple[Layer, ...], n_in: int) -> list[tuple[int, int]]:
    """Runs of consecutive layers with the same (in, out) sizes; each run becomes one lax.scan."""
    segs, sizes = [], []
    for l in layers:
        sizes.append((n_in, l.width))
        n_in = l.width
    start = 0
    for i in range(1, len(layers) + 1):
        if i == len(layers) or sizes[i] != sizes[start]:
            segs.append((start, i))
            start = i
    return segs


def wiring_arrays(wiring: Circuit) -> Index:
    """The wiring's index arrays as a pytree, so jit can take them as arguments (one compilation
    serves every seed, and the persistent cache finds it again).

    Each layer gives ``(a, b, inv)``; the inverse indices of a run of same-sized layers share
    one depth so they can be stacked for `lax.scan`.
    """
    out: Index = {}
    for name, layers, n_in in (("perception", wiring.perception, 9),
                               ("update", wiring.update, wiring.update_inputs)):
        sizes = []
        for l in layers:
            sizes.append(n_in)
            n_in = l.width
        invs = [inverse_index(l.a, l.b, n) for l, n in zip(layers, sizes, strict=True)]
        for s, e in _segments(layers, sizes[0]):
            depth = max(inv.shape[1] for inv in invs[s:e])
            for i in range(s, e):
                invs[i] = inverse_index(layers[i].a, layers[i].b, sizes[i], depth)
        out[name] = [(jnp.asarray(l.a), jnp.asarray(l.b), jnp.asarray(inv))
                     for l, inv in zip(layers, invs, strict=True)]
    return out


def _network(x: Array, layers: tuple[Layer, ...], idx: list, coeffs: list[Array]) -> Array:
    """Apply gate layers to x (in, ...); each layer's coefficients are already (out, ..., 4)."""
    for s, e in _segments(layers, x.shape[0]):
        if e - s == 1:
            x = _gate_layer(x, *idx[s], coeffs[s])
            continue
        stacked = [jnp.stack([i[k] for i in idx[s:e]]) for k in range(3)]

        def body(h, inp):
            return _gate_layer(h, *inp), None

        x, _ = jax.lax.scan(body, x, (*stacked, jnp.stack(coeffs[s:e])))
    return x


def cell_update(
    wiring: Circuit, coeffs: Coeffs, patch: Float[Array, "9 c n"], idx: Index | None = None
) -> Float[Array, "c n"]:
    """New state of n cells from their patches (perception kernels then update circuit).

    Feature-major throughout: gate layers map (in, ...) to (out, ...).

    Args:
        patch: the 3×3 patch of each of n cells and c channels, patch position first.
        idx: `wiring_arrays(wiring)`, possibly traced; by default built from `wiring`.
    """
    idx = wiring_arrays(wiring) if idx is None else idx
    _, c, n = patch.shape
    if c * n >= LOOP_KERNELS_MIN_SIZE:
        # One kernel at a time on (9, c·n). Broadcasting all kernels over the shared input makes
        # the backward pass reduce over a middle axis, which XLA's CPU backend does slowly on
        # large arrays: the lizard (128 × 400) steps 1.7× faster so. Smaller grids gain
        # nothing and would compile K times more operations.
        flat = patch.reshape(9, c * n)
        x = jnp.stack([
            _network(flat, wiring.perception, idx["perception"],
                     [co[k][:, None, :] for co in coeffs["perception"]])
            for k in range(wiring.kernels)
        ], axis=1).reshape(-1, wiring.kernels, c, n)  # (bits, K, c, n)
    else:
        # perception coefficients (K, out, 4) -> (out, K, 1, 1, 4): kernels on axis 1
        per = [jnp.transpose(co, (1, 0, 2))[:, :, None, None, :] for co in coeffs["perception"]]
        x = _network(patch[:, None], wiring.perception, idx["perception"], per)  # (bits, K, c, n)
    feats = jnp.transpose(x, (2, 0, 1, 3)).reshape(-1, n)  # (channel, bit, kernel) order
    x = jnp.concatenate([patch[4], feats], axis=0)
    upd = [co[:, None, :] for co in coeffs["update"]]
    return _network(x, wiring.update, idx["update"], upd)


class LogicRule(Rule):
    """The logic CA update as a `selforg.core.rollout.Rule`: the wiring is the rule, the gate
    coefficients are its parameters.

    `step` works on the channel-major state ``(c, b, h, w)`` that rollouts keep between steps
    (each gate layer then gathers whole contiguous rows); `rollout` below transposes once at
    each end.

    Attributes:
        wiring: the circuit skeleton (its ops are ignored: the coefficients choose the gates).
        idx: `wiring_arrays(wiring)`, possibly traced (jit arguments share compilations).
        fire_rate: None for synchronous steps, else the probability that a cell updates.
    """

    wiring: Circuit = eqx.field(static=True)
    idx: Index
    fire_rate: float | None = eqx.field(static=True, default=None)

    def step(self, params: Coeffs, state: Float[Array, "c b h w"],
             key: Array | None) -> Float[Array, "c b h w"]:
        """One step; asynchronous: new = old·(1−m) + new·m with one Bernoulli per cell.

        Args:
            params: gate coefficients (`coefficients`: soft for training, hard for the rule).
            state: channel-major (c, b, h, w).
            key: draws the fire mask (unused for synchronous steps).
        """
        fire = None
        if self.fire_rate is not None:
            c, b, h, w = state.shape
            fire = jnp.transpose(update_mask(key, (b, h, w), self.fire_rate), (3, 0, 1, 2))
        return _step_cm(self.wiring, params, state, fire, self.idx)


def _step_cm(wiring: Circuit, coeffs: Coeffs, state: Array, fire: Array | None, idx) -> Array:
    """`step` on the channel-major state (c, b, h, w)."""
    c, b, h, w = state.shape
    cells = patches(state, wiring.boundary).reshape(9, c, b * h * w)
    new = cell_update(wiring, coeffs, cells, idx).reshape(c, b, h, w)
    if fire is None:
        return new
    return state * (1.0 - fire) + new * fire


def step(
    wiring: Circuit,
    coeffs: Coeffs,
    state: Float[Array, "b h w c"],
    fire: Float[Array, "b h w 1"] | None = None,
    idx: Index | None = None,
) -> Float[Array, "b h w c"]:
    """One automaton step; with a fire mask, new = old·(1−m) + new·m (asynchronous update)."""
    cm = jnp.transpose(state, (3, 0, 1, 2))
    fire_cm = None if fire is None else jnp.transpose(fire, (3, 0, 1, 2))
    return jnp.transpose(_step_cm(wiring, coeffs, cm, fire_cm, idx), (1, 2, 3, 0))


def rollout(
    wiring: Circuit,
    coeffs: Coeffs,
    state: Float[Array, "b h w c"],
    steps: int,
    *,
    key: Array | None = None,
    fire_rate: float | None = None,
    save_frames: bool = False,
    idx: Index | None = None,
):
    """`steps` automaton steps: `selforg.core.rollout.rollout` of a `LogicRule`.

    Args:
        coeffs: gate coefficients (`coefficients` of the logits).
        state: (b, h, w, c) floats in [0, 1] (exactly 0/1 for the discrete rule).
        key: PRNG key for the async masks (step t uses ``fold_in(key, t)``); required when
            `fire_rate` is given.
        fire_rate: None for synchronous updates.
        save_frames: also return every state.
        idx: `wiring_arrays(wiring)` (pass them as jit arguments to share compilations).

    Returns:
        final state (b, h, w, c), and with `save_frames` the frames (steps, b, h, w, c).
    """
    if fire_rate is not None and key is None:
        raise BadInput("an asynchronous rollout needs a key for its fire masks")
    rule = LogicRule(wiring, wiring_arrays(wiring) if idx is None else idx, fire_rate)
    # Rematerialise each step in the backward pass: XLA's CPU loop otherwise stacks every gate
    # layer's activations of every step, which cost twice the time of recomputing them.
    final, frames = core_rollout(rule, coeffs, jnp.transpose(state, (3, 0, 1, 2)), steps,
                                 key=key if fire_rate is not None else None,
                                 save_every=1 if save_frames else None, remat=True)
    final = jnp.transpose(final, (1, 2, 3, 0))
    if not save_frames:
        return final
    return final, jnp.transpose(frames, (0, 2, 3, 4, 1))


def hard_rollout(circuit: Circuit, state: np.ndarray, steps: int, **kw):
    """Run a discrete circuit in JAX (the reference the packed engine and C export must equal).

    Args:
        state: (b, h, w, c) array of 0/1.
    """
    coeffs = coefficients(circuit_params(circuit), gates.hard_coeffs)
    return rollout(circuit, coeffs, jnp.asarray(state, jnp.float32), steps, **kw)
