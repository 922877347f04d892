"""helpers.viz.object_detection: every figure builds, and the threshold playground follows its
sliders with the learner's own filter_boxes and non_max_suppression."""

import numpy as np
from matplotlib.figure import Figure
from readable_figures import draw

from helpers.references import object_detection as ref
from helpers.viz import object_detection as viz_detection

CHAPTER = "05_object_detection"


def test_figures_build(solved):
    image = np.zeros((64, 64, 3))
    boxes, classes = np.array([[10.0, 38.0, 30.0, 60.0]]), np.array([1])
    target = solved["encode_targets"](boxes, classes, 8, np.array([[0.2, 0.2], [0.4, 0.4]]), 64, 5)
    vector = solved["localisation_target"](boxes, classes, 64, 5)
    figures = [
        viz_detection.plot_localisation(image[None], vector[None], vector[None], "abcde"),
        viz_detection.plot_scenes(image[None], [boxes], [classes], ("a", "b")),
        viz_detection.plot_grid_targets(image, boxes, classes, 8, target, [[0.2, 0.2], [0.4, 0.4]]),
        viz_detection.plot_detections(
            image[None], [(boxes, np.array([0.9]), classes)], [(boxes, classes)], ("a", "b")
        ),
        viz_detection.plot_proposals(image, np.tile(boxes, (20, 1)), boxes, np.array([0.9]), boxes),
        viz_detection.plot_landmarks(image[None], np.array([[[1.0, 2.0], [3.0, 4.0]]]), ["1", "2"]),
        viz_detection.plot_window_scores(image, np.full((25, 25, 3), 0.5), 16, 2, ("a", "b")),
        viz_detection.plot_anchor_clusters(
            np.array([[0.2, 0.3], [0.4, 0.4]]),
            np.array([0, 1]),
            np.array([[0.2, 0.3], [0.4, 0.4]]),
            np.array([[0.3, 0.3]]),
        ),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    for fig in figures:
        draw(fig)  # readable: no text under 9 pt, white background


def test_threshold_playground_follows_its_sliders(solved):
    import ipywidgets as widgets

    rng = np.random.default_rng(0)
    centre_size = np.concatenate([rng.uniform(20, 40, (30, 2)), np.full((30, 2), 16.0)], 1)
    candidates = (
        ref.centre_size_to_corners(centre_size),
        rng.uniform(0, 1, 30),
        rng.integers(0, 2, 30),
    )
    box = viz_detection.threshold_playground(
        np.zeros((64, 64, 3)),
        candidates,
        (np.zeros((0, 4)), np.zeros(0)),
        solved["filter_boxes"],
        solved["non_max_suppression"],
        ("a", "b"),
    )
    sliders = {c.description: c for c in box.children[0].children}
    label = next(c for c in box.children if isinstance(c, widgets.Label))
    output = next(c for c in box.children if isinstance(c, widgets.Output))
    assert output.outputs[0]["data"]["image/png"]

    def kept() -> int:
        return int(label.value.split(": ")[1].split()[0])

    start = kept()
    sliders["score threshold"].value = 0.9
    assert kept() < start
    sliders["score threshold"].value = 0.0
    sliders["IoU threshold"].value = 0.95
    many = kept()
    sliders["IoU threshold"].value = 0.05
    assert kept() < many
    expected = viz_detection.kept_boxes(
        candidates, solved["filter_boxes"], solved["non_max_suppression"], 0.0, 0.05
    )
    assert kept() == len(expected[1])
