"""μNCA at one byte per parameter (Mordvintsev & Niklasson, "μNCA", arXiv 2111.13545).

Symmetric int8 with one scale per tensor: ``q = round(w / s)``, ``s = max|w| / 127``, so the
dequantised weight is within ``s / 2`` of the float one. The byte file holds exactly one byte
per parameter (W row-major ``(4C, C)``, then b), 68–588 bytes; the two scales and the variant
name live in a small JSON next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from selforg.core.errors import BadInput
from selforg.core.runs import atomic_write_bytes
from selforg.nca.model import MICRO_FILTERS, MicroNCA

FORMAT = "selforg-micro-int8/1"


@dataclass(frozen=True)
class Quantized:
    """An int8 μNCA: ``w_q (4C, C)``, ``b_q (C,)`` and their scales."""

    variant: str
    w_q: np.ndarray
    b_q: np.ndarray
    w_scale: float
    b_scale: float

    def to_bytes(self) -> bytes:
        return self.w_q.astype(np.int8).tobytes() + self.b_q.astype(np.int8).tobytes()

    @property
    def nbytes(self) -> int:
        return self.w_q.size + self.b_q.size


def _q(t: np.ndarray) -> tuple[np.ndarray, float]:
    m = float(np.max(np.abs(t)))
    scale = m / 127.0 if m > 0 else 1.0
    # scales are stored as float32: quantise with exactly the stored value
    scale = float(np.float32(scale))
    return np.clip(np.round(t / scale), -127, 127).astype(np.int8), scale


def quantize(model: MicroNCA) -> Quantized:
    """Per-tensor symmetric int8 quantisation of a μNCA."""
    w_q, ws = _q(np.asarray(model.w, np.float32))
    b_q, bs = _q(np.asarray(model.b, np.float32))
    return Quantized(model.variant, w_q, b_q, ws, bs)


def dequantize(q: Quantized) -> MicroNCA:
    """The float μNCA the int8 one stands for."""
    model = MicroNCA(q.variant, key=jax.random.PRNGKey(0))
    w = jnp.asarray(q.w_q.astype(np.float32) * np.float32(q.w_scale))
    b = jnp.asarray(q.b_q.astype(np.float32) * np.float32(q.b_scale))
    return eqx.tree_at(lambda m: (m.w, m.b), model, (w, b))


def write(q: Quantized, path: str | Path, meta: dict | None = None) -> tuple[Path, Path]:
    """Write ``path`` (the bytes) and ``path.json`` (variant, scales). Returns both paths."""
    path = Path(path)
    atomic_write_bytes(path, q.to_bytes())
    side = path.with_name(path.name + ".json")
    info = {"format": FORMAT, "variant": q.variant, "w_scale": q.w_scale, "b_scale": q.b_scale,
            "bytes": q.nbytes, **(meta or {})}
    atomic_write_bytes(side, (json.dumps(info, indent=2) + "\n").encode())
    return path, side


def read_meta(path: str | Path) -> dict:
    """The ``.json`` description next to a byte file: format, variant, scales, and (when
    written by ``selforg nca quantize``) the training config, so the pair needs no run folder.

    Raises:
        BadInput: missing or unreadable files, or not this format.
    """
    path = Path(path)
    side = path.with_name(path.name + ".json")
    if not path.is_file() or not side.is_file():
        raise BadInput(f"{path} (and {side.name}) must both exist for a quantised μNCA")
    try:
        info = json.loads(side.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"{side} is unreadable ({e})") from None
    if (not isinstance(info, dict) or info.get("format") != FORMAT
            or info.get("variant") not in MICRO_FILTERS):
        raise BadInput(f"{side} is not a {FORMAT} description")
    return info


def read(path: str | Path) -> Quantized:
    """Read a byte file written by `write` (its ``.json`` must sit next to it).

    Raises:
        BadInput: missing files, unknown format/variant, or a size that does not fit.
    """
    path = Path(path)
    info = read_meta(path)
    c = len(MICRO_FILTERS[info["variant"]])
    data = np.frombuffer(path.read_bytes(), np.int8)
    if data.size != c * (4 * c + 1):
        raise BadInput(f"{path} has {data.size} bytes; {info['variant']} needs {c * (4 * c + 1)}")
    w_q = data[: 4 * c * c].reshape(4 * c, c).copy()
    b_q = data[4 * c * c :].copy()
    return Quantized(info["variant"], w_q, b_q, float(info["w_scale"]), float(info["b_scale"]))
