"""`selforg nca contact-sheet`: the zoo textures beside their exemplars, with both judges.

One row per texture model: the exemplar | the model's texture on its training grid | the same
model on a grid of twice the side (four times the area), all at one magnification per row so
that a pixel is a pixel. Under each picture: its patch distance
(`selforg.nca.losses.texture_distance`) and its structure distance
(`selforg.core.texture_judge.structure_distance`) to the exemplar, and its mean chroma; under
the exemplar, the same numbers for random crops of it the size of the training grid (the
floor, a mean over 4 crops).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from selforg.core import media
from selforg.core.errors import BadInput
from selforg.core.texture_judge import mean_chroma, structure_distance
from selforg.nca import losses
from selforg.nca.config import SheetConfig, ZooConfig
from selforg.nca.images import load_exemplar
from selforg.nca.rollout import run_steps
from selforg.nca.store import load_model, zoo

_SIDE = 256  # the exemplar's side on the sheet, in sheet pixels
_CAPTION = 44  # caption height under each picture
_PAD = 8
_CROPS = 4  # crops of the exemplar averaged for the floor


@dataclass(frozen=True)
class SheetResult:
    """What `contact_sheet` wrote and measured.

    Attributes:
        png: the sheet.
        rows: per model, ``{"model", "floor", "train", "double"}``: the last three each
            ``{"size", "patch", "structure", "chroma"}`` (the floor: the mean over 4 random
            crops of the exemplar the size of the training grid).
        run_dir: None (the sheet is the only file written).
    """

    png: Path
    rows: tuple[dict[str, Any], ...]
    run_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return {"png": str(self.png), "rows": list(self.rows)}


def _numbers(img: np.ndarray, exemplar: np.ndarray) -> dict[str, float]:
    return {"size": int(img.shape[0]),
            "patch": losses.texture_distance(img, exemplar),
            "structure": structure_distance(img, exemplar),
            "chroma": mean_chroma(img)}


def _texture(model: Any, side: int, steps: int, seed: int) -> np.ndarray:
    key = jax.random.PRNGKey(seed)
    x = model.seed((1, side, side), key)
    return np.asarray(model.rgb(run_steps(model, x, steps, jax.random.fold_in(key, 1))))[0]


def _caption(title: str, n: dict[str, float]) -> list[str]:
    return [title, f"patch {n['patch']:.2g}, structure {n['structure']:.2f},"
                   f" chroma {n['chroma']:.3f}"]


def _draw(rows: list[tuple[list[np.ndarray], list[list[str]]]]) -> np.ndarray:
    font = ImageFont.load_default(size=13)
    col = _SIDE + 6 * _PAD
    heights = [max(im.shape[0] for im in ims) + _CAPTION + 2 * _PAD for ims, _ in rows]
    sheet = Image.new("RGB", (3 * col, sum(heights)), "white")
    draw = ImageDraw.Draw(sheet)
    y = 0
    for (ims, captions), h in zip(rows, heights, strict=True):
        for i, (im, lines) in enumerate(zip(ims, captions, strict=True)):
            x = i * col + _PAD
            sheet.paste(Image.fromarray(media.to_uint8(im)), (x, y + _PAD))
            for j, line in enumerate(lines):
                draw.text((x, y + _PAD + im.shape[0] + 4 + 16 * j), line, fill="black",
                          font=font)
        y += h
    return np.asarray(sheet)


def contact_sheet(cfg: SheetConfig, *, out: str | Path | None = None,
                  quiet: bool = True) -> SheetResult:
    """Draw the zoo textures beside their exemplars into ``cfg.png``.

    Args:
        cfg: the PNG, which models (default: every zoo texture), steps and seed.
        out, quiet: accepted for the common shape; only ``cfg.png`` is written.

    Returns:
        `SheetResult`: the file and every number written on it.

    Raises:
        BadInput: no PNG given, or a name that is not a texture in the zoo.

    Example:
        >>> cfg = SheetConfig(png="zoo.png", models=("brick",), steps=100)
        >>> contact_sheet(cfg).rows[0]["train"]["size"]  # doctest: +SKIP
        32
    """
    del out, quiet
    if cfg.png is None:
        raise BadInput("contact-sheet needs --png FILE")
    textures = [e.name for e in zoo(ZooConfig(kind="texture")).entries]
    names = list(cfg.models) or textures
    for n in names:
        if n not in textures:
            raise BadInput(f"{n!r} is not a texture in the zoo; textures: {', '.join(textures)}")
    drawn, numbers = [], []
    rng = np.random.default_rng(cfg.seed)
    for name in names:
        loaded = load_model(f"zoo:{name}")
        mc = loaded.config
        exemplar = load_exemplar(mc.exemplar, mc.exemplar_size)
        k = max(1, _SIDE // mc.exemplar_size)
        crops = [media.random_crop(exemplar, min(mc.size, exemplar.shape[0]), rng)
                 for _ in range(_CROPS)]
        floor = [_numbers(c, exemplar) for c in crops]
        train = _texture(loaded.model, mc.size, cfg.steps, cfg.seed)
        double = _texture(loaded.model, 2 * mc.size, cfg.steps, cfg.seed)
        row = {"model": name, "floor": {k: float(np.mean([f[k] for f in floor])) if k != "size"
                                        else floor[0][k] for k in floor[0]},
               "train": _numbers(train, exemplar), "double": _numbers(double, exemplar)}
        numbers.append(row)
        drawn.append(([media.upscale(im, k) for im in (exemplar, train, double)], [
            _caption(f"zoo:{name}: exemplar {mc.exemplar_size}px; its {mc.size}px crops:",
                     row["floor"]),
            _caption(f"ours {mc.size}px, step {cfg.steps}", row["train"]),
            _caption(f"ours {2 * mc.size}px (4x the area), step {cfg.steps}",
                     row["double"])]))
    png = media.save_png(Path(cfg.png), _draw(drawn))
    return SheetResult(png, tuple(numbers))
