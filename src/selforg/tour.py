"""``selforg tour``: a short, real demonstration of every system, gathered into one web page.

Each system contributes ``selforg.<system>.tour.tour_part(out, quiet=...) -> Section``; the
tour runs them in turn, writes ``runs/tour/index.html`` and prints its path.
"""

from __future__ import annotations

import argparse
import importlib
import time
import traceback
from pathlib import Path

from selforg.core.errors import BadInput
from selforg.core.media import image_grid, load_image, save_png
from selforg.core.report import Media, Section, write_index

TOUR_SYSTEMS = ("soup", "logic", "icl", "nca")
EXEMPLARS = ("brick", "grass", "gravel", "immunohistochemistry", "lizard", "butterfly", "mushroom")


def exemplars_part(out: Path) -> Section:
    """The built-in exemplar images and emoji targets, as one picture."""
    t0 = time.monotonic()
    imgs = [load_image(n, size=96, mode="RGBA") for n in EXEMPLARS]
    rel = "data/exemplars.png"
    save_png(out / rel, image_grid(imgs, cols=len(imgs)))
    return Section(
        title="built-in exemplars",
        summary="Textures from scikit-image and emoji targets: " + ", ".join(EXEMPLARS) + ".",
        media=[Media(rel, "exemplars (96 px)")],
        seconds=time.monotonic() - t0,
    )


def available_systems() -> list[str]:
    """Systems that have a tour part installed."""
    found = []
    for name in TOUR_SYSTEMS:
        try:
            importlib.import_module(f"selforg.{name}.tour")
        except ModuleNotFoundError as e:
            if e.name and e.name.startswith(f"selforg.{name}"):
                continue
            raise
        found.append(name)
    return found


def run_tour(
    out: Path, *, systems: list[str] | None = None, quiet: bool = True
) -> tuple[Path, list[str]]:
    """Run the tour parts into `out`. Returns (index.html path, names of parts that failed)."""
    out.mkdir(parents=True, exist_ok=True)
    sections = [exemplars_part(out)]
    failed = []
    for name in systems if systems is not None else available_systems():
        t0 = time.monotonic()
        print(f"tour: {name} ...", flush=True)
        try:
            part = importlib.import_module(f"selforg.{name}.tour").tour_part
            section = part(out, quiet=quiet)
            section = Section(**{**section.__dict__, "seconds": time.monotonic() - t0})
        except Exception:  # noqa: BLE001 - one broken part must not hide the others
            failed.append(name)
            section = Section(title=f"{name}: failed", summary=traceback.format_exc(limit=3))
            traceback.print_exc()
        print(f"tour: {name} done in {time.monotonic() - t0:.1f} s", flush=True)
        sections.append(section)
    return write_index(out, sections), failed


def _tour(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    systems = None
    if args.only:
        systems = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in systems if s not in TOUR_SYSTEMS]
        if unknown:
            raise BadInput(
                f"--only {args.only!r}: unknown part(s) {unknown};"
                f" allowed: {', '.join(TOUR_SYSTEMS)}"
            )
    index, failed = run_tour(args.out, systems=systems, quiet=args.quiet)
    print(f"tour finished in {time.monotonic() - t0:.0f} s")
    print(index.resolve())
    return 1 if failed else 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tour", help="the main job: a short real demonstration of every system, as a web page"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/tour"),
        metavar="DIR",
        help="where the page goes (default runs/tour)",
    )
    p.add_argument(
        "--only",
        default=None,
        metavar="S1,S2",
        help=f"run only these parts (of {', '.join(TOUR_SYSTEMS)})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_tour)
