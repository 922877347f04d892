"""helpers.model_costs: multiply-adds counted from built Keras layers, against cases worked out by
hand and against Keras' own parameter counts (with stride 1 and "same" padding, every weight of a
convolution is used once at every output position, so multiply-adds = weights x positions)."""

import keras
import numpy as np
import pytest

from helpers.model_costs import layer_multiply_adds, multiply_adds


def test_convolutions_dense_and_pooling_worked_by_hand():
    """A 3 x 3 conv of 4 filters, "same", on 8 x 8 x 3: 8 * 8 outputs per filter, 4 filters, each
    3 * 3 * 3 = 27 products: 6,912. Then 4 filters 3 x 3 with stride 2 on its 8 x 8 x 4 output:
    4 * 4 * 4 outputs of 3 * 3 * 4 = 36 products: 2,304. A dense layer of 5 units on the
    4 * 4 * 4 = 64 numbers: 320. Pooling, batch norm and the flatten count nothing."""
    inputs = keras.Input((8, 8, 3))
    same = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    normed = keras.layers.BatchNormalization()(same)
    strided = keras.layers.Conv2D(4, 3, strides=2, padding="same")(normed)
    pooled = keras.layers.MaxPooling2D(1)(strided)
    outputs = keras.layers.Dense(5)(keras.layers.Flatten()(pooled))
    model = keras.Model(inputs, outputs)
    assert multiply_adds(model) == 6_912 + 2_304 + 320


def test_depthwise_separable_grouped_transposed_and_dense_worked_by_hand():
    def cost(layer, shape):
        keras.Model(inputs := keras.Input(shape), layer(inputs))
        return layer_multiply_adds(layer)

    # depthwise 3 x 3, multiplier 2, "same" on 8 x 8 x 4: 8 * 8 * (4 * 2) outputs of 9 products.
    assert cost(keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (8, 8, 4)) == 4_608  # fmt: skip
    # separable 3 x 3 to 16, "valid" on 6 x 6 x 4: 4 x 4 positions; depthwise 4 * 4 * 4 * 9 = 576,
    # then 1 x 1 from 4 to 16 channels, 4 * 4 * 16 * 4 = 1,024.
    assert cost(keras.layers.SeparableConv2D(16, 3), (6, 6, 4)) == 576 + 1_024
    # grouped 3 x 3, 8 filters in 2 groups, "same" on 5 x 5 x 4: each output sees 2 channels.
    assert cost(keras.layers.Conv2D(8, 3, groups=2, padding="same"), (5, 5, 4)) == 25 * 8 * 9 * 2
    # transposed 2 x 2, stride 2, 3 -> 8 channels on 4 x 4: the windows do not overlap, so each of
    # the 8 x 8 x 8 outputs receives the products of one input position's 3 channels: 1,536.
    assert cost(keras.layers.Conv2DTranspose(8, 2, strides=2), (4, 4, 3)) == 8 * 8 * 8 * 3
    # a dense layer applied at each of 4 positions of 6 numbers: 4 * 6 * 5.
    assert cost(keras.layers.Dense(5), (4, 6)) == 120


@pytest.mark.parametrize("seed", range(6))
def test_stride_one_same_convolutions_cost_their_weights_at_every_position(seed):
    rng = np.random.default_rng(seed)
    n_H, n_W, n_C_prev = (int(n) for n in rng.integers(3, 9, size=3))
    f, filters, mult = int(rng.integers(1, 4)) * 2 - 1, int(rng.integers(1, 9)), int(rng.integers(1, 3))  # fmt: skip
    for layer in (
        keras.layers.Conv2D(filters, f, padding="same", use_bias=False),
        keras.layers.DepthwiseConv2D(f, depth_multiplier=mult, padding="same", use_bias=False),
        keras.layers.SeparableConv2D(
            filters, f, depth_multiplier=mult, padding="same", use_bias=False
        ),
    ):
        inputs = keras.Input((n_H, n_W, n_C_prev))
        keras.Model(inputs, layer(inputs))
        assert layer_multiply_adds(layer) == layer.count_params() * n_H * n_W, type(layer).__name__


def test_a_nested_model_counts_its_layers():
    inner_in = keras.Input((6, 6, 2))
    inner = keras.Model(inner_in, keras.layers.Conv2D(3, 1)(inner_in))  # 36 * 3 * 2 = 216
    inputs = keras.Input((6, 6, 2))
    outer = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Flatten()(inner(inputs))))
    assert multiply_adds(outer) == 216 + 108 * 4
