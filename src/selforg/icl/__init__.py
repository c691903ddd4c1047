"""Transformers learn in context by gradient descent; mesa-optimisation.

von Oswald et al., "Transformers learn in-context by gradient descent" (ICML 2023,
arXiv 2212.07677) and "Uncovering mesa-optimization algorithms in Transformers" (2023,
arXiv 2309.05858): linear self-attention, its gradient-descent constructions, GD++, the
mesa-layer, and the experiments that compare trained models with them.

One function per command, named after it (`gd` runs ``selforg icl gd``; `gdpp`, `softmax`,
`sine`, `mesa`, `fewshot`), each taking its config and returning a frozen result with the run
folder and the key numbers. Every matmul of the package runs in float32 on any
backend (see `selforg.icl.precision`).

Example:
    >>> from selforg.icl import RegressionConfig, gd
    >>> res = gd(RegressionConfig(steps=200, batch=256, eval_tasks=1000), out="runs/tiny-gd")
    >>> round(res.loss_trained, 3), round(res.loss_gd, 3), round(res.model_cos, 3)
    ... # doctest: +SKIP

The names load on first use, so that ``selforg icl --help`` starts without JAX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from selforg.core.lazy import lazy_exports

if TYPE_CHECKING:
    from selforg.icl.config import (
        FewshotConfig,
        GDPPConfig,
        MesaConfig,
        RegressionConfig,
        SineConfig,
        SoftmaxConfig,
    )
    from selforg.icl.construct import causal_gd_layer, gd_layer, gd_stack
    from selforg.icl.lsa import (
        LSA,
        Stack,
        causal_mask,
        context_mask,
        make_stack,
        regression_predict,
    )
    from selforg.icl.mesa_layer import MesaLayer, mesa_attend, ridge_direct
    from selforg.icl.regression import gd, gdpp, softmax
    from selforg.icl.results import (
        FewshotResult,
        GDPPResult,
        GDResult,
        MesaResult,
        SineResult,
        SoftmaxResult,
    )
    from selforg.icl.sequence import fewshot, mesa
    from selforg.icl.sine_regression import sine

_WHERE = {
    "FewshotConfig": "config", "GDPPConfig": "config", "MesaConfig": "config",
    "RegressionConfig": "config", "SineConfig": "config", "SoftmaxConfig": "config",
    "causal_gd_layer": "construct", "gd_layer": "construct", "gd_stack": "construct",
    "LSA": "lsa", "Stack": "lsa", "causal_mask": "lsa", "context_mask": "lsa",
    "make_stack": "lsa", "regression_predict": "lsa",
    "MesaLayer": "mesa_layer", "mesa_attend": "mesa_layer", "ridge_direct": "mesa_layer",
    "gd": "regression", "gdpp": "regression", "softmax": "regression",
    "FewshotResult": "results", "GDPPResult": "results", "GDResult": "results",
    "MesaResult": "results", "SineResult": "results", "SoftmaxResult": "results",
    "fewshot": "sequence", "mesa": "sequence", "sine": "sine_regression",
}

__all__ = [
    "FewshotConfig", "FewshotResult", "GDPPConfig", "GDPPResult", "GDResult", "LSA",
    "MesaConfig", "MesaLayer", "MesaResult", "RegressionConfig", "SineConfig", "SineResult",
    "SoftmaxConfig", "SoftmaxResult", "Stack", "causal_gd_layer", "causal_mask", "context_mask",
    "fewshot", "gd", "gd_layer", "gd_stack", "gdpp", "make_stack", "mesa", "mesa_attend",
    "regression_predict", "ridge_direct", "sine", "softmax",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE, globals())
