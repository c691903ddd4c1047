"""The logic part of the tour: the zoo's learned Game of Life circuit next to true Life, the
learned checkerboard healing after damage, and the learned lizard growing from one cell (Miotti
et al., "Differentiable Logic Cellular Automata", 2025).

Learning Life from scratch takes about a minute on two cores, more than this part's budget, so
the circuits shipped in the zoo (each made by the ``selforg logic train`` command that
``selforg logic zoo`` lists) are run instead. The checkerboard and lizard videos are `run` calls,
so the command under each reproduces it exactly.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from selforg.core.report import Media, Section
from selforg.logic.circuit import stats
from selforg.logic.config import RunConfig
from selforg.logic.life import life_step
from selforg.logic.packed import PackedEngine, pack, unpack
from selforg.logic.simulate import run
from selforg.logic.verify import compare_with_life
from selforg.logic.zoo import names, zoo_circuit

LIFE_STEPS, LIFE_SIZE = 120, 128
HEAL = RunConfig("zoo:checkerboard", size=64, steps=240, damage_at=120, seed=2)
GROW = RunConfig("zoo:lizard", size=64, steps=12)


def _video(out: Path, stem: str, frames: list[np.ndarray], fps: float) -> Path:
    """The frames as MP4 (and GIF, which every browser shows); the MP4 unless ffmpeg fails."""
    from selforg.core.media import write_gif, write_mp4

    gif = write_gif(out / f"{stem}.gif", frames, fps=fps)
    try:
        return write_mp4(out / f"{stem}.mp4", frames, fps=fps)
    except Exception:  # no usable ffmpeg: the GIF shows the same frames
        return gif


def _life_side_by_side(out: Path) -> tuple[Path, int]:
    """Learned circuit | true Life (differences in red). Returns (video, differing cells)."""
    from selforg.core.media import upscale

    engine = PackedEngine(zoo_circuit("life"), kernel="numpy")
    # the board `selforg logic run zoo:life --size 128 --density 0.35 --seed 1` starts from
    board = (np.random.default_rng(1).random((LIFE_SIZE, LIFE_SIZE, 1)) < 0.35)[..., 0]
    board = board.astype(np.uint8)
    a = pack(board[..., None])
    b = np.empty_like(a)
    truth = board
    frames, total = [], 0
    for t in range(LIFE_STEPS + 1):
        learned = unpack(a)[..., 0]
        diff = learned != truth
        total += int(diff.sum())
        if t % 2 == 0:
            left = np.repeat((1 - learned)[..., None] * 255, 3, -1)
            right = np.repeat((1 - truth)[..., None] * 255, 3, -1)
            right[diff] = (230, 30, 30)
            gap = np.full((LIFE_SIZE, 4, 3), 128)
            frames.append(upscale(np.concatenate([left, gap, right], 1).astype(np.uint8), 2))
        engine.step_packed(a, b)
        a, b = b, a
        truth = life_step(truth)
    return _video(out, "life_vs_true", frames, 15), total


def _command(cfg: RunConfig, video: str) -> str:
    parts = [f"selforg logic run {cfg.circuit} --size {cfg.size} --steps {cfg.steps}"]
    if cfg.damage_at is not None:
        parts.append(f"--damage-at {cfg.damage_at}")
    if cfg.seed:
        parts.append(f"--seed {cfg.seed}")
    return " ".join(parts) + f" --mp4 {video}"


def _checkerboard_healing(out: Path) -> tuple[Path, int, str] | None:
    """The checkerboard circuit (trained on 16×16) on 64×64: grows from random bits, its centre
    is erased half-way, it regrows. Returns (video, wrong cells of channel 0 at the end,
    command), or None without the zoo circuit."""
    if "checkerboard" not in names():
        return None
    from selforg.logic.tasks import checkerboard

    res = run(dataclasses.replace(HEAL, mp4=str(out / "checkerboard_healing.mp4"),
                                  gif=str(out / "checkerboard_healing.gif")))
    wrong = int((res.final[..., 0] != checkerboard(HEAL.size, HEAL.size)).sum())
    return res.mp4 or res.gif, wrong, _command(HEAL, "checkerboard_healing.mp4")


def _lizard_growth(out: Path) -> tuple[Path, int | None, str] | None:
    """The lizard circuit (trained on a 20×20 torus) grows from one seed cell on 64×64 in its
    12 training steps. Returns (video, wrong cells against the target placed around the seed,
    or None when the target cannot be drawn, command), or None without the zoo circuit."""
    if "lizard" not in names():
        return None
    from selforg.core.errors import BadInput
    from selforg.logic.config import preset
    from selforg.logic.learn import target_around_seed
    from selforg.logic.tasks import lizard_target

    res = run(dataclasses.replace(GROW, mp4=str(out / "lizard_growth.mp4"),
                                  gif=str(out / "lizard_growth.gif")))
    video, command = res.mp4 or res.gif, _command(GROW, "lizard_growth.mp4")
    cfg = preset("lizard")
    try:
        target = lizard_target(cfg.height, cfg.width).astype(np.uint8)
    except BadInput:
        return video, None, command
    return video, int((res.final[..., 0] != target_around_seed(target, GROW.size)).sum()), command


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Run the logic demonstration into ``out/logic/`` (about 5–15 s)."""
    t0 = time.monotonic()
    folder = Path(out) / "logic"
    folder.mkdir(parents=True, exist_ok=True)
    life = zoo_circuit("life")
    st = stats(life)
    check = compare_with_life(life)
    video, diffs = _life_side_by_side(folder)
    media = [Media(str(video.relative_to(out)),
                   f"the zoo's learned Life circuit (left) next to true Life (right, differences"
                   f" would be red): {LIFE_SIZE}×{LIFE_SIZE}, {LIFE_STEPS} steps",
                   command=f"selforg logic verify-life zoo:life; selforg logic run zoo:life"
                   f" --size {LIFE_SIZE} --steps {LIFE_STEPS} --density 0.35 --seed 1"
                   " --mp4 life.mp4")]
    numbers: dict[str, float | int | str] = {
        "Life circuit: gates active as the paper counts them (paper: 336)": st["active_paper"],
        "Life circuit: gates after pruning (paper: 223)": st["active_after_pruning"],
        "verify-life differing cells (128², 300 steps)": check["differing_cells"],
        "side-by-side differing cells (120 steps)": diffs,
    }
    heal = _checkerboard_healing(folder)
    if heal is not None:
        media.append(Media(str(heal[0].relative_to(out)),
                           "the zoo's checkerboard rule (trained on 16×16) on 64×64: grows from"
                           " random bits, the centre is erased at step 120, it regrows",
                           command=heal[2]))
        numbers["checkerboard: wrong cells after healing (64², 240 steps)"] = heal[1]
    lizard = _lizard_growth(folder)
    if lizard is not None:
        media.append(Media(str(lizard[0].relative_to(out)),
                           "the zoo's lizard rule (trained on a 20×20 torus) grows the lizard"
                           " from one seed cell in 12 steps, here on 64×64",
                           command=lizard[2]))
        if lizard[1] is not None:
            numbers["lizard: wrong cells after growing (64², 12 steps)"] = lizard[1]
    summary = (
        "Circuits of two-input logic gates, learned by gradient descent: one from the 512"
        " possible 3×3 neighbourhoods runs Conway's Game of Life exactly on a grid it never saw;"
        " others grow a checkerboard that heals after damage, and a lizard from one cell."
        " Circuits run bit-packed: 64 cells per machine word, one bitwise operation per gate."
        " `selforg logic zoo` lists the circuits and the training command of each."
    )
    if not quiet:
        print("logic: " + "; ".join(f"{k} = {v}" for k, v in numbers.items()))
    return Section("logic: learned gate circuits run Life exactly, heal a checkerboard, grow a"
                   " lizard", summary, numbers, media, round(time.monotonic() - t0, 2),
                   command="selforg tour --only logic")
