"""``selforg tour``: a short, real demonstration of every system, gathered into one web page.

Each system contributes ``selforg.<system>.tour.tour_part(out, quiet=...) -> Section``; the
tour runs them in turn and writes ``<out>/index.html``. Every part's section is kept as
``<out>/sections/<part>.json``, and the page is built from all kept sections, so
``selforg tour --only soup`` runs the soup again and leaves the other sections on the page.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from selforg.core.errors import BadInput
from selforg.core.report import Media, Section, section_from_dict, section_to_dict, write_index

TOUR_SYSTEMS = ("soup", "logic", "icl", "nca", "crn", "rd", "mplp", "mesh", "gallery")
EXEMPLARS = ("brick", "grass", "gravel", "immunohistochemistry", "lizard", "butterfly", "mushroom")
DATA = "data"  # the exemplars' section, first on the page


def exemplars_part(out: Path, *, quiet: bool = True) -> Section:  # noqa: ARG001
    """The built-in exemplar images and emoji targets, as one picture."""
    from selforg.core.media import image_grid, load_image, save_png

    t0 = time.monotonic()
    imgs = [load_image(n, size=96, mode="RGBA") for n in EXEMPLARS]
    rel = "data/exemplars.png"
    save_png(out / rel, image_grid(imgs, cols=len(imgs)))
    return Section(
        title="built-in exemplars: the textures and emoji targets the systems learn from",
        summary="Textures from scikit-image and emoji targets, left to right: "
        + ", ".join(EXEMPLARS) + ".",
        media=[Media(rel, "the exemplars at 96×96", command="selforg data show lizard"
                     " --size 96 --png lizard.png")],
        seconds=time.monotonic() - t0,
        command="selforg data list",
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


def tour_part_of(name: str) -> Callable[..., Section]:
    """The function that makes part `name`'s section: ``part(out, quiet=...) -> Section``."""
    if name == DATA:
        return exemplars_part
    return importlib.import_module(f"selforg.{name}.tour").tour_part


def _section_file(out: Path, name: str) -> Path:
    return out / "sections" / f"{name}.json"


def saved_sections(out: Path) -> dict[str, Section]:
    """The sections kept in `out` by earlier tours, in page order (unreadable ones skipped)."""
    found = {}
    for name in (DATA, *TOUR_SYSTEMS):
        path = _section_file(out, name)
        if path.is_file():
            try:
                found[name] = section_from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
    return found


def _run_part(out: Path, name: str, quiet: bool) -> tuple[Section, bool]:
    t0 = time.monotonic()
    try:
        section = tour_part_of(name)(out, quiet=quiet)
        ok = True
    except Exception:  # noqa: BLE001 - one broken part must not hide the others
        traceback.print_exc()
        section = Section(title=f"{name}: failed", summary=traceback.format_exc(limit=3))
        ok = False
    changes = {"seconds": time.monotonic() - t0}
    if not section.command:
        changes["command"] = f"selforg tour --only {name}"
    return Section(**{**section.__dict__, **changes}), ok


def run_tour(
    out: Path, *, systems: list[str] | None = None, quiet: bool = True
) -> tuple[Path, list[str]]:
    """Run the tour parts into `out` and write the page from every section kept there.

    Args:
        out: the tour folder (``index.html``, ``sections/``, one folder per part).
        systems: the parts to run (default: the exemplars and every installed system).
        quiet: no progress bars.

    Returns:
        (index.html path, names of the parts that failed).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = [DATA, *available_systems()] if systems is None else list(systems)
    if DATA not in names and DATA not in saved_sections(out):
        names.insert(0, DATA)
    failed = []
    for name in names:
        t0 = time.monotonic()
        if name != DATA:
            print(f"tour: {name} ...", flush=True)
        section, ok = _run_part(out, name, quiet)
        if not ok:
            failed.append(name)
        path = _section_file(out, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(section_to_dict(section), indent=1) + "\n", encoding="utf-8")
        if name != DATA:
            print(f"tour: {name} done in {time.monotonic() - t0:.1f} s", flush=True)
    return write_index(out, list(saved_sections(out).values())), failed


def _tour(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    systems = None
    if args.only:
        systems = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in systems if s not in (DATA, *TOUR_SYSTEMS)]
        if unknown or not systems:
            raise BadInput(
                f"--only {args.only!r}: unknown part(s) {unknown};"
                f" allowed: {', '.join((*TOUR_SYSTEMS, DATA))}"
            )
    if args.out.exists() and not args.out.is_dir():
        raise BadInput(f"--out {args.out} is a file; give a folder for the tour")
    index, failed = run_tour(args.out, systems=systems, quiet=args.quiet)
    print(f"tour finished in {time.monotonic() - t0:.0f} s")
    print(index.resolve())
    return 1 if failed else 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tour", help="the main job: a short real demonstration of every system, as a web page",
        description="Run a short real demonstration of every system and gather the results"
        " into one web page (index.html in the tour folder). With --only, just those parts run"
        " again; the other sections of an earlier tour stay on the page.",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/tour"),
        metavar="DIR",
        help="the tour folder: index.html, sections/, one folder per part (default runs/tour)",
    )
    p.add_argument(
        "--only",
        default=None,
        metavar="S1,S2",
        help=f"run only these parts, comma-separated, of {', '.join((*TOUR_SYSTEMS, DATA))},"
        " keeping the other sections of an earlier tour (default: all)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars (default: shown)")
    p.set_defaults(func=_tour)
