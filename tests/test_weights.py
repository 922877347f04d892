"""Pretrained VGG weights: the offline backbone is real, the Keras cache is used, no download."""

import h5py
import keras
import numpy as np
import pytest
from keras.src.utils import file_utils

from helpers import weights


@pytest.fixture(autouse=True)
def empty_keras_home(tmp_path, monkeypatch):
    """An empty Keras cache, and any attempt to download fails the test."""
    home = tmp_path / "keras_home"
    (home / "models").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    # Keep Keras' own folder (from KERAS_HOME), drop the shared /tmp/.keras fallback.
    real_dirs = weights.keras_cache_dirs
    monkeypatch.setattr(weights, "keras_cache_dirs", lambda: real_dirs()[:1])

    def no_download(*args, **kwargs):
        raise AssertionError(f"a download was attempted: {args} {kwargs}")

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    monkeypatch.setattr(file_utils, "get_file", no_download)
    return home


def edge_correlation(model, image):
    """Correlation between block1_conv1's mean response strength and the Sobel edge map."""
    from skimage.color import rgb2gray
    from skimage.filters import sobel

    layer = keras.Model(model.input, model.get_layer("block1_conv1").output)
    maps = layer(weights.preprocess(image[None])).numpy()[0]
    strength = np.abs(maps - maps.mean(axis=(0, 1))).mean(axis=-1)[1:-1, 1:-1]
    return np.corrcoef(strength.ravel(), sobel(rgb2gray(image))[1:-1, 1:-1].ravel())[0, 1]


def test_offline_backbone_loads_the_hed_weights_and_detects_edges():
    from helpers.datasets import load_photo

    vgg = weights.load_vgg("vgg19")  # no VGG19 anywhere: falls back to the offline VGG16
    assert (vgg.source, vgg.arch) == ("hed", "vgg16")
    assert "offline" in vgg.describe()
    # The weights are those of the file, read here independently of the module.
    with h5py.File(weights.hed_weights_path(), "r") as f:
        kernel = f["block1/layers/conv2d/vars/0"][()]
        last = f["block5/layers/conv2d_2/vars/1"][()]
    np.testing.assert_array_equal(vgg.model.get_layer("block1_conv1").get_weights()[0], kernel)
    np.testing.assert_array_equal(vgg.model.get_layer("block5_conv3").get_weights()[1], last)
    image = load_photo("astronaut", 96)
    keras.utils.set_random_seed(0)
    random = keras.applications.VGG16(weights=None, include_top=False)
    trained, untrained = edge_correlation(vgg.model, image), edge_correlation(random, image)
    assert trained > 0.6, trained
    assert abs(untrained) < 0.3, untrained


def write_legacy_h5(path, model, seed):
    """Write weights in the layout of Keras' published ImageNet files (by hand, with h5py)."""
    rng = np.random.default_rng(seed)
    written = {}
    with h5py.File(path, "w") as f:
        layers = [layer for layer in model.layers if layer.weights]
        f.attrs["layer_names"] = [layer.name.encode() for layer in layers]
        for layer in layers:
            g = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            g.attrs["weight_names"] = [n.encode() for n in names]
            values = [rng.normal(size=w.shape).astype("float32") for w in layer.weights]
            for n, v in zip(names, values, strict=True):
                g[n] = v
            written[layer.name] = values
    return written


def test_imagenet_weights_in_the_keras_cache_are_used_without_download(empty_keras_home):
    # The file name keras.applications itself asks for (its download is intercepted).
    asked = []

    def record(fname, *args, **kwargs):
        asked.append(fname)
        raise RuntimeError("intercepted")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(file_utils, "get_file", record)
        with pytest.raises(RuntimeError, match="intercepted"):
            keras.applications.VGG16(weights="imagenet", include_top=False)
    assert asked == [weights.imagenet_filename("vgg16")]

    template = keras.applications.VGG16(weights=None, include_top=False)
    written = write_legacy_h5(empty_keras_home / "models" / asked[0], template, seed=3)
    vgg = weights.load_vgg("vgg16")
    assert (vgg.source, vgg.arch) == ("imagenet", "vgg16")
    assert vgg.weights_path == empty_keras_home / "models" / asked[0]
    for name in ("block1_conv1", "block5_conv3"):
        for got, expected in zip(
            vgg.model.get_layer(name).get_weights(), written[name], strict=True
        ):
            np.testing.assert_array_equal(got, expected)
    # The offline backbone can still be asked for explicitly.
    assert weights.load_vgg("vgg16", source="hed").source == "hed"


def test_missing_imagenet_weights_give_a_clear_error():
    with pytest.raises(
        FileNotFoundError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    ):
        weights.load_vgg("vgg19", source="imagenet")
    with pytest.raises(ValueError, match="Valid: auto, imagenet, hed"):
        weights.load_vgg("vgg16", source="internet")


def test_cache_dirs_follow_keras_home(monkeypatch, tmp_path):
    monkeypatch.undo()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert weights.keras_cache_dirs()[0] == tmp_path / "kh" / "models"
    monkeypatch.delenv("KERAS_HOME")
    assert str(weights.keras_cache_dirs()[0]).endswith(".keras/models")


def test_preprocess_is_vgg_caffe_convention():
    image = np.zeros((1, 2, 2, 3), np.float32)
    image[..., 0] = 1.0  # pure red
    out = weights.preprocess(image)
    # BGR order, 0..255, minus the ImageNet means (B 103.939, G 116.779, R 123.68).
    np.testing.assert_allclose(out[0, 0, 0], [-103.939, -116.779, 255 - 123.68], atol=1e-3)


def test_feature_extractor_outputs_and_errors():
    vgg = weights.load_vgg("vgg16", source="hed", input_shape=(32, 32, 3))
    extractor = weights.feature_extractor(vgg, ["block1_conv1", "block3_conv1"])
    a, b = extractor(np.zeros((2, 32, 32, 3), np.float32))
    assert a.shape == (2, 32, 32, 64) and b.shape == (2, 8, 8, 256)
    with pytest.raises(ValueError, match="no layer .*block6_conv1"):
        weights.feature_extractor(vgg, ["block6_conv1"])
