"""The reaction-diffusion part of the tour: a Gray–Scott pattern forming, a zoo RD texture
growing from blobs, and the same trained rule under a diffusion ramp (the pattern's scale
changes across the image without retraining), each with the command that makes it alone."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from selforg.core import media
from selforg.core.report import Media, Section

GS_PRESET, GS_SIZE, GS_STEPS, GS_EVERY = "spots", 96, 4000, 50
TEX_SIDE, TEX_STEPS, TEX_EVERY = 80, 480, 8
RAMP_SIZE, RAMP_STEPS, RAMP_MAX = (64, 160), 480, 4.0
# the zoo rule shown, first found: dots change size visibly under the ramp
SHOWN = ("dots", "brick")


def _gray_scott(folder: Path, shots: list[Media], numbers: dict) -> None:
    from selforg.rd import grayscott as gs

    f, k = gs.PRESETS[GS_PRESET]
    x0 = gs.seed_state(GS_SIZE)
    final, frames = gs.simulate(x0, f, k, GS_STEPS, every=GS_EVERY)
    k_up = max(1, 256 // GS_SIZE)
    pics = [gs.picture(x0)] + [gs.picture(fr) for fr in np.asarray(frames)]
    media.write_mp4(folder / "gray_scott.mp4", [media.upscale(p, k_up) for p in pics], fps=20)
    picks = [pics[i] for i in (0, len(pics) // 8, len(pics) // 3, -1)]
    media.save_png(folder / "gray_scott_strip.png",
                   media.image_grid([media.upscale(p, 2) for p in picks], cols=len(picks)))
    numbers[f"Gray–Scott {GS_PRESET}: share of cells with v > 0.2 at step {GS_STEPS}"] = round(
        float(np.mean(np.asarray(final)[1] > 0.2)), 3)
    command = (f"selforg rd gray-scott --preset {GS_PRESET} --size {GS_SIZE} --steps {GS_STEPS}"
               f" --every {GS_EVERY} --out gray-scott")
    shots += [Media("rd/gray_scott.mp4", f"Gray–Scott, preset '{GS_PRESET}' (F = {f}, k = {k}),"
                    f" {GS_SIZE}² grid: spots split and fill the torus from a square seed",
                    command),
              Media("rd/gray_scott_strip.png", f"steps 0, {GS_STEPS // 8}, {GS_STEPS // 3},"
                    f" {GS_STEPS}", command)]


def _texture(name: str, folder: Path, shots: list[Media], numbers: dict) -> None:
    from selforg.nca.images import load_exemplar
    from selforg.rd.config import RunConfig
    from selforg.rd.play import run_map
    from selforg.rd.rollout import simulate
    from selforg.rd.store import load_model

    m = load_model(f"zoo:{name}")
    cfg = m.config
    side = TEX_SIDE
    _, frames = simulate(m.model, size=(side, side), steps=TEX_STEPS, every=TEX_EVERY)
    k = max(1, 256 // side)
    media.write_mp4(folder / f"texture_{name}.mp4", [media.upscale(f, k) for f in frames],
                    fps=20)
    ex = media.resize(load_exemplar(cfg.exemplar, cfg.exemplar_size), side)
    media.save_png(folder / f"texture_{name}.png",
                   media.image_grid([media.upscale(ex, 2), media.upscale(frames[-1], 2)], cols=2))
    command = (f"selforg rd run zoo:{name} --size {side} --steps {TEX_STEPS} --every"
               f" {TEX_EVERY} --mp4 {name}.mp4")
    shots += [
        Media(f"rd/texture_{name}.mp4", f"zoo:{name}: a learned reaction-diffusion rule (8,320"
              f" parameters) of '{cfg.exemplar}' grows from random blobs on a {side}² grid"
              f" (trained on {cfg.size}²), {TEX_STEPS} steps = 10× its training rollout",
              command),
        Media(f"rd/texture_{name}.png", f"the exemplar (left) and step {TEX_STEPS} (right)",
              command)]

    h, w = RAMP_SIZE
    rc = RunConfig(model=f"zoo:{name}", size=RAMP_SIZE, diffusion_map="ramp", map_max=RAMP_MAX)
    _, frames = simulate(m.model, size=RAMP_SIZE, steps=RAMP_STEPS, every=RAMP_STEPS,
                         dmap=run_map(rc, RAMP_SIZE))
    media.save_png(folder / f"ramp_{name}.png", media.upscale(frames[-1], 2))
    shots.append(Media(
        f"rd/ramp_{name}.png", f"the same zoo:{name} rule, not retrained, under a diffusion"
        f" ramp: D × 1 at the left to D × {RAMP_MAX:g} at the right of a {w}×{h} grid; the"
        f" pattern's scale grows about {RAMP_MAX ** 0.5:g}× across the image",
        f"selforg rd run zoo:{name} --size {w}x{h} --steps {RAMP_STEPS} --diffusion-map ramp"
        f" --map-max {RAMP_MAX:g} --png ramp.png"))
    numbers[f"zoo:{name} steps shown"] = TEX_STEPS


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Write ``out/rd/``: Gray–Scott spots forming, a zoo RD texture, the diffusion ramp."""
    del quiet
    from selforg.rd.store import zoo_index

    t0 = time.monotonic()
    folder = Path(out) / "rd"
    folder.mkdir(parents=True, exist_ok=True)
    shots: list[Media] = []
    numbers: dict[str, float | int | str] = {}
    _gray_scott(folder, shots, numbers)
    index = zoo_index()
    title = "rd: Gray–Scott spots form"
    if index:
        name = next((n for n in SHOWN if n in index), next(iter(index)))
        _texture(name, folder, shots, numbers)
        title += (f"; a learned RD texture ({name}) grows from blobs and changes scale under a"
                  " diffusion ramp")
    numbers["zoo models"] = len(index)
    return Section(
        title=title,
        summary=("Reaction-diffusion: the textbook Gray–Scott model, and rules learned by"
                 " differentiating through the PDE (Mordvintsev et al., ALIFE 2021): a per-cell"
                 " MLP reaction plus fixed per-channel diffusion. Scaling D by c scales the"
                 " pattern by √c, so a spatial map of D changes the pattern's size across the"
                 " image with no retraining."),
        numbers=numbers,
        media=shots,
        seconds=time.monotonic() - t0,
        command="selforg tour --only rd",
    )


__all__ = ["tour_part"]
