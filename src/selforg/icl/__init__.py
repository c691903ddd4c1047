"""Transformers learn in context by gradient descent; mesa-optimisation.

von Oswald et al., "Transformers learn in-context by gradient descent" (ICML 2023,
arXiv 2212.07677) and "Uncovering mesa-optimization algorithms in Transformers" (2023,
arXiv 2309.05858): linear self-attention, its gradient-descent constructions, GD++, the
mesa-layer, and the experiments that compare trained models with them.
"""

from selforg.icl.construct import causal_gd_layer, gd_layer, gd_stack
from selforg.icl.lsa import LSA, Stack, causal_mask, context_mask, make_stack, regression_predict
from selforg.icl.mesa import MesaLayer, mesa_attend, ridge_direct

__all__ = [
    "LSA", "MesaLayer", "Stack", "causal_gd_layer", "causal_mask", "context_mask", "gd_layer",
    "gd_stack", "make_stack", "mesa_attend", "regression_predict", "ridge_direct",
]
