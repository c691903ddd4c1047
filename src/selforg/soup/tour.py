"""Tour part: a hand-written self-replicator seeded into a small soup takes it over.

Agüera y Arcas et al., "Computational Life" (arXiv 2406.19108): the palindromic BFF replicator
``[[{.>]-]`` + 48 no-ops + ``]-]>.{[[`` copies itself onto whatever program it meets. Four copies
in a soup of 512 random programs spread within a few dozen epochs; the higher-order entropy
(h0 − brotli bits per byte) jumps from ≈ 0 to > 3 as the soup fills with copies.
"""

from __future__ import annotations

import shlex
import shutil
import time
from pathlib import Path

from selforg.core.media import save_png, upscale, write_gif, write_mp4
from selforg.core.report import Media, Section
from selforg.soup.config import SoupConfig
from selforg.soup.render import gif_frames, soup_image
from selforg.soup.simulation import run

PALINDROME = "[[{.>]-]" + "A" * 48 + "]-]>.{[["
CONFIG = SoupConfig(programs=512, epochs=80, log_every=4, seed=0, seed_program=PALINDROME,
                    seed_copies=4, checkpoint_seconds=1e9)
RUN_COMMAND = (
    f"selforg soup run --programs {CONFIG.programs} --epochs {CONFIG.epochs}"
    f" --log-every {CONFIG.log_every} --seed-program {shlex.quote(PALINDROME)}"
    f" --seed-copies {CONFIG.seed_copies} --out soup-tour"
)


def tour_part(out: Path, *, quiet: bool = True) -> Section:
    """Seed 4 replicators into 512 random programs, run 80 epochs; write plot, picture, GIF, MP4.

    Args:
        out: the tour folder; this part writes ``out/soup/``.
        quiet: no progress bar.

    Returns:
        The soup's `Section` of the tour page.
    """
    t0 = time.monotonic()
    out = Path(out)
    folder = out / "soup"
    run_dir = folder / "run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cfg = CONFIG
    res = run(cfg, out=run_dir, quiet=quiet, selfrep_sample=0)
    recs = res.records
    shutil.copyfile(res.media["higher_entropy"], folder / "higher_entropy.png")
    # The pictures are small (one pixel per byte): enlarge them for the page.
    save_png(folder / "soup_final.png", upscale(soup_image(res.soup, cfg.lang), 3))
    frames = [upscale(f, 2) for f in gif_frames(sorted((run_dir / "images").glob("epoch*.png")))]
    write_gif(folder / "soup.gif", frames, fps=6)
    write_mp4(folder / "soup.mp4", frames, fps=6)
    first = recs[0]["higher_entropy"]
    peak = res.max_higher_entropy
    jump = res.transition_epoch
    top = recs[-1]["top_programs"][0]
    when = f"by epoch {jump}" if jump is not None else f"(no transition in {res.epochs_done})"
    return Section(
        title=f"soup: 4 hand-written self-replicators take over 512 random programs {when}",
        summary=(
            "512 random 64-byte BFF programs, 4 of them replaced by a hand-written palindromic"
            " replicator. Each epoch pairs all programs at random, joins each pair into one"
            " 128-byte tape, mutates it and runs it as code on itself. The replicator copies"
            " itself onto its partner, so copies spread; the soup becomes compressible and its"
            f" higher-order entropy jumps from {first:.2f} to {peak:.2f} bits per byte."
        ),
        numbers={
            "programs": cfg.programs,
            "epochs": res.epochs_done,
            "higher entropy, epoch 1": round(first, 3),
            "higher entropy, peak": round(peak, 3),
            "first epoch with higher entropy ≥ 3": jump if jump is not None else "none",
            "most common program (copies)": top["count"],
            "its replication score (≥ 5 = replicator)": top.get("selfrep", -1),
        },
        media=[
            Media("soup/higher_entropy.png", "higher-order entropy over epochs",
                  command="selforg soup show soup-tour --plot higher_entropy.png"),
            Media("soup/soup_final.png",
                  "the final soup, one program per row (green: brackets, magenta: copy/+/-,"
                  " lilac: head moves, red: zero, grey: no-ops)",
                  command="selforg soup show soup-tour --png soup.png"),
            Media("soup/soup.mp4", f"the soup every {cfg.log_every} epochs (video)"),
            Media("soup/soup.gif", f"the soup every {cfg.log_every} epochs (GIF)"),
        ],
        seconds=time.monotonic() - t0,
        command=RUN_COMMAND,
    )
