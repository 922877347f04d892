"""helpers.boxes against independent references: cases worked by hand, numpy slices (whose
ends are exclusive, like the course's), pycocotools' own reading of masks and ``xywh`` boxes,
and where a drawn outline lands in the rendered pixels."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as coco_mask
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from helpers import boxes
from helpers.references.object_detection import iou_pixel_count
from helpers.viz.common import show_image

RNG = np.random.default_rng(0)


def random_integer_boxes(count: int, size: int = 20) -> np.ndarray:
    """float64 (count, 4) boxes with integer corners in 0..size, each at least 1 x 1."""
    y1, x1 = RNG.integers(0, size - 1, (2, count))
    y2, x2 = RNG.integers(y1 + 1, size + 1), RNG.integers(x1 + 1, size + 1)
    return np.stack([y1, x1, y2, x2], axis=1).astype(np.float64)


def filled(box, shape=(20, 20)) -> np.ndarray:
    """A bool mask of the pixels ``image[y1:y2, x1:x2]`` (integer corners)."""
    y1, x1, y2, x2 = np.asarray(box).astype(int)
    mask = np.zeros(shape, dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask


# ------------------------------------------------------------------------------------ area
def test_area_worked_by_hand():
    # (2, 1, 4, 3): 2 rows x 2 columns = 4; (0, 0, 10, 10): 100; (2, 3, 6, 8): 4 x 5 = 20;
    # (1.5, 0.25, 3.5, 2.75): 2 x 2.5 = 5.
    given = [[2, 1, 4, 3], [0, 0, 10, 10], [2, 3, 6, 8], [1.5, 0.25, 3.5, 2.75]]
    assert boxes.area(given).tolist() == [4.0, 100.0, 20.0, 5.0]
    assert boxes.area([]).shape == (0,)


def test_area_is_the_number_of_pixels_a_box_covers():
    given = random_integer_boxes(50)
    np.testing.assert_array_equal(boxes.area(given), [filled(box).sum() for box in given])


# ----------------------------------------------------------------------------- tight boxes
def test_tight_boxes_worked_by_hand():
    # Rows 2..4 of column 7, and pixel (3, 3): rows 2..4, columns 3..7 -> (2, 3, 4 + 1, 7 + 1).
    m = np.zeros((1, 10, 12), bool)
    m[0, 2:5, 7] = True
    m[0, 3, 3] = True
    np.testing.assert_array_equal(boxes.tight_boxes(m), [[2, 3, 5, 8]])


def test_tight_boxes_of_masks_with_known_extents():
    masks = np.zeros((3, 8, 9), bool)
    masks[0, 4, 6] = True  # one pixel: a 1 x 1 box
    masks[1] = True  # the whole image
    masks[2, [1, 6], [8, 0]] = True  # two opposite pixels: the box spans rows 1..6, cols 0..8
    result = boxes.tight_boxes(masks)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [[4, 6, 5, 7], [0, 0, 8, 9], [1, 0, 7, 9]])
    assert boxes.area(result).tolist() == [1.0, 72.0, 54.0]


def test_the_tight_box_of_a_filled_box_is_that_box():
    given = random_integer_boxes(40)
    masks = np.stack([filled(box) for box in given])
    np.testing.assert_array_equal(boxes.tight_boxes(masks), given)


def test_tight_boxes_agree_with_pycocotools():
    # pycocotools reads a mask's bounding box from its run-length encoding: an independent
    # implementation, which writes [x, y, width, height].
    masks = RNG.random((30, 16, 21)) < 0.03
    masks[:, 5, 5] = True  # no empty mask
    rle = coco_mask.encode(np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))
    np.testing.assert_array_equal(
        boxes.to_coco_xywh(boxes.tight_boxes(masks)), coco_mask.toBbox(rle)
    )


# ------------------------------------------------------------------------------- COCO xywh
def test_coco_xywh_worked_by_hand():
    # (y1, x1, y2, x2) = (1, 2, 5, 9): x = 2, y = 1, width 9 - 2 = 7, height 5 - 1 = 4.
    assert boxes.to_coco_xywh([[1, 2, 5, 9]]).tolist() == [[2.0, 1.0, 7.0, 4.0]]
    assert boxes.from_coco_xywh([[2, 1, 7, 4]]).tolist() == [[1.0, 2.0, 5.0, 9.0]]
    assert boxes.to_coco_xywh([]).shape == boxes.from_coco_xywh([]).shape == (0, 4)


def test_coco_xywh_round_trips():
    given = np.sort(RNG.uniform(0, 100, (25, 2, 2)), axis=1).transpose(0, 2, 1).reshape(-1, 4)
    np.testing.assert_allclose(boxes.from_coco_xywh(boxes.to_coco_xywh(given)), given)
    xywh = np.concatenate([RNG.uniform(0, 50, (25, 2)), RNG.uniform(1, 50, (25, 2))], axis=1)
    np.testing.assert_allclose(boxes.to_coco_xywh(boxes.from_coco_xywh(xywh)), xywh)


def test_pycocotools_sees_the_same_boxes():
    # pycocotools' IoU of the converted boxes equals the IoU of the course's boxes counted in
    # pixels, and its area of a box is the course's area.
    first, second = random_integer_boxes(40), random_integer_boxes(40)
    coco_iou = coco_mask.iou(boxes.to_coco_xywh(first), boxes.to_coco_xywh(second), [0] * 40)
    for i in range(40):
        for j in range(40):
            assert coco_iou[i, j] == pytest.approx(iou_pixel_count(first[i], second[j]))
    xywh = boxes.to_coco_xywh(first)
    np.testing.assert_allclose(xywh[:, 2] * xywh[:, 3], boxes.area(first))


# ---------------------------------------------------------------------------------- drawing
def rendered_outline(box, linestyle="-") -> np.ndarray:
    """A 10 x 10 black image drawn 10 screen pixels per image pixel, the box outlined in
    white; the rendered brightness, (100, 100)."""
    fig = Figure(figsize=(1, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    show_image(ax, np.zeros((10, 10, 3)))
    boxes.draw_boxes(ax, [box], colour="white", linewidth=0.7, linestyle=linestyle)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., 0].astype(float)


def test_a_drawn_box_outlines_exactly_its_pixels():
    # The box (2, 3, 5, 8) covers image rows 2..4 and columns 3..7; on screen, rows 20..49 and
    # columns 30..79. Its outline must run along their edges, screen rows 20 and 50 and
    # columns 30 and 80 (a convention with pixel centres at integers would put it 5 screen
    # pixels up and left).
    picture = rendered_outline((2, 3, 5, 8))
    middle_column, middle_row = picture[:, 55], picture[35, :]
    assert abs(int(np.argmax(middle_column[:35])) - 20) <= 1
    assert abs(35 + int(np.argmax(middle_column[35:])) - 50) <= 1
    assert abs(int(np.argmax(middle_row[:55])) - 30) <= 1
    assert abs(55 + int(np.argmax(middle_row[55:])) - 80) <= 1
    assert picture[35, 55] == 0 and picture[5, 5] == 0  # inside and outside are not painted


def test_draw_boxes_places_rectangles_and_labels():
    fig = Figure()
    ax = fig.add_subplot()
    show_image(ax, np.zeros((20, 20, 3)))
    given = [[2, 1, 4, 3], [5, 6, 15, 18]]
    boxes.draw_boxes(ax, given, [0, 7], [0.9, 0.25], [str(c) for c in range(8)], linestyle="--")
    rectangles = ax.patches
    assert [(r.get_x(), r.get_y(), r.get_width(), r.get_height()) for r in rectangles] == [
        (1, 2, 2, 2),
        (6, 5, 12, 10),
    ]
    # Class 7 takes the colour of class 7 % 6 = 1: the colours cycle.
    colours = [to_rgba(boxes.CLASS_COLOURS[c]) for c in (0, 1)]
    assert [r.get_edgecolor() for r in rectangles] == colours
    assert all(r.get_linestyle() == "--" and not r.get_fill() for r in rectangles)
    assert [t.get_text() for t in ax.texts] == ["0 0.90", "7 0.25"]
    assert [t.get_position() for t in ax.texts] == [(1, 2), (6, 5)]
    boxes.draw_boxes(ax, np.zeros((0, 4)))  # nothing to draw is not an error
    assert len(ax.patches) == 2
