"""The tour page: each system contributes a `Section`; `write_index` renders them as HTML.

Sections round-trip through JSON (`section_to_dict`, `section_from_dict`), so the tour keeps
each part's section in its folder and rebuilds the page from all of them when only one part
is run again.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTRO = (
    "selforg is a toolkit of self-organising systems, learned and emergent: a primordial soup"
    " of programs where self-replicators appear, neural cellular automata that grow and heal"
    " shapes or paint textures (on grids and on 3D meshes), learned reaction-diffusion,"
    " logic-gate circuits that learn the Game of Life, chemical reaction networks, learned"
    " learning rules, and transformers that learn in context by gradient descent. This page is"
    " its tour"
    " (<code>selforg tour</code>, or <code>make run</code>): a short real run of each system,"
    " made on this machine just now. Under each heading is the command that makes that"
    " section again on its own; the numbers and pictures below it are what this run gave."
)


@dataclass(frozen=True)
class Media:
    """A picture or video inside the tour folder.

    Attributes:
        path: relative to the tour folder (``.png``/``.gif`` as images, ``.mp4``/``.webm``
            as videos).
        caption: what it shows.
        command: a command that makes this picture on its own, when it is not the section's
            (shown under the caption); "" for none.
    """

    path: str
    caption: str = ""
    command: str = ""


@dataclass(frozen=True)
class Section:
    """One system's part of the tour.

    Attributes:
        title: heading that says what is shown, e.g. "soup: a seeded replicator takes over".
        summary: a sentence or two of plain text.
        numbers: key figures shown as a table (name -> value).
        media: images (png/gif) and videos (mp4) to show, paths relative to the tour folder.
        seconds: wall time the part took.
        command: the command that reproduces this section (shown as a copyable line under the
            title), e.g. ``selforg tour --only soup``; "" for none.
        links: label -> address relative to the tour folder (pages to open, e.g. the gallery).
    """

    title: str
    summary: str = ""
    numbers: dict[str, float | int | str] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)
    seconds: float = 0.0
    command: str = ""
    links: dict[str, str] = field(default_factory=dict)


def section_to_dict(s: Section) -> dict[str, Any]:
    """A `Section` as JSON-able values."""
    return dataclasses.asdict(s)


def section_from_dict(data: dict[str, Any]) -> Section:
    """The `Section` that `section_to_dict` gave (unknown keys are ignored)."""
    names = {f.name for f in dataclasses.fields(Section)}
    kept = {k: v for k, v in data.items() if k in names}
    media = [Media(**{k: v for k, v in m.items() if k in ("path", "caption", "command")})
             for m in kept.pop("media", [])]
    return Section(**kept, media=media)


def _fmt(v: float | int | str) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _command(cmd: str) -> str:
    return (f'<div class="cmd"><code>{html.escape(cmd)}</code>'
            '<button type="button" title="copy the command">copy</button></div>')


def render_section(s: Section) -> str:
    """The HTML of one section: title, command, summary, numbers, media, time."""
    parts = [f"<section><h2>{html.escape(s.title)}</h2>"]
    if s.command:
        parts.append(_command(s.command))
    if s.summary:
        parts.append(f"<p>{html.escape(s.summary)}</p>")
    if s.links:
        parts.append('<p class="links">' + " · ".join(
            f'<a href="{html.escape(href)}">{html.escape(label)}</a>'
            for label, href in s.links.items()) + "</p>")
    if s.numbers:
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>"
            for k, v in s.numbers.items()
        )
        parts.append(f"<table>{rows}</table>")
    figs = []
    for m in s.media:
        src = html.escape(m.path)
        if m.path.endswith((".mp4", ".webm")):
            tag = f'<video src="{src}" controls loop muted autoplay playsinline></video>'
        else:
            tag = f'<img src="{src}" alt="{html.escape(m.caption)}">'
        cmd = _command(m.command) if m.command else ""
        figs.append(
            f"<figure>{tag}<figcaption>{html.escape(m.caption)}</figcaption>{cmd}</figure>"
        )
    if figs:
        parts.append('<div class="media">' + "".join(figs) + "</div>")
    if s.seconds:
        parts.append(f'<p class="time">{s.seconds:.1f} s</p>')
    parts.append("</section>")
    return "\n".join(parts)


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .8em;border:1px solid #ddd;
text-align:left}th{background:#f5f5f5}.media{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0}img,video{max-width:512px;image-rendering:pixelated;border:1px solid #ddd}
figcaption{font-size:.85em;color:#555;max-width:512px}.time{color:#888;font-size:.8em}
.cmd{display:flex;gap:.5em;align-items:center;margin:.4em 0;max-width:100%}
.cmd code{background:#f3f3f3;border:1px solid #ddd;padding:.3em .6em;white-space:pre-wrap;
font-size:.9em;user-select:all}.cmd button{font-size:.75em;cursor:pointer}
figure .cmd{max-width:512px}
"""

_SCRIPT = """
document.querySelectorAll('.cmd button').forEach(function (b) {
  b.addEventListener('click', function () {
    var text = b.previousElementSibling.textContent;
    if (navigator.clipboard) { navigator.clipboard.writeText(text); }
    b.textContent = 'copied';
    setTimeout(function () { b.textContent = 'copy'; }, 1200);
  });
});
"""


def write_index(
    out: Path, sections: list[Section], *, title: str = "selforg tour", intro: str = INTRO
) -> Path:
    """Write ``out/index.html`` showing `sections` after the `intro` paragraph (HTML).

    Returns its path.
    """
    body = "\n".join(render_section(s) for s in sections)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n"
        f'<p class="intro">{intro}</p>\n{body}\n<script>{_SCRIPT}</script>\n</body></html>\n'
    )
    path = Path(out) / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
