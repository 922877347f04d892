"""helpers.viz.segmentation: the boundary measure (against cases worked by hand), the figures and
the explorer, headless, on small class maps and the chapter's own solutions."""

import ipywidgets as widgets
import numpy as np
from figure_harness import draw

from helpers.datasets import SEG_CLASS_NAMES
from helpers.viz import segmentation as viz

CHAPTER = "06_segmentation"


def _maps():
    """Two 6 x 6 class maps: a 2 x 2 square of class 2 in the first, nothing in the second."""
    truth = np.zeros((2, 6, 6), dtype=np.uint8)
    truth[0, 2:4, 2:4] = 2
    return truth


def test_boundary_mask_by_hand():
    """The 2 x 2 square's four pixels and the twelve around it (a 4 x 4 ring) are within one
    pixel of a change of class; the empty map has no boundary."""
    edge = viz.boundary_mask(_maps())
    assert edge[0].sum() == 16 and edge[0, 1:5, 1:5].all()
    assert not edge[1].any()


def test_boundary_accuracy_by_hand():
    truth = _maps()
    predicted = truth.copy()
    assert viz.boundary_accuracy(truth, predicted) == 1.0
    predicted[0, 2:4, 2:4] = 0  # the square missed: its 4 pixels wrong, the 12 around it right
    assert viz.boundary_accuracy(truth, predicted) == 12 / 16


def test_iou_table_shows_absent_classes_as_a_dash():
    table = viz.iou_table({"net": (0.5, np.array([0.9, np.nan, 0.1]))}, ["a", "b", "c"])
    assert "0.900" in repr(table) and " - " in repr(table) + " " and "<td" in table.data


def test_figures_draw():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 6, (8, 16, 16)).astype(np.uint8)
    images = rng.random((8, 16, 16, 3))
    instances = rng.integers(0, 4, (8, 16, 16)).astype(np.uint8)
    draw(viz.show_scenes(images, truth, instances, SEG_CLASS_NAMES, n=4))
    draw(viz.plot_maps({"a": np.ones((4, 4)), "b": np.arange(16).reshape(4, 4)}, "t"))
    fig = draw(viz.plot_predictions(images, truth, {"net": truth[::-1]}, SEG_CLASS_NAMES, [0, 1]))
    assert len(fig.axes) == 4 * 2
    draw(viz.plot_semantic_instance(images, truth, instances, SEG_CLASS_NAMES, [0, 1, 2]))
    errors = viz.error_image(images[0], truth[0], truth[1])
    assert np.allclose(errors[truth[0] != truth[1]], viz.ERROR_COLOUR)


def test_unet_figure_is_drawn_from_the_model(solved):
    model = solved["unet"]((16, 16, 3), 6, widths=(4, 8, 16))
    fig = draw(viz.plot_unet(model))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[::2] == ["down1", "down2", "bottom", "up2", "up1", "logits"]
    assert "4 x 4 x 16" in texts and "16 x 16 x 6" in texts
    assert "skip connection (concatenation)" in fig.axes[0].get_title()
    no_skips = draw(viz.plot_unet(solved["unet"]((16, 16, 3), 6, widths=(4, 8, 16), skips=False)))
    assert "no skip connection" in no_skips.axes[0].get_title()


def test_explorer_draws_its_first_state_and_follows_the_widgets():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 6, (3, 8, 8)).astype(np.uint8)
    predicted = truth.copy()
    predicted[1, 0, :] = (truth[1, 0, :] + 1) % 6
    explorer = viz.segmentation_explorer(rng.random((3, 8, 8, 3)), truth, {"net": predicted},
                                         SEG_CLASS_NAMES)  # fmt: skip
    slider, boxes, label, output = explorer.children
    assert isinstance(slider, widgets.IntSlider) and len(boxes.children) == 5
    assert "scene 0: net: 0 wrong pixels" in label.value
    assert "image/png" in output.outputs[0]["data"]
    slider.value = 1
    assert "scene 1: net: 8 wrong pixels" in label.value
    for box in boxes.children:
        box.value = False
    assert "IoU of the shown classes -" in label.value
