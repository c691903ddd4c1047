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


def _h5_applications(path, arrays, top=True):
    """The keras-applications layout (vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5):
    root attr layer_names, one group per layer with attr weight_names, '<layer>_W_1:0' names."""
    import h5py

    names = ["input_1"] + [f"{ly}" for ly in vgg.LAYERS] + ["block5_pool"]
    if top:
        names += ["flatten", "fc1", "predictions"]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in names]
        for n in names:
            g = f.create_group(n)
            if n in vgg.LAYERS:
                wn = [f"{n}_W_1:0", f"{n}_b_1:0"]
                g.create_dataset(wn[0], data=arrays[f"{n}/kernel"])
                g.create_dataset(wn[1], data=arrays[f"{n}/bias"])
            elif n in ("fc1", "predictions"):  # the classifier: 2-D kernels, ignored
                wn = [f"{n}_W_1:0", f"{n}_b_1:0"]
                g.create_dataset(wn[0], data=np.ones((8, 5), np.float32))
                g.create_dataset(wn[1], data=np.ones(5, np.float32))
            else:
                wn = []
            g.attrs["weight_names"] = [w.encode() for w in wn]


def _h5_saved_model(path, arrays):
    """A whole tf.keras model file: model_weights/<layer>/<layer>/kernel:0, plus an optimiser
    state whose slots carry the same layer names (must not be taken for the weights)."""
    import h5py

    with h5py.File(path, "w") as f:
        for n in vgg.LAYERS:
            g = f.create_group(f"model_weights/{n}/{n}")
            g.create_dataset("kernel:0", data=arrays[f"{n}/kernel"])
            g.create_dataset("bias:0", data=arrays[f"{n}/bias"])
            o = f.create_group(f"optimizer_weights/training/Adam/{n}")
            o.create_dataset("kernel/m:0", data=arrays[f"{n}/kernel"] + 1)
            o.create_dataset("bias/m:0", data=arrays[f"{n}/bias"] + 1)


def _keras3_archive(path, arrays):
    """Keras 3 .keras: a zip holding model.weights.h5 with layers/<layer>/vars/{0,1}."""
    import io
    import zipfile

    import h5py

    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for n in vgg.LAYERS:
            f.create_dataset(f"layers/{n}/vars/0", data=arrays[f"{n}/kernel"])
            f.create_dataset(f"layers/{n}/vars/1", data=arrays[f"{n}/bias"])
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", buf.getvalue())


@pytest.mark.parametrize("layout", ["applications", "notop", "saved_model", "keras3"])
def test_keras_weight_files_load_like_the_npz(tmp_path, layout):
    arrays = small_vgg_file(tmp_path / "ref.npz")
    for a in arrays.values():  # distinct biases, so a swapped kernel/bias or layer would show
        a += np.float32(0.25)
    path = tmp_path / ("vgg.keras" if layout == "keras3" else "vgg.h5")
    if layout in ("applications", "notop"):
        _h5_applications(path, arrays, top=layout == "applications")
    elif layout == "saved_model":
        _h5_saved_model(path, arrays)
    else:
        _keras3_archive(path, arrays)
    params = vgg.load_vgg16(path)
    assert list(params) == list(vgg.LAYERS)
    for n, (k, b) in params.items():
        np.testing.assert_array_equal(np.asarray(k), arrays[f"{n}/kernel"])
        np.testing.assert_array_equal(np.asarray(b), arrays[f"{n}/bias"])


def test_bad_keras_files(tmp_path):
    (tmp_path / "junk.h5").write_bytes(b"not an hdf5 file")
    with pytest.raises(BadInput, match="cannot read"):
        vgg.load_vgg16(tmp_path / "junk.h5")
    arrays = small_vgg_file(tmp_path / "ref.npz")
    del arrays["block4_conv3/kernel"], arrays["block4_conv3/bias"]
    arrays["block4_conv3/kernel"] = np.zeros((3, 3, 8, 8), np.float32)  # 8 ≠ 6 input channels
    arrays["block4_conv3/bias"] = np.zeros(8, np.float32)
    _h5_applications(tmp_path / "bad.h5", arrays)
    with pytest.raises(BadInput, match="block4_conv3"):
        vgg.load_vgg16(tmp_path / "bad.h5")
