"""Gallery throughput: the pages' automata in headless Chromium next to the CPU engines, on
the same machine in the same run.

- μNCA (zoo:brick, 264 bytes; zoo:brick-588): steps/s of the page (the exported GLSL on
  SwiftShader, Chromium's CPU WebGL2) against the exported C program (``cc -O2
  -ffp-contract=off``, one thread), at 256² and 512².
- logic CA (zoo:life): cell-updates/s of the page against the packed engine (Numba,
  generated kernel, one thread), at 1024².

Chromium runs with ``--use-angle=swiftshader``: on a machine with a GPU, a browser on that GPU
is far faster; these numbers are for CPUs alone.

    python -m benchmarks.gallery [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    for arg in ("--headless=new", "--no-sandbox", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.set_script_timeout(600)
    return driver


def _page_rate(driver, folder: Path, slug: str, size: int, steps: int) -> float:
    driver.get((folder / f"{slug}.html").as_uri() + "?paused")
    # the circuit alone (the Life page also runs true Life beside it when asked)
    driver.execute_script("var b = document.getElementById('compare'); if (b) b.checked = false")
    driver.execute_script(f"selforg.pause(); selforg.reset({{seed: 1, size: [{size}, {size}]}})")
    seconds = driver.execute_script(f"return selforg.time({steps})")
    return steps / seconds


def _c_rate(source: str, tmp: Path, size: int, steps: int) -> float:
    exe = tmp / "nca"
    if not exe.exists():
        (tmp / "nca.c").write_text(source)
        subprocess.run(["cc", "-O2", "-ffp-contract=off", "-o", str(exe), str(tmp / "nca.c")],
                       check=True)

    def run(n: int) -> float:
        t0 = time.perf_counter()
        subprocess.run([str(exe), str(size), str(size), str(n), "1", str(tmp / "o.ppm")],
                       check=True)
        return time.perf_counter() - t0

    return steps / max(run(steps) - run(0), 1e-9)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    args = ap.parse_args(argv)
    missing = [n for n in ("chromium", "chromedriver", "cc") if shutil.which(n) is None]
    if missing:
        print(f"gallery benchmark skipped: {', '.join(missing)} not found (make bench installs"
              " chromium and chromium-driver when it runs as root)")
        return 0
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    from selforg.gallery import GalleryConfig, build
    from selforg.logic.packed import PackedEngine
    from selforg.logic.zoo import zoo_circuit
    from selforg.nca import codegen
    from selforg.nca.store import load_model

    tmp = Path(tempfile.mkdtemp(prefix="selforg-bench-gallery-"))
    folder = build(GalleryConfig(demo_soup=False), out=tmp / "g").run_dir
    driver = _browser()
    scale = 4 if args.quick else 1
    rows = []
    try:
        for name in ("brick", "brick-588"):
            q = load_model(f"zoo:{name}").quantized
            ctmp = tmp / name
            ctmp.mkdir()
            for size, steps in ((256, 32 // scale), (512, 8 // scale)):
                page = _page_rate(driver, folder, f"nca-{name}", size, steps)
                c = _c_rate(codegen.c_program(q), ctmp, size, steps)
                rows.append((f"μNCA {name} {size}²", "steps/s", page, c))
        size, steps = 1024, 100 // scale
        page = _page_rate(driver, folder, "logic-life", size, steps) * size * size
        eng = PackedEngine(zoo_circuit("life"), kernel="codegen")
        eng.warm()
        grid = (np.random.default_rng(0).random((size, size, 1)) < 0.5).astype(np.uint8)
        eng.run(grid, 2)
        t0 = time.perf_counter()
        eng.run(grid, steps)
        cpu = size * size * steps / (time.perf_counter() - t0)
        rows.append((f"logic life {size}²", "cell-updates/s", page, cpu))
    finally:
        driver.quit()
        shutil.rmtree(tmp, ignore_errors=True)
    print("gallery: the page in headless Chromium (SwiftShader, CPU) vs the CPU engine,"
          " same machine")
    print(f"{'automaton':<22} {'unit':<15} {'page':>12} {'CPU engine':>12} {'page/CPU':>9}")
    for label, unit, page, cpu in rows:
        print(f"{label:<22} {unit:<15} {page:>12.4g} {cpu:>12.4g} {page / cpu:>9.2f}")
    print("CPU engine: the exported C program (cc -O2, one thread) for μNCA; the packed Numba"
          " engine (one thread) for logic")
    return 0


if __name__ == "__main__":
    sys.exit(main())
