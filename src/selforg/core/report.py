"""The tour page: each system contributes a `Section`; `write_index` renders them as HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Media:
    """A picture or video inside the tour folder. `path` is relative to that folder."""

    path: str
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """One system's part of the tour.

    Attributes:
        title: heading, e.g. "soup: a seeded replicator takes over".
        summary: a sentence or two of plain text.
        numbers: key figures shown as a table (name -> value).
        media: images (png/gif) and videos (mp4) to show, paths relative to the tour folder.
        seconds: wall time the part took.
    """

    title: str
    summary: str = ""
    numbers: dict[str, float | int | str] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)
    seconds: float = 0.0


def _fmt(v: float | int | str) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def render_section(s: Section) -> str:
    parts = [f"<section><h2>{html.escape(s.title)}</h2>"]
    if s.summary:
        parts.append(f"<p>{html.escape(s.summary)}</p>")
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
            tag = f'<video src="{src}" controls loop muted autoplay></video>'
        else:
            tag = f'<img src="{src}" alt="{html.escape(m.caption)}">'
        figs.append(f"<figure>{tag}<figcaption>{html.escape(m.caption)}</figcaption></figure>")
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
"""


def write_index(out: Path, sections: list[Section], *, title: str = "selforg tour") -> Path:
    """Write ``out/index.html`` showing `sections`. Returns its path."""
    body = "\n".join(render_section(s) for s in sections)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    path = Path(out) / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
