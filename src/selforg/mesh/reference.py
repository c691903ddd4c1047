"""A slow, obvious NumPy / SciPy-sparse transcription of the Mesh NCA step, to hold the jitted
one against (tests) and to race it (benchmarks/mesh.py).

Perception as four sparse matrices: ``A_k[i, j] = Y_k(normalize(p_j − p_i))`` for the mesh
edges j → i, and ``Σ_j Y_k·(x_j − x_i) = A_k·x − diag(A_k·1)·x``. For k = 0 (Y = 1) that is
``−L·x`` with ``L = D − A`` the graph Laplacian.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from selforg.mesh.meshes import Mesh
from selforg.mesh.model import edge_harmonics


class SparseStep:
    """The step of `selforg.mesh.model.MeshNCA` with SciPy CSR matrices and NumPy matmuls.

    Args:
        mesh: the mesh.
        params: the rule's weights (any object with ``w1, b1, w2, b2``; converted to float32).
    """

    def __init__(self, mesh: Mesh, params) -> None:
        n = mesh.n_vertices
        sh = edge_harmonics(mesh.vertices, mesh.senders, mesh.receivers)
        self.mats = [sp.csr_matrix((sh[:, k], (mesh.receivers, mesh.senders)), shape=(n, n),
                                   dtype=np.float32) for k in range(4)]
        self.rowsum = [np.asarray(m.sum(axis=1), np.float32) for m in self.mats]
        self.w1, self.b1, self.w2, self.b2 = (np.asarray(getattr(params, k), np.float32)
                                              for k in ("w1", "b1", "w2", "b2"))

    def perceive(self, x: np.ndarray) -> np.ndarray:
        """``(V, C) → (V, 5C)`` SH-major, then x."""
        blocks = [m @ x - r * x for m, r in zip(self.mats, self.rowsum, strict=True)]
        return np.concatenate([*blocks, x], axis=1)

    def update(self, x: np.ndarray) -> np.ndarray:
        h = np.maximum(self.perceive(x) @ self.w1 + self.b1, 0.0)
        return h @ self.w2 + self.b2

    def step(self, x: np.ndarray, fire: np.ndarray | None) -> np.ndarray:
        """One step; `fire` ``(V, 1)`` bool (None: every vertex updates)."""
        ds = self.update(x)
        return x + (ds if fire is None else np.where(fire, ds, 0.0).astype(np.float32))


def laplacian(mesh: Mesh) -> sp.csr_matrix:
    """The unnormalised graph Laplacian ``L = D − A`` of the mesh's edges."""
    n = mesh.n_vertices
    a = sp.csr_matrix((np.ones(mesh.senders.size), (mesh.receivers, mesh.senders)),
                      shape=(n, n))
    return sp.diags(np.asarray(a.sum(axis=1)).ravel()) - a
