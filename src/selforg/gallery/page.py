"""One gallery page: what a model kind hands the builder, and how it is written.

A kind (`selforg.gallery.kinds`) turns a model into a `Page`: a title, the model's facts, the
JSON the page's script reads, and its shaders. The builder writes, for a page ``SLUG``:

- ``SLUG.html``: the canvas, the controls, the facts table;
- ``SLUG.data.js``: ``window.SELFORG_PAGE = {...}`` (a script, so the page works from
  ``file://``, where a page may not fetch files): the data and the shader sources;
- ``SLUG.ROLE.frag`` / ``SLUG.vert``: every shader the page compiles, each as its own file and
  byte for byte the text in ``SLUG.data.js``, so tools (``glslangValidator``) check what runs;
- the page's other files (``Page.files``), e.g. a soup's pictures.

The page's script is ``assets/KIND.js`` beside the shared ``assets/common.js``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "selforg-gallery/1"

#: The vertex shader of every page: one triangle covering the viewport, no attributes.
VERTEX_SHADER = """\
#version 300 es
// full-screen triangle (selforg gallery)
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
"""


@dataclass(frozen=True)
class Page:
    """A page of the gallery.

    Attributes:
        slug: the file stem (``nca-brick``).
        kind: the script that runs it (``assets/<kind>.js``): ``nca``, ``logic``, ``soup``.
        title, summary: shown at the top (summary is HTML).
        facts: label -> value (plain text), the table under the canvas.
        data: JSON for the script.
        shaders: role -> fragment shader source (``SLUG.ROLE.frag``); pages with shaders also
            get `VERTEX_SHADER` as ``SLUG.vert``.
        vertex_shaders: role -> other vertex shaders (``SLUG.ROLE.vert``), e.g. one that draws
            a mesh.
        controls: HTML of the page's controls (`cell_controls` for cellular automata).
        files: extra files, path relative to the gallery folder -> bytes.
        group: the heading it is listed under in the index.
    """

    slug: str
    kind: str
    title: str
    summary: str
    facts: dict[str, str]
    data: dict[str, Any]
    shaders: dict[str, str] = field(default_factory=dict)
    vertex_shaders: dict[str, str] = field(default_factory=dict)
    controls: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    group: str = ""


def cell_controls(*, speed: int, extra: str = "") -> str:
    """The controls of a cellular-automaton page: play/pause, step counter, speed, reset with a
    new seed, the brush, zoom and tiling, then `extra`."""
    return f"""\
<button id="play">pause</button> <button id="stepOnce">step</button>
<span class="counter">step <b id="count">0</b></span>
<label>speed <input id="speed" type="range" min="1" max="64" value="{speed}">
<span id="speedValue">{speed}</span> steps/frame</label>
<button id="reset">reset with a new seed</button> <span>seed <b id="seed">0</b></span>
<br>
<label>brush <select id="brush"><option value="0">erase</option>
<option value="1">randomise</option></select></label>
<label>radius <input id="radius" type="range" min="1" max="48" value="8"></label>
<label>zoom <select id="zoom"><option>1</option><option selected>2</option><option>3</option>
<option>4</option><option>8</option><option>16</option></select></label>
<label><input id="tile" type="checkbox"> tile 2×2</label>
{extra}"""


_PAGE = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} · selforg gallery</title>
<link rel="stylesheet" href="assets/style.css">
</head><body data-slug="{slug}" data-kind="{kind}">
<nav><a href="index.html">← selforg gallery</a></nav>
<h1>{title}</h1>
<p class="summary">{summary}</p>
<div id="message" class="message" hidden></div>
<div class="stage"><canvas id="canvas" width="1" height="1"></canvas></div>
<div class="controls">
{controls}
</div>
<table class="facts">
{facts}
</table>
{files}
<script src="assets/common.js"></script>
<script src="{slug}.data.js" onerror="window.SELFORG_MISSING = true"></script>
<script src="assets/{kind}.js"></script>
<script>selforgGallery.start();</script>
</body></html>
"""


def shader_files(page: Page) -> dict[str, str]:
    """File name -> source of every shader of `page`."""
    if not page.shaders:
        return {}
    out = {f"{page.slug}.vert": VERTEX_SHADER}
    out.update({f"{page.slug}.{role}.frag": src for role, src in page.shaders.items()})
    out.update({f"{page.slug}.{role}.vert": src for role, src in page.vertex_shaders.items()})
    return out


def render(page: Page) -> str:
    """The page's HTML."""
    rows = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                     for k, v in page.facts.items())
    files = ""
    if page.shaders:
        links = " ".join(f'<a href="{html.escape(n)}">{html.escape(n)}</a>'
                         for n in shader_files(page))
        files = f'<p class="files">the shaders this page compiles: {links}</p>'
    return _PAGE.format(title=html.escape(page.title), slug=html.escape(page.slug),
                        kind=page.kind, summary=page.summary, controls=page.controls,
                        facts=rows, files=files)


def data_script(page: Page) -> str:
    """``SLUG.data.js``: the page's data and shader sources."""
    payload = {"format": FORMAT, "slug": page.slug, "kind": page.kind, "title": page.title,
               "data": page.data, "vertex": VERTEX_SHADER if page.shaders else None,
               "shaders": page.shaders, "vertexShaders": page.vertex_shaders}
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    # `</script>` cannot occur in JSON of our data, but keep the file safe to inline anyway
    return "window.SELFORG_PAGE = " + text.replace("</", "<\\/") + ";\n"


def write(page: Page, out: Path) -> list[Path]:
    """Write `page`'s files into the gallery folder `out`; returns them."""
    written = []

    def put(rel: str, data: bytes) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    put(f"{page.slug}.html", render(page).encode())
    put(f"{page.slug}.data.js", data_script(page).encode())
    for name, src in shader_files(page).items():
        put(name, src.encode())
    for rel, data in page.files.items():
        put(rel, data)
    return written
