"""Meshes the rule runs on: built-ins made at run time, files read with trimesh, normalised into
the unit sphere, and the directed edge list the perception gathers along.

Built-in names: ``icosphere-K`` (K = 1..7 subdivisions; 2,562 vertices at 4, 10,242 at 5),
``capsule``, ``cylinder``, ``torus``, ``cube`` (a subdivided box), and two non-convex shapes,
``peanut`` (a capsule with a waist) and ``blob`` (a sphere with bumps and dents). The
non-sphere shapes are built at a target edge length (default: icosphere-4's), so a texture
grown on them has the feature size it had on the training sphere.

Every mesh is stored with y up, centred on its bounding box and scaled so its farthest vertex
is at distance 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from selforg.core.errors import BadInput

# Mean edge length of icosphere-4 on the unit sphere: the density the built-ins default to.
ICOSPHERE4_EDGE = 0.07550
MAX_VERTICES = 1_000_000
MAX_DEGREE = 32
BUILTINS = ("icosphere-K", "capsule", "cylinder", "torus", "cube", "peanut", "blob")
TEST_MESHES = ("torus", "capsule", "cylinder", "cube", "peanut", "blob")
FILE_TYPES = (".obj", ".ply", ".glb", ".gltf", ".stl", ".off")


@dataclass(frozen=True)
class Mesh:
    """A triangle mesh with its neighbourhood.

    Attributes:
        name: built-in name or file stem.
        vertices: ``(V, 3)`` float32, inside the unit sphere, y up.
        faces: ``(F, 3)`` int32 vertex indices.
        senders, receivers: ``(E,)`` int32: the directed edges j → i (both directions of every
            mesh edge), sorted by receiver.
    """

    name: str
    vertices: np.ndarray
    faces: np.ndarray
    senders: np.ndarray
    receivers: np.ndarray

    @property
    def n_vertices(self) -> int:
        return int(self.vertices.shape[0])

    @property
    def n_edges(self) -> int:
        """Undirected edges."""
        return int(self.senders.shape[0] // 2)

    def mean_edge(self) -> float:
        d = self.vertices[self.senders] - self.vertices[self.receivers]
        return float(np.linalg.norm(d, axis=1).mean())

    def degree(self) -> np.ndarray:
        """``(V,)`` number of neighbours of each vertex."""
        return np.bincount(self.receivers, minlength=self.n_vertices)


def edge_list(faces: np.ndarray, n_vertices: int) -> tuple[np.ndarray, np.ndarray]:
    """Directed edges (senders j, receivers i) of a triangle list, each undirected edge both
    ways, sorted by (receiver, sender)."""
    f = np.asarray(faces, np.int64)
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    e = np.concatenate([e, e[:, ::-1]])
    key = np.unique(e[:, 1] * n_vertices + e[:, 0])
    return (key % n_vertices).astype(np.int32), (key // n_vertices).astype(np.int32)


def normalise(vertices: np.ndarray) -> np.ndarray:
    """Centre on the bounding box and scale the farthest vertex to distance 1."""
    v = np.asarray(vertices, np.float64)
    v = v - 0.5 * (v.min(axis=0) + v.max(axis=0))
    r = np.linalg.norm(v, axis=1).max()
    return (v / r).astype(np.float32)


def make_mesh(name: str, vertices: np.ndarray, faces: np.ndarray, *,
              max_vertices: int = MAX_VERTICES) -> Mesh:
    """Check, normalise and index a triangle mesh.

    Raises:
        BadInput: no faces; more than `max_vertices`; vertices no face uses, coincident
            vertices or zero-area faces (their neighbour directions are undefined); a vertex
            with more than `MAX_DEGREE` neighbours (a fan whose perception sum would be out of
            all scale).
    """
    vertices = np.asarray(vertices)
    faces = np.asarray(faces)
    if faces.ndim != 2 or faces.shape[0] == 0 or vertices.shape[0] == 0:
        raise BadInput(f"mesh {name!r} is empty (no triangles)")
    if faces.shape[1] != 3:
        raise BadInput(f"mesh {name!r} has {faces.shape[1]}-sided faces; need triangles")
    if vertices.shape[0] > max_vertices:
        raise BadInput(f"mesh {name!r} has {vertices.shape[0]:,} vertices, more than the"
                       f" {max_vertices:,} allowed")
    if not np.all(np.isfinite(vertices)):
        raise BadInput(f"mesh {name!r} has non-finite vertex coordinates")
    if faces.min() < 0 or faces.max() >= vertices.shape[0]:
        raise BadInput(f"mesh {name!r} has faces that index missing vertices")
    unused = vertices.shape[0] - np.unique(faces).size
    if unused:
        raise BadInput(f"mesh {name!r} has {unused} vertices that no face uses (no neighbours)")
    v = normalise(vertices)
    f = faces.astype(np.int32)
    senders, receivers = edge_list(f, v.shape[0])
    length = np.linalg.norm(v[senders] - v[receivers], axis=1)
    if length.min() < 1e-7:
        raise BadInput(f"mesh {name!r} has coincident vertices joined by an edge (merge them"
                       " first)")
    area = np.linalg.norm(np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]]), axis=1)
    if area.min() < 1e-12:
        raise BadInput(f"mesh {name!r} has {int((area < 1e-12).sum())} zero-area faces")
    degree = np.bincount(receivers, minlength=v.shape[0])
    if degree.max() > MAX_DEGREE:
        raise BadInput(f"mesh {name!r} has a vertex with {degree.max()} neighbours (at most"
                       f" {MAX_DEGREE}); remesh it to near-uniform triangles")
    return Mesh(name, v, f, senders, receivers)


def _ring_strip(a: list[int], b: list[int], oa: float, ob: float) -> list[tuple[int, int, int]]:
    """Triangles joining two closed rings of vertex ids whose k-th vertex sits at angle
    ``2π(k + o)/n``: the zipper advances along whichever ring's next vertex comes first."""
    na, nb = len(a), len(b)
    if na == 1 or nb == 1:
        hub, ring = (a[0], b) if na == 1 else (b[0], a)
        return [(hub, ring[k], ring[(k + 1) % len(ring)]) for k in range(len(ring))]
    ang_a = lambda k: 2 * np.pi * (k + oa) / na  # noqa: E731
    ang_b = lambda k: 2 * np.pi * (k + ob) / nb  # noqa: E731
    j = int(np.floor(ang_a(0) / (2 * np.pi) * nb - ob))
    i, i_end, j_end = 0, na, j + nb
    tris = []
    while i < i_end or j < j_end:
        if j >= j_end or (i < i_end and ang_a(i + 1) <= ang_b(j + 1)):
            tris.append((a[i % na], a[(i + 1) % na], b[j % nb]))
            i += 1
        else:
            tris.append((a[i % na], b[(j + 1) % nb], b[j % nb]))
            j += 1
    return tris


def _revolved(profile: np.ndarray, edge: float, *, closed: bool = False):
    """A surface of revolution about y from a profile of (radius, height) points, each ring
    with as many vertices as its circumference holds at spacing `edge` (one at a pole), so
    the triangles stay near-equilateral and no pole gathers a fan."""
    import trimesh

    verts: list[np.ndarray] = []
    rings: list[list[int]] = []
    offsets: list[float] = []
    for n_ring, (r, y) in enumerate(profile):
        n = 1 if r < 1e-9 else max(3, int(round(2 * np.pi * r / edge)))
        o = 0.5 * (n_ring % 2)
        t = 2 * np.pi * (np.arange(n) + o) / n
        rings.append(list(range(len(verts), len(verts) + n)))
        offsets.append(o)
        verts.extend(np.stack([r * np.cos(t), np.full(n, y), r * np.sin(t)], axis=1))
    pairs = list(zip(range(len(rings) - 1), range(1, len(rings)), strict=True))
    if closed:
        pairs.append((len(rings) - 1, 0))
    faces = [t for i, k in pairs for t in _ring_strip(rings[i], rings[k], offsets[i],
                                                      offsets[k])]
    m = trimesh.Trimesh(np.array(verts), np.array(faces), process=True)
    m.update_faces(m.nondegenerate_faces())
    m.remove_unreferenced_vertices()
    m.fix_normals()
    return m.vertices, m.faces


def _arc(points: np.ndarray, edge: float) -> np.ndarray:
    """Resample a polyline at spacing ≈ `edge` (end points kept)."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    n = max(2, int(round(s[-1] / edge)) + 1)
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, points[:, 0]), np.interp(t, s, points[:, 1])], axis=1)


def _capsule(edge: float, waist: float = 0.0):
    # unit-radius hemispheres at heights ±1, a straight (or pinched) side between them
    a = np.linspace(-np.pi / 2, 0, 200)
    bottom = np.stack([np.cos(a), np.sin(a) - 1.0], axis=1)
    z = np.linspace(-1.0, 1.0, 200)
    side = np.stack([1.0 - waist * np.exp(-(z / 0.45) ** 2), z], axis=1)
    top = bottom[::-1] * np.array([1.0, -1.0])
    prof = np.concatenate([bottom, side[1:-1], top])
    # pole points sit on the axis exactly: revolve makes them one vertex after merging
    prof[0, 0] = prof[-1, 0] = 0.0
    return _revolved(_arc(prof, edge), edge)


def _cylinder(edge: float):
    prof = np.array([[0.0, -1.0], [1.0, -1.0], [1.0, 1.0], [0.0, 1.0]])
    return _revolved(_arc(prof, edge), edge)


def _torus(edge: float):
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    circle = np.stack([1.0 + 0.45 * np.cos(t), 0.45 * np.sin(t)], axis=1)
    pts = _arc(np.concatenate([circle, circle[:1]]), edge)[:-1]
    # the profile closes on itself: no duplicate ring where it started
    return _revolved(pts, edge, closed=True)


def _cube(edge: float):
    import trimesh

    m = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    v, f = trimesh.remesh.subdivide_to_size(m.vertices, m.faces, max_edge=edge)
    return v, f


def _blob(edge: float):
    import trimesh

    # an icosphere-k edge is ≈ 1.2 / 2^k; the bumps scale it by ≈ 0.76 after normalisation
    k = int(np.clip(np.round(np.log2(0.92 / edge)), 1, 7))
    m = trimesh.creation.icosphere(subdivisions=k)
    v = m.vertices
    bump = np.sin(3 * v[:, 0] + 1) * np.sin(3 * v[:, 1] + 2) * np.sin(3 * v[:, 2])
    return v * (1.0 + 0.45 * bump)[:, None], m.faces


def icosphere(subdivisions: int) -> Mesh:
    """The icosphere with `subdivisions` (4: 2,562 vertices; 5: 10,242; 6: 40,962)."""
    import trimesh

    if not 1 <= subdivisions <= 7:
        raise BadInput(f"icosphere-{subdivisions}: subdivisions must be 1..7")
    m = trimesh.creation.icosphere(subdivisions=subdivisions)
    return make_mesh(f"icosphere-{subdivisions}", m.vertices, m.faces)


def builtin(name: str, *, edge: float = ICOSPHERE4_EDGE) -> Mesh:
    """A built-in mesh by name (see the module docstring), at mean edge length ≈ `edge`
    (ignored by ``icosphere-K``, whose density is set by K)."""
    if name.startswith("icosphere"):
        k = name.partition("-")[2] or "4"
        if not k.isdigit():
            raise BadInput(f"unknown mesh {name!r}; write icosphere-K with K = 1..7")
        return icosphere(int(k))
    makers = {"capsule": _capsule, "cylinder": _cylinder, "torus": _torus, "cube": _cube,
              "peanut": lambda e: _capsule(e, waist=0.45), "blob": _blob}
    if name not in makers:
        raise BadInput(f"unknown mesh {name!r}; built-ins: {', '.join(BUILTINS)}, or a file"
                       f" ({', '.join(FILE_TYPES)})")
    if not 0.005 <= edge <= 0.5:
        raise BadInput(f"edge length {edge} is outside 0.005..0.5")
    # each maker works in its own units: build once, then again at the spacing that gives
    # `edge` after normalisation
    spacing = 0.1
    v, f = makers[name](edge if name == "blob" else spacing)
    if name != "blob":
        first = make_mesh(name, v, f)
        v, f = makers[name](spacing * edge / first.mean_edge())
    return make_mesh(name, v, f)


def load_file(path: str | Path, *, max_vertices: int = MAX_VERTICES) -> Mesh:
    """Read a triangle mesh (OBJ, PLY, GLB/glTF, STL, OFF) with trimesh; scenes are merged.

    Raises:
        BadInput: missing, unreadable, not a triangle mesh, or refused by `make_mesh`.
    """
    import trimesh

    p = Path(path)
    if not p.is_file():
        raise BadInput(f"mesh file {p} does not exist")
    if p.suffix.lower() not in FILE_TYPES:
        raise BadInput(f"mesh file {p}: unknown type {p.suffix!r}; allowed:"
                       f" {', '.join(FILE_TYPES)}")
    try:
        m = trimesh.load(p, force="mesh", process=True)
    except Exception as e:  # noqa: BLE001 - trimesh raises many kinds for a bad file
        raise BadInput(f"mesh file {p} is unreadable ({type(e).__name__}: {e})") from None
    if not isinstance(m, trimesh.Trimesh) or len(m.faces) == 0:
        raise BadInput(f"mesh file {p} holds no triangles")
    m.update_faces(m.nondegenerate_faces())
    m.remove_unreferenced_vertices()
    return make_mesh(p.stem, m.vertices, m.faces, max_vertices=max_vertices)


def subdivide(mesh: Mesh, times: int) -> Mesh:
    """Split every triangle into four `times` times (edge midpoints; the shape is kept, the
    vertex density grows about 4× per time, so the texture's features shrink about 2×)."""
    import trimesh

    v, f = mesh.vertices.astype(np.float64), mesh.faces
    for _ in range(times):
        v, f = trimesh.remesh.subdivide(v, f)
    if times:
        return make_mesh(mesh.name, v, f)
    return mesh


def load_mesh(spec: str | Path, *, edge: float = ICOSPHERE4_EDGE, subdivisions: int = 0) -> Mesh:
    """A built-in name or a mesh file, optionally subdivided."""
    text = str(spec)
    looks_like_file = Path(text).suffix.lower() in FILE_TYPES or "/" in text
    mesh = load_file(text) if looks_like_file else builtin(text, edge=edge)
    return subdivide(mesh, subdivisions)
