"""helpers.viz.keras_classics: the activation table's display, the network-shape figure and the
feature-map explorer, on the chapter's own solutions."""

import base64
import math

import ipywidgets as widgets
import numpy as np
import pytest
from readable_figures import draw

from helpers.references import keras_classics as references
from helpers.viz import keras_classics as viz_keras

CHAPTER = "02_keras_classics"


def test_activation_table_display_has_the_totals(solved):
    rows = solved["activation_table"]((32, 32, 1), references.lenet5_layers())
    text = viz_keras.format_activation_table(rows)
    total = references.reference_model((32, 32, 1), references.lenet5_layers()).count_params()
    assert f"{total:,}" in text and "(28, 28, 6)" in text
    assert "<td" in viz_keras.activation_table_html(rows).data
    assert math.isclose(sum(r["size"] for r in rows), 1024 + 4704 + 1176 + 1600 + 400 + 120 + 120 + 84 + 10)  # fmt: skip
    fig = draw(viz_keras.plot_network_shapes(rows, title="LeNet-5"))
    assert len(fig.axes) == 3


def test_feature_map_explorer_builds_headless_and_follows_its_controls(solved):
    model = solved["lenet5"]()
    images = np.random.default_rng(0).random((5, 32, 32, 1)).astype("float32")
    assert viz_keras.map_layers(model) == ["C1", "S2", "C3", "S4"]  # C5 is 1 x 1: left out
    box = viz_keras.feature_map_explorer(model, images, labels=[3, 1, 4, 1, 5])
    layer_menu, example = box.children[0].children
    label = next(c for c in box.children if isinstance(c, widgets.Label))
    output = next(c for c in box.children if isinstance(c, widgets.Output))
    assert label.value == "example 0 (label 3), layer C1: 6 maps of 28 x 28"
    assert base64.b64decode(output.outputs[0]["data"]["image/png"]).startswith(b"\x89PNG")
    layer_menu.value, example.value = "C3", 2
    assert label.value == "example 2 (label 4), layer C3: 16 maps of 10 x 10"
    fig = draw(viz_keras.plot_feature_map_overview(model, images[0]))
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 4 * 1 + 6 + 6 + 16 + 16


def test_feature_maps_name_an_unknown_layer(solved):
    with pytest.raises(ValueError, match="no layer 'C2'"):
        viz_keras.feature_maps(solved["lenet5"](), np.zeros((1, 32, 32, 1)), ["C2"])
