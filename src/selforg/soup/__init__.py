"""Computational Life: self-replicators emerging in a primordial soup of programs.

Agüera y Arcas, Alakuijala, Evans, Laurie, Mordvintsev, Niklasson, Randazzo, Versari,
"Computational Life: How Well-formed, Self-replicating Programs Emerge from Simple Interaction"
(arXiv 2406.19108). Byte-for-byte the same soups as the authors' reference simulator (cubff).

Example:
    >>> from selforg.soup import SoupConfig, simulate, entropy_metrics
    >>> soup = simulate(SoupConfig(programs=1024, epochs=16))
    >>> entropy_metrics(soup)["higher_entropy"]
"""

from selforg.soup.config import SoupConfig, mutation_threshold, validate
from selforg.soup.languages import LANGUAGES, parse_program, program_text
from selforg.soup.metrics import entropy_metrics, replication_scores, top_families, top_programs
from selforg.soup.simulate import Engine, SoupResult, run_soup, simulate

__all__ = [
    "LANGUAGES",
    "Engine",
    "SoupConfig",
    "SoupResult",
    "entropy_metrics",
    "mutation_threshold",
    "parse_program",
    "program_text",
    "replication_scores",
    "run_soup",
    "simulate",
    "top_families",
    "top_programs",
    "validate",
]
