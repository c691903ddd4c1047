"""Neural cellular automata: growing shapes, living textures, and μNCA.

Papers: Mordvintsev et al., "Growing Neural Cellular Automata" (Distill 2020); Niklasson et al.,
"Self-Organising Textures" (Distill 2021); Mordvintsev & Niklasson, "μNCA: Texture Generation
with Ultra-Compact Neural Cellular Automata" (arXiv 2111.13545).

One function per command, each taking its config and returning a frozen result:
`train_grow` (``selforg nca grow train``), `train_texture` (``nca texture train``), `run`
(``nca run``), `quantize`, `export`, `evaluate` (``nca eval``), `contact_sheet` and `zoo`.

Example:
    >>> from selforg.nca import EvalConfig, TextureConfig, evaluate, train_texture
    >>> cfg = TextureConfig(model="micro-68", size=16, exemplar_size=32, iterations=20)
    >>> res = train_texture(cfg, out="runs/tiny-texture")
    >>> evaluate(EvalConfig(model=str(res.run_dir))).distance_1000

The names load on first use, so that ``selforg nca --help`` does not import JAX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selforg.core.lazy import lazy_exports

if TYPE_CHECKING:
    from selforg.nca.codegen import ExportResult, QuantizeResult, export, quantize
    from selforg.nca.config import (
        EvalConfig,
        ExportConfig,
        GrowConfig,
        PatchLossConfig,
        QuantizeConfig,
        RunConfig,
        SheetConfig,
        TextureConfig,
        ZooConfig,
        paper_grow,
        paper_texture,
    )
    from selforg.nca.evaluation import EvalResult, evaluate
    from selforg.nca.grow import train_grow
    from selforg.nca.model import NCA, GrowingNCA, MicroNCA, TextureNCA, param_count
    from selforg.nca.play import RunResult, run
    from selforg.nca.rollout import simulate
    from selforg.nca.sheet import SheetResult, contact_sheet
    from selforg.nca.store import Loaded, ZooEntry, ZooResult, load_model, zoo
    from selforg.nca.texture import train_texture
    from selforg.nca.training import TrainResult

_WHERE = {
    "ExportResult": "codegen", "QuantizeResult": "codegen", "export": "codegen",
    "quantize": "codegen",
    "EvalConfig": "config", "ExportConfig": "config", "GrowConfig": "config",
    "PatchLossConfig": "config", "QuantizeConfig": "config", "RunConfig": "config",
    "SheetConfig": "config", "TextureConfig": "config", "ZooConfig": "config",
    "paper_grow": "config", "paper_texture": "config",
    "EvalResult": "evaluation", "evaluate": "evaluation",
    "train_grow": "grow",
    "NCA": "model", "GrowingNCA": "model", "MicroNCA": "model", "TextureNCA": "model",
    "param_count": "model",
    "RunResult": "play", "run": "play",
    "simulate": "rollout",
    "SheetResult": "sheet", "contact_sheet": "sheet",
    "Loaded": "store", "ZooEntry": "store", "ZooResult": "store", "load_model": "store",
    "zoo": "store",
    "train_texture": "texture",
    "TrainResult": "training",
}

__all__ = [
    "EvalConfig",
    "EvalResult",
    "ExportConfig",
    "ExportResult",
    "GrowConfig",
    "GrowingNCA",
    "Loaded",
    "MicroNCA",
    "NCA",
    "PatchLossConfig",
    "QuantizeConfig",
    "QuantizeResult",
    "RunConfig",
    "RunResult",
    "SheetConfig",
    "SheetResult",
    "TextureConfig",
    "TextureNCA",
    "TrainResult",
    "ZooConfig",
    "ZooEntry",
    "ZooResult",
    "contact_sheet",
    "evaluate",
    "export",
    "load_model",
    "paper_grow",
    "paper_texture",
    "param_count",
    "quantize",
    "run",
    "simulate",
    "train_grow",
    "train_texture",
    "zoo",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
