"""One point of a sweep: its command line, its check, its run, its key numbers.

A point is the ordinary CLI command ``selforg SYSTEM VERB ... --NAME VALUE ... --out FOLDER``:
it goes through the same argument parsing and config dataclass as a single run, so its run
folder is the one that command would write. Nothing here imports Ray; `run_point` is what a
Ray task calls.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from pathlib import Path
from typing import Any

from selforg.core.errors import BadInput
from selforg.sweep.grid import Grid

OWNED = ("--out", "--resume", "--quiet")  # the sweep sets these on every point


def leaf_parser(target: list[str]) -> tuple[argparse.ArgumentParser, int]:
    """The parser of the verb that `target` (``[SYSTEM, VERB, ...]``) names, and how many
    words name it (``soup run``: 2; ``nca texture train``: 3).

    Raises:
        BadInput: no such system or verb.
    """
    from selforg.cli import SYSTEMS, build_parser

    if not target or target[0] not in SYSTEMS:
        raise BadInput(f"sweep: name a system first, one of {', '.join(SYSTEMS)}"
                       " (or `selforg sweep plot DIR`)")
    parser: argparse.ArgumentParser = build_parser(target[:1])
    depth = 0
    while True:
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)),
                   None)
        if sub is None:
            return parser, depth
        word = target[depth] if depth < len(target) else None
        if word not in sub.choices:
            said = " ".join(target[:depth])
            raise BadInput(f"sweep {said}: name one of {', '.join(sub.choices)}")
        parser = sub.choices[word]
        depth += 1


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {s: a for a in parser._actions for s in a.option_strings}


def check_target(target: list[str], grids: list[Grid]) -> None:
    """Refuse a verb the sweep cannot run, a grid naming no option of it, and options the sweep
    sets itself.

    Raises:
        BadInput: one line naming the problem.
    """
    parser, depth = leaf_parser(target)
    verb = " ".join(target[:depth])
    opts = _options(parser)
    if "--out" not in opts:
        raise BadInput(f"sweep {verb}: this verb writes no run folder (it has no --out), so it"
                       " cannot be a sweep point")
    for word in target[depth:]:
        if word.split("=")[0] in OWNED:
            raise BadInput(f"sweep {verb}: leave {word.split('=')[0]} out; the sweep gives every"
                           " point its own folder under --out DIR (and --resume DIR resumes)")
    for g in grids:
        action = opts.get(g.option)
        if action is None:
            names = sorted(s[2:] for s in opts if s.startswith("--") and s not in OWNED
                           and s != "--help")
            raise BadInput(f"--grid {g.name}: {verb} has no option {g.option}; its options:"
                           f" {', '.join(names)}")
        if action.nargs == 0:
            bad = [v for v in g.values if v.lower() not in _FLAG]
            if bad:
                raise BadInput(f"--grid {g.name}: {g.option} is a switch; give true/false,"
                               f" not {bad[0]!r}")
        if g.option in target[depth:]:
            raise BadInput(f"--grid {g.name}: {g.option} is also given as an option; give it"
                           " in one place")


_FLAG = {"true": True, "1": True, "yes": True, "on": True,
         "false": False, "0": False, "no": False, "off": False}


def point_argv(target: list[str], point: dict[str, str], folder: Path, *,
               resume: bool) -> list[str]:
    """The command line of one point: the verb, its options, the grid values, its folder."""
    parser, _ = leaf_parser(target)
    opts = _options(parser)
    argv = list(target)
    for name, value in point.items():
        action = opts["--" + name]
        if action.nargs == 0:
            if _FLAG[value.lower()]:
                argv.append("--" + name)
        else:
            argv += ["--" + name, value]
    argv += ["--resume" if resume else "--out", str(folder)]
    if "--quiet" in opts:
        argv.append("--quiet")
    return argv


def parse_point(argv: list[str]) -> argparse.Namespace:
    """Parse a point's command line as ``selforg`` would, without running it.

    Raises:
        BadInput: the parser's own one-line message.
    """
    from selforg.cli import build_parser

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return build_parser(argv).parse_args(argv)
    except SystemExit:
        line = err.getvalue().strip().splitlines()
        raise BadInput(line[-1] if line else f"cannot parse {' '.join(argv)}") from None


def key_numbers(run_dir: Path) -> dict[str, Any]:
    """The run's key numbers: the scalars of ``results.json`` (one level of nesting flattened
    as ``a.b``), else of the last ``metrics.jsonl`` record."""
    res = run_dir / "results.json"
    data: dict[str, Any] = {}
    try:
        if res.is_file():
            data = json.loads(res.read_text())
        elif (run_dir / "metrics.jsonl").is_file():
            lines = (run_dir / "metrics.jsonl").read_text().splitlines()
            data = json.loads(lines[-1]) if lines else {}
    except (OSError, ValueError):
        return {}
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update({f"{k}.{k2}": v2 for k2, v2 in v.items() if _scalar(v2)})
        elif _scalar(v):
            out[k] = v
    return out


def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= 80)


def run_point(argv: list[str], log_file: str) -> dict[str, Any]:
    """Run one point's command in this process (what a Ray task does).

    Its output goes to `log_file` (appended). Returns ``{"status": "done" | "failed" |
    "interrupted", "error": str, "wall_s": float, "code": int, "results": {...}}``.
    """
    from selforg.cli import main

    t0 = time.monotonic()
    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "a", encoding="utf-8") as log:
        log.write(f"$ selforg {' '.join(argv)}\n")
        log.flush()
        buf = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(_Tee(buf, log)):
            try:
                code = main(argv)
            except KeyboardInterrupt:
                code = 130
    wall = time.monotonic() - t0
    folder = Path(argv[argv.index("--resume" if "--resume" in argv else "--out") + 1])
    status = {0: "done", 130: "interrupted"}.get(code, "failed")
    lines = [ln for ln in buf.getvalue().strip().splitlines() if ln.strip()]
    error = "" if code == 0 else (lines[-1] if lines else f"exit code {code}")
    if code == 1 and len(lines) > 1 and "internal error" in error:
        error = lines[-2].strip()  # the exception line of the traceback above
    return {"status": status, "error": error[:300], "wall_s": round(wall, 3), "code": code,
            "results": key_numbers(folder) if code == 0 else {}}


class _Tee(io.TextIOBase):
    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, s: str) -> int:
        for st in self.streams:
            st.write(s)
        return len(s)

    def flush(self) -> None:
        for st in self.streams:
            st.flush()
