"""helpers.viz.style_transfer: the top-activating patches on cases where the answer is known,
every figure drawn off screen, and the explorer headless with a stand-in preview."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from readable_figures import draw

from helpers.references import style_transfer as references
from helpers.viz import style_transfer as viz

CHAPTER = "08_style_transfer"


def red_detector(kernel_size: int):
    """A one-layer network whose channel 0 is the sum of the red values in a k x k window and
    channel 1 the sum of the green ones ("same" padding, no bias, linear)."""
    inputs = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(2, kernel_size, padding="same", use_bias=False, name="detector")
    model = keras.Model(inputs, [conv(inputs)])
    kernel = np.zeros((kernel_size, kernel_size, 3, 2), "float32")
    kernel[:, :, 0, 0] = 1.0
    kernel[:, :, 1, 1] = 1.0
    conv.set_weights([kernel])
    return model


def test_top_patches_are_the_receptive_fields_of_the_strongest_units():
    """Three dark images with one red square each: 3 x 3 of 0.9 (best unit 9 x 0.9 = 8.1 at the
    centre), 3 x 3 of 0.25 (2.25) and 2 x 2 of 0.7 in a corner (2.8, first reached by the unit at
    (0, 0), whose window sticks out of the image). The images rank 0, 2, 1, and each patch is the
    3 x 3 window around the best unit, cut at the border."""
    images = [np.zeros((8, 10, 3), "float32") for _ in range(3)]
    images[0][2:5, 3:6, 0] = 0.9  # centre (3, 4)
    images[1][4:7, 6:9, 0] = 0.25  # centre (5, 7)
    images[2][0:2, 0:2, 0] = 0.7  # windows centred on (0, 0) and (1, 1) tie; argmax takes the first
    model = red_detector(3)
    fields = references.receptive_fields(model)
    assert fields["detector"] == (3, 1, 0.0)
    result = viz.top_activating_patches(model, images, fields, ["detector"], channels=1, k=3)
    (channel, patches), = result["detector"]  # fmt: skip
    assert channel == 0
    np.testing.assert_array_equal(patches[0], images[0][2:5, 3:6])
    np.testing.assert_array_equal(patches[1], images[2][0:2, 0:2])  # rows and columns -1..1, cut
    np.testing.assert_array_equal(patches[2], images[1][4:7, 6:9])


def test_top_patches_pick_the_channel_with_the_largest_activation():
    images = [np.zeros((6, 6, 3), "float32")]
    images[0][1:4, 1:4, 1] = 1.0  # green only: channel 1 fires (9), channel 0 stays 0
    result = viz.top_activating_patches(red_detector(3), images, {"detector": (3, 1, 0.0)},
                                        ["detector"], channels=1, k=1)  # fmt: skip
    assert result["detector"][0][0] == 1


def test_layer_table_lists_channels_and_receptive_fields():
    model = keras.applications.VGG16(weights=None, include_top=False)
    table = viz.layer_table(model, references.receptive_fields(model), ["block1_conv2", "block5_conv3"])  # fmt: skip
    text = repr(table)
    assert "block1_conv2" in text and "5 x 5" in text and "196 x 196" in text and "1/16" in text


def test_figures_draw():
    rng = np.random.default_rng(0)
    image = rng.random((16, 20, 3))
    draw(viz.plot_depth_maps(image, {"a": rng.random((16, 20, 8)), "b": rng.random((4, 5, 8))}, channels=3))  # fmt: skip
    patches = {"a": [(0, [rng.random((5, 5, 3))] * 9), (3, [rng.random((5, 4, 3))] * 7)]}
    draw(viz.plot_top_patches(patches))
    draw(viz.plot_channel_images({"plain": rng.random((2, 8, 8, 3)), "reg": rng.random((2, 8, 8, 3))},
                                 {"plain": ["x", "y"], "reg": ["x", "y"]}))  # fmt: skip
    draw(viz.plot_style_transfer(image, rng.random((12, 12, 3)), image, title="t"))
    draw(viz.plot_style_losses({"J": [3.0, 2.0, 1.0], "J_style": [5.0, 1.0, 0.1]}))


def test_explorer_previews_the_ticked_layers_and_ratio():
    calls = []

    def preview(layers, ratio):
        calls.append((list(layers), ratio))
        return np.zeros((4, 6, 3)), f"{len(layers)} layers at {ratio:g}"

    box = viz.style_explorer(preview, ["l1", "l2", "l3"], log_ratio=-3.0)
    checkboxes, slider, button, label, output = box.children[0].children, *box.children[1:]
    assert calls == [(["l1", "l2", "l3"], pytest.approx(1e-3))]
    assert label.value == "3 layers at 0.001" and "image/png" in output.outputs[0]["data"]
    checkboxes[0].value = False
    slider.value = -5.0
    assert len(calls) == 1  # nothing runs until the button is pressed
    button.click()
    assert calls[-1] == (["l2", "l3"], pytest.approx(1e-5))
    for checkbox in checkboxes:
        checkbox.value = False
    button.click()
    assert len(calls) == 2 and "at least one" in label.value
