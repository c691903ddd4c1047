"""Optional VGG16 style loss (Gram matrices of VGG16 features), the loss of the published texture
NCA (Niklasson et al., "Self-Organising Textures", Distill 2021), from weights the user supplies
as a local file. Nothing is ever fetched: without a file the patch loss in `losses` is used.

File formats: ``.npz`` with arrays ``<layer>/kernel`` (3, 3, in, out) and ``<layer>/bias`` (out)
for the 13 VGG16 conv layers named as in Keras (``block1_conv1`` … ``block5_conv3``), or the Keras
weight file itself (``vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5``, a saved model
``.h5``, or a Keras 3 ``.keras``; read with h5py). The layer widths are read from the file, so a
narrower network of the same layout loads too.
"""

from __future__ import annotations

import io
import zipfile
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


HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _h5_arrays(f) -> dict[str, np.ndarray]:
    """``<layer>/kernel`` and ``<layer>/bias`` from an open Keras HDF5 file.

    Keras has written several layouts: the keras-applications weight files
    (``block1_conv1/block1_conv1_W_1:0``, with or without the classifier layers), tf.keras
    ``save_weights`` (``block1_conv1/block1_conv1/kernel:0``), whole-model files (the same
    under ``model_weights/``, next to ``optimizer_weights/``) and Keras 3
    (``layers/block1_conv1/vars/0``). So the first group named after a layer (outside the
    optimiser state) is taken, and its kernel and bias are told apart by rank (4 vs 1), not
    by name.
    """
    groups: dict[str, object] = {}

    def visit(name: str, obj) -> None:
        base = name.rsplit("/", 1)[-1]
        if base in LAYERS and base not in groups and "optimizer" not in name.lower() \
                and not hasattr(obj, "shape"):
            groups[base] = obj

    f.visititems(visit)
    out: dict[str, np.ndarray] = {}
    for layer, group in groups.items():
        found: dict[int, list[np.ndarray]] = {}

        def collect(_name: str, obj, found=found) -> None:
            if hasattr(obj, "shape"):
                found.setdefault(obj.ndim, []).append(np.asarray(obj[()]))

        group.visititems(collect)
        if len(found.get(4, [])) == 1:
            out[f"{layer}/kernel"] = found[4][0]
        if len(found.get(1, [])) == 1:
            out[f"{layer}/bias"] = found[1][0]
    return out


def _read_h5(path: Path) -> dict[str, np.ndarray]:
    """Read a Keras ``.h5`` (any of its layouts) or a Keras 3 ``.keras`` archive."""
    import h5py

    try:
        if zipfile.is_zipfile(path):  # Keras 3 .keras: a zip holding model.weights.h5
            with zipfile.ZipFile(path) as z:
                data = z.read("model.weights.h5")
            with h5py.File(io.BytesIO(data), "r") as f:
                return _h5_arrays(f)
        with h5py.File(path, "r") as f:
            return _h5_arrays(f)
    except (OSError, KeyError, ValueError) as e:
        raise BadInput(f"cannot read VGG16 weights {path} as a Keras HDF5 file: {e}") from None


def load_vgg16(path: str | Path) -> VggParams:
    """Read VGG16 conv weights. Returns ``{layer: (kernel (3, 3, in, out), bias (out,))}``.

    Raises:
        BadInput: missing file, missing layers, or shapes that do not chain.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"VGG16 weights {path} do not exist (they are never downloaded)")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == HDF5_MAGIC or path.suffix in (".h5", ".hdf5", ".keras"):
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
