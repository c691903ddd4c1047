"""The gallery's part of `selforg tour`: the gallery built into the tour folder, linked."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from selforg.core.report import Section


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Build the gallery into ``<out>/gallery`` (an earlier tour's gallery is replaced)."""
    from selforg.gallery.build import build
    from selforg.gallery.config import GalleryConfig

    t0 = time.monotonic()
    folder = Path(out) / "gallery"
    try:
        old = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if isinstance(old, dict) and old.get("system") == "gallery":
        shutil.rmtree(folder)
    res = build(GalleryConfig(), out=folder, quiet=quiet)
    kinds = {}
    for page in res.pages:
        kind = page.name.split("-")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return Section(
        title="gallery: every zoo model running live in your browser",
        summary="Open the gallery: the μNCA textures run the shader `selforg nca export --glsl`"
        " writes, the logic circuits run one bitwise operation per gate on integer textures"
        " (bit for bit the packed engine), and a recorded soup can be scrubbed epoch by epoch."
        " Drag on a texture or a grid to damage it and watch it heal. WebGL2, nothing"
        " downloaded; it works opened from disk.",
        numbers={"μNCA texture pages": kinds.get("nca", 0),
                 "logic CA pages": kinds.get("logic", 0),
                 "reaction-diffusion pages": kinds.get("rd", 0),
                 "Mesh NCA pages": kinds.get("mesh", 0),
                 "soup pages": kinds.get("soup", 0)},
        links={"open the gallery": "gallery/index.html"},
        seconds=time.monotonic() - t0,
        command="selforg gallery --serve",
    )
