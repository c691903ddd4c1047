"""Computational Life: self-replicators emerging in a primordial soup of programs.

Agüera y Arcas, Alakuijala, Evans, Laurie, Mordvintsev, Niklasson, Randazzo, Versari,
"Computational Life: How Well-formed, Self-replicating Programs Emerge from Simple Interaction"
(arXiv 2406.19108). Byte-for-byte the same soups as the authors' reference simulator (cubff).

One function per command: `run` (``selforg soup run``) and `show` (``selforg soup show``),
each taking its config and returning a frozen result (`SoupResult`, `ShowResult`).

Example:
    >>> from selforg import soup
    >>> res = soup.run(soup.SoupConfig(programs=512, epochs=32, log_every=8), out="tiny-soup")
    >>> res.epochs_done, round(res.higher_entropy, 3)
    >>> print(soup.show(soup.ShowConfig(run_dir=res.run_dir, top=3)).text)

The names are loaded on first use, so that ``selforg soup --help`` does not start the
compiler (Numba) behind the simulation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selforg.core.lazy import lazy_exports

if TYPE_CHECKING:
    from selforg.soup.config import SoupConfig, mutation_threshold, validate
    from selforg.soup.engine import Engine, simulate
    from selforg.soup.languages import LANGUAGES, parse_program, program_text
    from selforg.soup.metrics import (
        entropy_metrics,
        replication_scores,
        top_families,
        top_programs,
    )
    from selforg.soup.simulation import SoupResult, run
    from selforg.soup.summary import ShowConfig, ShowResult, show

_WHERE = {
    "SoupConfig": "config",
    "mutation_threshold": "config",
    "validate": "config",
    "LANGUAGES": "languages",
    "parse_program": "languages",
    "program_text": "languages",
    "entropy_metrics": "metrics",
    "replication_scores": "metrics",
    "top_families": "metrics",
    "top_programs": "metrics",
    "ShowConfig": "summary",
    "ShowResult": "summary",
    "show": "summary",
    "Engine": "engine",
    "simulate": "engine",
    "SoupResult": "simulation",
    "run": "simulation",
}

__all__ = [
    "LANGUAGES",
    "Engine",
    "ShowConfig",
    "ShowResult",
    "SoupConfig",
    "SoupResult",
    "entropy_metrics",
    "mutation_threshold",
    "parse_program",
    "program_text",
    "replication_scores",
    "run",
    "show",
    "simulate",
    "top_families",
    "top_programs",
    "validate",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
