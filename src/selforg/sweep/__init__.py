"""Sweeps: any ``selforg`` run as a point of a grid, executed on Ray.

Each point is the ordinary command ``selforg SYSTEM VERB ... --NAME VALUE --out FOLDER`` run as
a Ray task (a local Ray instance, or an existing cluster), so its run folder is exactly the one
a single run writes; ``results.csv`` collects the key numbers. `plot_soup_sweep` draws the
Computational Life statistic (arXiv 2406.19108): the fraction of soups transitioned against
epochs.

Example:
    >>> from pathlib import Path
    >>> from selforg.sweep import SweepConfig, parse_grid, sweep
    >>> res = sweep(SweepConfig(("soup", "run", "--programs", "512", "--epochs", "64"),
    ...                         (parse_grid("seed=0:4"),), out=Path("seeds")))  # doctest: +SKIP
"""

from selforg.sweep.engine import SweepConfig, SweepResult, load_spec, read_results, sweep
from selforg.sweep.grid import Grid, parse_grid, point_name, points
from selforg.sweep.plot import TransitionStats, plot_soup_sweep

__all__ = ["Grid", "SweepConfig", "SweepResult", "TransitionStats", "load_spec", "parse_grid",
           "plot_soup_sweep", "point_name", "points", "read_results", "sweep"]
