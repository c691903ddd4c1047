"""Sweep grids: ``NAME=VALUES`` on the command line → the points of a sweep.

VALUES is a comma-separated list of items; an item ``A:B`` (or ``A:B:STEP``) with integer ends
is the range A, A+STEP, …, < B, as in Python; anything else is one value, kept as the text the
verb's own option parser will read (``1/4096``, ``zoo:brick``, ``64x64``). Several grids make
the Cartesian product, the first grid varying slowest.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from selforg.core.errors import BadInput

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_INT = re.compile(r"^[+-]?\d+$")
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class Grid:
    """One swept option.

    Attributes:
        name: the option without dashes (``seed``, ``mutation-rate``); ``_`` reads as ``-``.
        values: its values, as command-line text, in order, without repeats.
    """

    name: str
    values: tuple[str, ...]

    @property
    def option(self) -> str:
        """The verb's option, e.g. ``--mutation-rate``."""
        return "--" + self.name


def _expand(item: str, text: str) -> list[str]:
    parts = item.split(":")
    if len(parts) in (2, 3) and all(_INT.match(p) for p in parts):
        start, stop = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 1
        if step == 0:
            raise BadInput(f"--grid {text}: the range {item} has step 0")
        values = range(start, stop, step)
        if not values:
            raise BadInput(f"--grid {text}: the range {item} is empty (write START:STOP with"
                           " STOP > START, STOP excluded)")
        if len(values) > MAX_POINTS:
            raise BadInput(f"--grid {text}: the range {item} has over {MAX_POINTS} values")
        return [str(v) for v in values]
    return [item]


def parse_grid(text: str) -> Grid:
    """``NAME=VALUES`` → `Grid`.

    Raises:
        BadInput: no ``=``, a bad name, an empty item or range, a repeated value.

    Example:
        >>> parse_grid("seed=0:3").values
        ('0', '1', '2')
        >>> parse_grid("mutation_rate=1/4096,0")
        Grid(name='mutation-rate', values=('1/4096', '0'))
    """
    name, sep, values = text.partition("=")
    name = name.strip().lstrip("-").replace("_", "-")
    if not sep or not _NAME.match(name):
        raise BadInput(f"--grid {text!r}: write NAME=VALUES, e.g. seed=0:32, lr=1e-3,3e-3"
                       " or mutation-rate=1/4096,0")
    out: list[str] = []
    for item in values.split(","):
        item = item.strip()
        if not item:
            raise BadInput(f"--grid {text!r}: an empty value (values are separated by commas)")
        out.extend(_expand(item, text))
    repeated = sorted({v for v in out if out.count(v) > 1})
    if repeated:
        raise BadInput(f"--grid {text!r}: {', '.join(repeated)} repeated; each value once")
    return Grid(name, tuple(out))


def points(grids: list[Grid]) -> list[dict[str, str]]:
    """The Cartesian product of `grids` as ``[{name: value, ...}, ...]`` (first grid slowest).

    Raises:
        BadInput: the same name twice, or more than a million points.
    """
    names = [g.name for g in grids]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise BadInput(f"--grid {twice[0]} given twice; put all its values in one --grid")
    total = 1
    for g in grids:
        total *= len(g.values)
    if total > MAX_POINTS:
        raise BadInput(f"the grids make {total} points; at most {MAX_POINTS}")
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(g.values for g in grids))]


_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")


def point_name(point: dict[str, str]) -> str:
    """The run folder name of a point, e.g. ``seed=3,mutation-rate=1_4096``."""
    return ",".join(f"{k}={_UNSAFE.sub('_', v)}" for k, v in point.items()) or "point"
