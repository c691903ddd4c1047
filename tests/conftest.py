"""Tests run with JAX's rank promotion set to "raise": no silent broadcasting of mismatched ranks.

Dtype promotion stays "standard": optax's Adam bias correction computes ``float ** int32``,
which "strict" refuses.
"""

import jax

jax.config.update("jax_numpy_rank_promotion", "raise")
