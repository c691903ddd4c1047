"""The NCA part of the tour: the zoo's lizard regrowing after damage, and living μNCA textures
from the zoo, each with the command that makes the same pictures on its own."""

from __future__ import annotations

import time
from pathlib import Path

from selforg.core import media
from selforg.core.report import Media, Section

# grow, persist until step 300, erase a disc, regrow and persist to step 600 (two segments of
# 50 frames: one compiled rollout serves both)
LIZARD_STEPS, LIZARD_EVERY, LIZARD_HIT = 600, 6, 300
TEXTURE_SIDE, TEXTURE_STEPS, TEXTURE_EVERY, TEXTURE_SEED = 96, 300, 10, 1


def _lizard(folder: Path, shots: list[Media], numbers: dict) -> None:
    import jax.numpy as jnp

    from selforg.nca.grow import per_sample_mse
    from selforg.nca.images import load_target
    from selforg.nca.rollout import simulate
    from selforg.nca.store import load_model

    liz = load_model("zoo:lizard")
    cfg = liz.config
    target = load_target(cfg.target, cfg.target_size, cfg.pad)
    side = target.shape[0]
    steps, every, hit = LIZARD_STEPS, LIZARD_EVERY, LIZARD_HIT
    state, frames = simulate(liz.model, size=(side, side), steps=steps, every=every,
                             damage_at=hit)
    k = max(1, 256 // side)
    big = [media.upscale(f, k) for f in frames]
    media.write_mp4(folder / "lizard_regrow.mp4", big, fps=30)
    # frame i ≤ hit/every is step i·every; then the damaged state; then hit + j·every
    at = hit // every
    pick = [frames[0], frames[10], frames[at], frames[at + 1], frames[at + 11], frames[-1]]
    strip = media.image_grid([media.upscale(f, k // 2 or 1) for f in pick], cols=len(pick))
    media.save_png(folder / "lizard_strip.png", strip)
    numbers[f"lizard MSE to its target after regrowth (step {steps})"] = round(float(
        per_sample_mse(jnp.asarray(state), jnp.asarray(target))[0]), 5)
    command = (f"selforg nca run zoo:lizard --steps {steps} --every {every} --damage-at {hit}"
               " --mp4 lizard.mp4")
    shots += [Media("nca/lizard_regrow.mp4", f"the zoo lizard (a growing NCA, 8,336 float"
                    f" parameters, {side}×{side} grid) grows from one cell and persists; a disc"
                    f" is erased after step {hit} and regrows", command),
              Media("nca/lizard_strip.png", f"steps 0, {10 * every}, {hit}, right after the"
                    f" damage, {hit + 10 * every}, {steps}", command)]


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Run zoo models into ``out/nca/``: lizard damage and regrowth, three μNCA textures."""
    from selforg.nca.model import param_count
    from selforg.nca.rollout import simulate
    from selforg.nca.store import load_model, zoo_index

    t0 = time.monotonic()
    folder = Path(out) / "nca"
    folder.mkdir(parents=True, exist_ok=True)
    index = zoo_index()
    shots: list[Media] = []
    numbers: dict[str, float | int | str] = {}
    if "lizard" in index:
        _lizard(folder, shots, numbers)
    # three byte-sized textures keep the part within its time (each variant compiles its own
    # rollout)
    textures = [n for n, e in index.items()
                if e["kind"] == "texture" and e["file"].endswith(".bin")][:3]
    finals, sizes = [], set()
    side = TEXTURE_SIDE
    for name in textures:
        m = load_model(f"zoo:{name}")
        n = param_count(m.model)
        sizes.add(n)
        _, frames = simulate(m.model, size=(side, side), steps=TEXTURE_STEPS,
                             every=TEXTURE_EVERY, seed=TEXTURE_SEED)
        k = max(1, 256 // side)
        media.write_mp4(folder / f"texture_{name}.mp4", [media.upscale(f, k) for f in frames],
                        fps=20)
        finals.append(media.upscale(frames[-1], k))
        shots.append(Media(
            f"nca/texture_{name}.mp4",
            f"zoo:{name}: μNCA {m.config.model} texture of '{m.config.exemplar}' ({n}"
            f" parameters, one byte each) on a {side}×{side} grid (trained on"
            f" {m.config.size}×{m.config.size}), {TEXTURE_STEPS} steps from noise",
            f"selforg nca run zoo:{name} --size {side} --steps {TEXTURE_STEPS} --every"
            f" {TEXTURE_EVERY} --seed {TEXTURE_SEED} --mp4 {name}.mp4"))
    if finals:
        media.save_png(folder / "textures.png", media.image_grid(finals, cols=len(finals)))
        shots.append(Media("nca/textures.png", f"{', '.join(textures)} after {TEXTURE_STEPS}"
                           " steps"))
    numbers["zoo models"] = len(index)
    shown = "–".join(str(s) for s in sorted(sizes)) if sizes else ""
    title = "nca: the zoo lizard regrows after damage"
    if textures:
        title += f"; {len(textures)} μNCA textures in {shown} bytes each"
    return Section(
        title=title,
        summary=("Neural cellular automata from the package's zoo (trained earlier on a CPU;"
                 " `selforg nca zoo` lists them with the commands that made them): a growing"
                 " NCA regrows the lizard emoji after part of it is erased; μNCA rules store a"
                 " living texture in a few hundred bytes and run on any grid size."),
        numbers=numbers,
        media=shots,
        seconds=time.monotonic() - t0,
        command="selforg tour --only nca",
    )


__all__ = ["tour_part"]
