"""Figures and the threshold playground for chapter 05 (object detection).

"Extra code", kept out of the learner's way: every function builds a
:class:`matplotlib.figure.Figure` without pyplot and returns it (shown once, as the value of a
cell's last line). Boxes are in the course convention and drawn by
:func:`helpers.boxes.draw_boxes` over images shown by :func:`helpers.viz.common.show_image`.

None of the graded exercises is solved here: the playground receives the learner's own
``filter_boxes`` and ``non_max_suppression`` and only draws what they keep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.boxes import CLASS_COLOURS, draw_boxes
from helpers.references.object_detection import centre_size_to_corners
from helpers.viz.common import SMALLEST_TEXT, float_slider, grid, show_image, show_in_output
from helpers.viz.common import Progress as Progress  # the notebooks' progress bars

__all__ = [
    "draw_boxes",
    "plot_anchor_clusters",
    "kept_boxes",
    "plot_detections",
    "plot_grid_targets",
    "plot_landmarks",
    "plot_localisation",
    "plot_proposals",
    "plot_scenes",
    "plot_thresholds",
    "plot_window_scores",
    "threshold_playground",
]


def plot_scenes(images, boxes, classes, class_names=None, ncols: int = 4, titles=None) -> Figure:
    """Scenes with their boxes.

    Args:
        images: (N, H, W, 3) images; boxes: N arrays (K_i, 4) in the course convention;
        classes: N arrays (K_i,).
        class_names: names for the labels; ncols: panels per row; titles: N strings or None.
    """
    fig, axes = grid(len(images), ncols)
    for i, ax in enumerate(axes):
        show_image(ax, images[i], None if titles is None else titles[i])
        draw_boxes(ax, boxes[i], classes[i], class_names=class_names)
    return fig


def plot_localisation(images, y_true, y_pred, class_names, ncols: int = 5) -> Figure:
    """Localisation targets (dashed) and predictions (solid).

    Args:
        images: (N, n, n, 3) square images.
        y_true, y_pred: (N, 5 + C) vectors [p_c, b_x, b_y, b_h, b_w, c_1 .. c_C] whose box
            numbers are fractions of the image side n.
        class_names: C names; ncols: panels per row.
    """
    fig, axes = grid(len(images), ncols)
    n = images.shape[1]

    def box(v):
        x_c, y_c, h, w = np.asarray(v[1:5], float) * n
        return centre_size_to_corners([[y_c, x_c, h, w]])

    for ax, image, truth, guess in zip(axes, images, y_true, y_pred, strict=True):
        title = f"p_c {guess[0]:.2f}"
        if guess[0] >= 0.5:
            title += f", {class_names[int(np.argmax(guess[5:]))]}"
            draw_boxes(ax, box(guess), [int(np.argmax(guess[5:]))])
        if truth[0] == 1:
            draw_boxes(ax, box(truth), colour="white", linestyle="--")
        show_image(ax, image, title)
    fig.suptitle("dashed: truth; solid: prediction (drawn when p_c >= 0.5)", fontsize=9)
    return fig


def plot_landmarks(images, points, names: Sequence[str], ncols: int = 4) -> Figure:
    """Images with their landmarks, each numbered, drawn from (x, y) pixel coordinates.

    Args:
        images: (N, H, W, 3); points: (N, L, 2) ``(x, y)``; names: L landmark names.
    """
    fig, axes = grid(len(images), ncols)
    for ax, image, pts in zip(axes, images, points, strict=True):
        show_image(ax, image)
        for k, (x, y) in enumerate(pts):
            ax.plot(x, y, "o", color=CLASS_COLOURS[k], markersize=5, markeredgecolor="white")
        ax.set_title(" ".join(f"{name}" for name in names), fontsize=SMALLEST_TEXT)
    return fig


def plot_anchor_clusters(shapes, assignment, anchors, other_anchors=None) -> Figure:
    """Box shapes coloured by the anchor k-means gave them, with the anchors.

    Left: every box as a point ``(w, h)``, coloured by its cluster, each anchor a cross. Right:
    the anchors drawn as boxes on a common centre, as a cell sees them (``other_anchors``
    dotted, for comparison).

    Args:
        shapes: (N, 2) box shapes ``(h, w)``, fractions of the image.
        assignment: (N,) the index of each box's anchor.
        anchors: (K, 2) ``(h, w)``; other_anchors: (L, 2) ``(h, w)`` or None.
    """
    shapes, anchors = np.asarray(shapes, float), np.asarray(anchors, float)
    fig = Figure(figsize=(7.2, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    colours = [CLASS_COLOURS[int(a) % len(CLASS_COLOURS)] for a in assignment]
    left.scatter(shapes[:, 1], shapes[:, 0], s=3, c=colours, alpha=0.4, linewidths=0)
    for j, (h, w) in enumerate(anchors):
        colour = CLASS_COLOURS[j % len(CLASS_COLOURS)]
        left.plot(w, h, "x", color="black", markersize=9, markeredgewidth=2)
        left.annotate(
            f"anchor {j}", (w, h), xytext=(4, 4), textcoords="offset points", fontsize=SMALLEST_TEXT
        )
        right.add_patch(Rectangle((-w / 2, -h / 2), w, h, fill=False, edgecolor=colour, lw=2))
    if other_anchors is not None:
        for h, w in np.asarray(other_anchors, float):
            left.plot(w, h, "+", color="grey", markersize=9, markeredgewidth=1.5)
            right.add_patch(Rectangle((-w / 2, -h / 2), w, h, fill=False, edgecolor="grey", ls=":"))
    left.set_xlabel("box width w (fraction of the image)")
    left.set_ylabel("box height h")
    left.set_aspect("equal")
    left.set_title("box shapes by cluster; x: anchors, +: others", fontsize=9)
    extent = 0.55 * max(shapes.max(), anchors.max())
    right.set_xlim(-extent, extent)
    right.set_ylim(extent, -extent)
    right.set_aspect("equal")
    right.set_title("the anchors, centred (dotted: the others)", fontsize=9)
    return fig


def plot_grid_targets(
    image, boxes, classes, grid_size: int, target, anchors, class_names=None
) -> Figure:
    """A scene with the YOLO grid, each box's centre, the cell responsible for it, and the anchor
    chosen for it (drawn, centred on the box); beside it, the p_c of every slot.

    Args:
        image: (H, W, 3); boxes: (K, 4) in the course convention; classes: (K,).
        grid_size: S; target: (S, S, B, 5 + C) from encode_targets; anchors: (B, 2) (h, w).
    """
    image = np.asarray(image)
    n = image.shape[0]
    cell = n / grid_size
    target = np.asarray(target)
    B = target.shape[2]
    fig = Figure(figsize=(3.2 * (B + 1), 3.4), layout="constrained")
    axes = fig.subplots(1, B + 1)
    show_image(axes[0], image, "grid, centres, chosen anchors")
    for k in range(1, grid_size):
        axes[0].axhline(k * cell, color="white", linewidth=0.6)
        axes[0].axvline(k * cell, color="white", linewidth=0.6)
    draw_boxes(axes[0], boxes, classes, class_names=class_names)
    for r, c, a in np.argwhere(target[..., 0] == 1):
        axes[0].add_patch(Rectangle((c * cell, r * cell), cell, cell, color="white", alpha=0.35))
        xc, yc = (c + target[r, c, a, 1]) * cell, (r + target[r, c, a, 2]) * cell
        ah, aw = np.asarray(anchors[a]) * n
        axes[0].plot(xc, yc, "w+", markersize=8)
        anchor_box = centre_size_to_corners([[yc, xc, ah, aw]])
        draw_boxes(axes[0], anchor_box, colour="white", linestyle=":", linewidth=1.2)
    for a in range(B):
        ax = axes[a + 1]
        ax.imshow(
            target[..., a, 0], cmap="gray_r", vmin=0, vmax=1, extent=(0, grid_size, grid_size, 0)
        )
        ax.set_xticks(range(grid_size + 1))
        ax.set_yticks(range(grid_size + 1))
        ax.grid(True, color="grey", linewidth=0.5)
        ax.tick_params(labelsize=SMALLEST_TEXT)
        h, w = anchors[a]
        ax.set_title(f"p_c of anchor {a} (h={h:g}, w={w:g})", fontsize=9)
    return fig


def plot_detections(
    images, detections, ground_truths, class_names, ncols: int = 4, title: str | None = None
) -> Figure:
    """Detections (solid, class and score) over the ground truth (dashed white).

    Args:
        images: (N, H, W, 3); detections: N ``(boxes (K, 4), scores (K,), classes (K,))``;
        ground_truths: N ``(boxes (G, 4), classes (G,))``, boxes in the course convention;
        class_names: the class names.
    """
    fig, axes = grid(len(images), ncols, size=2.8)
    for ax, image, (boxes, scores, classes), (g_boxes, _) in zip(
        axes, images, detections, ground_truths, strict=True
    ):
        show_image(ax, image)
        draw_boxes(ax, g_boxes, colour="white", linestyle="--", linewidth=1.0)
        draw_boxes(ax, boxes, classes, scores, class_names)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


def plot_window_scores(image, scores, window: int, stride: int, class_names) -> Figure:
    """The scene and, per class, the classifier's probability for each window position.

    Args:
        image: (H, W, 3); scores: (n_H, n_W, C + 1) probabilities, class C = background;
        window, stride: the window size and step in pixels.
    """
    n_classes = scores.shape[-1]
    fig = Figure(figsize=(2.3 * (n_classes + 1), 2.6), layout="constrained")
    axes = fig.subplots(1, n_classes + 1)
    show_image(axes[0], image, f"{window}x{window} windows, stride {stride}")
    n_H, n_W = scores.shape[:2]
    extent = (window / 2, window / 2 + stride * n_W, window / 2 + stride * n_H, window / 2)
    for k in range(n_classes):
        ax = axes[k + 1]
        ax.imshow(scores[..., k], vmin=0, vmax=1, cmap="magma", extent=extent)
        ax.set_xlim(0, image.shape[1])
        ax.set_ylim(image.shape[0], 0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(class_names[k] if k < len(class_names) else "background", fontsize=9)
    return fig


def plot_proposals(image, anchors, proposals, scores, ground_truth, top: int = 10) -> Figure:
    """Region proposals: every anchor (left), the top proposals after NMS (right).

    Args:
        image: (H, W, 3); anchors: (A, 4) anchor boxes; proposals: (P, 4) boxes kept, best
        first; scores: (P,) their objectness; ground_truth: (G, 4) true boxes; every box in
        the course convention.
    """
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    show_image(left, image, f"{len(anchors)} anchors (every 7th drawn)")
    draw_boxes(left, np.asarray(anchors)[::7], colour="yellow", linewidth=0.5)
    show_image(right, image, f"top {min(top, len(proposals))} proposals after NMS")
    draw_boxes(right, ground_truth, colour="white", linestyle="--", linewidth=1.0)
    draw_boxes(
        right, np.asarray(proposals)[:top], scores=np.asarray(scores)[:top], colour="#ff7f00"
    )
    return fig


def kept_boxes(
    candidates,
    filter_boxes: Callable,
    non_max_suppression: Callable,
    score_threshold: float,
    iou_threshold: float,
):
    """The boxes a detector reports at two thresholds: filter by score, then NMS per class.

    Args:
        candidates: ``(boxes (N, 4), scores (N,), classes (N,))``, every slot decoded, boxes in
            the course convention.
        filter_boxes, non_max_suppression: the chapter's functions (the learner's own).
        score_threshold, iou_threshold: the two thresholds.

    Returns:
        ``(boxes, scores, classes)`` kept, best first.
    """
    boxes, scores, classes = filter_boxes(*candidates, score_threshold)
    keep = np.asarray(non_max_suppression(boxes, scores, classes, iou_threshold), dtype=np.int64)
    return np.asarray(boxes)[keep], np.asarray(scores)[keep], np.asarray(classes)[keep]


def plot_thresholds(
    image,
    candidates,
    ground_truth,
    filter_boxes,
    non_max_suppression,
    score_threshold: float,
    iou_threshold: float,
    class_names,
) -> Figure:
    """One scene: candidates above the score threshold (left), boxes kept after NMS (right)."""
    boxes, scores, classes = filter_boxes(*candidates, score_threshold)
    kept = kept_boxes(candidates, filter_boxes, non_max_suppression, score_threshold, iou_threshold)
    fig = Figure(figsize=(7, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    show_image(left, image, f"{len(scores)} boxes with score >= {score_threshold:.2f}")
    draw_boxes(left, boxes, classes, linewidth=0.8)
    show_image(right, image, f"{len(kept[1])} kept after NMS at IoU {iou_threshold:.2f}")
    draw_boxes(right, ground_truth[0], colour="white", linestyle="--", linewidth=1.0)
    kept_boxes_, kept_scores, kept_classes = kept
    draw_boxes(right, kept_boxes_, kept_classes, kept_scores, class_names)
    return fig


def threshold_playground(
    image,
    candidates,
    ground_truth,
    filter_boxes,
    non_max_suppression,
    class_names,
    score_threshold: float = 0.3,
    iou_threshold: float = 0.5,
) -> widgets.VBox:
    """Drag the score and IoU thresholds and see which boxes a detector keeps on one scene.

    Things to try:
        - Score threshold near 0: every slot's box appears (left); NMS then has to do all
          the work, and boxes of different classes on one object survive it.
        - IoU threshold near 1: NMS removes almost nothing, so duplicates stay. Near 0: it
          also removes a neighbour that is a different object of the same class.

    Args:
        image: (H, W, 3) the scene; candidates: ``(boxes, scores, classes)`` of every slot;
        ground_truth: ``(boxes, classes)``; filter_boxes, non_max_suppression: the learner's
        functions; class_names: names of the classes; score_threshold, iou_threshold: start
        values.

    Returns:
        ipywidgets.VBox: two FloatSliders ("score threshold", "IoU threshold"), a Label with
        the number of boxes kept, and an Output with the figure.
    """
    sliders = [
        float_slider("score threshold", score_threshold, 0.0, 0.95, 0.05),
        float_slider("IoU threshold", iou_threshold, 0.05, 0.95, 0.05),
    ]
    label = widgets.Label()
    output = widgets.Output()

    def update(_change=None) -> None:
        s, t = (slider.value for slider in sliders)
        kept = kept_boxes(candidates, filter_boxes, non_max_suppression, s, t)
        label.value = f"score >= {s:.2f}, NMS at IoU {t:.2f}: {len(kept[1])} boxes kept"
        fig = plot_thresholds(
            image, candidates, ground_truth, filter_boxes, non_max_suppression, s, t, class_names
        )
        show_in_output(output, fig, label.value)

    for slider in sliders:
        slider.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox(sliders), label, output])
