"""References for chapter 04: efficient architectures and transfer learning.

Everything a learner's function is compared with comes from code the learner did not write:

- **costs** are counted from Keras layers built for the case, by :mod:`helpers.model_costs`
  (one multiply-add per weight per output position) and ``layer.count_params()``
  (:func:`keras_conv_cost`, :func:`keras_bottleneck_multiplications`,
  :func:`keras_separable_cost`);
- **blocks** are built by Keras' own application code: the MobileNet v1 block is
  ``keras.src.applications.mobilenet._depthwise_conv_block`` and the MobileNetV2 block
  ``keras.src.applications.mobilenet_v2._inverted_res_block`` (:func:`depthwise_block_reference`,
  :func:`inverted_residual_reference`), so that names, shapes, parameters and, with the
  learner's weights copied in, the numbers are Keras'; the whole network is
  ``keras.applications.MobileNetV2(weights=None)`` (:func:`mobilenet_v2_reference`);
- the **Inception module** has no Keras application of its own (InceptionV3's modules differ
  from GoogLeNet's), so :func:`inception_reference` writes it with TensorFlow ops on the
  learner's weights;
- the **RGB principal components** come from scikit-learn's PCA (:func:`rgb_pca_reference`);
- the **pre-trained base** of the transfer experiment is MobileNetV2's ImageNet weights when
  Keras' cache holds them (:func:`imagenet_weights_file` looks, and never downloads), otherwise
  the course's own base, shipped in data/ with its checksum (:data:`PRETRAINED`); ``make
  pretrain`` remakes it. :func:`transfer_base` makes the choice, :func:`load_base` loads it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.model_costs import layer_multiply_adds
from helpers.references.common import load_keras
from helpers.weights import load_weights

# Published figures the chapter quotes, as printed.
PAPER = {
    # Sandler et al. 2018, Table 4 / Keras: MobileNetV2 (width 1.0, 224 x 224): 3.4 million
    # parameters without the moving statistics of batch norm, 300 million multiply-adds.
    "mobilenet_v2_multiply_adds": 300e6,
    "mobilenet_v2_parameters": 3.4e6,
    # Howard et al. 2017, Table 8: MobileNet v1 1.0-224: 569 million multiply-adds,
    # 4.2 million parameters, 70.6 % ImageNet top-1.
    "mobilenet_v1_multiply_adds": 569e6,
    "mobilenet_v1_parameters": 4.2e6,
    # Szegedy et al. 2014, Table 1, inception (3a): input 28 x 28 x 192; #1x1 64, #3x3 reduce
    # 96, #3x3 128, #5x5 reduce 16, #5x5 32, pool proj 32: output 28 x 28 x 256.
    "inception_3a_filters": (64, 96, 128, 16, 32, 32),
    "inception_3a_input": (28, 28, 192),
}

# keras.applications.MobileNetV2's pooling layer has no name of its own: Keras calls it
# "global_average_pooling2d" plus a number that depends on how many were built before it. The
# reference is given the plain name, which is what the learner's layer is asked to have.
POOL_NAME = "global_average_pooling2d"


# ------------------------------------------------------------------------------- costs
def _single_layer_model(input_shape: Sequence[int], layer):
    k = load_keras()
    inputs = k.Input(shape=tuple(input_shape))
    return k.Model(inputs, layer(inputs))


def keras_conv_cost(n_H: int, n_W: int, n_C_prev: int, n_C: int, f: int) -> tuple[int, int]:
    """A ``Conv2D(n_C, f, padding="same")`` built on an ``(n_H, n_W, n_C_prev)`` input.

    Returns:
        (parameters, multiply-adds): Keras' ``count_params()`` and
        :func:`helpers.model_costs.layer_multiply_adds` of the built layer.
    """
    k = load_keras()
    layer = k.layers.Conv2D(n_C, f, padding="same")
    _single_layer_model((n_H, n_W, n_C_prev), layer)
    return int(layer.count_params()), int(layer_multiply_adds(layer))


def keras_bottleneck_multiplications(
    n_H: int, n_W: int, n_C_prev: int, n_C: int, f: int, n_bottleneck: int | None = None
) -> int:
    """Multiply-adds of ``Conv2D(n_C, f, "same")`` on ``(n_H, n_W, n_C_prev)``, with a
    ``Conv2D(n_bottleneck, 1)`` before it when ``n_bottleneck`` is given, counted from the
    built Keras layers."""
    k = load_keras()
    inputs = k.Input(shape=(n_H, n_W, n_C_prev))
    built = []
    x = inputs
    if n_bottleneck is not None:
        built.append(k.layers.Conv2D(n_bottleneck, 1))
        x = built[-1](x)
    built.append(k.layers.Conv2D(n_C, f, padding="same"))
    k.Model(inputs, built[-1](x))
    return int(sum(layer_multiply_adds(layer) for layer in built))


def keras_separable_cost(n_H: int, n_W: int, n_C_prev: int, n_C: int, f: int) -> dict[str, int]:
    """Multiply-adds of the layers of a depthwise separable convolution and of the standard one,
    all ``padding="same"``, stride 1, on an ``(n_H, n_W, n_C_prev)`` input, from built layers.

    Returns:
        {"depthwise": DepthwiseConv2D(f), "pointwise": Conv2D(n_C, 1) after it,
        "separable": SeparableConv2D(n_C, f) (must be their sum), "standard": Conv2D(n_C, f)}.
    """
    k = load_keras()
    shape = (n_H, n_W, n_C_prev)
    depthwise = k.layers.DepthwiseConv2D(f, padding="same", use_bias=False)
    pointwise = k.layers.Conv2D(n_C, 1, use_bias=False)
    inputs = k.Input(shape=shape)
    k.Model(inputs, pointwise(depthwise(inputs)))
    separable = k.layers.SeparableConv2D(n_C, f, padding="same", use_bias=False)
    standard = k.layers.Conv2D(n_C, f, padding="same", use_bias=False)
    _single_layer_model(shape, separable)
    _single_layer_model(shape, standard)
    return {name: int(layer_multiply_adds(layer)) for name, layer in
            (("depthwise", depthwise), ("pointwise", pointwise), ("separable", separable),
             ("standard", standard))}  # fmt: skip


# ------------------------------------------------------------------------------- blocks
def depthwise_block_reference(input_shape: Sequence[int], filters: int, stride: int, block_id: int):
    """MobileNet v1's block as ``keras.applications.MobileNet`` builds it (width 1.0).

    Args:
        input_shape: (n_H, n_W, n_C_prev).
        filters: the pointwise convolution's filters.
        stride: 1 or 2 (the depthwise convolution's).
        block_id: the number in the layer names (``conv_dw_<id>``, ``conv_pw_<id>``, ...).

    Returns:
        keras.Model from the block's input to its output.
    """
    from keras.src.applications.mobilenet import _depthwise_conv_block

    k = load_keras()
    inputs = k.Input(shape=tuple(input_shape))
    outputs = _depthwise_conv_block(inputs, filters, 1.0, 1, strides=(stride, stride), block_id=block_id)  # fmt: skip
    return k.Model(inputs, outputs)


def inverted_residual_reference(
    input_shape: Sequence[int], expansion: int, filters: int, stride: int, block_id: int
):
    """MobileNetV2's inverted residual block as ``keras.applications.MobileNetV2`` builds it.

    Keras rounds ``filters`` to a multiple of 8 and gives every block but block 0 an expansion
    layer; the cases compared keep ``filters`` a multiple of 8 and ``expansion`` 1 exactly for
    block 0, where the two conventions agree.

    Args:
        input_shape: (n_H, n_W, n_C_prev).
        expansion: t, the expansion factor.
        filters: the projection's filters (a multiple of 8).
        stride: 1 or 2.
        block_id: 0 (named ``expanded_conv_...``) or more (``block_<id>_...``).

    Returns:
        keras.Model from the block's input to its output.
    """
    from keras.src.applications.mobilenet_v2 import _inverted_res_block

    if filters % 8 or (block_id == 0) != (expansion == 1):
        raise ValueError("filters must be a multiple of 8, and expansion 1 exactly for block 0")
    k = load_keras()
    inputs = k.Input(shape=tuple(input_shape))
    outputs = _inverted_res_block(inputs, expansion, stride, 1.0, filters, block_id)
    return k.Model(inputs, outputs)


def mobilenet_v2_reference(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000):
    """``keras.applications.MobileNetV2(weights=None)`` (width 1.0), its pooling layer named
    :data:`POOL_NAME`.

    Args:
        input_shape: (n_H, n_W, 3), at least 32 x 32.
        num_classes: units of the last layer, "predictions" (softmax).

    Returns:
        keras.Model, untrained (nothing is downloaded).
    """
    k = load_keras()
    model = k.applications.MobileNetV2(
        weights=None, input_shape=tuple(input_shape), classes=num_classes
    )
    pool = next(layer for layer in model.layers if isinstance(layer, k.layers.GlobalAveragePooling2D))  # fmt: skip
    pool.name = POOL_NAME  # see POOL_NAME: Keras' automatic name carries a session counter
    return model


def copy_weights(source, target) -> None:
    """Copy every weight of ``source``'s layers into the layers of ``target`` of the same name.

    Args:
        source, target: keras.Models with layers of the same names and weight shapes.
    """
    for layer in target.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())


def inception_reference(
    x: np.ndarray, weights: Mapping[str, Mapping[str, np.ndarray]]
) -> np.ndarray:
    """GoogLeNet's Inception module (Szegedy et al. 2014, Figure 2b) with TensorFlow ops.

    ``conv`` is ``tf.nn.conv2d`` ("SAME", stride 1) plus the bias, followed by a ReLU::

        out = concat([conv_1x1(x),
                      conv_3x3(conv_3x3_reduce(x)),
                      conv_5x5(conv_5x5_reduce(x)),
                      conv_pool_proj(maxpool_3x3_stride1_same(x))], channels)

    Args:
        x: (m, n_H, n_W, n_C_prev) float32.
        weights: {"1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool_proj"}: each
            {"kernel": (f, f, n_in, n_out), "bias": (n_out,)}.

    Returns:
        (m, n_H, n_W, F1 + F3 + F5 + Fpool) array.
    """
    import tensorflow as tf

    def conv(a, role):
        w = weights[role]
        return tf.nn.relu(tf.nn.conv2d(a, w["kernel"], 1, "SAME") + w["bias"])

    a = tf.constant(np.asarray(x, np.float32))
    pooled = tf.nn.max_pool2d(a, 3, 1, "SAME")
    branches = [conv(a, "1x1"), conv(conv(a, "3x3_reduce"), "3x3"),
                conv(conv(a, "5x5_reduce"), "5x5"), conv(pooled, "pool_proj")]  # fmt: skip
    return tf.concat(branches, axis=-1).numpy()


# ------------------------------------------------------------------------------- colour
def rgb_pca_reference(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The principal components of the RGB values of every pixel of ``images``, by scikit-learn.

    Args:
        images: (m, n_H, n_W, 3).

    Returns:
        eigenvalues (3,), largest first (the variances along the components, with the n - 1
        denominator of the sample covariance); eigenvectors (3, 3), one unit component per
        column, in the same order (the sign of each column is arbitrary).
    """
    from sklearn.decomposition import PCA

    pixels = np.asarray(images, np.float64).reshape(-1, 3)
    pca = PCA(n_components=3).fit(pixels)
    return pca.explained_variance_, pca.components_.T


# ----------------------------------------------------------------------- pre-trained base
PRETRAINED = Path(__file__).resolve().parents[2] / "data" / "efficient_nets_faces_base.npz"


def load_pretrained(base, path: Path = PRETRAINED) -> None:
    """Load the shipped base into ``base``, after checking the file and the architecture.

    Args:
        base: the chapter's small MobileNetV2 without its classifier (``small_mobilenet_base()``).
        path: the .npz file (default: the one shipped in data/).

    Raises:
        FileNotFoundError, ValueError: as :func:`helpers.weights.load_weights`.
    """
    load_weights(base, path, network="the chapter's small MobileNetV2 base")


# --------------------------------------------------------- or ImageNet's, when it is cached
# The sizes keras.applications.MobileNetV2 has ImageNet weights for, and the names of its files
# (keras/src/applications/mobilenet_v2.py: "..._{alpha}_{rows}_no_top.h5" without the
# classifier, "..._{alpha}_{rows}.h5" with it; width alpha = 1.0 here).
IMAGENET_SIZES = (96, 128, 160, 192, 224)
IMAGENET_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{size}{top}.h5"


def keras_models_folders() -> list[Path]:
    """Where ``keras.utils.get_file`` keeps the weights of ``keras.applications``, read from the
    environment at each call, as Keras reads it (keras/src/backend/config.py and
    keras/src/utils/file_utils.py): ``$KERAS_HOME/models`` when KERAS_HOME is set, otherwise
    ``~/.keras/models`` (``/tmp/.keras/models`` when the home folder is not writable); and,
    when that Keras folder is not writable, ``/tmp/.keras/models``, where Keras then keeps them.

    Returns:
        the folders, in the order they are searched.
    """
    home = os.environ.get("KERAS_HOME")
    if home is None:
        user = os.path.expanduser("~")
        home = os.path.join(user if os.access(user, os.W_OK) else "/tmp", ".keras")
    home = os.path.expanduser(home)
    folders = [Path(home) / "models"]
    fallback = Path("/tmp/.keras/models")
    if not os.access(home, os.W_OK) and fallback not in folders:
        folders.append(fallback)
    return folders


def imagenet_weights_file(size: int = 96) -> Path | None:
    """MobileNetV2's ImageNet weights (width 1.0) if Keras' cache holds them; never downloads.

    Looks for the weight files that Keras fetches for an ImageNet MobileNetV2, in the
    folders of :func:`keras_models_folders`: first the ones without the classifier
    (``..._1.0_{rows}_no_top.h5``), then those of the whole network (``..._1.0_{rows}.h5``,
    the same layers plus a 1000-class classifier); among each, the input size nearest ``size``
    first (Keras trained one set of weights per size; all fit any input of 32 x 32 or more).

    Args:
        size: the height (= width) of the images the base will read.

    Returns:
        the path of the first file found, or None when there is none.
    """
    sizes = sorted(IMAGENET_SIZES, key=lambda rows: (abs(rows - size), rows))
    for top in ("_no_top", ""):
        for rows in sizes:
            for folder in keras_models_folders():
                path = folder / IMAGENET_FILE.format(size=rows, top=top)
                if path.is_file():
                    return path
    return None


@dataclass(frozen=True)
class TransferBase:
    """The pre-trained base of the chapter's transfer experiment.

    Attributes:
        kind: "imagenet" (MobileNetV2's ImageNet weights, from Keras' cache) or "course" (the
            small MobileNetV2 the course pre-trained on 500 face identities, in data/).
        path: the weights file.
        description: one line for the notebook to print: which base, and from which file.
    """

    kind: str
    path: Path
    description: str


def transfer_base(size: int = 96) -> TransferBase:
    """Choose the base: ImageNet's MobileNetV2 when its weights are in Keras' cache
    (:func:`imagenet_weights_file`), otherwise the course's, shipped in data/. Nothing is
    downloaded.

    Args:
        size: the height (= width) of the images an ImageNet base would read.
    """
    path = imagenet_weights_file(size)
    if path is not None:
        return TransferBase("imagenet", path, f"transfer base: MobileNetV2 pre-trained on ImageNet (1.3 million photos, 1,000 classes), from Keras' cache: {path}")  # fmt: skip
    folders = " or ".join(str(folder) for folder in keras_models_folders())
    return TransferBase("course", PRETRAINED, f"transfer base: the course's small MobileNetV2, pre-trained on 500 face identities ({PRETRAINED.name}); no ImageNet weights of MobileNetV2 in {folders}")  # fmt: skip


def load_imagenet(base, path: Path) -> None:
    """Load MobileNetV2's ImageNet weights from a Keras cache file into every layer of ``base``
    that has weights, matched by name (``base`` names its layers as keras.applications does).

    The file is read by Keras into ``keras.applications.MobileNetV2(weights=None)`` (given the
    path, never "imagenet": nothing is downloaded), and each layer's weights are copied over.

    Args:
        base: a keras.Model whose layers with weights are all MobileNetV2's, by name and shape.
        path: a file found by :func:`imagenet_weights_file`.

    Raises:
        ValueError: a layer of ``base`` with weights is not in the file, or has other shapes.
    """
    k = load_keras()
    path = Path(path)
    with_top = not path.name.endswith("_no_top.h5")
    source = k.applications.MobileNetV2(weights=None, include_top=with_top, input_shape=(96, 96, 3))  # fmt: skip
    source.load_weights(str(path))
    stored = {layer.name: layer for layer in source.layers if layer.weights}
    for layer in base.layers:
        if not layer.weights:
            continue
        if layer.name not in stored:
            raise ValueError(f"{path.name} has no weights for layer {layer.name!r}: the base must be named as keras.applications.MobileNetV2.")  # fmt: skip
        values = stored[layer.name].get_weights()
        shapes = [tuple(w.shape) for w in layer.weights]
        if shapes != [v.shape for v in values]:
            raise ValueError(f"layer {layer.name!r} has weights of shapes {shapes}; {path.name} holds {[v.shape for v in values]}.")  # fmt: skip
        layer.set_weights(values)
    del source


def load_base(base, choice: TransferBase) -> None:
    """Load the chosen base's weights into ``base``: :func:`load_pretrained` for the course's,
    :func:`load_imagenet` for ImageNet's.

    Args:
        base: the network without its classifier, built for ``choice`` (the notebook's
            ``base_of(network(...))``).
        choice: what :func:`transfer_base` returned.
    """
    if choice.kind == "imagenet":
        load_imagenet(base, choice.path)
    else:
        load_pretrained(base, choice.path)
