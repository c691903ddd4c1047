"""The verbs after training: `run` a rule on any mesh, `evaluate` it mesh by mesh, `graft` two
rules over one mesh, and list the `zoo`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.runs import Run, open_run
from selforg.mesh import render as R
from selforg.mesh.config import MASKS, EvalConfig, GraftConfig, RunConfig, ZooConfig
from selforg.mesh.grow import grow, seed_state, still, turntable, write_mesh
from selforg.mesh.loss import masked_distance
from selforg.mesh.meshes import Mesh, load_mesh
from selforg.mesh.model import GraftNCA, MeshNCA, make_graph, rgb
from selforg.mesh.store import Loaded, load_model, zoo_index
from selforg.nca.images import load_exemplar

EVAL_CAMERA_SEED = 2024


def mesh_for(loaded: Loaded, spec: str, subdivide: int = 0) -> Mesh:
    """`spec` as the model sees it: a built-in shape is made at the mean edge length of the
    model's training mesh (the density its texture was learned at)."""
    edge = load_mesh(loaded.config.mesh).mean_edge()
    return load_mesh(spec, edge=edge, subdivisions=subdivide)


@dataclass(frozen=True)
class RunResult:
    """What `run` grew and wrote.

    Attributes:
        run_dir: the run folder (config.json, mesh.ply, mesh.glb, turntable.gif/.mp4,
            views.png).
        mesh: the mesh's name; vertices: its vertex count; steps: steps grown.
        seconds: wall time of the rollout (compiled); vertex_updates_per_s: V·steps/seconds.
        max_abs: the largest |state| at the end (bounded textures stay near 1).
        files: every file written.
        state: ``(V, 16)`` the final state.
    """

    run_dir: Path | None
    mesh: str
    vertices: int
    steps: int
    seconds: float
    vertex_updates_per_s: float
    max_abs: float
    files: tuple[Path, ...]
    state: np.ndarray = field(repr=False)


def _write_outputs(run: Run | None, mesh: Mesh, state: np.ndarray, params: Any, cfg: Any,
                   rule: Any = None) -> list[Path]:
    files: list[Path] = []
    frames = turntable(params, mesh, state, frames=cfg.frames, size=cfg.size, seed=cfg.seed,
                       start=cfg.steps, rule=rule)
    views = media.image_grid(still(mesh, state, size=cfg.size), cols=4)
    targets = {"ply": cfg.ply, "glb": cfg.glb, "gif": cfg.gif, "mp4": cfg.mp4, "png": cfg.png}
    if run is not None:
        for kind, name in (("ply", "mesh.ply"), ("glb", "mesh.glb"), ("gif", "turntable.gif"),
                           ("mp4", "turntable.mp4"), ("png", "views.png")):
            targets[f"run-{kind}"] = str(run.artefact(name))
    for kind, path in targets.items():
        if path is None:
            continue
        kind = kind.removeprefix("run-")
        if kind in ("ply", "glb"):
            files.append(write_mesh(path, mesh, state))
        elif kind == "gif":
            files.append(media.write_gif(path, frames, fps=16))
        elif kind == "mp4":
            files.append(media.write_mp4(path, frames, fps=16))
        else:
            files.append(media.save_png(path, views))
    return files


def run(cfg: RunConfig, *, out: str | Path | None = None, quiet: bool = True,
        root: str | Path = "runs") -> RunResult:
    """Grow ``cfg.model``'s texture on ``cfg.mesh`` for ``cfg.steps`` steps from the seed.

    Writes a run folder (`out`, default ``runs/mesh-run/<time>-<mesh>/``) with the coloured
    mesh (PLY, GLB), a turntable (GIF, MP4) and four views, plus the extra copies the config
    names.

    Example:
        >>> res = run(RunConfig(model="zoo:brick", mesh="torus", steps=100))  # doctest: +SKIP
        >>> res.vertices, res.max_abs < 2  # doctest: +SKIP
    """
    del quiet
    loaded = load_model(cfg.model)
    mesh = mesh_for(loaded, cfg.mesh, cfg.subdivide)
    rule = MeshNCA(make_graph(mesh))
    x = seed_state(rule, cfg.seed)
    key = jax.random.PRNGKey(cfg.seed + 1)
    grow(rule, loaded.params, x, cfg.steps, key).block_until_ready()  # compile
    t0 = time.perf_counter()
    state = np.asarray(grow(rule, loaded.params, x, cfg.steps, key))
    seconds = time.perf_counter() - t0
    run_folder = open_run("mesh", "run", cfg, out=out, name=f"{Path(cfg.mesh).stem}", root=root)
    files = _write_outputs(run_folder, mesh, state, loaded.params, cfg)
    rate = mesh.n_vertices * cfg.steps / seconds if cfg.steps else 0.0
    return RunResult(run_folder.path, mesh.name, mesh.n_vertices, cfg.steps, seconds, rate,
                     float(np.abs(state).max()), tuple(files), state)


def eval_cameras(n: int) -> np.ndarray:
    """Fixed cameras of the evaluation (drawn like the training ones, from a fixed seed)."""
    return R.random_cameras(np.random.default_rng(EVAL_CAMERA_SEED), n)


@dataclass(frozen=True)
class EvalResult:
    """Texture distance of renders to the exemplar, by mesh (lower is better).

    Attributes:
        source: the model.
        distance: {mesh: distance after `steps`}: ``icosphere`` (the training mesh) and each
            test mesh.
        distance_long: the same after `long_steps` (None: the state became non-finite).
        max_abs: {mesh: largest |state| after `long_steps`} (bounded: near 1; None:
            non-finite).
        ratio: {mesh: distance / distance["icosphere"]}.
        floor: the distance of pieces of the exemplar itself seen through the sphere's views.
        ceiling: the distance of uniform noise seen the same way.
        steps, long_steps: the rollout lengths.
        vertices: {mesh: V}.
        run_dir: None (evaluating writes nothing).
    """

    source: str
    distance: dict[str, float | None]
    distance_long: dict[str, float | None]
    max_abs: dict[str, float | None]
    ratio: dict[str, float | None]
    floor: float
    ceiling: float
    steps: int
    long_steps: int
    vertices: dict[str, int]
    run_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("run_dir")
        return d


def _pieces(exemplar: np.ndarray, size: int, n: int, rng: np.random.Generator) -> np.ndarray:
    reps = int(np.ceil(size / min(exemplar.shape[:2]))) + 1
    big = np.tile(exemplar, (reps, reps, 1))
    return np.stack([media.random_crop(big, size, rng) for _ in range(n)])


def evaluate(cfg: EvalConfig, *, out: str | Path | None = None,
             quiet: bool = True) -> EvalResult:
    """Grow ``cfg.model`` on its training mesh and on ``cfg.meshes``; compare renders from
    ``cfg.views`` fixed cameras with the exemplar (`loss.masked_distance`).

    Example:
        >>> evaluate(EvalConfig(model="zoo:brick")).ratio["torus"]  # doctest: +SKIP
    """
    del out, quiet
    loaded = load_model(cfg.model)
    mc = loaded.config
    exemplar = load_exemplar(mc.exemplar, mc.exemplar_size)
    cams = eval_cameras(cfg.views)
    names = {"icosphere": mc.mesh, **{Path(m).stem: m for m in cfg.meshes}}
    dist, dist_long, max_abs, verts = {}, {}, {}, {}
    sphere_hit = None
    for label, spec in names.items():
        mesh = mesh_for(loaded, spec)
        views = R.make_views(mesh, cams, mc.size)
        rule = MeshNCA(make_graph(mesh))
        key = jax.random.PRNGKey(cfg.seed + 1)
        x = grow(rule, loaded.params, seed_state(rule, cfg.seed), cfg.steps, key)
        dist[label] = masked_distance(R.render_np(np.asarray(rgb(x)), views), views.hit,
                                      exemplar)
        x = grow(rule, loaded.params, x, cfg.long_steps - cfg.steps, key, start=cfg.steps) \
            if cfg.long_steps > cfg.steps else x
        dist_long[label] = masked_distance(R.render_np(np.asarray(rgb(x)), views), views.hit,
                                           exemplar)
        max_abs[label] = float(jnp.abs(x).max())
        if not np.isfinite(max_abs[label]):  # diverged: no number to report (JSON has none)
            dist_long[label] = max_abs[label] = None
        verts[label] = mesh.n_vertices
        if label == "icosphere":
            sphere_hit = views.hit
    rng = np.random.default_rng(cfg.seed)
    hit = sphere_hit[..., None]
    floor = masked_distance(_pieces(exemplar, mc.size, cfg.views, rng) * hit, sphere_hit,
                            exemplar)
    noise = rng.uniform(0, 1, (cfg.views, mc.size, mc.size, 3)).astype(np.float32)
    ceiling = masked_distance(noise * hit, sphere_hit, exemplar)
    ratio = {k: (v / dist["icosphere"] if np.isfinite(v) else None) for k, v in dist.items()}
    dist = {k: (v if np.isfinite(v) else None) for k, v in dist.items()}
    return EvalResult(loaded.source, dist, dist_long, max_abs, ratio, floor, ceiling,
                      cfg.steps, cfg.long_steps, verts)


def graft_weights(mesh: Mesh, mask: str, sharpness: float) -> np.ndarray:
    """``(V,)`` in [0, 1]: where the second rule's update is used."""
    v = mesh.vertices.astype(np.float64)
    if mask == "height":
        s = v[:, 1]
    elif mask == "x":
        s = v[:, 0]
    elif mask == "radial":
        pole = v[np.argmax(v[:, 2])]
        s = 0.8 - np.linalg.norm(v - pole, axis=1)
    else:
        p = Path(mask)
        if not p.is_file():
            raise BadInput(f"mask {mask!r} is neither one of {', '.join(MASKS)} nor a file")
        try:
            w = np.load(p) if p.suffix == ".npy" else np.loadtxt(p)
        except (OSError, ValueError) as e:
            raise BadInput(f"mask file {p} is unreadable ({e})") from None
        w = np.asarray(w, np.float64).ravel()
        if w.size != mesh.n_vertices:
            raise BadInput(f"mask file {p} holds {w.size} weights; the mesh has"
                           f" {mesh.n_vertices:,} vertices")
        if not np.all((w >= 0) & (w <= 1)):
            raise BadInput(f"mask file {p}: weights must lie in [0, 1]")
        return w.astype(np.float32)
    return (1.0 / (1.0 + np.exp(-s / sharpness))).astype(np.float32)


@dataclass(frozen=True)
class GraftResult:
    """What `graft` grew and wrote.

    Attributes:
        run_dir: the run folder (mesh.ply, mesh.glb, turntable.gif/.mp4, views.png).
        mesh, vertices: the mesh.
        share_b: the mean weight of rule B over the vertices.
        files: every file written.
        state: ``(V, 16)`` the final state.
    """

    run_dir: Path | None
    mesh: str
    vertices: int
    share_b: float
    files: tuple[Path, ...]
    state: np.ndarray = field(repr=False)


def graft(cfg: GraftConfig, *, out: str | Path | None = None, quiet: bool = True,
          root: str | Path = "runs") -> GraftResult:
    """Grow two rules on one mesh with their per-vertex updates mixed by a mask:
    ``x ← x + m ⊙ ((1 − w)·ds_A + w·ds_B)`` (the authors' demo). B should be fine-tuned from
    A (``selforg mesh train ... --init A``) so their hidden channels mean the same.

    Example:
        >>> graft(GraftConfig("zoo:brick", "zoo:grass", mask="height"))  # doctest: +SKIP
    """
    del quiet
    a, b = load_model(cfg.model_a), load_model(cfg.model_b)
    if cfg.sharpness <= 0:
        raise BadInput(f"sharpness {cfg.sharpness} must be > 0")
    mesh = mesh_for(a, cfg.mesh)
    w = graft_weights(mesh, cfg.mask, cfg.sharpness)
    graph = make_graph(mesh)
    rule = GraftNCA(graph, jnp.asarray(w))
    params = (a.params, b.params)
    x = seed_state(MeshNCA(graph), cfg.seed)
    state = np.asarray(grow(rule, params, x, cfg.steps, jax.random.PRNGKey(cfg.seed + 1)))
    run_folder = open_run("mesh", "graft", cfg, out=out, name=f"{cfg.mask}-{cfg.mesh}",
                          root=root)
    files = _write_outputs(run_folder, mesh, state, params, cfg, rule=rule)
    return GraftResult(run_folder.path, mesh.name, mesh.n_vertices, float(w.mean()),
                       tuple(files), state)


@dataclass(frozen=True)
class ZooEntry:
    """One shipped rule: ``zoo:<name>``, what it is, the command that trained it, its eval."""

    name: str
    description: str
    command: str
    eval: dict[str, float]
    file: str


@dataclass(frozen=True)
class ZooResult:
    """The zoo's models (`run_dir` is None: listing writes nothing)."""

    entries: tuple[ZooEntry, ...]
    run_dir: Path | None = None


def zoo(cfg: ZooConfig | None = None, *, out: str | Path | None = None,
        quiet: bool = True) -> ZooResult:
    """The mesh textures shipped with the package, in the index's order."""
    del cfg, out, quiet
    return ZooResult(tuple(
        ZooEntry(name, e.get("description", ""), e.get("command", ""),
                 dict(e.get("eval", {}).get("distance", {})), e["file"])
        for name, e in zoo_index().items()))

