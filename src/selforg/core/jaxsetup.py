"""Process-wide JAX settings applied by the CLI (never at import time of the library)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# JAX reads each option from the environment variable of its name in upper case when it is
# first imported, so setting these costs no JAX import for verbs that never use it.
MIN_COMPILE_SECONDS = 0.5


def cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/selforg`` or ``~/.cache/selforg``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "selforg"


def compile_cache_env() -> None:
    """Turn on JAX's persistent compilation cache for this process without importing JAX.

    Sets ``JAX_COMPILATION_CACHE_DIR`` and ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS``
    unless the user set them; if JAX is already imported, its config is updated instead.
    """
    path = cache_dir() / "jax"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    jax = sys.modules.get("jax")
    if jax is not None:
        if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
            jax.config.update("jax_compilation_cache_dir", str(path))
            jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_SECONDS)
        return
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(path))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", str(MIN_COMPILE_SECONDS))


def enable_compile_cache() -> None:
    """Turn on JAX's persistent compilation cache, so a second run starts fast (imports JAX)."""
    compile_cache_env()
    import jax  # noqa: F401 - imported so the settings above apply now
