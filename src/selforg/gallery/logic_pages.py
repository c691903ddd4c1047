"""Gallery pages of the logic CA zoo (Miotti et al., "Differentiable Logic Cellular Automata",
2025): each circuit compiled to GLSL step passes on integer textures
(`selforg.logic.export_glsl`), one bitwise operation per gate on 32 cells at a time, bit for
bit the packed engine. The Life circuit runs beside true Life (the hand-built circuit of
`selforg.logic.reference`, compiled the same way), the cells where they differ in red.
"""

from __future__ import annotations

import html
from typing import Any

from selforg.gallery.page import Page, cell_controls

#: Per experiment: grid (W, H), start, zoom, steps per frame, fire rate (async) — the
#: settings each circuit was trained for, on a grid large enough to watch.
SETTINGS: dict[str, dict[str, Any]] = {
    "life": {"size": [128, 128], "start": "random", "zoom": 4, "speed": 1},
    "checkerboard": {"size": [64, 64], "start": "random", "zoom": 6, "speed": 1},
    "lizard": {"size": [64, 64], "start": "seed", "zoom": 6, "speed": 1},
    "colors": {"size": [16, 16], "start": "zeros", "zoom": 24, "speed": 1},
}


def page_for(name: str, entry: Any) -> Page:
    """The page of the zoo circuit `name` (its `selforg.logic.zoo.ZooEntry`)."""
    from selforg.logic import export_glsl as eg
    from selforg.logic.circuit import stats
    from selforg.logic.zoo import zoo_circuit

    circuit = zoo_circuit(name)
    cfg = circuit.config
    experiment = entry.experiment
    setting = dict(SETTINGS[experiment])
    fire = cfg.fire_rate if cfg is not None and cfg.asynchronous else 0.0
    sh = eg.shaders(circuit)
    st = stats(circuit)
    shaders = {f"step{i}": s for i, s in enumerate(sh.steps)}
    shaders.update(brush=sh.brush, display=sh.display)
    extra = ""
    if experiment == "life":
        from selforg.logic.reference import life_circuit

        shaders["truelife"] = eg.shaders(life_circuit()).steps[0]
        extra = ('<label><input id="compare" type="checkbox" checked> true Life beside it'
                 " (left the learned circuit, right true Life; cells where they differ in"
                 " red)</label>")
    if fire:
        extra += (f'<label><input id="async" type="checkbox" checked> asynchronous (each cell'
                  f" fires with probability {fire})</label>")
    facts = {
        "circuit": f"{circuit.channels} channel(s), {circuit.kernels} perception kernels,"
                   f" {circuit.boundary} boundary",
        "gates": f"{st['gates']} in all, {st['active_paper']} active as the paper counts them,"
                 f" {st['active_after_pruning']} after pruning",
        "operations per step": f"{st['ops_per_cell']} bitwise operations per 32 cells,"
                               f" in {len(sh.steps)} pass(es) of at most"
                               f" {4 * eg.LAYERS_PER_PASS} channels",
        "trained by": entry.command,
        "start": {"random": "random bits (hashed from the seed)",
                  "seed": "one seed cell in the centre, all bits 1",
                  "zeros": "all zeros"}[setting["start"]],
    }
    if cfg is not None:
        facts["training"] = (f"{cfg.steps} step(s) per rollout on {cfg.height}×{cfg.width}"
                             " grids")
    facts["export"] = f"selforg logic export-c zoo:{name} {name}.c"
    data = {"channels": circuit.channels, "size": setting["size"], "start": setting["start"],
            "passes": len(sh.steps), "layers": eg.layers(circuit.channels),
            "periodic": circuit.boundary == "periodic",
            "palette": 1 if experiment == "colors" else 0,
            "fire": eg.fire_threshold(fire) if fire else 0, "fireRate": fire,
            "compare": experiment == "life", "zoom": setting["zoom"], "seed": 1}
    return Page(
        slug=f"logic-{name}", kind="logic", title=f"logic CA: {name}",
        summary=html.escape(entry.description) + ". Drag on the grid to erase or randomise"
        " cells.",
        facts=facts, data=data, shaders=shaders,
        controls=cell_controls(speed=setting["speed"], extra=extra),
        group="logic-gate cellular automata",
    )


def zoo_pages() -> list[Page]:
    """One page per circuit of the logic zoo."""
    from selforg.logic.zoo import zoo

    return [page_for(e.name, e) for e in zoo().entries if e.experiment in SETTINGS]
