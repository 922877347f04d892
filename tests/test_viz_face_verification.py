"""helpers.viz.face_verification: the figures draw headless, the projection is the principal
components (against a case worked by hand), and the pair explorer says the distance and the
decision in words."""

import ipywidgets as widgets
import numpy as np
import pytest
from figure_harness import draw

from helpers.viz import face_verification as viz

CHAPTER = "07_face_verification"


def test_projection_on_a_case_worked_by_hand():
    """Points on a line y = 2x (x = -1, 0, 1) spread along (1, 2) / sqrt(5): the first component
    holds all the variance, and the coordinates are -sqrt(5), 0, sqrt(5) up to the sign."""
    points, explained = viz.project_2d(np.array([[-1.0, -2.0], [0.0, 0.0], [1.0, 2.0]]))
    assert explained[0] == pytest.approx(1.0) and explained[1] == pytest.approx(0.0, abs=1e-12)
    assert np.abs(points[:, 0]) == pytest.approx([5**0.5, 0, 5**0.5])
    assert points[:, 1] == pytest.approx([0, 0, 0], abs=1e-12)


def test_figures_draw():
    rng = np.random.default_rng(0)
    fig = draw(viz.plot_losses({"triplet": rng.random(50), "short": rng.random(5)}, title="t"))
    assert len(fig.axes) == 2
    fpr, tpr = np.array([0, 0, 0.5, 1]), np.array([0, 0.5, 1, 1])
    fig = draw(viz.plot_roc({"encoder": (fpr, tpr)}, chosen={"encoder": (0, 0.5)}))
    assert "area 0.875" in fig.axes[0].get_legend().get_texts()[0].get_text()  # 0.25 + 0.625
    identities = np.repeat([600, 601, 602], 4)
    fig = draw(viz.plot_embedding_map({"a": rng.normal(size=(12, 8)), "b": rng.normal(size=(12, 3))}, identities))  # fmt: skip
    assert len(fig.axes) == 2
    images = rng.random((3, 8, 8, 3))
    fig = draw(viz.show_identification(images, images, ["id 1", "unknown", "id 3"], ["id 1", "id 2", "id 4"], [0.1, 1.5, 0.3]))  # fmt: skip
    assert fig.axes[3].get_title() == "id 1, right\n(d=0.10)"
    assert fig.axes[5].get_title() == "id 3, wrong\n(d=0.30)"


def test_pair_explorer_says_distance_and_decision():
    images = np.zeros((3, 8, 8, 3))
    embeddings = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    identities = np.array([7, 7, 8])
    explorer = viz.pair_explorer(images, identities, embeddings, threshold=1.0, first=0, second=1)
    assert isinstance(explorer, widgets.VBox)
    label = explorer.children[1].value
    # (1, 0) and (0, 1): squared distance 2 > 1, called different although both are id 7.
    assert (
        "squared distance 2.000" in label and "different people (WRONG; truly same person)" in label
    )
    slider_b = explorer.children[0].children[1]
    slider_b.value = 2  # (1, 0) and (1, 0): distance 0, called same, truly different people
    assert "squared distance 0.000" in explorer.children[1].value
    assert "same person (WRONG; truly different people)" in explorer.children[1].value
    assert explorer.children[2].outputs[0]["data"]["image/png"]
