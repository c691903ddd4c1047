"""``selforg gallery``: build the gallery folder, and serve it over HTTP.

The folder: ``index.html`` (a card per page, grouped by kind), one page per model (see
`selforg.gallery.page` for a page's files), ``assets/`` (the shared script, one script per
kind, the style sheet), ``config.json`` (the `GalleryConfig`). Everything is relative, so the
folder works opened from disk (``file://``), served, or copied elsewhere.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from selforg.core.errors import BadInput
from selforg.core.runs import open_run
from selforg.gallery.config import GalleryConfig
from selforg.gallery.page import Page, write

ASSETS = ("common.js", "nca.js", "logic.js", "mesh.js", "soup.js", "style.css")


@dataclass(frozen=True)
class GalleryResult:
    """What `build` wrote.

    Attributes:
        run_dir: the gallery folder.
        index: its ``index.html``.
        pages: the page files, one per model, in index order.
        seconds: build time.
    """

    run_dir: Path
    index: Path
    pages: tuple[Path, ...]
    seconds: float


def _assets(out: Path) -> None:
    src = resources.files("selforg.gallery") / "assets"
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        (out / "assets" / name).write_bytes((src / name).read_bytes())


_INDEX = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>selforg gallery</title>
<link rel="stylesheet" href="assets/style.css"></head><body>
<h1>selforg gallery</h1>
<p class="summary">The trained models of the selforg zoo, running live in this browser (WebGL2,
nothing downloaded): μNCA textures run the very shader <code>selforg nca export --glsl</code>
writes; logic-gate automata run their circuits one bitwise operation per gate on integer
textures, bit for bit the packed CPU engine; learned reaction-diffusion rules grow their
patterns from random blobs; Mesh NCA rules paint a turning mesh.
Built by <code>{command}</code>.</p>
{groups}
</body></html>
"""


def _index(out: Path, pages: list[Page], command: str) -> Path:
    groups: dict[str, list[Page]] = {}
    for p in pages:
        groups.setdefault(p.group or p.kind, []).append(p)
    parts = []
    for group, items in groups.items():
        cards = "\n".join(
            f'<li><a href="{html.escape(p.slug)}.html">{html.escape(p.title)}</a>'
            f'<span>{html.escape(next(iter(p.facts.values()), ""))}</span></li>'
            for p in items)
        parts.append(f"<h2>{html.escape(group)}</h2>\n<ul class=\"cards\">\n{cards}\n</ul>")
    path = out / "index.html"
    path.write_text(_INDEX.format(command=html.escape(command), groups="\n".join(parts)),
                    encoding="utf-8")
    return path


def _command(cfg: GalleryConfig) -> str:
    words = ["selforg gallery"]
    words += [f"--model {m}" for m in cfg.models]
    words += [f"--soup {s}" for s in cfg.soups]
    if not cfg.zoo:
        words.append("--no-zoo")
    if not cfg.demo_soup:
        words.append("--no-demo-soup")
    return " ".join(words)


def build(cfg: GalleryConfig | None = None, *, out: str | Path | None = None,
          quiet: bool = True, root: str | Path = "runs") -> GalleryResult:
    """Write the gallery folder.

    Args:
        cfg: which models (`GalleryConfig`); default every zoo model and a demo soup.
        out: the folder (new or empty; default ``<root>/gallery-build/<time>-gallery/``).
        quiet: no progress lines.

    Raises:
        BadInput: `out` is a file or a non-empty folder; a model or soup that cannot be shown.

    Example:
        >>> build(GalleryConfig(soups=("runs/soup-run/x",)), out="gallery").index
        ... # doctest: +SKIP
    """
    from selforg.gallery import logic_pages, mesh_pages, nca_pages, rd_pages, soup_pages

    cfg = cfg or GalleryConfig()
    t0 = time.monotonic()
    if out is not None and Path(out).exists() and (not Path(out).is_dir()
                                                   or any(Path(out).iterdir())):
        raise BadInput(f"--out {out} is a file or a non-empty folder; give a new folder")
    say = (lambda *_: None) if quiet else (lambda msg: print(f"gallery: {msg}", flush=True))
    pages: list[Page] = []
    if cfg.zoo:
        say("μNCA textures of the nca zoo")
        pages += nca_pages.zoo_pages(size=cfg.nca_size)
    for i, spec in enumerate(cfg.models):
        name = Path(spec).name if not spec.startswith("zoo:") else spec[4:]
        pages.append(nca_pages.page_for(spec, slug=f"model-{i + 1}-{_slug(name)}",
                                        size=cfg.nca_size))
    if cfg.zoo:
        say("logic CA circuits of the logic zoo")
        pages += logic_pages.zoo_pages()
        say("reaction-diffusion rules of the rd zoo")
        pages += rd_pages.zoo_pages()
        say("Mesh NCA rules of the mesh zoo")
        pages += mesh_pages.zoo_pages()
    rec = open_run("gallery", "build", cfg, out=out, name="gallery", root=root)
    run_dir = rec.path
    soups = list(cfg.soups)
    if not soups and cfg.demo_soup:
        say("recording the demo soup")
        soups = [str(soup_pages.record_demo(run_dir / "soup-demo-run", quiet=True))]
    for i, s in enumerate(soups):
        if cfg.soups:
            pages.append(soup_pages.page_for(s, slug=f"soup-{i + 1}-{_slug(Path(s).name)}"))
        else:
            pages.append(soup_pages.page_for(s, slug="soup-demo", label="soup-demo-run/ in this"
                                             " folder (a `selforg soup run` folder)"))
    _assets(run_dir)
    written = []
    for p in pages:
        write(p, run_dir)
        written.append(run_dir / f"{p.slug}.html")
    index = _index(run_dir, pages, _command(cfg))
    say(f"{len(pages)} pages in {run_dir}")
    return GalleryResult(run_dir, index, tuple(written), time.monotonic() - t0)


def _slug(text: str) -> str:
    out = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text.lower()).strip("-")
    return out or "model"


def serve(folder: str | Path, port: int = 8000, *, quiet: bool = False) -> None:
    """Serve `folder` at ``http://127.0.0.1:PORT/`` until interrupted (Ctrl-C).

    Raises:
        BadInput: not a gallery folder, or the port is taken.
    """
    import functools
    import http.server

    folder = Path(folder)
    if not (folder / "index.html").is_file():
        raise BadInput(f"{folder} holds no index.html (build the gallery first)")
    handler = functools.partial(_QuietHandler if quiet else
                                http.server.SimpleHTTPRequestHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        raise BadInput(f"--serve {port}: cannot listen there ({e.strerror})") from None
    print(f"serving {folder.resolve()} at http://127.0.0.1:{server.server_port}/"
          " (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # the way to stop a server: not an error
        print("stopped", flush=True)
    finally:
        server.server_close()


def _quiet_handler():
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

    return Handler


class _QuietHandler:  # resolved lazily so `http.server` is imported only to serve
    def __new__(cls, *args, **kwargs):
        return _quiet_handler()(*args, **kwargs)
