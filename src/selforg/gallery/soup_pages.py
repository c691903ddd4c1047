"""Gallery page of a recorded soup run (Agüera y Arcas et al., "Computational Life", 2024):
scrub through the logged epochs, point at a program to read it, and follow the higher-order
entropy curve with the cursor on the epoch shown.

It reads a run folder of `selforg soup run`: ``metrics.jsonl`` (the curves), ``images/*.png``
(the soup at each logged epoch) and ``images/*.bin`` (the programs each picture shows; runs
recorded before these existed show their pictures without program texts).
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any

from selforg.core.errors import BadInput
from selforg.gallery.page import Page

#: At most this many epochs go into a page (evenly spaced; the last one always).
MAX_FRAMES = 60
#: The demo soup `selforg gallery` records when given none: the README's hand-written BFF
#: self-replicator seeded into a small soup, where it takes over within 100 epochs.
REPLICATOR = "[[{.>]-]" + "A" * 48 + "]-]>.{[["


def record_demo(out: Path, *, quiet: bool = True) -> Path:
    """Record the demo soup run into `out` (a new folder); returns it."""
    from selforg import soup

    cfg = soup.SoupConfig(programs=512, epochs=97, log_every=4, seed_program=REPLICATOR,
                          seed_copies=4)
    return soup.run(cfg, out=out, quiet=quiet, selfrep_sample=32).run_dir


def _records(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise BadInput(f"{run_dir} has no metrics.jsonl (give a `selforg soup run` folder)"
                       ) from None
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError:
        raise BadInput(f"{path} is not one JSON object per line") from None


def page_for(run_dir: str | Path, *, slug: str, label: str | None = None) -> Page:
    """The page of the soup run in `run_dir` (`label`: how the page names it, default its
    path).

    Raises:
        BadInput: not a soup run folder, or one without pictures (``--no-images``).
    """
    from selforg.soup.languages import BFF_FAMILY, program_text

    run_dir = Path(run_dir)
    try:
        conf = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BadInput(f"{run_dir} is not a run folder (no readable config.json)") from None
    if conf.get("system") != "soup":
        raise BadInput(f"{run_dir} is a {conf.get('system')!r} run, not a soup run")
    cfg = conf["config"]
    records = _records(run_dir)
    images = sorted((run_dir / "images").glob("epoch*.png"))
    if not images:
        raise BadInput(f"{run_dir} holds no soup pictures (it was run with --no-images)")
    if len(images) > MAX_FRAMES:
        keep = sorted({round(i * (len(images) - 1) / (MAX_FRAMES - 1)) for i in
                       range(MAX_FRAMES)})
        images = [images[i] for i in keep]
    grid = (cfg["grid_width"], cfg["grid_height"]) if cfg.get("grid_width") else None
    n = cfg["programs"] if grid else min(cfg["programs"], 4096)
    cols = 1 if grid else max(1, math.ceil(math.sqrt(n / 68)))
    frames, files, have_programs = [], {}, True
    for img in images:
        epoch = int(img.stem[len("epoch"):])
        rel_png = f"{slug}/{img.name}"
        files[rel_png] = img.read_bytes()
        frame = {"epoch": epoch, "image": rel_png, "programs": None}
        raw = img.with_suffix(".bin")
        if raw.is_file():
            data = raw.read_bytes()
            rel_js = f"{slug}/{img.stem}.js"
            files[rel_js] = (f"selforgSoupFrame({epoch}, \""
                             f"{base64.b64encode(data).decode()}\");\n").encode()
            frame["programs"] = rel_js
        else:
            have_programs = False
        frames.append(frame)
    lang = cfg["lang"]
    table = [program_text(bytes([b]), lang) for b in range(256)] if lang in BFF_FAMILY else None
    curves = {k: [r.get(k) for r in records] for k in ("higher_entropy", "brotli_bpb",
                                                      "ops_per_interaction")}
    last = records[-1] if records else {}
    facts = {
        "run": label or str(run_dir),
        "language": lang,
        "programs": f"{cfg['programs']} of 64 bytes" + (f" on a {grid[0]}×{grid[1]} grid"
                                                       if grid else ""),
        "epochs": f"{last.get('epoch', '?')} recorded, a picture every"
                  f" {cfg['log_every']}",
        "seed": str(cfg["seed"]),
        "higher-order entropy at the end": f"{last.get('higher_entropy', float('nan')):.3f}",
        "command": f"selforg soup run --lang {lang} --programs {cfg['programs']}"
                   f" --epochs {cfg['epochs']} --log-every {cfg['log_every']}"
                   f" --seed {cfg['seed']}"
                   + (f" --seed-program '{cfg['seed_program']}' --seed-copies"
                      f" {cfg['seed_copies']}" if cfg.get("seed_program") else ""),
    }
    if not have_programs:
        facts["note"] = ("this run was recorded before soups kept their programs beside the"
                         " pictures: pointing at a program shows its place only")
    controls = """\
<button id="play">play</button>
<label>epoch <input id="scrub" type="range" min="0" max="0" value="0"></label>
<span class="counter">epoch <b id="count">0</b></span>
<div id="program" class="program">point at a program (a row of the picture) to read it</div>
<canvas id="curve" width="720" height="200"></canvas>"""
    return Page(
        slug=slug, kind="soup", title=f"soup: {run_dir.name}",
        summary=html.escape(f"A primordial soup of {lang} programs: each row of the picture is"
                            " one program, coloured by byte. Scrub through the epochs; the"
                            " curve below is the higher-order entropy, which jumps when"
                            " self-replicators take over."),
        facts=facts,
        data={"frames": frames, "records": [r.get("epoch") for r in records],
              "curves": curves, "layout": {"n": n, "cols": cols, "perCol": math.ceil(n / cols),
                                           "gap": 4, "grid": list(grid) if grid else None},
              "table": table},
        controls=controls, files=files, group="soups",
    )
