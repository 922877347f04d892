"""helpers.viz.resnets: the counts the chapter quotes (against cases worked by hand and the
paper), the gradient and training figures, and the depth explorer, headless, on the chapter's
own solutions."""

import base64

import ipywidgets as widgets
import keras
import numpy as np
import pytest
from readable_figures import draw

from helpers.references import resnets as references
from helpers.viz import resnets as viz

CHAPTER = "03_resnets"


def test_resnet50_multiply_adds_are_near_the_papers():
    """He et al. 2015, Table 1: 3.8 x 10^9 multiply-adds. Counting every convolution and the
    dense layer gives 3.86 x 10^9; the paper does not say what it leaves out (within 2 %)."""
    model = references.resnet50_reference()
    macs = viz.multiply_adds(model)
    assert abs(macs / references.PAPER["resnet50_multiply_adds"] - 1) < 0.02
    table = viz.stage_table(model)
    assert "25,636,712" in repr(table) and "<td" in table.data
    assert [row.split()[0] for row in repr(table).splitlines()[2:]] == [
        "conv1", "conv2", "conv3", "conv4", "conv5", "top", "total"
    ]  # fmt: skip


def test_shortcut_additions_count_one_per_number(solved):
    inputs = keras.Input((6, 5, 8))
    block = keras.Model(inputs, solved["identity_block"](inputs, 3, (2, 2, 8), "b"))
    assert viz.shortcut_additions(block) == 6 * 5 * 8
    plain = keras.Model(inputs, solved["identity_block"](inputs, 3, (2, 2, 8), "p", shortcut=False))
    assert viz.shortcut_additions(plain) == 0
    assert viz.multiply_adds(block) == viz.multiply_adds(plain)


def test_gradient_norms_follow_the_layers(solved):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", name="stem")(inputs)
    x = solved["identity_block"](x, 3, (2, 2, 8), "b1")
    outputs = keras.layers.Dense(5, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    images = np.random.default_rng(0).normal(size=(4, 8, 8, 3)).astype("float32")
    norms = viz.kernel_gradient_norms(model, images, np.array([0, 1, 2, 3]))
    assert [name for name, _ in norms] == ["stem", "b1_1_conv", "b1_2_conv", "b1_3_conv"]
    assert all(value > 0 for _, value in norms)
    fig = draw(viz.plot_gradient_norms({"net": norms}, title="t"))
    assert fig.axes[0].get_yscale() == "log"


def test_training_figures_draw():
    histories = {"plain": {"loss": [1.7, 1.6], "accuracy": [0.2, 0.25]},
                 "residual": {"loss": [1.5, 1.0], "accuracy": [0.3, 0.6]}}  # fmt: skip
    fig = draw(viz.plot_degradation(histories, title="t"))
    assert len(fig.axes) == 2
    images = np.zeros((3, 8, 8, 3))
    draw(viz.plot_misclassified(images, np.array([0, 1, 2]), np.array([0, 2, 1]), ("a", "b", "c")))
    assert viz.plot_misclassified(images, np.array([0, 1]), np.array([0, 1]), ("a", "b")) == "no mistakes"  # fmt: skip


def test_depth_explorer_builds_headless_and_follows_its_slider(solved):
    def build(blocks, shortcut):
        inputs = keras.Input((8, 8, 3))
        x = keras.layers.Conv2D(8, 3, padding="same")(inputs)
        for b in range(blocks):
            x = solved["identity_block"](x, 3, (2, 2, 8), f"b{b}", shortcut=shortcut)
        return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))

    images = np.zeros((4, 8, 8, 3), np.float32)
    box = viz.depth_explorer(build, images, low=1, high=4, value=1)
    slider, label, output = box.children
    assert isinstance(slider, widgets.IntSlider)
    assert label.value.startswith("1 blocks, 4 weight layers:")
    assert "(+ 512 additions on the shortcuts)" in label.value  # 8 * 8 * 8 numbers, one block
    assert base64.b64decode(output.outputs[0]["data"]["image/png"]).startswith(b"\x89PNG")
    slider.value = 3
    assert label.value.startswith("3 blocks, 10 weight layers:")
    assert "(+ 1,536 additions" in label.value  # three blocks


def test_depth_explorer_refuses_a_value_outside_its_range():
    with pytest.raises(ValueError, match="outside the explorer's range"):
        viz.depth_explorer(lambda b, s: None, np.zeros((1, 8, 8, 3)), low=1, high=4, value=9)
