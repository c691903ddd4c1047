"""The Mesh NCA rule: spherical-harmonic perception over mesh edges and a per-vertex MLP.

Perception of vertex i, over its neighbours j with ``d = normalize(p_j − p_i)``:
``z_i = [Σ_j Y(d)·(x_j − x_i) for Y in (1, d_y, d_z, d_x)] ++ x_i`` — the real spherical
harmonics to degree 1 without their normalisation constants, in SH-major order (the authors'
order: 64 + 16 = 80 features for 16 channels). The degree-0 block is −L·x with L the graph
Laplacian; the three degree-1 blocks are world-axis difference sums, so rotating the mesh by R
rotates them by R. An edge list, a gather and `jax.ops.segment_sum` compute it.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from selforg.core.rollout import Rule
from selforg.mesh.meshes import Mesh

CHANNELS = 16
HIDDEN = 128
SH = 4  # degree 0 and 1: [1, y, z, x]
FIRE_RATE = 0.5
SEED_HIGH = 0.1


class Graph(eqx.Module):
    """A mesh's directed edges with the spherical harmonics of their directions.

    Attributes:
        senders, receivers: ``(E,)`` int32, edge j → i.
        sh: ``(E, 4)`` float32, ``[1, d_y, d_z, d_x]`` of ``d = normalize(p_j − p_i)``.
        n_vertices: V (static: it sets the shapes).
    """

    senders: Int[Array, " e"]
    receivers: Int[Array, " e"]
    sh: Float[Array, "e 4"]
    n_vertices: int = eqx.field(static=True)


def edge_harmonics(vertices: np.ndarray, senders: np.ndarray,
                   receivers: np.ndarray) -> np.ndarray:
    """``(E, 4)`` unnormalised real SH to degree 1, ``[1, y, z, x]``, of each edge's direction."""
    d = np.asarray(vertices, np.float64)[senders] - np.asarray(vertices, np.float64)[receivers]
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return np.concatenate([np.ones((d.shape[0], 1)), d[:, [1, 2, 0]]], axis=1).astype(np.float32)


def make_graph(mesh: Mesh) -> Graph:
    """The `Graph` of a `Mesh`."""
    sh = edge_harmonics(mesh.vertices, mesh.senders, mesh.receivers)
    return Graph(jnp.asarray(mesh.senders), jnp.asarray(mesh.receivers), jnp.asarray(sh),
                 mesh.n_vertices)


def perceive(graph: Graph, x: Float[Array, "v c"]) -> Float[Array, "v 80"]:
    """``(V, C) → (V, 5C)``: the four SH-weighted difference sums (SH-major), then x itself."""
    diff = x[graph.senders] - x[graph.receivers]                       # (E, C)
    msg = graph.sh[:, :, None] * diff[:, None, :]                     # (E, 4, C)
    agg = jax.ops.segment_sum(msg, graph.receivers, num_segments=graph.n_vertices,
                              indices_are_sorted=True)                # (V, 4, C)
    return jnp.concatenate([agg.reshape(x.shape[0], -1), x], axis=1)


class Params(eqx.Module):
    """The rule's weights: Linear 80→128, ReLU, Linear 128→16 (12,432 parameters).

    Attributes:
        w1: ``(80, 128)``; b1: ``(128,)``; w2: ``(128, 16)``; b2: ``(16,)``.
    """

    w1: Float[Array, "80 128"]
    b1: Float[Array, " 128"]
    w2: Float[Array, "128 16"]
    b2: Float[Array, " 16"]


def _xavier_normal(key: jax.Array, fan_in: int, fan_out: int, gain: float) -> Array:
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return std * jax.random.normal(key, (fan_in, fan_out), jnp.float32)


def init_params(key: jax.Array, channels: int = CHANNELS, hidden: int = HIDDEN) -> Params:
    """Xavier-normal weights with gain 0.2 (first layer) and 1.2 (second); zero biases."""
    k1, k2 = jax.random.split(key)
    n_in = (SH + 1) * channels
    return Params(_xavier_normal(k1, n_in, hidden, 0.2), jnp.zeros(hidden, jnp.float32),
                  _xavier_normal(k2, hidden, channels, 1.2), jnp.zeros(channels, jnp.float32))


def param_count(params: Params) -> int:
    return sum(int(np.prod(x.shape)) for x in jax.tree_util.tree_leaves(params))


def update(params: Params, z: Float[Array, "v 80"]) -> Float[Array, "v 16"]:
    """The MLP: per-vertex update ds from the perception."""
    h = jax.nn.relu(z @ params.w1 + params.b1[None, :])
    return h @ params.w2 + params.b2[None, :]


class MeshNCA(Rule):
    """One stochastic step on a mesh: ``x ← x + m ⊙ MLP(perceive(x))`` with ``m`` a per-vertex
    Bernoulli(`fire_rate`) mask. State ``(V, 16)`` float32 (RGB = channels 0..2 + 0.5); no
    alive mask.

    Example:
        >>> from selforg.core.rollout import rollout
        >>> from selforg.mesh.meshes import builtin
        >>> rule = MeshNCA(make_graph(builtin("icosphere-3")))
        >>> params = init_params(jax.random.PRNGKey(0))
        >>> x, _ = rollout(rule, params, rule.seed(jax.random.PRNGKey(1)), 24,
        ...                key=jax.random.PRNGKey(2))
    """

    graph: Graph
    fire_rate: float = eqx.field(static=True, default=FIRE_RATE)

    def step(self, params: Params, state: Array, key: jax.Array | None) -> Array:
        ds = update(params, perceive(self.graph, state))
        if key is None:
            return state + ds
        fire = jax.random.uniform(key, (state.shape[0], 1)) < self.fire_rate
        return state + jnp.where(fire, ds, 0.0)

    def seed(self, key: jax.Array, batch: tuple[int, ...] = ()) -> Array:
        """``(*batch, V, 16)`` uniform in [0, 0.1) (the authors' seed)."""
        return jax.random.uniform(key, (*batch, self.graph.n_vertices, CHANNELS), jnp.float32,
                                  0.0, SEED_HIGH)


class GraftNCA(Rule):
    """Two rules' updates mixed per vertex: ``x ← x + m ⊙ ((1 − w)·ds_A + w·ds_B)``, with `w`
    ``(V,)`` in [0, 1] and the same stochastic mask for both. `params` is the pair (A, B)."""

    graph: Graph
    weight: Float[Array, " v"]
    fire_rate: float = eqx.field(static=True, default=FIRE_RATE)

    def step(self, params: tuple[Params, Params], state: Array, key: jax.Array | None) -> Array:
        z = perceive(self.graph, state)
        w = self.weight[:, None]
        ds = (1.0 - w) * update(params[0], z) + w * update(params[1], z)
        if key is None:
            return state + ds
        fire = jax.random.uniform(key, (state.shape[0], 1)) < self.fire_rate
        return state + jnp.where(fire, ds, 0.0)


def rgb(state: Float[Array, "... v c"]) -> Float[Array, "... v 3"]:
    """Vertex colours in [0, 1]."""
    return jnp.clip(state[..., :3] + 0.5, 0.0, 1.0)
