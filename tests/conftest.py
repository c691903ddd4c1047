"""Tests run with JAX's rank promotion set to "raise": no silent broadcasting of mismatched ranks.

Dtype promotion stays "standard": optax's Adam bias correction computes ``float ** int32``,
which "strict" refuses.

JAX's persistent compilation cache is off, here and in the commands the tests start: every
test process compiles what it runs, so no test reads executables that another process wrote
into the user's cache, nor depends on them for its speed.
"""

import os

os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"  # before JAX is imported; subprocesses too

import jax  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_enable_compilation_cache", False)
