"""Optional VGG16 style loss (Gram matrices of VGG16 features), the loss of the published texture
NCA (Niklasson et al., "Self-Organising Textures", Distill 2021), from weights the user supplies
as a local file. Nothing is ever fetched: without a file the patch loss in `losses` is used.

File formats: ``.npz`` with arrays ``<layer>/kernel`` (3, 3, in, out) and ``<layer>/bias`` (out)
for the 13 VGG16 conv layers named as in Keras (``block1_conv1`` … ``block5_conv3``), or the Keras
``.h5`` file itself when h5py happens to be installed. The layer widths are read from the file,
so a narrower network of the same layout loads too.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from selforg.core.errors import BadInput

BLOCKS = (2, 2, 3, 3, 3)
LAYERS = tuple(f"block{b + 1}_conv{i + 1}" for b, n in enumerate(BLOCKS) for i in range(n))
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
# ImageNet channel means (RGB, 0..255): the network expects mean-subtracted input
MEAN = np.array([123.68, 116.779, 103.939], np.float32)

VggParams = dict[str, tuple[Array, Array]]


def _read_h5(path: Path) -> dict[str, np.ndarray]:
    try:
        import h5py  # optional: only for the Keras file itself
    except ImportError:
        raise BadInput(f"{path} is a Keras .h5 file and h5py is not installed; convert it to"
                       " .npz with arrays '<layer>/kernel' and '<layer>/bias'") from None
    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if not hasattr(obj, "shape"):
                return
            for layer in LAYERS:
                if f"{layer}/" in name + "/":
                    kind = "kernel" if ("kernel" in name or "_W" in name) else "bias"
                    out[f"{layer}/{kind}"] = np.asarray(obj)
        f.visititems(visit)
    return out


def load_vgg16(path: str | Path) -> VggParams:
    """Read VGG16 conv weights. Returns ``{layer: (kernel (3, 3, in, out), bias (out,))}``.

    Raises:
        BadInput: missing file, missing layers, or shapes that do not chain.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"VGG16 weights {path} do not exist (they are never downloaded)")
    if path.suffix == ".h5":
        arrays = _read_h5(path)
    else:
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise BadInput(f"cannot read VGG16 weights {path}: {e}") from None
    params: VggParams = {}
    width = 3
    for layer in LAYERS:
        k, b = arrays.get(f"{layer}/kernel"), arrays.get(f"{layer}/bias")
        if k is None or b is None:
            raise BadInput(f"VGG16 weights {path} lack {layer}/kernel or {layer}/bias")
        if k.ndim != 4 or k.shape[:3] != (3, 3, width) or b.shape != (k.shape[3],):
            raise BadInput(f"VGG16 weights {path}: {layer} has kernel {k.shape}, bias {b.shape};"
                           f" expected (3, 3, {width}, n) and (n,)")
        params[layer] = (jnp.asarray(k, jnp.float32), jnp.asarray(b, jnp.float32))
        width = k.shape[3]
    return params


def features(params: VggParams, img: Float[Array, "b h w 3"]) -> list[Array]:
    """The activations at `STYLE_LAYERS` for images in [0, 1]."""
    x = img * 255.0 - MEAN.reshape(1, 1, 1, 3)
    out = []
    for layer in LAYERS:
        if layer.endswith("conv1") and layer != "block1_conv1":
            x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        k, b = params[layer]
        x = jax.lax.conv_general_dilated(x, k, (1, 1), "SAME",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        x = jax.nn.relu(x + b.reshape(1, 1, 1, -1))
        if layer in STYLE_LAYERS:
            out.append(x)
    return out


def gram(f: Float[Array, "b h w c"]) -> Float[Array, "b c c"]:
    """Channel Gram matrix normalised by the number of positions."""
    b, h, w, c = f.shape
    v = f.reshape(b, h * w, c)
    return jnp.einsum("bnc,bnd->bcd", v, v) / (h * w)


def style_loss(params: VggParams, imgs: Float[Array, "b h w 3"],
               target_grams: list[Array]) -> Float[Array, " b"]:
    """Σ over style layers of the mean squared Gram difference, per image."""
    total = jnp.zeros(imgs.shape[:1], jnp.float32)
    for f, g in zip(features(params, imgs), target_grams, strict=True):
        d = gram(f) - g.reshape((1,) + g.shape)
        total = total + jnp.mean(d * d, axis=(1, 2))
    return total


def target_grams(params: VggParams, exemplar: Float[Array, "h w 3"]) -> list[Array]:
    """Gram matrices of the exemplar, ``[(c, c)]`` per style layer."""
    return [gram(f)[0] for f in features(params, exemplar[None])]
