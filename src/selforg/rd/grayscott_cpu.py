"""Gray–Scott on the CPU: a fused Numba stencil, row-parallel, in place of XLA's.

The same arithmetic as `selforg.rd.grayscott.step_jax` in the same order and in float32 (the
Laplacian's paired sums ``((NW + SE) + (NE + SW) + 2·((N + S) + (W + E)) − 12·x) · 1/16``,
then the Euler update), so the two agree to float32 rounding. One pass per step reads u and v
and writes both; rows run in parallel (``numba.prange``), the columns inside a row vectorise
(the wrap-around columns are done apart, so the inner loop has no branch). XLA's CPU code for
the same step runs at about a third of this speed (`python -m benchmarks.rd`). Compiled on
first use and cached on disk; Numba is imported only here.
"""

from __future__ import annotations

import numpy as np

_KERNEL = None


def _kernel():
    global _KERNEL
    if _KERNEL is None:
        import numba

        @numba.njit(cache=True)
        def cell(un, uc, us, vn, vc, vs, uo, vo, j, jm, jp, f, kf, du, dv, dt):
            # one cell with explicit neighbour columns: the wrap-around ones. The interior loop
            # below writes the same body out: a call there stops it vectorising, and forcing
            # the inlining (inline="always") broke these edge cells inside the parallel loop
            x, y = uc[j], vc[j]
            eu = (un[j] + us[j]) + (uc[jm] + uc[jp])
            cu = (un[jm] + us[jp]) + (un[jp] + us[jm])
            ev = (vn[j] + vs[j]) + (vc[jm] + vc[jp])
            cv = (vn[jm] + vs[jp]) + (vn[jp] + vs[jm])
            lu = (cu + np.float32(2.0) * eu - np.float32(12.0) * x) * np.float32(1.0 / 16.0)
            lv = (cv + np.float32(2.0) * ev - np.float32(12.0) * y) * np.float32(1.0 / 16.0)
            uvv = x * y * y
            uo[j] = x + dt * (du * lu - uvv + f * (np.float32(1.0) - x))
            vo[j] = y + dt * (dv * lv + uvv - kf * y)

        @numba.njit(parallel=True, cache=True)
        def steps(u, v, u2, v2, n, f, k, du, dv, dt):
            h, w = u.shape
            kf = f + k
            two, twelve = np.float32(2.0), np.float32(12.0)
            one, c16 = np.float32(1.0), np.float32(1.0 / 16.0)
            for _ in range(n):
                for i in numba.prange(h):
                    up, down = (i - 1 if i > 0 else h - 1), (i + 1 if i < h - 1 else 0)
                    un, uc, us, uo = u[up], u[i], u[down], u2[i]
                    vn, vc, vs, vo = v[up], v[i], v[down], v2[i]
                    for j in range(1, w - 1):  # written out and branch-free: it vectorises
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
                    # the two wrap-around columns
                    cell(un, uc, us, vn, vc, vs, uo, vo, 0, w - 1, 1 % w, f, kf, du, dv, dt)
                    if w > 1:
                        cell(un, uc, us, vn, vc, vs, uo, vo, w - 1, w - 2, 0, f, kf, du, dv,
                             dt)
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
    u, v = x[0].copy(), x[1].copy()
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
            frames.append(np.stack([u, v]))
    return np.stack([u, v]), (np.stack(frames) if every else None)
