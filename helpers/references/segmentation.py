"""References for chapter 06: semantic segmentation, as Keras and TensorFlow's own ops compute it.

- ``keras.layers.Conv2DTranspose`` with weights copied in (:func:`conv_transpose_reference`): the
  numbers a learner's numpy ``conv_transpose_forward`` must give. Keras stores the kernel of a
  transposed convolution as ``(f, f, n_C, n_C_prev)`` (output channels before input channels,
  the kernel of the convolution it is the transpose of); the chapter writes ``W`` as
  ``(f, f, n_C_prev, n_C)``, like a convolution's, and the copy swaps the last two axes.
- The gradient of a convolution with respect to its input, by ``tf.GradientTape``
  (:func:`conv_input_gradient`): what a transposed convolution computes.
- ``keras.metrics.MeanIoU`` (:func:`mean_iou_reference`): per-class and mean intersection over
  union, classes absent from both maps left out of the mean, as Keras does.
- The blocks of the chapter's U-Net written with TensorFlow ops on weights copied out of a
  learner's Keras layers (:func:`conv_block_reference`, :func:`upsampling_block_reference`), in
  inference mode: a formula, not a Keras model, so that it checks the learner's layers.
- The trained weights of the chapter's U-Net and of its twin without skip connections, shipped
  in data/ with their checksums (:data:`PRETRAINED`, :func:`load_pretrained`); ``make pretrain``
  remakes them.

Layer names of a block (``name`` is the block's prefix): ``<name>_conv1``, ``<name>_bn1``,
``<name>_relu1``, ``<name>_conv2``, ``<name>_bn2``, ``<name>_relu2``, and ``<name>_pool`` after a
contracting block; an expanding block starts with ``<name>_up`` (the transposed convolution)
and ``<name>_concat``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from helpers.references.common import load_keras
from helpers.weights import load_weights

DATA = Path(__file__).resolve().parents[2] / "data"
PRETRAINED = {
    True: DATA / "segmentation_unet.npz",
    False: DATA / "segmentation_unet_no_skips.npz",
}


def conv_transpose_reference(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int = 1, padding: str = "valid"
) -> np.ndarray:
    """``keras.layers.Conv2DTranspose`` applied with the given weights.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input.
        W: (f, f, n_C_prev, n_C) kernel, laid out as a convolution's.
        b: (n_C,) bias.
        stride: the stride s.
        padding: "valid" or "same".

    Returns:
        (m, n_H, n_W, n_C) float64 array: n_H = (n_H_prev - 1) s + max(f, s) for "valid",
        n_H_prev s for "same" (the same for the width).
    """
    keras = load_keras()
    f, _, n_C_prev, n_C = W.shape
    layer = keras.layers.Conv2DTranspose(n_C, f, strides=stride, padding=padding)
    layer.build((None, *A_prev.shape[1:3], n_C_prev))
    layer.set_weights([np.transpose(W, (0, 1, 3, 2)).astype(np.float32), b.astype(np.float32)])
    return np.asarray(layer(np.asarray(A_prev, dtype=np.float32)), dtype=np.float64)


def conv_input_gradient(X: np.ndarray, W: np.ndarray, dZ: np.ndarray, stride: int = 1):
    """The gradient of sum(Z * dZ), Z = conv(X, W) ("valid", stride s), with respect to X.

    Args:
        X: (m, n_H_prev, n_W_prev, n_C_prev) input of the convolution.
        W: (f, f, n_C_prev, n_C) its kernel.
        dZ: (m, n_H, n_W, n_C) the gradient arriving at its output.
        stride: the convolution's stride.

    Returns:
        (m, n_H_prev, n_W_prev, n_C_prev) float64 array, computed by ``tf.GradientTape``.
    """
    import tensorflow as tf

    X = tf.constant(np.asarray(X, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(X)
        Z = tf.nn.conv2d(X, np.asarray(W, np.float32), strides=stride, padding="VALID")
        loss = tf.reduce_sum(Z * np.asarray(dZ, np.float32))
    return tape.gradient(loss, X).numpy().astype(np.float64)


def mean_iou_reference(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int):
    """Per-class IoU and mean IoU, by ``keras.metrics.MeanIoU``.

    Args:
        y_true: integer class map of any shape, values in 0 .. num_classes - 1.
        y_pred: integer class map of the same shape.
        num_classes: the number of classes C.

    Returns:
        (mean, per_class): the mean IoU (a float) over the classes present in either map, and a
        (C,) float64 array of each class's IoU, NaN for a class absent from both maps.
    """
    keras = load_keras()
    metric = keras.metrics.MeanIoU(num_classes=num_classes)
    metric.update_state(np.ravel(y_true), np.ravel(y_pred))
    cm = np.asarray(metric.total_cm, dtype=np.float64)  # rows: truth, columns: prediction
    union = cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(union > 0, np.diag(cm) / union, np.nan)
    return float(metric.result()), per_class


def layer_weights(model, name: str) -> dict:
    """{"kernel", "bias"} or the batch norm's four arrays and epsilon, of the layer ``name``."""
    layer = model.get_layer(name)
    kind = type(layer).__name__
    if kind == "BatchNormalization":
        gamma, beta, mean, variance = layer.get_weights()
        return dict(gamma=gamma, beta=beta, moving_mean=mean, moving_variance=variance,
                    epsilon=layer.epsilon)  # fmt: skip
    kernel, bias = layer.get_weights()
    return dict(kernel=kernel, bias=bias)


def _conv_bn_relu(x, weights: Mapping, name: str, index: int):
    """3 x 3 convolution ("same", with its bias), batch norm in inference mode, ReLU."""
    import tensorflow as tf

    conv = weights[f"{name}_conv{index}"]
    x = tf.nn.conv2d(x, conv["kernel"], strides=1, padding="SAME") + conv["bias"]
    bn = weights[f"{name}_bn{index}"]
    x = tf.nn.batch_normalization(x, bn["moving_mean"], bn["moving_variance"], bn["beta"],
                                  bn["gamma"], bn["epsilon"])  # fmt: skip
    return tf.nn.relu(x)


def conv_block_reference(x: np.ndarray, weights: Mapping, name: str, pool: bool = True):
    """A contracting block in inference mode, with TensorFlow ops.

    Args:
        x: (m, n_H, n_W, n_C_prev) input.
        weights: {layer name: layer_weights(...)} for ``<name>_conv1``, ``_bn1``, ``_conv2``,
            ``_bn2``.
        name: the block's prefix.
        pool: whether a 2 x 2 max pooling (stride 2) follows.

    Returns:
        (next, skip): skip (m, n_H, n_W, F) after the second ReLU; next is skip pooled,
        (m, n_H // 2, n_W // 2, F), or skip itself without pooling.
    """
    import tensorflow as tf

    x = tf.constant(np.asarray(x, dtype=np.float32))
    skip = _conv_bn_relu(_conv_bn_relu(x, weights, name, 1), weights, name, 2)
    nxt = tf.nn.max_pool2d(skip, 2, 2, "VALID") if pool else skip
    return nxt.numpy(), skip.numpy()


def upsampling_block_reference(x: np.ndarray, skip, weights: Mapping, name: str) -> np.ndarray:
    """An expanding block in inference mode, with TensorFlow ops.

    Args:
        x: (m, n_H, n_W, n_C_prev) input from the level below.
        skip: (m, 2 n_H, 2 n_W, n_C_skip) the contracting path's tensor, or None (no skip).
        weights: {layer name: layer_weights(...)} for ``<name>_up``, ``_conv1``, ``_bn1``,
            ``_conv2``, ``_bn2``.
        name: the block's prefix.

    Returns:
        (m, 2 n_H, 2 n_W, F) array: 2 x 2 transposed convolution with stride 2, concatenation
        [up, skip] on the channels, then two 3 x 3 convolutions, batch norms and ReLUs.
    """
    import tensorflow as tf

    x = tf.constant(np.asarray(x, dtype=np.float32))
    up_w = weights[f"{name}_up"]
    m, n_H, n_W, _ = x.shape
    n_C = up_w["kernel"].shape[2]
    up = tf.nn.conv2d_transpose(x, up_w["kernel"], (m, 2 * n_H, 2 * n_W, n_C), 2, "SAME")
    up = up + up_w["bias"]
    if skip is not None:
        up = tf.concat([up, np.asarray(skip, dtype=np.float32)], axis=-1)
    return _conv_bn_relu(_conv_bn_relu(up, weights, name, 1), weights, name, 2).numpy()


def load_pretrained(model, skips: bool = True) -> None:
    """Load the chapter's trained U-Net (or its twin without skips) into ``model``.

    Args:
        model: the network built by the chapter's ``unet(...)`` with the chapter's arguments
            (same layer names and shapes).
        skips: True for the U-Net, False for the twin without skip connections.

    Raises:
        FileNotFoundError, ValueError: as :func:`helpers.weights.load_weights` (a missing or
            damaged file, or a network that does not have exactly the file's weights).
    """
    network = "the chapter's unet" + ("" if skips else " without skips (skips=False)")
    load_weights(model, PRETRAINED[skips], network=network)
