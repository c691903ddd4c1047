"""Neural cellular automata: growing shapes, living textures, and μNCA.

Papers: Mordvintsev et al., "Growing Neural Cellular Automata" (Distill 2020); Niklasson et al.,
"Self-Organising Textures" (Distill 2021); Mordvintsev & Niklasson, "μNCA: Texture Generation
with Ultra-Compact Neural Cellular Automata" (arXiv 2111.13545).

Example:
    >>> from selforg.nca import TextureConfig, train_texture, evaluate
    >>> res = train_texture(TextureConfig(exemplar="brick", model="micro-588", iterations=300))
    >>> evaluate(str(res.run_dir))["distance_3000"]
"""

from selforg.nca.config import GrowConfig, PatchLossConfig, TextureConfig, paper_grow, paper_texture
from selforg.nca.evaluate import evaluate, quantize_model
from selforg.nca.grow import train_grow
from selforg.nca.model import GrowingNCA, MicroNCA, TextureNCA, param_count
from selforg.nca.play import render
from selforg.nca.simulate import simulate
from selforg.nca.store import load_model, zoo_index
from selforg.nca.texture import train_texture

__all__ = [
    "GrowConfig", "PatchLossConfig", "TextureConfig", "paper_grow", "paper_texture",
    "evaluate", "quantize_model", "train_grow", "GrowingNCA", "MicroNCA", "TextureNCA",
    "param_count", "render", "simulate", "load_model", "zoo_index", "train_texture",
]
