"""helpers.viz.convolution, the explorers: they build headless, draw at once, and follow their
controls."""

import base64

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest

from helpers.viz import convolution as viz
from helpers.viz.convolution import kernel_explorer, output_size_explorer, pooling_explorer

matplotlib.use("Agg")

PNG_SIGNATURE = b"\x89PNG"


def _controls(box) -> dict:
    """Every control in a widget tree, by description."""
    found = {}
    for child in box.children:
        if isinstance(child, widgets.Box):
            found.update(_controls(child))
        elif getattr(child, "description", ""):
            found[child.description] = child
    return found


def _text_and_png(box) -> tuple[str, bytes | None]:
    label = next(c for c in box.children if isinstance(c, widgets.Label))
    output = next(c for c in box.children if isinstance(c, widgets.Output))
    (shown,) = output.outputs
    assert shown["data"]["text/plain"] == label.value
    png = shown["data"].get("image/png")
    return label.value, None if png is None else base64.b64decode(png)


def test_output_size_explorer_follows_its_sliders():
    box = output_size_explorer()
    assert isinstance(box, widgets.VBox)
    controls = _controls(box)
    assert {"n", "f", "pad", "stride"} <= set(controls)
    assert (controls["n"].min, controls["n"].max, controls["f"].max) == (3, 16, 7)
    text, png = _text_and_png(box)
    assert text == "output: 5 x 5"
    assert png.startswith(PNG_SIGNATURE)

    controls["stride"].value = 2
    assert _text_and_png(box)[0] == "output: 3 x 3"
    controls["pad"].value = 1
    controls["n"].value = 8
    assert _text_and_png(box)[0] == f"output: {(8 + 2 - 3) // 2 + 1} x {(8 + 2 - 3) // 2 + 1}"

    controls["n"].value = 3
    controls["pad"].value = 0
    controls["f"].value = 7  # larger than n + 2p: no output, a message instead of a traceback
    text, png = _text_and_png(box)
    assert text.startswith("no output: filter size f=7 is larger than the padded input")
    assert png is None
    controls["pad"].value = 2
    assert _text_and_png(box)[0] == "output: 1 x 1"


def test_output_size_explorer_refuses_out_of_range_start():
    with pytest.raises(ValueError, match=r"n=20 is outside the explorer's range 3..16"):
        output_size_explorer(n=20)


def test_kernel_explorer_follows_its_controls():
    image = np.random.default_rng(1).random((20, 20))
    box = kernel_explorer(image)
    controls = _controls(box)
    assert list(controls["kernel"].options) == list(viz.EDGE_KERNELS)
    text, png = _text_and_png(box)
    assert text.startswith("kernel: vertical, threshold: 0.30")
    assert png.startswith(PNG_SIGNATURE)
    controls["kernel"].value = "Scharr-y"
    controls["threshold"].value = 0.6
    text, png = _text_and_png(box)
    assert text.startswith("kernel: Scharr-y, threshold: 0.60")
    assert png.startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="rgb2gray"):
        kernel_explorer(np.zeros((8, 8, 3)))


def test_pooling_explorer_follows_its_controls():
    box = pooling_explorer(np.arange(36).reshape(6, 6))
    controls = _controls(box)
    assert _text_and_png(box)[0] == "max pool, f=2, stride=2: output 3 x 3"
    controls["mode"].value = "average"
    controls["f"].value = 3
    controls["stride"].value = 1
    text, png = _text_and_png(box)
    assert text == "average pool, f=3, stride=1: output 4 x 4"
    assert png.startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="2-D"):
        pooling_explorer(np.zeros((4, 4, 3)))
