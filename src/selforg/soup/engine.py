"""The compiled soup: one config's pairing and epoch kernels, and a bare simulation loop.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108); byte for byte the soups of the
reference simulator (cubff).
"""

from __future__ import annotations

import numpy as np

from selforg.soup.config import SoupConfig, validate
from selforg.soup.dynamics import grid_neighbours, init_soup, pairs_2d, run_epoch, shuffled
from selforg.soup.languages import MAX_STEPS, lang_id, parse_program
from selforg.soup.rng import seed_py, splitmix64_py


class Engine:
    """A compiled soup for one config: the pairing and epoch kernels with their scratch buffers.

    Example:
        >>> eng = Engine(SoupConfig(programs=1024))
        >>> soup = eng.initial_soup()
        >>> ops, runs = eng.epoch(soup, 0)
    """

    def __init__(self, cfg: SoupConfig):
        validate(cfg)
        self.cfg = cfg
        self.n = cfg.programs
        self.lang = lang_id(cfg.lang)
        self.base_hash = np.uint64(splitmix64_py(cfg.seed))
        self.threshold = np.uint64(cfg.threshold)
        self.ops = np.zeros(self.n // 2, dtype=np.int64)
        self.grid = (cfg.grid_width, cfg.grid_height) if cfg.is_grid else None
        if self.grid:
            self.offsets, self.nbrs = grid_neighbours(cfg.grid_width, cfg.grid_height, 2)

    def initial_soup(self) -> np.ndarray:
        """Epoch-0 soup (N, 64) uint8, with the seed program(s) written from program 0 on."""
        soup = init_soup(self.n, self.base_hash, self.cfg.zero_init)
        if self.cfg.seed_program:
            prog = parse_program(self.cfg.seed_program, self.cfg.lang)
            stride = -(-len(prog) // 64) * 64
            flat = soup.reshape(-1)
            for c in range(self.cfg.seed_copies):
                flat[c * stride:c * stride + len(prog)] = prog
        return soup

    def pairing(self, epoch: int) -> tuple[np.ndarray, int]:
        """(order (N,) int64, pairs that run) for 0-based `epoch`."""
        if self.grid:
            return pairs_2d(self.n, epoch, self.base_hash, self.offsets, self.nbrs)
        return shuffled(self.n, epoch, self.base_hash), self.n // 2

    def epoch(self, soup: np.ndarray, epoch: int) -> tuple[int, int]:
        """Run 0-based `epoch` on `soup` in place. Returns (executed ops, pairs run)."""
        order, n_run = self.pairing(epoch)
        es = np.uint64(seed_py(self.cfg.seed, epoch))
        run_epoch(
            soup, order, n_run, es, self.threshold, self.lang, MAX_STEPS, self.ops
        )
        return int(self.ops[:n_run].sum()), int(n_run)


def simulate(cfg: SoupConfig, epochs: int | None = None, soup: np.ndarray | None = None,
             start: int = 0) -> np.ndarray:
    """Run epochs [start, epochs) without logging (library convenience). Returns the soup."""
    eng = Engine(cfg)
    soup = eng.initial_soup() if soup is None else soup
    for e in range(start, cfg.epochs if epochs is None else epochs):
        eng.epoch(soup, e)
    return soup
