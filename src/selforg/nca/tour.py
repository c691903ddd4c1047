"""The NCA part of the tour: the zoo's lizard regrowing after damage, and living μNCA textures."""

from __future__ import annotations

import time
from pathlib import Path

import jax.numpy as jnp

from selforg.core import media
from selforg.core.report import Media, Section


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Run zoo models into ``out/nca/``: lizard damage + regrowth GIF, three texture GIFs."""
    from selforg.nca.grow import per_sample_mse
    from selforg.nca.images import load_target
    from selforg.nca.rollout import simulate
    from selforg.nca.store import load_model, zoo_index

    t0 = time.monotonic()
    folder = Path(out) / "nca"
    folder.mkdir(parents=True, exist_ok=True)
    index = zoo_index()
    shots: list[Media] = []
    numbers: dict[str, float | int | str] = {}
    if "lizard" in index:
        liz = load_model("zoo:lizard")
        cfg = liz.config
        target = load_target(cfg.target, cfg.target_size, cfg.pad)
        side = target.shape[0]
        # grow, persist until step 300, erase a disc, regrow and persist to step 600 (two
        # segments of 50 frames: one compiled rollout serves both)
        steps, every, hit = 600, 6, 300
        state, frames = simulate(liz.model, size=(side, side), steps=steps, every=every,
                                 damage_at=hit)
        k = max(1, 256 // side)
        media.write_gif(folder / "lizard_regrow.gif", [media.upscale(f, k) for f in frames])
        # frame i ≤ hit/every is step i·every; then the damaged state; then hit + j·every
        at = hit // every
        pick = [frames[0], frames[10], frames[at], frames[at + 1], frames[at + 11], frames[-1]]
        strip = media.image_grid([media.upscale(f, k // 2 or 1) for f in pick], cols=len(pick))
        media.save_png(folder / "lizard_strip.png", strip)
        numbers[f"lizard MSE after regrowth (step {steps})"] = float(
            per_sample_mse(jnp.asarray(state), jnp.asarray(target))[0])
        shots += [Media("nca/lizard_regrow.gif", f"lizard grows from one cell and persists; a"
                        f" disc is erased at step {hit} and regrows"),
                  Media("nca/lizard_strip.png", f"steps 0, {10 * every}, {hit}, damage,"
                        f" {hit + 10 * every}, {steps}")]
    # three textures keep the part within its time (each variant compiles its own rollout)
    textures = [n for n, e in index.items() if e["kind"] == "texture"][:3]
    finals = []
    for name in textures:
        m = load_model(f"zoo:{name}")
        _, frames = simulate(m.model, size=(96, 96), steps=300, every=10, seed=1)
        media.write_gif(folder / f"texture_{name}.gif", [media.upscale(f, 2) for f in frames])
        finals.append(media.upscale(frames[-1], 2))
        shots.append(Media(f"nca/texture_{name}.gif", f"μNCA {m.config.model} texture '{name}'"
                           f" ({m.model.w.size + m.model.b.size} params, one byte each), 96²"
                           f" grid (trained on {m.config.size}²)"))
    if finals:
        media.save_png(folder / "textures.png", media.image_grid(finals, cols=len(finals)))
        shots.append(Media("nca/textures.png", "the textures after 300 steps"))
    numbers["zoo models"] = len(index)
    return Section(
        title="nca: a lizard that heals, and textures in 68–588 bytes",
        summary=("Neural cellular automata trained here on a CPU: a 8,336-parameter growing NCA"
                 " regrows the lizard emoji after part of it is erased; μNCA rules store a"
                 " living texture in a few hundred bytes and run on any grid size."),
        numbers=numbers,
        media=shots,
        seconds=time.monotonic() - t0,
    )


__all__ = ["tour_part"]
