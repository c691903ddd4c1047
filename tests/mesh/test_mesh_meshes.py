"""Built-in meshes, files, normalisation, edge lists and the refusals."""

import numpy as np
import pytest

from selforg.core.errors import BadInput
from selforg.mesh.meshes import (
    TEST_MESHES,
    builtin,
    edge_list,
    load_file,
    load_mesh,
    make_mesh,
    subdivide,
)


def test_icosphere_sizes_and_unit_sphere():
    for k, n in ((3, 642), (4, 2562)):
        m = builtin(f"icosphere-{k}")
        assert m.n_vertices == n
        assert np.allclose(np.linalg.norm(m.vertices, axis=1), 1.0, atol=1e-6)
        assert set(np.unique(m.degree())) == {5, 6}  # 12 valence-5 vertices
        assert (m.degree() == 5).sum() == 12


@pytest.mark.parametrize("name", TEST_MESHES)
def test_builtins_are_closed_normalised_and_near_uniform(name):
    import trimesh

    m = builtin(name, edge=0.15)
    tm = trimesh.Trimesh(m.vertices, m.faces, process=False)
    assert tm.is_watertight and tm.is_winding_consistent
    assert np.linalg.norm(m.vertices, axis=1).max() == pytest.approx(1.0, abs=1e-6)
    assert m.mean_edge() == pytest.approx(0.15, rel=0.35)
    assert m.degree().max() <= 9 and m.degree().min() >= 3
    # the non-convex shapes are not their convex hulls
    if name in ("torus", "peanut", "blob"):
        assert tm.volume < 0.95 * tm.convex_hull.volume


def test_edge_list_both_directions_sorted():
    s, r = edge_list(np.array([[0, 1, 2], [0, 2, 3]]), 4)
    pairs = set(zip(s.tolist(), r.tolist(), strict=True))
    assert pairs == {(1, 0), (0, 1), (2, 1), (1, 2), (2, 0), (0, 2), (3, 2), (2, 3), (3, 0),
                     (0, 3)}
    assert np.all(np.diff(r) >= 0)


def test_refusals():
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [5, 5, 5]], float)
    with pytest.raises(BadInput, match="empty"):
        make_mesh("x", v, np.zeros((0, 3), int))
    with pytest.raises(BadInput, match="no face uses"):
        make_mesh("x", v, np.array([[0, 1, 2]]))
    with pytest.raises(BadInput, match="coincident"):
        make_mesh("x", np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]], float), np.array([[0, 1, 2]]))
    with pytest.raises(BadInput, match="more than"):
        make_mesh("x", v[:3], np.array([[0, 1, 2]]), max_vertices=2)
    fan = np.concatenate([[[0, 0, 0]], [[np.cos(t), np.sin(t), 0] for t in
                                        np.linspace(0, 2 * np.pi, 40, endpoint=False)]])
    faces = [[0, i + 1, (i + 1) % 40 + 1] for i in range(40)]
    with pytest.raises(BadInput, match="neighbours"):
        make_mesh("fan", fan, np.array(faces))
    with pytest.raises(BadInput, match="unknown mesh"):
        builtin("teapot")


def test_files(tmp_path):
    import trimesh

    src = builtin("icosphere-2")
    for ext in (".obj", ".ply", ".stl", ".glb"):
        p = tmp_path / f"s{ext}"
        trimesh.Trimesh(src.vertices * 3 + 7, src.faces).export(p)
        m = load_file(p)
        assert m.n_vertices == src.n_vertices
        assert np.linalg.norm(m.vertices, axis=1).max() == pytest.approx(1.0, abs=1e-5)
    (tmp_path / "bad.ply").write_text("not a mesh at all")
    with pytest.raises(BadInput, match="unreadable|no triangles"):
        load_file(tmp_path / "bad.ply")
    (tmp_path / "empty.obj").write_text("# nothing\n")
    with pytest.raises(BadInput):
        load_file(tmp_path / "empty.obj")
    with pytest.raises(BadInput, match="does not exist"):
        load_mesh(tmp_path / "missing.obj")


def test_subdivide_quadruples_faces():
    m = builtin("icosphere-2")
    s = subdivide(m, 1)
    assert s.faces.shape[0] == 4 * m.faces.shape[0]
    assert s.mean_edge() == pytest.approx(m.mean_edge() / 2, rel=0.05)
