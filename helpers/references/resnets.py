"""References for chapter 03: residual networks, as Keras and TensorFlow's own ops compute them.

- ``keras.applications.ResNet50(weights=None)`` for the whole network (:func:`resnet50_reference`):
  its layer names, output shapes and parameter counts are what a learner's ``resnet50`` is
  compared with.
- The bottleneck block written with TensorFlow ops (:func:`bottleneck_reference`), on weights
  copied out of a learner's Keras layers: the numbers a learner's ``identity_block`` and
  ``convolutional_block`` must give in inference mode. It is a formula, not a Keras model, so
  that it checks the learner's layers (their strides, paddings, wiring) rather than repeating
  them; ``tests/test_checks_resnets.py`` checks it against the blocks of
  ``keras.applications.ResNet50`` itself.
- The published figures the chapter quotes (:data:`PAPER`), from He et al. 2015 and 2016.
- The trained weights of the chapter's small ResNet, shipped in data/ with their checksum
  (:data:`PRETRAINED`, :func:`load_pretrained`); ``make pretrain`` remakes them.

Role names: every layer of a block is named ``<block name>_<role>``, as in
``keras.applications.ResNet50`` (``conv2_block1_1_conv``, ``conv2_block1_add``, ...). The roles,
in the order data flows through them: ``0_conv`` and ``0_bn`` (the projection shortcut, only in a
convolutional block), ``1_conv``, ``1_bn``, ``1_relu`` (1 x 1, stride ``s``), ``2_conv``, ``2_bn``,
``2_relu`` (f x f, "same"), ``3_conv``, ``3_bn`` (1 x 1), ``add`` (absent in a plain block),
``out`` (the last ReLU).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from helpers.references.common import load_keras
from helpers.weights import load_weights

# He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016,
# arXiv:1512.03385), and "Identity Mappings in Deep Residual Networks" (ECCV 2016,
# arXiv:1603.05027): the figures the chapter quotes, as printed.
PAPER = {
    # Table 1, "FLOPs" row (the text calls them multiply-adds): 34-layer, 50-layer ResNet.
    "resnet34_multiply_adds": 3.6e9,
    "resnet50_multiply_adds": 3.8e9,
    "vgg19_multiply_adds": 19.6e9,  # section 3.3
    # Table 1: bottleneck blocks per stage (conv2_x .. conv5_x) and their filters (F1, F2, F3).
    "resnet50_blocks": (3, 4, 6, 3),
    "resnet50_filters": ((64, 64, 256), (128, 128, 512), (256, 256, 1024), (512, 512, 2048)),
    # Identity Mappings, Table 2: ResNet-110 on CIFAR-10, test error (%), original unit versus
    # the ReLU moved before the addition.
    "cifar_resnet110_error_original": 6.61,
    "cifar_resnet110_error_relu_before_add": 7.84,
}

ROLES = ("0_conv", "0_bn", "1_conv", "1_bn", "1_relu", "2_conv", "2_bn", "2_relu", "3_conv",
         "3_bn", "add", "out")  # fmt: skip


def block_roles(*, projection: bool, shortcut: bool = True) -> list[str]:
    """The roles of a bottleneck block's layers, in the order data flows through them.

    Args:
        projection: True for a convolutional block (a 1 x 1 conv and a batch norm on the
            shortcut), False for an identity block.
        shortcut: False for the plain block (no addition; only without projection).

    Returns:
        list of role names, a subset of :data:`ROLES`.
    """
    roles = [r for r in ROLES if projection or not r.startswith("0_")]
    return roles if shortcut else [r for r in roles if r != "add"]


def resnet50_reference(input_shape: Sequence[int] = (224, 224, 3), num_classes: int = 1000):
    """``keras.applications.ResNet50(weights=None)`` for an input shape and a number of classes.

    Args:
        input_shape: (n_H, n_W, 3) of one example, at least 32 x 32 (Keras' own limit).
        num_classes: units of the last layer, "predictions" (softmax).

    Returns:
        keras.Model, untrained (nothing is downloaded).
    """
    return load_keras().applications.ResNet50(
        weights=None, input_shape=tuple(input_shape), classes=num_classes
    )


def _conv(inputs, weights: Mapping, role: str, stride: int = 1):
    """tf.nn.conv2d plus the bias; the middle (f x f) convolution pads "same", the 1 x 1 ones
    need no padding."""
    import tensorflow as tf

    padding = "SAME" if role == "2_conv" else "VALID"
    return (
        tf.nn.conv2d(inputs, weights["kernel"], strides=stride, padding=padding) + weights["bias"]
    )


def _bn(inputs, weights: Mapping):
    """tf.nn.batch_normalization with the moving statistics: batch norm in inference mode."""
    import tensorflow as tf

    return tf.nn.batch_normalization(
        inputs, weights["moving_mean"], weights["moving_variance"], weights["beta"],
        weights["gamma"], weights["epsilon"],
    )  # fmt: skip


def projection_reference(x: np.ndarray, weights: Mapping, *, stride: int = 1) -> np.ndarray:
    """The projection shortcut bn0(conv0(x)) in inference mode, with TensorFlow ops.

    Args:
        x: (m, n_H, n_W, n_C) float32 input.
        weights: {"0_conv": {...}, "0_bn": {...}} as for :func:`bottleneck_reference`.
        stride: the stride of the 1 x 1 convolution.

    Returns:
        (m, ceil(n_H / stride), ceil(n_W / stride), F3) array.
    """
    a = np.asarray(x, dtype=np.float32)
    return _bn(_conv(a, weights["0_conv"], "0_conv", stride), weights["0_bn"]).numpy()


def bottleneck_reference(
    x: np.ndarray,
    weights: Mapping[str, Mapping[str, np.ndarray | float]],
    *,
    stride: int = 1,
    projection: bool = False,
    shortcut: bool = True,
) -> dict[str, np.ndarray]:
    """A bottleneck block in inference mode, written with TensorFlow ops, on given weights.

    ``conv`` is ``tf.nn.conv2d`` plus the bias, ``bn`` is ``tf.nn.batch_normalization`` with
    the moving mean and variance (inference), ``relu`` is ``tf.nn.relu``::

        main     = bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x, stride))))))))
        shortcut = x, or bn0(conv0(x, stride)) with a projection
        out      = relu(main + shortcut)          (relu(main) for the plain block)

    Args:
        x: (m, n_H, n_W, n_C) float32 input.
        weights: {role: {...}} for the roles of :func:`block_roles`: a conv role holds
            ``kernel`` (f, f, n_C_prev, n_C) and ``bias`` (n_C,); a bn role holds ``gamma``,
            ``beta``, ``moving_mean``, ``moving_variance`` (n_C,) and ``epsilon`` (float).
        stride: the stride of ``1_conv`` and ``0_conv``.
        projection: whether the shortcut is ``bn0(conv0(x))`` rather than ``x``.
        shortcut: False for the plain block: no addition at all.

    Returns:
        {role: array (m, n_H', n_W', n_C')}: the output of every layer, by role.
    """
    import tensorflow as tf

    out = {}
    a = tf.constant(np.asarray(x, dtype=np.float32))
    if projection:
        out["0_conv"] = _conv(a, weights["0_conv"], "0_conv", stride)
        out["0_bn"] = _bn(out["0_conv"], weights["0_bn"])
    out["1_conv"] = _conv(a, weights["1_conv"], "1_conv", stride)
    out["1_bn"] = _bn(out["1_conv"], weights["1_bn"])
    out["1_relu"] = tf.nn.relu(out["1_bn"])
    out["2_conv"] = _conv(out["1_relu"], weights["2_conv"], "2_conv")
    out["2_bn"] = _bn(out["2_conv"], weights["2_bn"])
    out["2_relu"] = tf.nn.relu(out["2_bn"])
    out["3_conv"] = _conv(out["2_relu"], weights["3_conv"], "3_conv")
    out["3_bn"] = _bn(out["3_conv"], weights["3_bn"])
    if shortcut:
        out["add"] = out["3_bn"] + (out["0_bn"] if projection else a)
        out["out"] = tf.nn.relu(out["add"])
    else:
        out["out"] = tf.nn.relu(out["3_bn"])
    return {role: value.numpy() for role, value in out.items()}


def layer_weights(layer) -> dict[str, np.ndarray | float]:
    """The weights of a Conv2D or BatchNormalization layer, by the names
    :func:`bottleneck_reference` reads (a conv without a bias gets a zero bias).

    Args:
        layer: a built keras.layers.Conv2D or keras.layers.BatchNormalization.
    """
    k = load_keras()
    if isinstance(layer, k.layers.BatchNormalization):
        n = layer.moving_mean.shape[0]
        value = {
            "gamma": layer.gamma.numpy() if layer.scale else np.ones(n, np.float32),
            "beta": layer.beta.numpy() if layer.center else np.zeros(n, np.float32),
            "moving_mean": layer.moving_mean.numpy(),
            "moving_variance": layer.moving_variance.numpy(),
            "epsilon": float(layer.epsilon),
        }
        return value
    kernel = layer.kernel.numpy()
    bias = layer.bias.numpy() if layer.use_bias else np.zeros(kernel.shape[-1], np.float32)
    return {"kernel": kernel, "bias": bias}


# ---------------------------------------------------------------- the shipped trained weights
# The chapter's small ResNet, trained on the shapes by `make pretrain`
# (helpers/grading/pretrain.py) for longer than the chapter's time budget allows; the file
# format and its checksum are helpers.weights' (save_weights, load_weights).
PRETRAINED = Path(__file__).resolve().parents[2] / "data" / "resnets_small_shapes.npz"


def load_pretrained(model, path: Path = PRETRAINED) -> None:
    """Load the shipped weights into ``model``, after checking the file and the architecture.

    Args:
        model: the chapter's small ResNet, built by ``small_resnet()``.
        path: the .npz file (default: the one shipped in data/).

    Raises:
        FileNotFoundError, ValueError: as :func:`helpers.weights.load_weights`.
    """
    load_weights(model, path, network="the chapter's small_resnet")
