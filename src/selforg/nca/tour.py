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
    from selforg.nca.simulate import simulate
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
        # damage once the shape has grown (step 100); it regrows within ~25 steps
        state, frames = simulate(liz.model, size=(side, side), steps=200, every=2, damage_at=100)
        k = max(1, 256 // side)
        media.write_gif(folder / "lizard_regrow.gif", [media.upscale(f, k) for f in frames])
        pick = [frames[0], frames[10], frames[50], frames[51], frames[64], frames[-1]]
        strip = media.image_grid([media.upscale(f, k // 2 or 1) for f in pick], cols=len(pick))
        media.save_png(folder / "lizard_strip.png", strip)
        numbers["lizard MSE after regrowth (step 200)"] = float(
            per_sample_mse(jnp.asarray(state), jnp.asarray(target))[0])
        shots += [Media("nca/lizard_regrow.gif", "lizard grows from one cell; a disc is erased at"
                        " step 100 and regrows"),
                  Media("nca/lizard_strip.png", "steps 0, 20, 100, damage, 126, 200")]
    textures = [n for n, e in index.items() if e["kind"] == "texture"]
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
