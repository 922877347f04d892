"""What a Keras network costs: multiply-adds of one forward pass, counted from the built layers.

Counting convention, as in He et al. 2015 (Table 1 calls them FLOPs; section 3.3 says
multiply-adds) and Howard et al. 2017 (MobileNets, section 3.2): one multiply-add per weight
per output position of the convolutions and dense layers. Biases, batch norm, activations,
pooling and the additions of shortcuts are left out.

Every chapter that quotes a cost counts it here, from the layers Keras built, so that a count
derived by hand in a chapter's text is checked against an independent one.
"""

from __future__ import annotations


def layer_multiply_adds(layer) -> int:
    """Multiply-adds of one layer for one example (0 for a layer that does no products).

    - ``Conv2D`` (``groups`` g): n_H * n_W * n_C outputs, each f_h * f_w * n_C_prev / g products.
    - ``DepthwiseConv2D`` (depth multiplier m): n_H * n_W * (n_C_prev * m) outputs, each f_h * f_w.
    - ``SeparableConv2D``: its depthwise part, then a 1 x 1 convolution of n_C_prev * m channels
      to n_C: n_H * n_W * n_C_prev * m * (f_h * f_w + n_C).
    - ``Conv2DTranspose``: every input position scatters its n_C_prev numbers through an
      f_h * f_w * n_C kernel: n_H_in * n_W_in * f_h * f_w * n_C_prev * n_C.
    - ``Dense`` of u units on n numbers (per position, when its input has more axes): n * u.
    - A nested keras.Model: the sum over its layers.

    Args:
        layer: a built Keras layer whose input and output shapes are known (a fixed-size input).

    Returns:
        int.
    """
    import keras

    def positions(shape) -> int:  # the spatial positions of an (m, n_H, n_W, n_C) shape
        count = 1
        for n in shape[1:-1]:
            count *= n
        return count

    if isinstance(layer, keras.Model):
        return multiply_adds(layer)
    if isinstance(layer, keras.layers.SeparableConv2D):
        f_h, f_w = layer.kernel_size
        n_C_prev, mult = layer.input.shape[-1], layer.depth_multiplier
        return int(positions(layer.output.shape) * n_C_prev * mult * (f_h * f_w + layer.filters))
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        f_h, f_w = layer.kernel_size
        return int(positions(layer.output.shape) * layer.output.shape[-1] * f_h * f_w)
    if isinstance(layer, keras.layers.Conv2DTranspose):
        f_h, f_w = layer.kernel_size
        n_C_prev, n_C = layer.input.shape[-1], layer.output.shape[-1]
        return int(positions(layer.input.shape) * f_h * f_w * n_C_prev * n_C)
    if isinstance(layer, keras.layers.Conv2D):
        f_h, f_w = layer.kernel_size
        n_C_prev, n_C = layer.input.shape[-1], layer.output.shape[-1]
        return int(positions(layer.output.shape) * n_C * f_h * f_w * n_C_prev // layer.groups)
    if isinstance(layer, keras.layers.Dense):
        return int(positions(layer.output.shape) * layer.input.shape[-1] * layer.units)
    return 0


def multiply_adds(model) -> int:
    """Multiply-adds of one forward pass of one example: the sum of :func:`layer_multiply_adds`.

    Args:
        model: a built keras.Model with known spatial shapes (a keras.Input with a fixed size).

    Returns:
        int.
    """
    return sum(layer_multiply_adds(layer) for layer in model.layers)
