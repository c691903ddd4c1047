"""The logic part of the tour: a learned Game of Life circuit next to true Life, a learned
checkerboard circuit healing after damage, and the learned lizard growing from one cell (Miotti
et al., "Differentiable Logic Cellular Automata", 2025).

Learning Life from scratch takes about a minute on two cores, more than this part's budget, so
the circuit shipped in the zoo (made by ``selforg logic train life``) is loaded instead.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from selforg.core.report import Media, Section
from selforg.logic.circuit import stats
from selforg.logic.life import life_step
from selforg.logic.packed import PackedEngine, pack, unpack
from selforg.logic.verify import compare_with_life
from selforg.logic.zoo import names, zoo_circuit


def _life_side_by_side(out: Path, steps: int = 120, size: int = 128) -> tuple[Path, int]:
    """GIF: learned circuit | true Life (differences in red). Returns (path, differing cells)."""
    from selforg.core.media import upscale, write_gif

    circuit = zoo_circuit("life")
    engine = PackedEngine(circuit, kernel="interp")  # no per-circuit compile in the tour
    rng = np.random.default_rng(1)
    board = (rng.random((size, size)) < 0.35).astype(np.uint8)
    a = pack(board[..., None])
    b = np.empty_like(a)
    truth = board
    frames, total = [], 0
    for t in range(steps + 1):
        learned = unpack(a)[..., 0]
        diff = learned != truth
        total += int(diff.sum())
        if t % 2 == 0:
            left = np.repeat((1 - learned)[..., None] * 255, 3, -1)
            right = np.repeat((1 - truth)[..., None] * 255, 3, -1)
            right[diff] = (230, 30, 30)
            gap = np.full((size, 4, 3), 128)
            frames.append(upscale(np.concatenate([left, gap, right], 1).astype(np.uint8), 2))
        engine.step_packed(a, b)
        a, b = b, a
        truth = life_step(truth)
    return write_gif(out / "life_vs_true.gif", frames, fps=15), total


def _checkerboard_healing(
    out: Path, size: int = 64, steps: int = 240
) -> tuple[Path, int] | None:
    """GIF: the checkerboard circuit grows from noise, is erased in the centre, regrows.

    Returns (path, wrong cells of channel 0 at the end), or None without a zoo circuit.
    """
    if "checkerboard" not in names():
        return None
    from selforg.core.media import upscale, write_gif
    from selforg.logic.simulate import Damage
    from selforg.logic.tasks import checkerboard

    circuit = zoo_circuit("checkerboard")
    rng = np.random.default_rng(2)
    grid = rng.integers(0, 2, (size, size, circuit.channels)).astype(np.uint8)
    q = size // 4
    damage = Damage(steps // 2, (q, q, 2 * q, 2 * q), "erase")
    _, frames = PackedEngine(circuit, kernel="interp").run(
        grid, steps, save_every=2, damage=(damage.at, lambda g: damage.apply(g, rng))
    )
    pics = [upscale(np.repeat(((1 - f[..., :1]) * 255).astype(np.uint8), 3, -1), 4)
            for f in frames]
    wrong = int((frames[-1][..., 0] != checkerboard(size, size)).sum())
    return write_gif(out / "checkerboard_healing.gif", pics, fps=15), wrong


def _lizard_growth(out: Path, size: int = 64) -> tuple[Path, int | None] | None:
    """GIF: the lizard circuit (trained on a 20×20 torus) grows from one seed cell on a
    `size`×`size` torus for its 12 training steps.

    Returns (path, wrong cells against the target placed around the seed, or None when the
    emoji font for the target is missing), or None without a zoo circuit.
    """
    if "lizard" not in names():
        return None
    from selforg.core.errors import BadInput
    from selforg.core.media import upscale, write_gif
    from selforg.logic.config import preset
    from selforg.logic.learn import target_around_seed
    from selforg.logic.tasks import lizard_target

    cfg = preset("lizard")
    circuit = zoo_circuit("lizard")
    grid = np.zeros((size, size, circuit.channels), np.uint8)
    grid[size // 2, size // 2, :] = 1
    final, frames = PackedEngine(circuit, kernel="interp").run(grid, cfg.steps, save_every=1)
    lo, hi = size // 2 - 16, size // 2 + 16
    pics = [upscale(np.repeat(((1 - f[lo:hi, lo:hi, :1]) * 255).astype(np.uint8), 3, -1), 8)
            for f in frames]
    pics += [pics[-1]] * 8  # hold the grown lizard
    gif = write_gif(out / "lizard_growth.gif", pics, fps=6)
    try:
        target = lizard_target(cfg.height, cfg.width).astype(np.uint8)
    except BadInput:
        return gif, None
    return gif, int((final[..., 0] != target_around_seed(target, size)).sum())

def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Run the logic demonstration into ``out/logic/`` (about 5–15 s)."""
    t0 = time.monotonic()
    folder = Path(out) / "logic"
    folder.mkdir(parents=True, exist_ok=True)
    life = zoo_circuit("life")
    st = stats(life)
    check = compare_with_life(life, kernel="interp")
    gif, diffs = _life_side_by_side(folder)
    media = [Media(str(gif.relative_to(out)),
                   "learned Life circuit (left) next to true Life (right), 128×128, 120 steps")]
    heal = _checkerboard_healing(folder)
    if heal is not None:
        media.append(Media(str(heal[0].relative_to(out)),
                           "learned checkerboard rule (trained on 16×16) on 64×64: grows from"
                           " noise, the centre is erased half-way, it regrows"))
    lizard = _lizard_growth(folder)
    if lizard is not None:
        media.append(Media(str(lizard[0].relative_to(out)),
                           "learned lizard rule (trained on a 20×20 torus) grows the lizard from"
                           " one cell in 12 steps, here on 64×64"))
    numbers = {
        "Life circuit: active gates": st["active"],
        "Life circuit: active after pruning": st["active_after_pruning"],
        "verify-life differing cells (128², 300 steps)": check["differing_cells"],
        "side-by-side differing cells (120 steps)": diffs,
    }
    if heal is not None:
        numbers["checkerboard: wrong cells after healing (64², 240 steps)"] = heal[1]
    if lizard is not None and lizard[1] is not None:
        numbers["lizard: wrong cells after growing (64², 12 steps)"] = lizard[1]
    summary = (
        "A circuit of two-input logic gates, learned by gradient descent from the 512 possible"
        " 3×3 neighbourhoods, runs Conway's Game of Life exactly on a grid it never saw."
        " Circuits run bit-packed: 64 cells per machine word, one bitwise operation per gate."
        " Trained through 12 unrolled steps, such a circuit also grows a lizard from one cell."
    )
    if not quiet:
        print("logic: " + "; ".join(f"{k} = {v}" for k, v in numbers.items()))
    return Section("logic: the Game of Life learned as a logic circuit", summary, numbers, media,
                   round(time.monotonic() - t0, 2))
