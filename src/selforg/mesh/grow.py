"""Growing a texture on a mesh and looking at it: jitted rollouts from the seed, turntable
frames, and the coloured mesh as PLY / GLB (vertex colours, as Blender and MeshLab read them).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core.rollout import Rule, rollout
from selforg.mesh import render as R
from selforg.mesh.meshes import Mesh
from selforg.mesh.model import MeshNCA, make_graph, rgb


@partial(eqx.filter_jit)
def _grow(rule: Rule, params: Any, x: jax.Array, key: jax.Array, steps: int, start: int):
    return rollout(rule, params, x, steps, key=key, start=start)[0]


def grow(rule: Rule, params: Any, x: jax.Array, steps: int, key: jax.Array, *,
         start: int = 0) -> jax.Array:
    """`steps` steps of `rule` from state `x` ``(V, 16)`` (one compiled scan per length)."""
    if steps == 0:
        return x
    return _grow(rule, params, x, key, steps, start)


def seed_state(rule: MeshNCA, seed: int) -> jax.Array:
    return rule.seed(jax.random.fold_in(jax.random.PRNGKey(seed), 0))


def grow_on(params: Any, mesh: Mesh, steps: int, *, seed: int = 0,
            rule: Rule | None = None) -> np.ndarray:
    """The state ``(V, 16)`` after `steps` steps from the seed on `mesh`."""
    base = MeshNCA(make_graph(mesh))
    rule = rule or base
    x = seed_state(base, seed)
    return np.asarray(grow(rule, params, x, steps, jax.random.PRNGKey(seed + 1)))


def turntable(params: Any, mesh: Mesh, state: np.ndarray, *, frames: int, size: int,
              steps_per_frame: int = 2, seed: int = 0, start: int = 0,
              rule: Rule | None = None) -> list[np.ndarray]:
    """Frames ``(S, S, 3)`` of one full turn while the texture keeps running
    (`steps_per_frame` steps between frames)."""
    rule = rule or MeshNCA(make_graph(mesh))
    views = R.make_views(mesh, R.turntable_cameras(frames), size)
    key = jax.random.PRNGKey(seed + 2)
    # frame f shows the state after f·steps_per_frame more steps: one scan makes them all
    states = np.concatenate([np.asarray(state)[None], np.asarray(_frames(
        rule, params, jnp.asarray(state), key, (frames - 1) * steps_per_frame,
        steps_per_frame, start))]) if frames > 1 else np.asarray(state)[None]
    colours = np.asarray(rgb(jnp.asarray(states)))
    img = [np.einsum("pk,pkc->pc", views.bary[f], colours[f][views.vidx[f]])
           for f in range(frames)]
    return [i.reshape(size, size, 3) for i in img]


@partial(eqx.filter_jit)
def _frames(rule: Rule, params: Any, x: jax.Array, key: jax.Array, steps: int, every: int,
            start: int):
    return rollout(rule, params, x, steps, key=key, save_every=every, start=start)[1]


def still(mesh: Mesh, state: np.ndarray, *, size: int, n: int = 4,
          elevation: float = 20.0) -> list[np.ndarray]:
    """`n` renders of `state` from azimuths spread over a turn."""
    views = R.make_views(mesh, R.turntable_cameras(n, elevation), size)
    return list(R.render_np(np.asarray(rgb(jnp.asarray(state))), views))


def coloured_trimesh(mesh: Mesh, state: np.ndarray):
    """A ``trimesh.Trimesh`` of `mesh` with the state's RGB as 8-bit vertex colours."""
    import trimesh

    col = np.clip(np.asarray(state)[:, :3] + 0.5, 0, 1)
    rgba = np.concatenate([np.round(col * 255), np.full((col.shape[0], 1), 255)], axis=1)
    return trimesh.Trimesh(mesh.vertices, mesh.faces, vertex_colors=rgba.astype(np.uint8),
                           process=False)


def write_mesh(path: str | Path, mesh: Mesh, state: np.ndarray) -> Path:
    """Write the coloured mesh; the type follows the suffix (``.ply``, ``.glb``, ``.obj``)."""
    path = Path(path)
    data = coloured_trimesh(mesh, state).export(file_type=path.suffix.lower().lstrip("."))
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path
