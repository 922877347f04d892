"""Independent reference computations, made with TensorFlow's own ops.

Checks compare learners' numpy code with these. They are references, not solutions: each is
a call to a TensorFlow op (``tf.nn.conv2d``, ``tf.nn.max_pool2d``, ``tf.GradientTape``), never
the loop the learner is asked to write. TensorFlow is imported on first use, so importing
this module is cheap.

Conventions: channels last. Inputs ``A_prev`` have shape (m, n_H_prev, n_W_prev, n_C_prev),
filters ``W`` (f, f, n_C_prev, n_C), biases ``b`` (n_C,). Results are float64 numpy arrays.
"""

from __future__ import annotations

import numpy as np


def _tf():
    import tensorflow as tf

    return tf


def _padding(pad: int) -> list[list[int]]:
    return [[0, 0], [pad, pad], [pad, pad], [0, 0]]


def conv2d(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Convolution layer output by ``tf.nn.conv2d`` (explicit zero padding) plus bias.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input.
        W: (f, f, n_C_prev, n_C) filters.
        b: (n_C,) biases.
        stride: step between windows, in both directions.
        pad: zero rows/columns added on each side.

    Returns:
        Z: (m, n_H, n_W, n_C) with n_H = floor((n_H_prev + 2 pad - f) / stride) + 1.
    """
    tf = _tf()
    Z = tf.nn.conv2d(
        tf.constant(A_prev, tf.float64),
        tf.constant(W, tf.float64),
        strides=stride,
        padding=_padding(pad),
    )
    return Z.numpy() + np.asarray(b, np.float64).reshape(1, 1, 1, -1)


def pool2d(A_prev: np.ndarray, f: int, stride: int, mode: str) -> np.ndarray:
    """Max or average pooling by ``tf.nn.max_pool2d`` / ``tf.nn.avg_pool2d`` (no padding).

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C) input.
        f: window size.
        stride: step between windows.
        mode: "max" or "average".

    Returns:
        A: (m, n_H, n_W, n_C) with n_H = floor((n_H_prev - f) / stride) + 1.
    """
    tf = _tf()
    op = {"max": tf.nn.max_pool2d, "average": tf.nn.avg_pool2d}[mode]
    return op(tf.constant(A_prev, tf.float64), f, stride, "VALID").numpy().astype(np.float64)


def conv2d_gradients(
    dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, stride: int, pad: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a convolution layer by automatic differentiation (``tf.GradientTape``).

    Args:
        dZ: (m, n_H, n_W, n_C) gradient of the cost with respect to the layer's output.
        A_prev, W, b, stride, pad: the layer's inputs, as in :func:`conv2d`.

    Returns:
        dA_prev (m, n_H_prev, n_W_prev, n_C_prev), dW (f, f, n_C_prev, n_C), db (n_C,).
    """
    tf = _tf()
    A_t, W_t, b_t = (tf.Variable(np.asarray(x, np.float64)) for x in (A_prev, W, b))
    with tf.GradientTape() as tape:
        Z = tf.nn.conv2d(A_t, W_t, strides=stride, padding=_padding(pad)) + b_t
    grads = tape.gradient(Z, [A_t, W_t, b_t], output_gradients=tf.constant(dZ, tf.float64))
    return tuple(g.numpy() for g in grads)


def pool2d_gradient(
    dA: np.ndarray, A_prev: np.ndarray, f: int, stride: int, mode: str
) -> np.ndarray:
    """Gradient of a pooling layer by automatic differentiation (``tf.GradientTape``).

    Args:
        dA: (m, n_H, n_W, n_C) gradient of the cost with respect to the pooled output.
        A_prev, f, stride, mode: the layer's inputs, as in :func:`pool2d`.

    Returns:
        dA_prev: (m, n_H_prev, n_W_prev, n_C). Where several inputs of a window tie for its
        maximum, TensorFlow gives that window's gradient to the first of them in row-major
        order only.
    """
    tf = _tf()
    op = {"max": tf.nn.max_pool2d, "average": tf.nn.avg_pool2d}[mode]
    # float64 like the learner's arrays: in float32 two inputs closer than float32's precision
    # would tie, and TensorFlow could then send the gradient to the smaller one.
    A_t = tf.Variable(np.asarray(A_prev, np.float64))
    with tf.GradientTape() as tape:
        A = op(A_t, f, stride, "VALID")
    dA_t = tf.constant(dA, A.dtype)
    return tape.gradient(A, A_t, output_gradients=dA_t).numpy()
