"""The optional VGG16 style loss loads local weights of the Keras layout (here a narrow
random-weight network of the same format) and refuses bad files."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from selforg.core.errors import BadInput
from selforg.nca import vgg


def small_vgg_file(path, widths=(4, 4, 6, 6, 8)):
    rng = np.random.default_rng(0)
    arrays, cin = {}, 3
    for layer in vgg.LAYERS:
        cout = widths[int(layer[5]) - 1]
        arrays[f"{layer}/kernel"] = rng.normal(0, 0.1, (3, 3, cin, cout)).astype(np.float32)
        arrays[f"{layer}/bias"] = np.zeros(cout, np.float32)
        cin = cout
    np.savez(path, **arrays)
    return arrays


def test_load_and_style_loss(tmp_path):
    f = tmp_path / "vgg.npz"
    small_vgg_file(f)
    params = vgg.load_vgg16(f)
    assert list(params) == list(vgg.LAYERS) and len(params) == 13
    ex = jax.random.uniform(jax.random.PRNGKey(0), (16, 16, 3))
    grams = jax.jit(vgg.target_grams)(params, ex)
    assert [g.shape for g in grams] == [(4, 4), (4, 4), (6, 6), (6, 6), (8, 8)]
    imgs = jnp.stack([ex, jnp.full((16, 16, 3), 0.5)])
    loss = np.asarray(jax.jit(vgg.style_loss)(params, imgs, grams))
    assert loss[0] == pytest.approx(0.0, abs=1e-6) and loss[1] > 0


def test_bad_files(tmp_path):
    with pytest.raises(BadInput, match="never downloaded"):
        vgg.load_vgg16(tmp_path / "missing.npz")
    arrays = small_vgg_file(tmp_path / "ok.npz")
    del arrays["block3_conv2/bias"]
    np.savez(tmp_path / "partial.npz", **arrays)
    with pytest.raises(BadInput, match="block3_conv2"):
        vgg.load_vgg16(tmp_path / "partial.npz")
    arrays = small_vgg_file(tmp_path / "ok.npz")
    arrays["block2_conv1/kernel"] = arrays["block2_conv1/kernel"][:, :, :2]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(BadInput, match="block2_conv1"):
        vgg.load_vgg16(tmp_path / "bad.npz")
