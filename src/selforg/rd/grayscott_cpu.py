"""Gray–Scott on the CPU: a fused Numba stencil, row-parallel, in place of XLA's.

The same arithmetic as `selforg.rd.grayscott.step_jax` in the same order and in float32 (the
Laplacian's paired sums ``((NW + SE) + (NE + SW) + 2·((N + S) + (W + E)) − 12·x) · 1/16``,
then the Euler update), so the two agree to float32 rounding. One pass per step reads u and v
and writes both; rows run in parallel (``numba.prange``), the columns inside a row vectorise
(each row carries a copy of the opposite edge column on either side, so the loop over columns
has no branch and no special case). XLA's CPU code for the same step runs at about a quarter of
this speed (`python -m benchmarks.rd`). Compiled on first use and cached on disk; Numba is
imported only here.
"""

from __future__ import annotations

import numpy as np

_KERNEL = None


def _kernel():
    global _KERNEL
    if _KERNEL is None:
        import numba

        @numba.njit(parallel=True, cache=True)
        def steps(u, v, u2, v2, n, f, k, du, dv, dt):
            # u, v: (H, W + 2), columns 0 and W + 1 copies of columns W and 1 (the torus)
            h, w = u.shape[0], u.shape[1] - 2
            kf = f + k
            two, twelve = np.float32(2.0), np.float32(12.0)
            one, c16 = np.float32(1.0), np.float32(1.0 / 16.0)
            for _ in range(n):
                for i in numba.prange(h):
                    up, down = (i - 1 if i > 0 else h - 1), (i + 1 if i < h - 1 else 0)
                    un, uc, us, uo = u[up], u[i], u[down], u2[i]
                    vn, vc, vs, vo = v[up], v[i], v[down], v2[i]
                    for j in range(1, w + 1):  # branch-free: it vectorises
                        x, y = uc[j], vc[j]
                        eu = (un[j] + us[j]) + (uc[j - 1] + uc[j + 1])
                        cu = (un[j - 1] + us[j + 1]) + (un[j + 1] + us[j - 1])
                        ev = (vn[j] + vs[j]) + (vc[j - 1] + vc[j + 1])
                        cv = (vn[j - 1] + vs[j + 1]) + (vn[j + 1] + vs[j - 1])
                        lu = (cu + two * eu - twelve * x) * c16
                        lv = (cv + two * ev - twelve * y) * c16
                        uvv = x * y * y
                        uo[j] = x + dt * (du * lu - uvv + f * (one - x))
                        vo[j] = y + dt * (dv * lv + uvv - kf * y)
                # the new wrap-around columns, after the parallel loop: written inside it, after
                # the column loop, Numba's parallel lowering got them wrong (serially right)
                for i in range(h):
                    u2[i, 0], u2[i, w + 1] = u2[i, w], u2[i, 1]
                    v2[i, 0], v2[i, w + 1] = v2[i, w], v2[i, 1]
                u, u2 = u2, u
                v, v2 = v2, v

        _KERNEL = steps
    return _KERNEL


def simulate_cpu(x0: np.ndarray, f: float, k: float, steps: int, *, every: int | None = None,
                 du: float = 1.0, dv: float = 0.5,
                 dt: float = 1.0) -> tuple[np.ndarray, np.ndarray | None]:
    """`steps` Gray–Scott steps of ``(2, H, W)`` with the Numba kernel; the result and frames
    as `selforg.rd.grayscott.simulate` returns them (frames after every `every` steps)."""
    x = np.asarray(x0, np.float32)
    # a wrap-around column on either side, so every column's loop body is the same
    u, v = np.pad(x[0], ((0, 0), (1, 1)), mode="wrap"), np.pad(x[1], ((0, 0), (1, 1)), mode="wrap")
    u2, v2 = np.empty_like(u), np.empty_like(v)
    p = tuple(np.float32(a) for a in (f, k, du, dv, dt))
    run = _kernel()
    frames = []
    done = 0
    while done < steps:
        n = every if every and steps - done >= every else steps - done
        run(u, v, u2, v2, n, *p)
        if n % 2:  # the result of an odd count lies in the other pair of buffers
            u, u2, v, v2 = u2, u, v2, v
        done += n
        if every and n == every:
            frames.append(np.stack([u[:, 1:-1], v[:, 1:-1]]))
    return np.stack([u[:, 1:-1], v[:, 1:-1]]), (np.stack(frames) if every else None)
