"""Gallery pages of μNCA textures (Mordvintsev & Niklasson, arXiv 2111.13545): the shader
`selforg nca export --glsl` writes, run as written, from the hashed-noise seed the C export
and `selforg.nca.codegen.noise` start from.

Texel (x, y) of the state textures is cell [y, x]; the page draws row 0 at the top, so its
canvas shows the picture `selforg.nca.codegen.to_ppm` writes.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from selforg.core.hashing import GLSL_HASH
from selforg.gallery.page import Page, cell_controls

#: Grid size of the page at start (the user can change it).
DEFAULT_SIZE = 128


def display_shader() -> str:
    """Draws ``state0.rgb + 0.5`` (clamped), `zoom` canvas pixels per cell, row 0 at the top;
    the view repeats the torus when it is larger than the grid (tiling)."""
    return """\
#version 300 es
// μNCA display: RGB = channels 0-2 + 0.5 (selforg gallery)
precision highp float;
precision highp sampler2D;
uniform sampler2D state0;
uniform float zoom;
uniform vec2 origin, view;
out vec4 colour;
void main() {
  ivec2 size = textureSize(state0, 0);
  vec2 q = gl_FragCoord.xy - origin;
  ivec2 cell = ivec2(floor(vec2(q.x, view.y - q.y) / zoom));
  cell = (cell % size + size) % size;
  colour = vec4(clamp(texelFetch(state0, cell, 0).rgb + 0.5, 0.0, 1.0), 1.0);
}
"""


def brush_shader(channels: int) -> str:
    """Copies the state, erasing (``mode`` 0: zeros) or randomising (1: fresh noise from
    ``seed``) the cells within ``radius`` of ``centre`` (cells, on the torus)."""
    g = channels // 4
    lines = [
        "#version 300 es",
        "// μNCA brush: erase or randomise a disc of cells (selforg gallery)",
        "precision highp float;",
        "precision highp sampler2D;",
        "uniform sampler2D " + ", ".join(f"state{i}" for i in range(g)) + ";",
        "uniform int mode;",
        "uniform uint seed;",
        "uniform vec2 centre;",
        "uniform float radius;",
    ]
    lines += [f"layout(location = {i}) out vec4 out{i};" for i in range(g)]
    lines += [
        GLSL_HASH,
        "vec4 noise(uint base, uint i) {",
        "  return vec4(float(hash32(i ^ base) >> 8), float(hash32((i + 1u) ^ base) >> 8),",
        "              float(hash32((i + 2u) ^ base) >> 8), float(hash32((i + 3u) ^ base) >> 8))",
        "         * 5.9604644775390625e-08 - 0.5;",
        "}",
        "void main() {",
        "  ivec2 size = textureSize(state0, 0), c = ivec2(gl_FragCoord.xy);",
        "  vec2 d = abs(vec2(c) - centre);",
        "  d = min(d, vec2(size) - d);",
        "  bool inside = dot(d, d) <= radius * radius;",
        "  uint base = hash32(seed), i = uint((c.y * size.x + c.x) * " + str(channels) + ");",
    ]
    for o in range(g):
        lines.append(f"  vec4 s{o} = texelFetch(state{o}, c, 0);")
        lines.append(f"  out{o} = !inside ? s{o} : mode == 0 ? vec4(0.0) :"
                     f" noise(base, i + {4 * o}u);")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def page_for(spec: str, *, slug: str, entry: dict[str, Any] | None = None,
             size: int = DEFAULT_SIZE) -> Page:
    """The page of one μNCA (``zoo:NAME``, a run folder, a checkpoint or a ``.bin``; a float
    model is quantised to int8 as `selforg nca export` does).

    Args:
        entry: its zoo index entry (facts: command, evaluation), when it is a zoo model.

    Raises:
        BadInput: not loadable, or not a μNCA.
    """
    from selforg.core.errors import BadInput
    from selforg.nca import codegen
    from selforg.nca import int8 as qz
    from selforg.nca.model import MICRO_FILTERS, MicroNCA
    from selforg.nca.store import load_model

    loaded = load_model(spec)
    if not isinstance(loaded.model, MicroNCA):
        raise BadInput(f"{spec} is not a μNCA texture (the gallery runs micro-68..micro-588)")
    q = loaded.quantized or qz.quantize(loaded.model)
    channels = len(MICRO_FILTERS[q.variant])
    if channels % 4:
        raise BadInput(f"{spec}: {q.variant} has {channels} channels; the shader needs a"
                       " multiple of 4")
    cfg = loaded.config
    name = spec[4:] if spec.startswith("zoo:") else Path(spec).name
    facts = {
        "model": f"{q.variant}: {q.nbytes} parameters, {q.nbytes} bytes (int8,"
                 f" one scale per tensor)",
        "source": loaded.source,
        "exemplar": f"{cfg.exemplar} at {cfg.exemplar_size} px, trained on {cfg.size}² grids",
        "channels": f"{channels}: filters {', '.join(MICRO_FILTERS[q.variant])}",
        "export": f"selforg nca export {spec} --glsl {slug}.step.frag",
    }
    if loaded.quantized is None:
        facts["quantised here"] = "float weights → int8 (selforg nca quantize does the same)"
    if entry is not None:
        facts["trained by"] = entry.get("command", "")
        if entry.get("then"):
            facts["then"] = entry["then"]
        if entry.get("train_seconds"):
            facts["training time"] = f"{entry['train_seconds']} s"
        if entry.get("eval"):
            facts["evaluation"] = ", ".join(f"{k} {_fmt(v)}" for k, v in entry["eval"].items())
            facts["evaluated by"] = entry.get("eval_command", "")
        if entry.get("note"):
            facts["note"] = entry["note"]
    else:
        facts["trained by"] = f"the run in {spec}"
    summary = (f"{html.escape(entry['description'] if entry else name)}. The page runs the"
               " exported shader as written on float textures, from the same hashed-noise seed"
               " as the C program; drag on the picture to erase or randomise cells and watch"
               " the texture grow back.")
    return Page(
        slug=slug, kind="nca", title=f"μNCA texture: {name}", summary=summary, facts=facts,
        data={"channels": channels, "size": [size, size], "seed": 1, "variant": q.variant,
              "bytes": q.nbytes},
        shaders={"step": codegen.glsl_shader(q), "seed": codegen.glsl_seed_shader(channels),
                 "brush": brush_shader(channels), "display": display_shader()},
        controls=cell_controls(speed=2, extra='<label>grid <select id="gridSize">'
                               + "".join(f"<option{' selected' if s == size else ''}>{s}"
                                         "</option>" for s in (64, 128, 256, 512))
                               + "</select></label>"),
        group="μNCA textures",
    )


def zoo_pages(*, size: int = DEFAULT_SIZE) -> list[Page]:
    """One page per μNCA texture of the nca zoo."""
    from selforg.nca.store import zoo_index

    pages = []
    for name, entry in zoo_index().items():
        if entry.get("kind") != "texture":
            continue
        pages.append(page_for(f"zoo:{name}", slug=f"nca-{name}", entry=entry, size=size))
    return pages
