"""Tests run with JAX's rank promotion set to "raise": no silent broadcasting of mismatched ranks.

Dtype promotion stays "standard": optax's Adam bias correction computes ``float ** int32``,
which "strict" refuses.

JAX's persistent compilation cache is off, here and in the commands the tests start: every
test process compiles what it runs, so no test reads executables that another process wrote
into the user's cache, nor depends on them for its speed.
"""

import gc
import os

os.environ["JAX_ENABLE_COMPILATION_CACHE"] = "false"  # before JAX is imported; subprocesses too

import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update("jax_numpy_rank_promotion", "raise")
jax.config.update("jax_enable_compilation_cache", False)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_code():
    """Drop JAX's compiled executables after each test module.

    Every executable XLA:CPU keeps alive holds memory mappings of its own; over the whole suite
    in one process they reach the kernel's per-process limit (vm.max_map_count, 65,530 by
    default), and the next compilation then dies inside LLVM (a segfault or an abort). Tests in
    different modules share no compiled step, so nothing is lost but the mappings.
    """
    yield
    jax.clear_caches()
    gc.collect()
