"""A slow, obvious NumPy transcription of the mass-action RK4 integrator, to test the fast one
against (float64, reaction by reaction, species by species)."""

from __future__ import annotations

import numpy as np

from selforg.crn.dynamics import rk4_grid
from selforg.crn.network import Network


def field(net: Network, x: np.ndarray) -> np.ndarray:
    """dx/dt of `net` at x (n,), rates evaluated at max(x, 0)."""
    dx = np.zeros(net.n_species)
    pos = np.maximum(x, 0.0)
    for r in range(net.n_reactions):
        v = net.rates[r]
        for i in range(net.n_species):
            for _ in range(int(net.reactants[r, i])):
                v *= pos[i]
        for i in range(net.n_species):
            dx[i] += (net.products[r, i] - net.reactants[r, i]) * v
    return dx


def rk4(net: Network, x0, t1: float, *, points: int, dt: float) -> np.ndarray:
    """(points, n): the same steps as `dynamics.solve(..., solver="rk4")`."""
    per, h = rk4_grid(t1, points, dt)
    x = np.asarray(x0, np.float64).copy()
    out = [x.copy()]
    for _ in range(points - 1):
        for _ in range(per):
            k1 = field(net, x)
            k2 = field(net, x + h / 2 * k1)
            k3 = field(net, x + h / 2 * k2)
            k4 = field(net, x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out.append(x.copy())
    return np.array(out)
