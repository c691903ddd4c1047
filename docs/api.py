"""Build the API reference (``make docs``): pdoc over the docstrings, into ``build/api/``.

The system packages load their public names on first use (so the CLI starts without JAX);
pdoc documents a package's ``__all__`` from the names already in its namespace, so every
exported name is loaded first. Run with ``python -W error`` so that any warning fails the build.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import pdoc
import pdoc.render

import selforg


def load_exports() -> None:
    """Import every selforg package and resolve each name of its ``__all__``."""
    for info in pkgutil.iter_modules(selforg.__path__, "selforg."):
        if not info.ispkg:
            continue
        package = importlib.import_module(info.name)
        for name in getattr(package, "__all__", ()):
            getattr(package, name)


def main(out: str = "build/api") -> None:
    load_exports()
    pdoc.render.configure(docformat="google")
    pdoc.pdoc("selforg", output_directory=Path(out))
    print(f"API reference: {out}/index.html")


if __name__ == "__main__":
    main(*sys.argv[1:])
