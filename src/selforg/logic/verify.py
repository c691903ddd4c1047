"""Check a learned Life circuit against the true Game of Life on a large periodic grid.

Miotti et al. (2025) show their learned rule matches Life on a 128×128 board for hundreds of
steps; `verify_life` makes that a number: the cells that ever differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.errors import BadInput
from selforg.logic.circuit import Circuit
from selforg.logic.config import VerifyConfig


@dataclass(frozen=True)
class VerifyResult:
    """The learned rule next to true Life.

    Attributes:
        run_dir: the folder `results.json` went to (None unless `out` was given).
        differing_cells: differing cells summed over every step (0: the circuit is Life here).
        final_differing_cells: differing cells after the last step.
        first_error_step: the first step with a difference (None when exact).
        steps, size, seed: what was compared (size as [H, W]).
        alive_final: live cells of true Life after the last step.
    """

    run_dir: Path | None
    differing_cells: int
    final_differing_cells: int
    first_error_step: int | None
    steps: int
    size: list[int]
    seed: int
    alive_final: int

    @property
    def exact(self) -> bool:
        return self.differing_cells == 0

    def to_dict(self) -> dict[str, Any]:
        """The numbers as JSON-able values (without `run_dir`)."""
        d = asdict(self)
        d.pop("run_dir")
        return d


def compare_with_life(
    circuit: Circuit,
    *,
    size: int = 128,
    steps: int = 300,
    seed: int = 0,
    density: float = 0.5,
    kernel: str = "auto",
) -> dict[str, Any]:
    """Run `circuit` (packed engine) and Life side by side from one random periodic grid.

    Args:
        circuit: a one-channel rule.
        size: grid side, a multiple of 64.
        kernel: packed-engine kernel (`PackedEngine`: auto, codegen, interp or numpy).

    Returns:
        ``{"differing_cells": total over all steps, "final_differing_cells", "first_error_step"
        (None when exact), "steps", "size", "seed", "alive_final"}``.

    Raises:
        BadInput: the circuit has more than one channel, or size is not a multiple of 64.
    """
    from selforg.logic.life import life_step
    from selforg.logic.packed import PackedEngine, pack, unpack

    if circuit.channels != 1:
        raise BadInput(f"a Life circuit has 1 channel (this one has {circuit.channels})")
    if size % 64:
        raise BadInput(f"grid size {size} must be a multiple of 64")
    rng = np.random.default_rng(seed)
    board = (rng.random((size, size)) < density).astype(np.uint8)
    engine = PackedEngine(circuit, kernel=kernel, shape=(size, size, 1), steps=steps)
    a = pack(board[..., None])
    b = np.empty_like(a)
    total, first = 0, None
    truth = board
    for t in range(steps):
        engine.step_packed(a, b)
        a, b = b, a
        truth = life_step(truth, "periodic")
        diff = int(np.count_nonzero(unpack(a)[..., 0] != truth))
        total += diff
        if diff and first is None:
            first = t + 1
    final = int(np.count_nonzero(unpack(a)[..., 0] != truth))
    return {
        "differing_cells": total, "final_differing_cells": final, "first_error_step": first,
        "steps": steps, "size": [size, size], "seed": seed, "alive_final": int(truth.sum()),
    }


def verify_life(cfg: VerifyConfig | None = None, *, out: str | Path | None = None,
                quiet: bool = True) -> VerifyResult:
    """Compare the circuit `cfg.circuit` with the Game of Life, every cell at every step.

    Args:
        cfg: the circuit and the grid (default: the zoo's Life circuit, 128², 300 steps).
        out: also write ``config.json`` and ``results.json`` into this new folder.
        quiet: accepted for the shape every verb has (nothing is shown).

    Returns:
        `VerifyResult`; ``exact`` when no cell ever differs.

    Raises:
        BadInput: no such circuit, not one channel, or a size that is not a multiple of 64.

    Example:
        >>> from selforg.logic import VerifyConfig, verify_life
        >>> verify_life(VerifyConfig("zoo:life", size=64, steps=20)).exact
        True
    """
    from selforg.logic.zoo import load_circuit

    cfg = cfg or VerifyConfig()
    if cfg.size % 64:
        raise BadInput(f"--size {cfg.size} must be a multiple of 64")
    numbers = compare_with_life(load_circuit(cfg.circuit), size=cfg.size, steps=cfg.steps,
                                seed=cfg.seed, density=cfg.density)
    run_dir = None
    if out is not None:
        from selforg.core.runs import open_run

        run = open_run("logic", "verify-life", cfg, out=out)
        run.write_json("results.json", numbers)
        run_dir = run.path
    return VerifyResult(run_dir, **numbers)
