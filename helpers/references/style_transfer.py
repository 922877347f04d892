"""References for chapter 08: what ConvNets learn, and neural style transfer.

- :data:`GATYS`: the choices of Gatys, Ecker & Bethge (2015, "A Neural Algorithm of Artistic
  Style", arXiv:1508.06576; the same in their CVPR 2016 paper), with Keras' layer names.
- The paper's costs written as ``numpy.einsum`` over the paper's own indices (filter ``i``,
  ``j``, position ``k``): :func:`paper_gram`, :func:`paper_content_cost`,
  :func:`paper_layer_style_cost`, :func:`paper_style_cost`. They read the formulas as printed,
  in float64, and share no code with the learner's TensorFlow versions.
- :func:`vgg_input`: VGG's input convention as TensorFlow ops (differentiable), for optimising
  pixels in ``[0, 1]``.
- :func:`receptive_fields`: the size, stride and offset of every layer's receptive field,
  computed from the layers' configurations (Zeiler & Fergus's image patches).
"""

from __future__ import annotations

import numpy as np

# Gatys et al. 2015, Figure 2 and its text; layer names as in keras.applications (their conv4_2
# is block4_conv2; Keras' conv layers include the ReLU, as Caffe's in-place ReLU did).
GATYS = {
    "content_layer": "block4_conv2",
    "style_layers": ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"),
    "style_weight": 1 / 5,  # w_l = 1/5 for each of the five layers, 0 for every other layer
    "alpha_over_beta": (1e-3, 1e-4),  # the ratios of Figure 2 (Figure 3 spans 1e-5 .. 1e-2)
}  # fmt: skip

# keras.applications.vgg16.preprocess_input: BGR, 0..255, minus the ImageNet means (B, G, R).
MEAN_BGR = (103.939, 116.779, 123.68)


def vgg_input(images):
    """VGG's input convention, as differentiable TensorFlow ops.

    Args:
        images: float32 tensor or array ``(N, H, W, 3)``, RGB in ``[0, 1]``.

    Returns:
        float32 tensor ``(N, H, W, 3)``: BGR, 0..255 minus the ImageNet channel means (the same
        numbers as ``helpers.weights.preprocess``).
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images, dtype=tf.float32)
    return images[..., ::-1] * 255.0 - tf.constant(MEAN_BGR, dtype=tf.float32)


def _paper_matrix(features) -> np.ndarray:
    """The paper's F^l: one row per filter i, one column per position k: ``(N_l, M_l)``.

    Args:
        features: array ``(1, n_H, n_W, n_C)``.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 4 or features.shape[0] != 1:
        raise ValueError(f"expected features of shape (1, n_H, n_W, n_C); got {features.shape}")
    n_C = features.shape[-1]
    return features.reshape(-1, n_C).T  # position k = row-major (h, w), the order is irrelevant


def paper_gram(features) -> np.ndarray:
    """Gatys et al. (2015), eq. 3: ``G_ij = sum_k F_ik F_jk``, without any normalisation.

    Args:
        features: array ``(1, n_H, n_W, n_C)``.

    Returns:
        float64 ``(n_C, n_C)``.
    """
    F = _paper_matrix(features)
    return np.einsum("ik,jk->ij", F, F)


def paper_content_cost(content_features, generated_features) -> float:
    """Gatys et al. (2015), eq. 1: ``1/2 sum_ij (F_ij - P_ij)^2``, summed, not averaged.

    Args:
        content_features: P, array ``(1, n_H, n_W, n_C)`` (the content image's features).
        generated_features: F, array of the same shape (the generated image's features).

    Returns:
        float.
    """
    D = _paper_matrix(generated_features) - _paper_matrix(content_features)
    return float(0.5 * np.einsum("ik,ik->", D, D))


def paper_layer_style_cost(style_gram, generated_features) -> float:
    """Gatys et al. (2015), eq. 4: ``E_l = 1 / (4 N_l^2 M_l^2) sum_ij (G_ij - A_ij)^2``.

    N_l is the number of filters of the layer and M_l the number of positions of ITS feature
    map (height x width of the layer's output, not of the input image).

    Args:
        style_gram: A, array ``(n_C, n_C)``, the style image's Gram matrix at this layer.
        generated_features: array ``(1, n_H, n_W, n_C)``, the generated image's features.

    Returns:
        float.
    """
    F = _paper_matrix(generated_features)
    N, M = F.shape
    D = np.einsum("ik,jk->ij", F, F) - np.asarray(style_gram, dtype=np.float64)
    return float(np.einsum("ij,ij->", D, D) / (4.0 * N**2 * M**2))


def paper_style_cost(style_grams, generated_features, weights) -> float:
    """Gatys et al. (2015), eq. 5: ``L_style = sum_l w_l E_l``.

    Args:
        style_grams: list of L arrays, each ``(n_C^l, n_C^l)``.
        generated_features: list of L arrays, each ``(1, n_H^l, n_W^l, n_C^l)``.
        weights: list of L floats w_l.

    Returns:
        float.
    """
    return float(
        sum(
            w * paper_layer_style_cost(A, F)
            for A, F, w in zip(style_grams, generated_features, weights, strict=True)
        )
    )


def paper_content_gradient(content_features, generated_features) -> np.ndarray:
    """Gatys et al. (2015), eq. 2: the derivative of eq. 1 with respect to F is ``F - P``.

    Args:
        content_features: P, array ``(1, n_H, n_W, n_C)``.
        generated_features: F, array of the same shape.

    Returns:
        float64 array ``(1, n_H, n_W, n_C)``.
    """
    return np.asarray(generated_features, np.float64) - np.asarray(content_features, np.float64)


def paper_layer_style_gradient(style_gram, generated_features) -> np.ndarray:
    """Gatys et al. (2015), eq. 6: ``dE_l / dF_ik = 1 / (N_l^2 M_l^2) ((F^l)^T (G^l - A^l))_ki``
    (A and G are symmetric, so the order of the product's indices does not matter).

    Args:
        style_gram: A, array ``(n_C, n_C)``, symmetric.
        generated_features: array ``(1, n_H, n_W, n_C)``.

    Returns:
        float64 array ``(1, n_H, n_W, n_C)``, the derivative at every feature.
    """
    F = _paper_matrix(generated_features)
    N, M = F.shape
    D = np.einsum("ik,jk->ij", F, F) - np.asarray(style_gram, dtype=np.float64)
    grad = np.einsum("ij,jk->ik", D, F) / (N**2 * M**2)  # (N, M), filter by position
    return grad.T.reshape(np.shape(generated_features))


def receptive_fields(model) -> dict[str, tuple[int, int, float]]:
    """The receptive field of one unit of every layer of a plain convolutional network.

    Going forward, each convolution or pooling of window ``k`` and stride ``s`` grows the field
    by ``(k - 1) * jump`` input pixels and multiplies the jump (the distance, in input pixels,
    between neighbouring units) by ``s``. The centre of unit 0 moves by ``(k - 1) / 2 * jump``
    for a "valid" window and stays put for "same" (Keras pads (k - 1) / 2 on each side for odd k).

    Args:
        model: a keras.Model made of Conv2D / MaxPooling2D / AveragePooling2D layers in a chain
            (VGG without its top).

    Returns:
        ``{layer name: (size, jump, centre of unit 0)}``: unit ``(r, c)`` of the layer sees the
        ``size x size`` input pixels centred on ``(centre + r * jump, centre + c * jump)``.
    """
    size, jump, centre = 1, 1, 0.0
    fields: dict[str, tuple[int, int, float]] = {}
    for layer in model.layers:
        config = layer.get_config()
        if "kernel_size" in config or "pool_size" in config:
            k = (config.get("kernel_size") or config.get("pool_size"))[0]
            s = config["strides"][0]
            size += (k - 1) * jump
            if config.get("padding", "valid") == "valid":
                centre += (k - 1) / 2 * jump
            jump *= s
        fields[layer.name] = (size, jump, centre)
    return fields
