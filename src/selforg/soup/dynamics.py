"""Soup dynamics: initial soup, pairing per epoch (shuffle or 2D neighbours), mutation, runs.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108). Byte-for-byte the scheme of the
authors' reference simulator (cubff): with seed(x) = SplitMix64(SplitMix64(base) ^
SplitMix64(x)),

- program p, byte i starts as SplitMix64(64·N·seed(0) + 64·p + i) % 256;
- epoch e shuffles [0, N) by Fisher–Yates with j = SplitMix64(seed(e·N + i)) % (i + 1);
- pair k joins programs s[2k] ++ s[2k+1]; byte i of the joined tape is replaced by r & 255 when
  ((r >> 8) & (2^30 − 1)) < mutation threshold, r = SplitMix64((N·seed(e) + k)·128 + i);
- the tape runs, and its halves go back to the two programs.

Pairs are independent, so `run_epoch` runs them in parallel (`prange`) and the soup does not
depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from selforg.soup.interpreters import evaluate, evaluate_with
from selforg.soup.rng import derived_seed, splitmix64

_FIELD = np.uint64(((1 << 30) - 1) << 8)  # the 30 bits compared with the threshold
_U8 = np.uint64(8)
_U255 = np.uint64(255)
_CHUNK = 64  # pairs per parallel work item


@njit(cache=True)
def init_soup(n, base_hash, zero):
    """The initial soup: (n, 64) uint8 (all zero when `zero`)."""
    soup = np.zeros((n, 64), dtype=np.uint8)
    if zero:
        return soup
    s0 = derived_seed(base_hash, np.uint64(0))
    start = np.uint64(64) * np.uint64(n) * s0
    for p in range(n):
        row = start + np.uint64(64) * np.uint64(p)
        for i in range(64):
            soup[p, i] = splitmix64(row + np.uint64(i)) & _U255
    return soup


@njit(cache=True)
def shuffled(n, epoch, base_hash):
    """[0, n) shuffled for `epoch` (Fisher–Yates from the top). Returns (n,) int64."""
    s = np.arange(n)
    base = np.uint64(epoch) * np.uint64(n)
    for i in range(n - 1, -1, -1):
        j = np.int64(splitmix64(derived_seed(base_hash, base + np.uint64(i))) % np.uint64(i + 1))
        t = s[i]
        s[i] = s[j]
        s[j] = t
    return s


@njit(cache=True)
def grid_neighbours(width, height, radius):
    """CSR neighbour lists of a width×height grid, Chebyshev radius, no wrap.

    Returns (offsets (n+1,) int64, neighbours (m,) int64); program index = y·width + x, and each
    list is in row-major order of the offset (dy outer, dx inner), (0, 0) skipped.
    """
    n = width * height
    offsets = np.zeros(n + 1, dtype=np.int64)
    nbrs = np.empty(n * (2 * radius + 1) ** 2, dtype=np.int64)
    m = 0
    for y in range(height):
        for x in range(width):
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    yy = y + dy
                    xx = x + dx
                    if (dy != 0 or dx != 0) and 0 <= yy < height and 0 <= xx < width:
                        nbrs[m] = yy * width + xx
                        m += 1
            offsets[y * width + x + 1] = m
    return offsets, nbrs[:m].copy()


@njit(cache=True)
def pairs_2d(n, epoch, base_hash, offsets, nbrs):
    """Pairing of a spatial soup for `epoch`. Returns (order (n,) int64, number of run pairs).

    Walk the shuffled indices; i picks neighbour nbr[i][seed(seed(e) ^ seed(i)) % deg]; the pair
    is taken when both are still free. Free programs follow in index order (mutated, not run).
    """
    walk = shuffled(n, epoch, base_hash)
    used = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    es = derived_seed(base_hash, np.uint64(epoch))
    k = 0
    for t in range(n):
        i = walk[t]
        deg = offsets[i + 1] - offsets[i]
        if deg == 0:
            continue
        pick = derived_seed(base_hash, es ^ derived_seed(base_hash, np.uint64(i))) % np.uint64(deg)
        j = nbrs[offsets[i] + np.int64(pick)]
        if used[i] or used[j]:
            continue
        used[i] = True
        used[j] = True
        order[2 * k] = i
        order[2 * k + 1] = j
        k += 1
    idx = 2 * k
    for i in range(n):
        if not used[i]:
            order[idx] = i
            idx += 1
    return order, k


@njit(cache=True)
def mutate(tape, n, epoch_seed, k, threshold):
    """Mutate pair k's joined tape in place (threshold in units of 2^-30).

    Two passes: the first only asks whether any byte is hit (a branch-free loop that
    vectorises; at the default rate 97% of tapes have no hit), the second writes the hits.
    """
    base = (np.uint64(n) * epoch_seed + np.uint64(k)) * np.uint64(128)
    # ((r >> 8) & (2^30 - 1)) < t  ⟺  (r & ((2^30 - 1) << 8)) < t << 8
    lim = threshold << _U8
    hit = False
    for i in range(128):
        hit |= (splitmix64(base + np.uint64(i)) & _FIELD) < lim
    if hit:
        for i in range(128):
            r = splitmix64(base + np.uint64(i))
            if (r & _FIELD) < lim:
                tape[i] = np.uint8(r & _U255)


@njit(cache=True, parallel=True)
def run_epoch(soup, order, n_run, epoch_seed, threshold, lang, max_steps, ops):
    """One epoch in place: join, mutate, run (pairs k < n_run) and split every pair.

    Args:
        soup: (N, 64) uint8, C-contiguous, updated in place.
        order: (N,) int64, pair k = (order[2k], order[2k+1]).
        n_run: pairs k ≥ n_run are mutated but not run (the free cells of a 2D soup).
        epoch_seed: seed(e) as uint64.
        threshold: mutation threshold as uint64 (2^18 = 1/4096).
        lang: language id.
        max_steps: step limit per run (8192).
        ops: (N/2,) int64, receives the ops of each pair.
    """
    n = soup.shape[0]
    npairs = n // 2
    nchunks = (npairs + _CHUNK - 1) // _CHUNK
    rows = soup.view(np.uint64)  # (N, 8): a program moves as 8 words
    # One parallel loop (one barrier per epoch): on a busy machine every extra barrier waits
    # for the slowest, descheduled thread. Each chunk of pairs reuses one 128-byte tape, which
    # stays in L1.
    for c in prange(nchunks):
        words = np.empty(16, dtype=np.uint64)
        tape = words.view(np.uint8)
        stack = np.empty(128, dtype=np.uint8)  # Forth's stack
        for k in range(c * _CHUNK, min((c + 1) * _CHUNK, npairs)):
            p1 = order[2 * k]
            p2 = order[2 * k + 1]
            for i in range(8):
                words[i] = rows[p1, i]
                words[8 + i] = rows[p2, i]
            mutate(tape, n, epoch_seed, k, threshold)
            ops[k] = evaluate_with(tape, lang, max_steps, stack) if k < n_run else 0
            for i in range(8):
                rows[p1, i] = words[i]
                rows[p2, i] = words[8 + i]


@njit(cache=True)
def selfrep_score(program, local_seed, lang, max_steps):
    """Self-replication score of a 64-byte program (the reference simulator's test).

    13 chains: program ++ noise, run, then 4 times: move the right half to the left, refill the
    right with the same noise, run. A position counts when ≥ 4 of the 13 final tapes agree on it
    and (left half) equal the original. Score = min(#left, #right); ≥ 5 means a replicator.
    """
    iters = 13
    tapes = np.empty((iters, 128), dtype=np.uint8)
    noise = np.empty(64, dtype=np.uint8)
    for it in range(iters):
        for j in range(64):
            noise[j] = splitmix64(
                local_seed ^ splitmix64(np.uint64((it + 1) * 64 + j))
            ) & _U255
        t = tapes[it]
        for j in range(64):
            t[j] = program[j]
            t[64 + j] = noise[j]
        evaluate(t, lang, max_steps)
        for _ in range(4):
            for j in range(64):
                t[j] = t[64 + j]
                t[64 + j] = noise[j]
            evaluate(t, lang, max_steps)
    res0 = 0
    res1 = 0
    for i in range(128):
        for a in range(iters):
            if i < 64 and tapes[a, i] != program[i]:
                continue
            count = 1
            for b in range(a + 1, iters):
                if tapes[a, i] == tapes[b, i]:
                    count += 1
            if count > iters // 4:
                if i < 64:
                    res0 += 1
                else:
                    res1 += 1
                break
    return min(res0, res1)


@njit(cache=True)
def selfrep_scores(programs, indices, n, epoch_seed, lang, max_steps):
    """Scores of programs[m] as soup index indices[m] (local seed SplitMix64(N·seed(e) + idx)).

    Serial on purpose: it scores a few hundred programs per log, and a parallel version costs
    seconds more to compile.
    """
    out = np.zeros(programs.shape[0], dtype=np.int64)
    for m in range(programs.shape[0]):
        local = splitmix64(np.uint64(n) * epoch_seed + np.uint64(indices[m]))
        out[m] = selfrep_score(programs[m], local, lang, max_steps)
    return out
