"""The course's one box convention, and the box operations that are not exercises.

The convention, stated here once for every chapter::

    boxes: float array [N, (y1, x1, y2, x2)] in pixels

- ``y`` is the row (it grows downwards), ``x`` the column (it grows to the right), and
  ``(y1, x1)`` is the top-left corner.
- ``y2`` and ``x2`` are *exclusive*: with integer corners a box covers rows ``y1 .. y2 - 1`` and
  columns ``x1 .. x2 - 1``, exactly the pixels ``image[y1:y2, x1:x2]``. Its height is
  ``y2 - y1``, its width ``x2 - x1`` and its area ``(y2 - y1) * (x2 - x1)``, with no ``+ 1``.
- The tight box of a mask is ``(min row, min col, max row + 1, max col + 1)``.
- Drawn over an image shown with :func:`helpers.viz.common.show_image`, where pixel
  ``(r, c)`` covers ``[c, c + 1) x [r, r + 1)``, a box is the rectangle from ``(x1, y1)`` with
  width ``x2 - x1`` and height ``y2 - y1``: it outlines exactly its pixels.
- COCO (pycocotools) writes the same box as ``[x, y, width, height] = [x1, y1, x2 - x1,
  y2 - y1]``.

Other docstrings say "boxes in the course convention (helpers.boxes)" and give only shapes.

What is *not* here: IoU, the centre and size of a box (the localisation and YOLO targets),
decoding a YOLO output and non-max suppression are chapter 05's exercises, so they live only
in the instructor notebook (the chapter's independent references are in
:mod:`helpers.references.object_detection`).
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["CLASS_COLOURS", "area", "draw_boxes", "from_coco_xywh", "tight_boxes", "to_coco_xywh"]

# One colour per class index (cycled), the same in every figure that draws boxes: six of the
# Okabe-Ito colours (helpers.viz.common.OKABE_ITO; M. Okabe and K. Ito, "Color Universal
# Design", 2008), told apart with every common colour-vision deficiency. Written out here so
# that the data sets, which use this module, do not load matplotlib.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
LABEL_POINTS = 9  # box labels, as every figure's smallest text (helpers.viz.common.SMALLEST_TEXT)


def label_text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (a "#rrggbb" colour).

    Uses the relative luminance of WCAG 2 (sRGB channels linearised): white text on a
    background darker than luminance 0.18, black text otherwise.
    """
    if not (isinstance(background, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", background)):
        return "black"
    channels = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "white" if luminance < 0.18 else "black"


def area(boxes) -> np.ndarray:
    """The area of each box.

    Args:
        boxes: (N, 4) boxes in the course convention; an empty list is N = 0.

    Returns:
        float64 (N,): ``(y2 - y1) * (x2 - x1)``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def tight_boxes(masks: np.ndarray) -> np.ndarray:
    """The tight box of each mask.

    Args:
        masks: bool (M, H, W); every mask must have at least one pixel.

    Returns:
        float32 (M, 4): (min row, min col, max row + 1, max col + 1) of each mask.
    """
    rows, cols = masks.any(axis=2), masks.any(axis=1)
    h, w = masks.shape[1:]
    y1 = rows.argmax(axis=1)
    y2 = h - rows[:, ::-1].argmax(axis=1)
    x1 = cols.argmax(axis=1)
    x2 = w - cols[:, ::-1].argmax(axis=1)
    return np.stack([y1, x1, y2, x2], axis=1).astype(np.float32)


def to_coco_xywh(boxes) -> np.ndarray:
    """The boxes as COCO writes them (pycocotools' ``bbox``).

    Args:
        boxes: (N, 4) boxes in the course convention; an empty list is N = 0.

    Returns:
        float64 (N, 4): ``[x, y, width, height] = [x1, y1, x2 - x1, y2 - y1]``.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    y1, x1, y2, x2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)


def from_coco_xywh(xywh) -> np.ndarray:
    """COCO boxes in the course convention (the inverse of :func:`to_coco_xywh`).

    Args:
        xywh: (N, 4) ``[x, y, width, height]`` in pixels; an empty list is N = 0.

    Returns:
        float64 (N, 4): ``(y1, x1, y2, x2) = (y, x, y + height, x + width)``.
    """
    xywh = np.asarray(xywh, dtype=np.float64).reshape(-1, 4)
    x, y, width, height = xywh[:, 0], xywh[:, 1], xywh[:, 2], xywh[:, 3]
    return np.stack([y, x, y + height, x + width], axis=1)


def draw_boxes(
    ax,
    boxes,
    classes=None,
    scores=None,
    class_names=None,
    linestyle: str = "-",
    colour=None,
    linewidth: float = 1.6,
) -> None:
    """Outline boxes on an axes, coloured by class, each with an optional label.

    Args:
        ax: a matplotlib Axes showing the image with pixel edges at integers
            (:func:`helpers.viz.common.show_image`).
        boxes: (N, 4) boxes in the course convention.
        classes: (N,) class indices (colour, and label with ``class_names``), or None.
        scores: (N,) scores printed in the label, or None.
        class_names: the class names, indexed by class, for the labels; or None.
        linestyle: a matplotlib line style: ``"-"``, ``"--"`` (the course draws the ground
            truth dashed) or ``":"``.
        colour: one colour for every box instead of the class colours (yellow when there are
            no classes).
        linewidth: the outline's width in points.
    """
    # Imported here so that the data sets, which use tight_boxes, do not load matplotlib.
    from matplotlib.patches import Rectangle

    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    for k, (y1, x1, y2, x2) in enumerate(boxes):
        c = None if classes is None else int(classes[k])
        edge = colour or (CLASS_COLOURS[c % len(CLASS_COLOURS)] if c is not None else "yellow")
        ax.add_patch(
            Rectangle(
                (x1, y1),
                x2 - x1,
                y2 - y1,
                fill=False,
                edgecolor=edge,
                linewidth=linewidth,
                linestyle=linestyle,
            )
        )
        text = []
        if c is not None and class_names is not None:
            text.append(class_names[c])
        if scores is not None:
            text.append(f"{float(scores[k]):.2f}")
        if text:
            ax.text(
                x1,
                y1,
                " ".join(text),
                fontsize=LABEL_POINTS,
                color=label_text_colour(edge),
                va="bottom",
                bbox=dict(facecolor=edge, edgecolor="none", pad=0.5, alpha=0.8),
            )
