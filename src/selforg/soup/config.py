"""Settings of a soup run (Agüera y Arcas et al., "Computational Life", arXiv 2406.19108).

Defaults are the paper's headline run: 2^17 BFF programs of 64 bytes, mutation 2^-12 per byte
per epoch (threshold 2^18 in units of 2^-30), 16384 epochs, seed 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selforg.core.errors import BadInput
from selforg.soup.languages import BFF_FAMILY, lang_id, parse_program


def mutation_threshold(rate: float) -> int:
    """Per-byte mutation probability → threshold in units of 2^-30, rounded half away from 0."""
    return int(math.floor(rate * (1 << 30) + 0.5))


@dataclass(frozen=True)
class SoupConfig:
    """One soup run.

    Attributes:
        lang: language (see `languages.LANGUAGES`).
        programs: number of 64-byte programs N (even, ≥ 2); W·H for a grid.
        seed: base seed of every random number.
        epochs: epochs to run.
        log_every: log after 0-based epoch e when e % log_every == 0 (reported epoch e + 1),
            and after the last epoch.
        mutation_rate: per-byte, per-epoch mutation probability (threshold round(rate·2^30)).
        zero_init: start from an all-zero soup instead of random bytes.
        seed_program: a program written over the soup's first bytes after initialisation
            (language text form, or ``hex:...``); "" for none.
        seed_copies: how many consecutive copies of `seed_program`, from program 0 on.
        grid_width, grid_height: > 0 for the spatial variant (pairs within Chebyshev radius 2).
        stop_at_entropy: stop once a log shows higher-order entropy ≥ this (0 = never).
        checkpoint_seconds: write a checkpoint at most this often (and at the end, on Ctrl-C).
        images: draw a soup image at every log and a GIF at the end.
    """

    lang: str = "bff_noheads"
    programs: int = 131072
    seed: int = 0
    epochs: int = 16384
    log_every: int = 64
    mutation_rate: float = 2.0**-12
    zero_init: bool = False
    seed_program: str = ""
    seed_copies: int = 1
    grid_width: int = 0
    grid_height: int = 0
    stop_at_entropy: float = 0.0
    checkpoint_seconds: float = 300.0
    images: bool = True

    @property
    def is_grid(self) -> bool:
        return self.grid_width > 0

    @property
    def threshold(self) -> int:
        return mutation_threshold(self.mutation_rate)


def validate(cfg: SoupConfig) -> None:
    """Check a config; raise `BadInput` naming the bad value and what is allowed."""
    lang_id(cfg.lang)
    if cfg.is_grid or cfg.grid_height:
        if cfg.grid_width < 1 or cfg.grid_height < 1:
            raise BadInput(f"grid {cfg.grid_width}x{cfg.grid_height}: both sides must be ≥ 1")
        n = cfg.grid_width * cfg.grid_height
        if n != cfg.programs:
            raise BadInput(
                f"--grid {cfg.grid_width}x{cfg.grid_height} holds {n} programs but --programs is"
                f" {cfg.programs}; leave --programs out or make them agree"
            )
        if n < 2 or n % 2:
            raise BadInput(
                f"grid {cfg.grid_width}x{cfg.grid_height} has {n} cells; need an even number ≥ 2"
            )
    if cfg.programs < 2 or cfg.programs % 2:
        raise BadInput(
            f"--programs {cfg.programs}: need an even number ≥ 2 (programs run in pairs)"
        )
    if cfg.programs > 1 << 26:
        raise BadInput(f"--programs {cfg.programs}: at most {1 << 26}")
    if cfg.epochs < 1:
        raise BadInput(f"--epochs {cfg.epochs}: need ≥ 1")
    if cfg.log_every < 1:
        raise BadInput(f"--log-every {cfg.log_every}: need ≥ 1")
    if not 0.0 <= cfg.mutation_rate <= 1.0:
        raise BadInput(f"--mutation-rate {cfg.mutation_rate}: need a probability in [0, 1]")
    if cfg.seed < 0 or cfg.seed >= 1 << 64:
        raise BadInput(f"--seed {cfg.seed}: need 0 ≤ seed < 2^64")
    if cfg.seed_copies < 1:
        raise BadInput(f"--seed-copies {cfg.seed_copies}: need ≥ 1")
    if cfg.seed_program:
        prog = parse_program(cfg.seed_program, cfg.lang)
        stride = -(-len(prog) // 64) * 64  # each copy starts on a program boundary
        if (cfg.seed_copies - 1) * stride + len(prog) > cfg.programs * 64:
            raise BadInput(
                f"{cfg.seed_copies} copies of a {len(prog)}-byte seed program do not fit"
                f" {cfg.programs} programs of 64 bytes"
            )
    if cfg.stop_at_entropy < 0:
        raise BadInput(f"--stop-at-entropy {cfg.stop_at_entropy}: need ≥ 0 (0 = never stop)")


__all__ = ["SoupConfig", "validate", "mutation_threshold", "BFF_FAMILY"]
