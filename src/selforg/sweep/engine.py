"""Running a sweep on Ray: every point an ordinary run folder, executed as a Ray task.

Without an address a local Ray instance starts on this machine; with one (``auto`` or
``HOST:PORT``) the sweep joins that Ray cluster, whose nodes must have selforg installed and see
the sweep folder (a shared filesystem). Ray schedules the tasks; the driver keeps at most
``workers`` of them in flight, writes ``results.csv`` as each finishes and draws the progress.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selforg.core.errors import BadInput, Interrupted
from selforg.core.runs import atomic_write_bytes
from selforg.sweep.grid import Grid, point_name, points
from selforg.sweep.points import check_target, parse_point, point_argv, run_point

SPEC = "sweep.json"
RESULTS = "results.csv"
FIXED = ("point", "status", "wall_s", "error")
CANCEL_GRACE_S = 30.0  # a cancelled point gets this long to checkpoint before it is killed


@dataclass(frozen=True)
class SweepConfig:
    """A sweep.

    Attributes:
        target: the verb and its options shared by every point, as on the command line
            (``("soup", "run", "--programs", "4096")``).
        grids: the swept options; their Cartesian product is the points.
        out: the sweep folder (one run folder per point, ``results.csv``, ``sweep.json``).
        address: a Ray cluster to join (``auto`` or ``HOST:PORT``); None starts a local one.
        workers: points run at once (default: the CPUs Ray has, over `cpus_per_task`).
        cpus_per_task: CPUs each point asks Ray for (also its Numba thread count).
        resume: continue the sweep in `out`: finished points are skipped, interrupted ones
            continue from their checkpoints, failed and pending ones run again. `grids` may
            give the swept options new values (``seed=0:64`` after ``seed=0:16``): points
            already run keep their folders and rows.
    """

    target: tuple[str, ...]
    grids: tuple[Grid, ...]
    out: Path
    address: str | None = None
    workers: int | None = None
    cpus_per_task: int = 1
    resume: bool = False


@dataclass(frozen=True)
class SweepResult:
    """What a sweep call left.

    Attributes:
        out: the sweep folder.
        rows: one dict per point, as in ``results.csv``.
        seconds: wall time of the call.
        counts: points per status (``done``, ``failed``, ``interrupted``, ``pending``).
    """

    out: Path
    rows: list[dict[str, Any]]
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def _spec(cfg: SweepConfig) -> dict[str, Any]:
    return {"target": list(cfg.target),
            "grids": [{"name": g.name, "values": list(g.values)} for g in cfg.grids]}


def load_spec(out: Path) -> tuple[tuple[str, ...], tuple[Grid, ...]]:
    """The verb and grids a sweep folder was made with.

    Raises:
        BadInput: not a sweep folder.
    """
    try:
        spec = json.loads((Path(out) / SPEC).read_text())
    except (OSError, ValueError):
        raise BadInput(f"{out} is not a sweep folder (no readable {SPEC})") from None
    return (tuple(spec["target"]),
            tuple(Grid(g["name"], tuple(g["values"])) for g in spec["grids"]))


def _prepare_folder(cfg: SweepConfig) -> SweepConfig:
    out = Path(cfg.out).resolve()
    if cfg.resume:
        target, grids = load_spec(out)
        if cfg.target and tuple(cfg.target) != target:
            raise BadInput(f"--resume {cfg.out}: the sweep was made with `selforg sweep"
                           f" {' '.join(target)} {_grid_text(grids)}`; give that command or"
                           " none (--resume DIR alone)")
        if cfg.grids and [g.name for g in cfg.grids] != [g.name for g in grids]:
            raise BadInput(f"--resume {cfg.out}: the sweep's grids are"
                           f" {', '.join(g.name for g in grids)}; a resumed sweep may change"
                           " their values (more seeds), not which options are swept")
        if cfg.grids:  # new values: the points change (sweep.json is rewritten once checked)
            grids = tuple(cfg.grids)
        return SweepConfig(target, grids, out, cfg.address, cfg.workers, cfg.cpus_per_task,
                           True)
    if not cfg.target:
        raise BadInput("sweep: name the verb to sweep, e.g. `selforg sweep soup run"
                       " --grid seed=0:8 --out DIR`")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"--out {cfg.out} is not an empty folder; choose a new one or continue"
                       f" that sweep with --resume {cfg.out}")
    return SweepConfig(cfg.target, cfg.grids, out, cfg.address, cfg.workers, cfg.cpus_per_task)


def _grid_text(grids: tuple[Grid, ...]) -> str:
    return " ".join(f"--grid {g.name}={','.join(g.values)}" for g in grids)


def read_results(out: Path) -> list[dict[str, str]]:
    """The rows of ``results.csv`` (empty when there is none yet)."""
    path = Path(out) / RESULTS
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_results(out: Path, names: list[str], rows: list[dict[str, Any]]) -> None:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys and k not in FIXED and k not in names]
    header = ["point", *names, "status", "wall_s", "error", *keys]
    lines = [",".join(_cell(h) for h in header)]
    lines += [",".join(_cell(r.get(h, "")) for h in header) for r in rows]
    atomic_write_bytes(out / RESULTS, ("\n".join(lines) + "\n").encode())


def _cell(v: Any) -> str:
    text = "" if v is None else str(v)
    if any(c in text for c in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


class _Plan:
    """Points, their folders and rows; what is left to run."""

    def __init__(self, cfg: SweepConfig) -> None:
        self.cfg = cfg
        self.names = [g.name for g in cfg.grids]
        pts = points(list(cfg.grids))
        check_target(list(cfg.target), list(cfg.grids))
        self.folders = [point_name(p) for p in pts]
        if len(set(self.folders)) != len(self.folders):
            raise BadInput("two grid values make the same folder name; give distinct values")
        for p, name in zip(pts, self.folders, strict=True):  # every command parses, up front
            parse_point(point_argv(list(cfg.target), p, cfg.out / name, resume=False))
        old = {r["point"]: r for r in read_results(cfg.out)}
        self.rows = []
        for p, name in zip(pts, self.folders, strict=True):
            row = dict(old.get(name) or {"status": "pending"}, point=name, **p)
            if row["status"] == "done" and not (cfg.out / name).is_dir():
                row = {"point": name, **p, "status": "pending"}
            self.rows.append(row)
        self.points = pts

    def todo(self) -> list[int]:
        return [i for i, r in enumerate(self.rows) if r["status"] != "done"]

    def argv(self, i: int) -> list[str]:
        folder = self.cfg.out / self.folders[i]
        resume = (folder / "checkpoints" / "latest.npz").is_file()
        if folder.exists() and not resume:
            shutil.rmtree(folder)  # started but never checkpointed: start it again
        return point_argv(list(self.cfg.target), self.points[i], folder, resume=resume)

    def write(self) -> None:
        _write_results(self.cfg.out, self.names, self.rows)


def _start_ray(cfg: SweepConfig) -> tuple[Any, bool]:
    import logging

    try:
        import ray
    except ImportError:
        raise BadInput("selforg sweep runs on Ray, which is not installed: pip install"
                       " 'selforg[sweep]' (or make, which installs it)") from None

    if ray.is_initialized():
        return ray, False
    # workers start in their own folders: make the driver's import path absolute for them
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths)
    kw: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False,
                              logging_level=logging.WARNING, configure_logging=True)
    try:
        if cfg.address is None:
            kw["logging_level"] = logging.ERROR
            # Ray lowers its workers' priority by 15 by default; a point should run at the
            # priority of the command that started the sweep, as a single run does
            os.environ.setdefault("RAY_worker_niceness", "0")
            cpus = (cfg.workers or max(1, (os.cpu_count() or 1) // cfg.cpus_per_task))
            ray.init(num_cpus=cpus * cfg.cpus_per_task, object_store_memory=200 * 2**20, **kw)
        else:
            ray.init(address=cfg.address, **kw)
    except (ConnectionError, RuntimeError, ValueError) as e:
        what = ("cannot start a local Ray instance" if cfg.address is None
                else f"--address {cfg.address}: cannot join that Ray cluster")
        raise BadInput(f"{what} ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
                       ) from None
    return ray, True


def sweep(cfg: SweepConfig, *, quiet: bool = True) -> SweepResult:
    """Run (or resume) a sweep: every point a run folder under ``cfg.out``, each a Ray task.

    ``results.csv`` gets one row per point (grid values, status, wall time, error, the run's
    key numbers) and is rewritten as each point finishes. A failing point is recorded with its
    error; the others go on. Ctrl-C cancels the running points (each checkpoints first, as on
    Ctrl-C in a single run), keeps every finished one, and raises `Interrupted`.

    Raises:
        BadInput: a bad grid or verb, a folder that is not empty (or, resuming, not a sweep),
            a point whose command does not parse, an unreachable cluster.
        Interrupted: Ctrl-C; ``--resume`` continues.

    Example:
        >>> from selforg.sweep import SweepConfig, parse_grid, sweep  # doctest: +SKIP
        >>> sweep(SweepConfig(("soup", "run", "--programs", "512", "--epochs", "64"),
        ...                   (parse_grid("seed=0:4"),), out=Path("sw")))
    """
    t0 = time.monotonic()
    cfg = _prepare_folder(cfg)
    plan = _Plan(cfg)
    cfg.out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(cfg.out / SPEC, (json.dumps(_spec(cfg), indent=1) + "\n").encode())
    plan.write()
    todo = plan.todo()
    if todo:
        _execute(cfg, plan, todo, quiet=quiet)
    counts: dict[str, int] = {}
    for r in plan.rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return SweepResult(cfg.out, plan.rows, time.monotonic() - t0, counts)


def _execute(cfg: SweepConfig, plan: _Plan, todo: list[int], *, quiet: bool) -> None:
    from selforg.core.progress import make_progress

    ray, started = _start_ray(cfg)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        window = cfg.workers or max(1, cpus // cfg.cpus_per_task)
        env = {"NUMBA_NUM_THREADS": str(cfg.cpus_per_task),
               "OMP_NUM_THREADS": str(cfg.cpus_per_task)}
        task = ray.remote(run_point).options(num_cpus=cfg.cpus_per_task, max_retries=0,
                                             runtime_env={"env_vars": env})
        queue = list(todo)
        running: dict[Any, int] = {}
        total = len(plan.rows)
        bar = make_progress(quiet=quiet, fields="{task.fields[info]}")
        with bar:
            tid = bar.add_task("sweep", total=total, completed=total - len(todo), info="",
                               rate="")
            previous = _term_as_interrupt()
            try:
                while queue or running:
                    while queue and len(running) < window:
                        i = queue.pop(0)
                        log = cfg.out / "logs" / f"{plan.folders[i]}.log"
                        running[task.remote(plan.argv(i), str(log))] = i
                        row = plan.rows[i]
                        kept = row.get("wall_s", "") if row["status"] == "interrupted" else ""
                        row.update(status="running", error="", wall_s=kept)
                    plan.write()
                    ready, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
                    for ref in ready:
                        _finish(ray, plan, running.pop(ref), ref)
                    if ready:
                        plan.write()
                        bar.update(tid, completed=sum(r["status"] in ("done", "failed")
                                                      for r in plan.rows), info=_info(plan))
            except KeyboardInterrupt:
                _cancel(ray, plan, running)
                plan.write()
                raise Interrupted(str(cfg.out)) from None
            finally:
                _restore_term(previous)
    finally:
        if started:
            ray.shutdown()


def _term_as_interrupt() -> Any:
    """SIGTERM (a batch scheduler's stop) is treated as Ctrl-C while the sweep runs."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)


def _restore_term(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _finish(ray: Any, plan: _Plan, i: int, ref: Any) -> None:
    row = plan.rows[i]
    try:
        res = ray.get(ref)
    except Exception as e:  # noqa: BLE001 - a worker that died or was cancelled
        row.update(status="failed", error=f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
        return
    before = row.get("wall_s") if row.get("status") == "running" else None
    try:  # a point resumed after an interruption: its wall time is the sum of its parts
        wall = res["wall_s"] + (float(before) if before not in (None, "") else 0.0)
    except ValueError:
        wall = res["wall_s"]
    row.update(status=res["status"], wall_s=round(wall, 3), error=res["error"])
    row.update(res["results"])


def _cancel(ray: Any, plan: _Plan, running: dict[Any, int]) -> None:
    print("\nsweep: stopping the running points (each writes a checkpoint first)",
          file=sys.stderr)
    for ref in running:
        ray.cancel(ref)
    deadline = time.monotonic() + CANCEL_GRACE_S
    left = list(running)
    while left and time.monotonic() < deadline:
        _, left = ray.wait(left, num_returns=len(left), timeout=1.0)
    for ref in left:
        ray.cancel(ref, force=True)
    for ref, i in running.items():
        if ref not in left:
            _finish(ray, plan, i, ref)
        if plan.rows[i]["status"] != "done":
            plan.rows[i].update(status="interrupted", error="")


def _info(plan: _Plan) -> str:
    failed = sum(r["status"] == "failed" for r in plan.rows)
    return f"[red]{failed} failed[/red]" if failed else ""
