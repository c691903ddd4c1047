"""The mesh part of the tour: a zoo texture, trained only on a sphere, grown on three meshes it
never saw, as turntables, each with the command that makes it on its own."""

from __future__ import annotations

import time
from pathlib import Path

from selforg.core import media
from selforg.core.report import Media, Section

MESHES = ("torus", "peanut", "capsule")
STEPS, SIZE, FRAMES = 200, 128, 36
# the zoo texture shown: polka dots, which read as themselves on any mesh
SHOWN = "dots"


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Grow the first zoo texture on ``MESHES`` into ``out/mesh/``."""
    del quiet
    from selforg.mesh.grow import grow_on, still, turntable
    from selforg.mesh.store import load_model, zoo_index
    from selforg.mesh.verbs import mesh_for

    t0 = time.monotonic()
    folder = Path(out) / "mesh"
    folder.mkdir(parents=True, exist_ok=True)
    index = zoo_index()
    if not index:
        return Section(title="mesh: no zoo textures installed", seconds=0.0,
                       command="selforg tour --only mesh")
    name = SHOWN if SHOWN in index else next(iter(index))
    loaded = load_model(f"zoo:{name}")
    cfg = loaded.config
    shots: list[Media] = []
    numbers: dict[str, float | int | str] = {}
    stills = []
    for spec in MESHES:
        mesh = mesh_for(loaded, spec)
        state = grow_on(loaded.params, mesh, STEPS, seed=0)
        frames = turntable(loaded.params, mesh, state, frames=FRAMES, size=SIZE, start=STEPS)
        media.write_mp4(folder / f"{spec}.mp4", frames, fps=12)
        stills.append(still(mesh, state, size=SIZE, n=1)[0])
        numbers[f"{spec} vertices"] = mesh.n_vertices
        shots.append(Media(
            f"mesh/{spec}.mp4",
            f"zoo:{name} ({cfg.exemplar}, trained on {cfg.mesh} only) grown on a {spec} of"
            f" {mesh.n_vertices:,} vertices, {STEPS} steps from the seed, turning while it"
            " keeps running",
            f"selforg mesh run zoo:{name} --mesh {spec} --steps {STEPS} --size {SIZE}"
            f" --frames {FRAMES} --mp4 {spec}.mp4 --glb {spec}.glb"))
    from selforg.nca.images import load_exemplar

    ex = media.resize(load_exemplar(cfg.exemplar, cfg.exemplar_size), SIZE)
    media.save_png(folder / "meshes.png", media.image_grid([ex, *stills], cols=4))
    shots.append(Media("mesh/meshes.png", f"the exemplar '{cfg.exemplar}', then the texture"
                       f" on the {', '.join(MESHES)}"))
    return Section(
        title=f"mesh: a texture learned on a sphere grows on a {', a '.join(MESHES)}",
        summary=("Mesh neural cellular automata: every vertex of a mesh runs the same small"
                 " network (12,432 parameters) on its neighbours' differences; trained from"
                 " 2D renders of a sphere against an exemplar image, the rule paints the"
                 " texture on any mesh, without UV maps. `selforg mesh zoo` lists the shipped"
                 " rules with the commands that trained them."),
        numbers=numbers,
        media=shots,
        seconds=time.monotonic() - t0,
        command="selforg tour --only mesh",
    )


__all__ = ["tour_part"]
