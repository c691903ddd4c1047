"""Process-wide JAX settings applied by the CLI (never at import time of the library)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/selforg`` or ``~/.cache/selforg``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "selforg"


def enable_compile_cache() -> None:
    """Turn on JAX's persistent compilation cache, so a second run starts fast."""
    import jax

    path = cache_dir() / "jax"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)
