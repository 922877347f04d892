"""Checks for chapter 05: object detection (localisation, IoU, YOLO, NMS, mAP).

Each graded function has a ``check_*`` that the notebook calls right after the exercise
(a few fixed cases, a one-line success message) and a ``compare_*`` that checks one case
against an independent reference (:mod:`helpers.references.object_detection`: a pixel
count, ``tf.image.non_max_suppression``, pycocotools, slot-by-slot loops) or a case worked out
by hand; the hidden tests call ``compare_*`` on many random cases from the ``random_*_cases``
generators.

Conventions: boxes are in the course convention (:mod:`helpers.boxes`). A target or
prediction vector is ``[p_c, b_x, b_y, b_h, b_w, c_1 .. c_C]`` (x horizontal, y vertical).
For localisation, ``b_x, b_y`` is the box centre as a fraction of the image; for YOLO it is the
centre's offset inside its grid cell (0..1); ``b_h, b_w`` are fractions of the image in both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from helpers.checks.common import (
    CheckFailed,
    as_array,
    call_learner,
    expect_close,
    expect_shape,
    expect_tuple,
    likely_cause,
    passed,
)
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.references import object_detection as ref

_VISIBLE_SEED = 5


def _box_text(box) -> str:
    return "(" + ", ".join(f"{float(v):g}" for v in box) + ")"


def _scalar(name: str, value, what: str = "result") -> float:
    """A learner's scalar result (a Python float, a 0-d numpy array or a TF scalar)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = as_array(name, value, what=what)
    if array.size != 1:
        raise CheckFailed(
            f"{name} should return one number, but it returned an array of shape {array.shape}. "
            "Sum (or average) over every axis: tf.reduce_sum / tf.reduce_mean without an axis."
        )
    return float(array.reshape(()))


def _to_numpy(value):
    return value.numpy() if hasattr(value, "numpy") else value


# ----------------------------------------------------------------------------- localisation
@dataclass(frozen=True)
class LocalisationCase:
    """One scene for ``localisation_target``: 0 or 1 box, its label, the image size, C."""

    boxes: np.ndarray
    labels: np.ndarray
    image_size: int
    num_classes: int

    def describe(self) -> str:
        what = (
            _box_text(self.boxes[0]) + f" of class {int(self.labels[0])}"
            if len(self.boxes)
            else "no object"
        )
        return f"{what}, image_size={self.image_size}, num_classes={self.num_classes}"

    def expected(self) -> np.ndarray:
        """[p_c, b_x, b_y, b_h, b_w, one-hot class] from the definition."""
        y = np.zeros(5 + self.num_classes)
        if len(self.boxes):
            y_c, x_c, h, w = ref.corners_to_centre_size(self.boxes[0]) / self.image_size
            y[:5] = [1, x_c, y_c, h, w]
            y[5 + int(self.labels[0])] = 1
        return y


def random_localisation_cases(seed: int, count: int) -> Iterator[LocalisationCase]:
    """Scenes of 0 or 1 object: image sizes 32..128, 1..6 classes, float corners."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n, C = int(rng.choice([32, 48, 64, 100, 128])), int(rng.integers(1, 7))
        if k % 4 == 0:
            yield LocalisationCase(np.zeros((0, 4), np.float32), np.zeros(0, np.int64), n, C)
            continue
        y1, x1 = rng.uniform(0, n - 4, 2)
        y2, x2 = rng.uniform(y1 + 2, n), rng.uniform(x1 + 2, n)
        box = np.array([[y1, x1, y2, x2]], np.float32)
        yield LocalisationCase(box, np.array([rng.integers(C)]), n, C)


def compare_localisation_target(localisation_target: Callable, case: LocalisationCase) -> None:
    """Compare ``localisation_target(boxes, labels, image_size, num_classes)`` with the
    definition: [p_c, centre x / n, centre y / n, h / n, w / n, one-hot class]."""
    name = "localisation_target"
    got = call_learner(
        localisation_target,
        case.boxes.copy(),
        case.labels.copy(),
        case.image_size,
        case.num_classes,
        name=name,
        case=case.describe(),
    )
    got = as_array(name, _to_numpy(got), what="y")
    expected = case.expected()
    expect_shape(
        name,
        got,
        expected.shape,
        what="y",
        hint="The vector is [p_c, b_x, b_y, b_h, b_w, c_1 .. c_C]: 5 + C numbers.",
    )
    if not np.allclose(got, expected, atol=1e-5):
        hint = _localisation_hint(got, expected, case)
        raise CheckFailed(
            f"{name}: for {case.describe()} you return {np.round(got, 4).tolist()}; expected "
            f"{np.round(expected, 4).tolist()}. {hint}"
        )


def _localisation_hint(got, expected, case: LocalisationCase) -> str:
    if not len(case.boxes):
        return "With no object p_c = 0, and the other numbers do not matter: make them 0."
    n = case.image_size
    if np.allclose(got[1:3], expected[[2, 1]], atol=1e-5) and not np.allclose(got[1], got[2]):
        return "b_x is horizontal (from x1, x2, the columns) and b_y vertical (from y1, y2)."
    if np.allclose(got[1:5], expected[1:5] * n, atol=1e-3):
        return "Divide by image_size: the numbers are fractions of the image, not pixels."
    if np.allclose(got[3:5], expected[[4, 3]], atol=1e-5) and not np.isclose(got[3], got[4]):
        return "The order is b_h (height, y2 - y1) then b_w (width, x2 - x1)."
    y1, x1, _, _ = case.boxes[0]
    if np.allclose(got[1:3], [x1 / n, y1 / n], atol=1e-5):
        return "b_x, b_y is the centre of the box, ((x1 + x2) / 2, (y1 + y2) / 2), not its corner."
    if got[0] != 1:
        return "There is an object, so p_c = 1."
    label = int(case.labels[0])
    if np.allclose(got[:5], expected[:5], atol=1e-5) and label > 0:
        if np.allclose(got[5:], np.roll(expected[5:], -1)):
            return (
                f"The class is one position early: class {label} is at index 5 + {label} of "
                "the vector (index 5 is class 0, right after the four box numbers)."
            )
    return f"Check the one-hot class: a 1 at index 5 + label (here 5 + {label}), 0 elsewhere."


def check_localisation_target(localisation_target: Callable) -> None:
    """The visible check: the worked example, a scene without object, two random scenes."""
    worked = LocalisationCase(np.array([[16.0, 8.0, 48.0, 24.0]]), np.array([2]), 64, 5)
    compare_localisation_target(localisation_target, worked)
    empty = LocalisationCase(np.zeros((0, 4)), np.zeros(0, np.int64), 64, 5)
    compare_localisation_target(localisation_target, empty)
    for case in random_localisation_cases(_VISIBLE_SEED, 3):
        compare_localisation_target(localisation_target, case)
    passed("localisation_target", "the worked example, an empty scene and 2 random scenes match.")


@dataclass(frozen=True)
class LossCase:
    """y_true and y_pred for a loss; y_true's p_c is exactly 0 or 1."""

    y_true: np.ndarray
    y_pred: np.ndarray

    def describe(self) -> str:
        return f"y_true and y_pred of shape {self.y_true.shape}"


def random_localisation_loss_cases(seed: int, count: int) -> Iterator[LossCase]:
    """Batches of 1..8 vectors, 1..5 classes, about half with an object."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, C = int(rng.integers(1, 9)), int(rng.integers(1, 6))
        y_true = np.zeros((m, 5 + C), np.float32)
        y_true[:, 0] = rng.integers(0, 2, m)
        for i in np.flatnonzero(y_true[:, 0]):
            y_true[i, 1:5] = rng.uniform(0.1, 0.9, 4)
            y_true[i, 5 + rng.integers(C)] = 1
        yield LossCase(y_true, rng.uniform(0, 1, (m, 5 + C)).astype(np.float32))


def _differentiable(name: str, fn: Callable, case: LossCase, **kwargs) -> None:
    import tensorflow as tf

    y_pred = tf.Variable(case.y_pred)
    with tf.GradientTape() as tape:
        loss = call_learner(
            fn, tf.constant(case.y_true), y_pred, name=name, case=case.describe(), **kwargs
        )
    if not isinstance(loss, tf.Tensor):
        raise CheckFailed(
            f"{name} returned a {type(loss).__name__}, not a TensorFlow tensor, so Keras cannot "
            "train with it. Use TensorFlow ops (tf.square, tf.reduce_sum, tf.where, ...) "
            "instead of numpy, and no float(...) or .numpy()."
        )
    gradient = tape.gradient(loss, y_pred)
    if gradient is None or not np.all(np.isfinite(gradient.numpy())):
        raise CheckFailed(
            f"{name}: TensorFlow cannot differentiate your loss with respect to y_pred "
            f"(gradient {'None' if gradient is None else 'not finite'}). Keep every step in "
            "TensorFlow ops; a tf.sqrt of 0 or a log of 0 gives an infinite gradient."
        )


def compare_localisation_loss(localisation_loss: Callable, case: LossCase) -> None:
    """Compare ``localisation_loss(y_true, y_pred)`` with the per-example reference."""
    name = "localisation_loss"
    got = _scalar(
        name,
        call_learner(
            localisation_loss,
            case.y_true.copy(),
            case.y_pred.copy(),
            name=name,
            case=case.describe(),
        ),
        what="the loss",
    )
    expected = ref.localisation_loss(case.y_true, case.y_pred)
    if np.isclose(got, expected, rtol=1e-4, atol=1e-6):
        return
    m = len(case.y_true)
    everything = np.sum((case.y_pred.astype(float) - case.y_true) ** 2) / m
    hint = "L = sum of squared errors over the whole vector when p_c = 1, only (p_c_hat - p_c)^2 when p_c = 0; then the mean over the batch."
    if np.isclose(got, everything, rtol=1e-4):
        hint = "When p_c = 0 only p_c's error counts: mask the other terms with y_true[:, 0]."
    elif np.isclose(got, expected * m, rtol=1e-4):
        hint = "Average over the batch (divide the sum by m, or use tf.reduce_mean per example)."
    elif np.isclose(got, expected / case.y_true.shape[1], rtol=1e-4):
        hint = (
            "That is the mean over every number of the batch, m * (5 + C) of them: sum each "
            "example's squared errors over its vector (axis=1) first, then average over the m "
            "examples."
        )
    raise CheckFailed(
        f"{name}: on {case.describe()} you return {got:.6g}; expected {expected:.6g}. {hint}"
    )


def check_localisation_loss(localisation_loss: Callable) -> None:
    """The visible check: the worked example, random batches, and TensorFlow can train with it."""
    y_true = np.array([[1, 0.5, 0.5, 0.2, 0.4, 0, 1], [0, 0, 0, 0, 0, 0, 0]], np.float32)
    y_pred = np.array(
        [[0.9, 0.5, 0.7, 0.2, 0.4, 0.1, 0.9], [0.3, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5]], np.float32
    )
    compare_localisation_loss(localisation_loss, LossCase(y_true, y_pred))
    cases = list(random_localisation_loss_cases(_VISIBLE_SEED, 3))
    for case in cases:
        compare_localisation_loss(localisation_loss, case)
    _differentiable("localisation_loss", localisation_loss, cases[0])
    passed(
        "localisation_loss",
        "the worked example (0.08) and 3 random batches match; TensorFlow can differentiate it.",
    )


# ------------------------------------------------------------------------------ landmarks
@dataclass(frozen=True)
class LandmarkCase:
    """Landmarks for ``order_landmarks``, built from their angles, so that the expected order is
    known by construction and no formula of the coordinates is needed to check it.

    A point at angle a (radians, measured clockwise on the screen from straight up, in
    [0, 2 pi)) and distance r from the centre is ``(x, y) = (c_x + r sin a, c_y - r cos a)``
    (y grows downwards): a = 0 is straight up, pi / 2 to the right, pi straight down.
    """

    points: np.ndarray  # (n, 2) (x, y) in pixels, in the order given to the learner
    centre: np.ndarray  # (2,) (x, y)
    angles: np.ndarray  # (n,) the angle each point was built at

    @property
    def expected(self) -> np.ndarray:
        """(n, 2): the points by increasing angle."""
        return self.points[np.argsort(self.angles, kind="stable")]

    def describe(self) -> str:
        points = ", ".join(_box_text(p) for p in self.points)
        return f"points [{points}] around centre {_box_text(self.centre)}"


def landmark_case(centre, angles, radii) -> LandmarkCase:
    """The case of points at ``angles`` and ``radii`` around ``centre``, given in that order.

    Args:
        centre: (2,) (x, y) in pixels; angles: (n,) in [0, 2 pi), distinct; radii: (n,) > 0.
    """
    centre = np.asarray(centre, np.float64)
    angles, radii = np.asarray(angles, np.float64), np.asarray(radii, np.float64)
    points = np.stack(
        [centre[0] + radii * np.sin(angles), centre[1] - radii * np.cos(angles)], axis=1
    )
    return LandmarkCase(points, centre, angles)


def random_landmark_cases(seed: int, count: int) -> Iterator[LandmarkCase]:
    """3..8 points in random order around a centre in 10..90 px, radii 2..40 px, angles at least
    0.05 rad apart and at least 0.01 rad from straight up on either side, except one case in
    four with a point exactly straight up; one case in three has a point just left of straight
    up (angle 2 pi - 0.25 .. 2 pi - 0.01), which an angle in (-pi, pi] would put first."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(3, 9))
        while True:
            angles = np.sort(rng.uniform(0.01, 2 * np.pi - 0.01, n))
            if k % 3 == 0:
                angles[-1] = rng.uniform(2 * np.pi - 0.25, 2 * np.pi - 0.01)
            if k % 4 == 0:
                angles[0] = 0.0
            angles = np.sort(angles)
            if np.all(np.diff(angles) > 0.05):
                break
        shuffled = rng.permutation(n)
        yield landmark_case(
            rng.uniform(10, 90, 2), angles[shuffled], rng.uniform(2, 40, n)[shuffled]
        )


# Orders that common wrong conventions give, as functions of the right angle a, and what to
# say when a learner's order is one of them.
_WRONG_ORDERS = (
    (
        lambda a: np.where(a > np.pi, a - 2 * np.pi, a),
        "np.arctan2 returns angles in (-pi, pi], so a point just left of straight up gets a "
        "small negative angle and comes first; it should come last. Take the angle modulo "
        "2 pi (% (2 * np.pi)).",
    ),
    (
        lambda a: (-a) % (2 * np.pi),
        "Your order goes counter-clockwise on the screen (up, left, down, right). Clockwise "
        "from straight up goes to the right first.",
    ),
    (
        lambda a: (a - np.pi / 2) % (2 * np.pi),
        "Your order starts from the right, as an angle measured from the x axis does. Start "
        "from straight up: angle 0 for the direction (dx, dy) = (0, -1).",
    ),
    (
        lambda a: (np.pi / 2 - a) % (2 * np.pi),
        "Your order starts from the right and goes counter-clockwise on the screen (the "
        "convention of a maths graph, where y grows upwards). On the screen rows (y) grow "
        "downwards: start from straight up, (dx, dy) = (0, -1), and go clockwise.",
    ),
    (
        lambda a: (a - np.pi) % (2 * np.pi),
        "Your order starts from straight down. Rows (y) grow downwards, so straight up is "
        "dy < 0: angle 0 for the direction (dx, dy) = (0, -1).",
    ),
    (
        lambda a: (np.pi - a) % (2 * np.pi),
        "Your order starts from straight down and goes counter-clockwise on the screen. Rows "
        "(y) grow downwards: start from straight up, (dx, dy) = (0, -1), and go clockwise.",
    ),
)


def _landmark_hint(got, case: LandmarkCase) -> str:
    for order_by, hint in _WRONG_ORDERS:
        if np.allclose(got, case.points[np.argsort(order_by(case.angles), kind="stable")]):
            return hint
    return (
        "Sort the points by their angle around the centre, measured clockwise on the screen "
        "from straight up, in [0, 2 pi)."
    )


def compare_order_landmarks(order_landmarks: Callable, case: LandmarkCase) -> None:
    """Compare ``order_landmarks(points, centre)`` with the order the points were built in."""
    name = "order_landmarks"
    got = call_learner(
        order_landmarks,
        case.points.copy(),
        case.centre.copy(),
        name=name,
        case=case.describe(),
    )
    got = as_array(name, _to_numpy(got), what="the ordered points")
    expect_shape(
        name,
        got,
        case.points.shape,
        what="the ordered points",
        hint="Return the points themselves, reordered (points[order]), not the order.",
    )
    if np.allclose(got, case.expected):
        return
    if not all(np.isclose(case.points, p).all(axis=1).any() for p in got):
        hint = "Return the same points, only reordered: some of yours are not among them."
    else:
        hint = _landmark_hint(got, case)
    raise CheckFailed(
        f"{name}: for {case.describe()} you return {np.round(got, 3).tolist()}; expected "
        f"{np.round(case.expected, 3).tolist()}. {hint}"
    )


# The visible check's case worked by hand in the text: around (10, 10), the points straight up
# (10, 2), right (18, 10), down (10, 18), left (2, 10), and just left of up, (9, 2), whose angle
# is 2 pi - arctan(1 / 8) = 352.9 degrees: it comes last. Given in the order down, up, left,
# just left of up, right.
LANDMARKS_BY_HAND = LandmarkCase(
    points=np.array([[10.0, 18.0], [10.0, 2.0], [2.0, 10.0], [9.0, 2.0], [18.0, 10.0]]),
    centre=np.array([10.0, 10.0]),
    angles=np.array([np.pi, 0.0, 3 * np.pi / 2, 2 * np.pi - np.arctan(1 / 8), np.pi / 2]),
)


def check_order_landmarks(order_landmarks: Callable) -> None:
    """The visible check: the case worked by hand, then random sets of 3 to 8 points."""
    compare_order_landmarks(order_landmarks, LANDMARKS_BY_HAND)
    for case in random_landmark_cases(_VISIBLE_SEED, 4):
        compare_order_landmarks(order_landmarks, case)
    passed(
        "order_landmarks",
        "the worked example (up, right, down, left, just left of up) and 4 random sets match.",
    )


# ------------------------------------------------------------------------------------ IoU
def random_iou_cases(seed: int, count: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of boxes with integer corners in 0..20: overlaps, disjoint, containment, shared edges."""
    rng = np.random.default_rng(seed)
    for k in range(count):
        y1, x1 = rng.integers(0, 15, 2)
        a = np.array([y1, x1, rng.integers(y1 + 1, 21), rng.integers(x1 + 1, 21)])
        kind = k % 4
        if kind == 1:  # inside a
            by1, bx1 = rng.integers(a[0], a[2]), rng.integers(a[1], a[3])
            b = np.array(
                [by1, bx1, rng.integers(by1 + 1, a[2] + 1), rng.integers(bx1 + 1, a[3] + 1)]
            )
        elif kind == 2:  # to the right of a, maybe sharing its edge
            bx1 = rng.integers(a[3], a[3] + 3)
            b = np.array([a[0], bx1, a[2], bx1 + rng.integers(1, 5)])
        else:
            by1, bx1 = rng.integers(0, 15, 2)
            b = np.array([by1, bx1, rng.integers(by1 + 1, 21), rng.integers(bx1 + 1, 21)])
        pair = (a.astype(np.float64), b.astype(np.float64))
        yield pair if rng.random() < 0.5 else pair[::-1]


def compare_iou(iou: Callable, box1, box2, expected: float | None = None) -> None:
    """Compare ``iou(box1, box2)`` with ``expected``, a case worked out by hand, or, when it is
    None, with the count of the pixels the two boxes cover (integer corners only)."""
    name, case = "iou", f"box1={_box_text(box1)}, box2={_box_text(box2)}"
    got = _scalar(
        name,
        call_learner(iou, np.array(box1, float), np.array(box2, float), name=name, case=case),
        what="IoU",
    )
    box1, box2 = np.asarray(box1, float), np.asarray(box2, float)
    if expected is None:
        expected, reference = ref.iou_pixel_count(box1, box2), "counting pixels"
    else:
        reference = "the case worked by hand"
    if np.isclose(got, expected, atol=1e-6):
        return
    hint = "IoU = intersection area / (area1 + area2 - intersection area)."
    if expected == 0 and got != 0:
        hint = (
            "These boxes do not overlap, so the IoU is 0. Clip the intersection's height and "
            "width at 0 before multiplying: two negative sides make a positive area."
        )
    elif _integer_corners(box1, box2) and np.isclose(
        got, _iou_with_inclusive_corners(box1, box2), atol=1e-6
    ):
        hint = "The course's y2 and x2 are exclusive: height = y2 - y1, with no + 1."
    elif expected > 0 and np.isclose(got, expected / (1 + expected), atol=1e-6):
        # IoU = I / (A1 + A2 - I) gives I / (A1 + A2) = IoU / (1 + IoU): the same numbers.
        hint = (
            "You divide by area1 + area2, which counts the overlap twice: the union is "
            "area1 + area2 - intersection."
        )
    raise CheckFailed(f"{name}({case}) returns {got:.6g}; {reference} gives {expected:.6g}. {hint}")


def _integer_corners(*boxes) -> bool:
    return all(np.array_equal(box, np.round(box)) for box in boxes)


def _iou_with_inclusive_corners(box1, box2) -> float:
    """What an IoU with the "+ 1" of inclusive corners (Pascal VOC's old code) gives: with
    integer corners, that is the pixel count of each box grown by one row and one column."""
    grow = np.array([0, 0, 1, 1])
    return ref.iou_pixel_count(box1 + grow, box2 + grow)


# The visible check's fixed cases, each worked out by hand: (box1, box2, IoU).
IOU_CASES_BY_HAND = (
    # The text's example: the overlap (2, 2, 3, 3) has area 1 x 1 = 1, each box 2 x 2 = 4:
    # 1 / (4 + 4 - 1) = 1 / 7.
    ((2, 1, 4, 3), (1, 2, 3, 4), 1 / 7),
    # Disjoint: rows 0..1 and rows 5..6 share nothing: 0.
    ((0, 0, 2, 2), (5, 5, 7, 7), 0.0),
    # Touching along x = 2: columns 0..1 and 2..4 share nothing (x2 is exclusive): 0.
    ((0, 0, 4, 2), (0, 2, 4, 5), 0.0),
    # Nested: the overlap is the small box, 4 x 5 = 20; the union the large one, 10 x 10 = 100.
    ((0, 0, 10, 10), (2, 3, 6, 8), 20 / 100),
    # Fractional corners: the overlap is rows 2..3.5 by columns 1..2.75, 1.5 x 1.75 = 2.625;
    # the boxes are 2 x 2.5 = 5 and 2 x 2 = 4: 2.625 / (5 + 4 - 2.625) = 2.625 / 6.375 = 7 / 17.
    ((1.5, 0.25, 3.5, 2.75), (2.0, 1.0, 4.0, 3.0), 7 / 17),
)


def check_iou(iou: Callable) -> None:
    """The visible check: the cases worked by hand (the text's example, no overlap, a shared
    edge, containment, fractional corners), then random pairs against a pixel count."""
    for box1, box2, expected in IOU_CASES_BY_HAND:
        compare_iou(iou, box1, box2, expected)
    for box1, box2 in random_iou_cases(_VISIBLE_SEED, 6):
        compare_iou(iou, box1, box2)
    passed("iou", "the worked example (1/7), disjoint, touching, nested and 7 other pairs match.")


# ---------------------------------------------------------------------------- YOLO targets
@dataclass(frozen=True)
class EncodeCase:
    """One image for ``encode_targets``: K boxes that fall in K different (cell, anchor) slots."""

    boxes: np.ndarray
    labels: np.ndarray
    grid_size: int
    anchors: np.ndarray
    image_size: int
    num_classes: int

    def describe(self) -> str:
        return (
            f"{len(self.boxes)} boxes, grid_size={self.grid_size}, {len(self.anchors)} anchors, "
            f"image_size={self.image_size}, num_classes={self.num_classes}"
        )

    def args(self) -> tuple:
        return (
            self.boxes.copy(),
            self.labels.copy(),
            self.grid_size,
            self.anchors.copy(),
            self.image_size,
            self.num_classes,
        )


def random_encode_cases(seed: int, count: int) -> Iterator[EncodeCase]:
    """Grids 2..8, 1..3 anchors, images 32..128 px, 1..5 classes, 0..6 boxes in distinct slots."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        S, B, C = int(rng.integers(2, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 6))
        n = int(rng.choice([32, 48, 64, 96, 128]))
        anchors = rng.uniform(0.1, 0.6, (B, 2)).round(3)
        boxes, labels, used = [], [], set()
        for _ in range(int(rng.integers(0, 7))):
            h, w = rng.uniform(2, n * 0.6, 2)
            y1, x1 = rng.uniform(0, n - h), rng.uniform(0, n - w)
            box = np.array([y1, x1, y1 + h, x1 + w], np.float32)
            label = int(rng.integers(C))
            target = ref.yolo_slots(box[None], [label], S, anchors, n, C)
            slot = tuple(np.argwhere(target[..., 0] == 1)[0])
            if slot not in used:
                used.add(slot)
                boxes.append(box)
                labels.append(label)
        yield EncodeCase(
            np.array(boxes, np.float32).reshape(-1, 4), np.array(labels, np.int64), S, anchors, n, C
        )


def compare_encode_targets(encode_targets: Callable, case: EncodeCase) -> None:
    """Check ``encode_targets(boxes, labels, grid_size, anchors, image_size, num_classes)``:
    each box in the cell of its centre and the anchor of best shape IoU, and decoding the result
    slot by slot gives the boxes back."""
    name = "encode_targets"
    got = as_array(
        name,
        _to_numpy(call_learner(encode_targets, *case.args(), name=name, case=case.describe())),
        what="y",
    )
    S, B, C = case.grid_size, len(case.anchors), case.num_classes
    expect_shape(
        name,
        got,
        (S, S, B, 5 + C),
        what="y",
        hint="The target is (grid_size, grid_size, number of anchors, 5 + num_classes).",
    )
    expected = ref.yolo_slots(case.boxes, case.labels, S, case.anchors, case.image_size, C)
    got_slots = {tuple(s) for s in np.argwhere(got[..., 0] == 1)}
    want_slots = {tuple(s) for s in np.argwhere(expected[..., 0] == 1)}
    if got_slots != want_slots:
        raise CheckFailed(f"{name}: {_slot_hint(got_slots, want_slots, case)} ({case.describe()})")
    boxes, labels, _ = ref.slot_boxes(got, case.image_size)
    want_boxes, want_labels, _ = ref.slot_boxes(expected, case.image_size)
    if len(boxes) and not np.allclose(boxes, want_boxes, atol=1e-3):
        i = int(np.argmax(np.abs(boxes - want_boxes).max(axis=1)))
        r, c, a = sorted(want_slots)[i]
        raise CheckFailed(
            f"{name}: decoding slot (row {r}, col {c}, anchor {a}) gives the box "
            f"{_box_text(np.round(boxes[i], 3))}, not {_box_text(np.round(want_boxes[i], 3))}. "
            f"{_encoding_hint(got[r, c, a], expected[r, c, a])}"
        )
    if not np.array_equal(labels, want_labels) or not np.allclose(got, expected, atol=1e-5):
        raise CheckFailed(
            f"{name}: the boxes are in the right slots, but the rest of the vector differs: "
            "each slot holding an object has p_c = 1 and c_{label} = 1, every other number "
            f"of the target is 0 ({case.describe()})."
        )


def _slot_hint(got: set, want: set, case: EncodeCase) -> str:
    found = f"objects in slots {sorted(got)}; expected {sorted(want)} (row, col, anchor)"
    swap = {(c, r, a) for r, c, a in got}
    if swap == want:
        return (
            found + ". Rows come from y (vertical), columns from x: row = floor(y_centre / cell)."
        )
    if {(r, c) for r, c, _ in got} == {(r, c) for r, c, _ in want}:
        return found + (
            ". The cells are right but not the anchors: pick the anchor whose shape "
            "(h, w), centred on the box, has the largest IoU with the box's (h, w), both as "
            "fractions of the image (the anchors' unit, not pixels or cells)."
        )
    if len(got) != len(want):
        return found + ". Every box gets exactly one slot, and p_c = 1 marks it."
    return (
        found + ". The cell is the one holding the box centre, cell size = image_size / grid_size."
    )


def _encoding_hint(got_vec, want_vec) -> str:
    if np.allclose(got_vec[[1, 2]], want_vec[[2, 1]], atol=1e-5):
        return "b_x is the horizontal offset (from x), b_y the vertical one."
    if np.allclose(got_vec[[3, 4]], want_vec[[4, 3]], atol=1e-5):
        return "The order is b_h then b_w."
    if np.all(got_vec[1:3] > 1):
        return "b_x, b_y are offsets inside the cell, between 0 and 1: x_centre / cell - col."
    if np.any(got_vec[3:5] > 1):
        return "b_h, b_w are fractions of the whole image: (y2 - y1) / image_size."
    return "b_x = x_centre / cell - col, b_y = y_centre / cell - row, b_h = h / image_size, b_w = w / image_size."


def visible_encode_cases() -> list[EncodeCase]:
    worked = EncodeCase(
        np.array([[10.0, 38.0, 30.0, 60.0]], np.float32),
        np.array([1]),
        4,
        np.array([[0.5, 0.25], [0.25, 0.5]]),
        64,
        3,
    )
    return [worked, *random_encode_cases(_VISIBLE_SEED, 4)]


def check_encode_targets(encode_targets: Callable) -> None:
    """The visible check: the worked example and 4 random images; decoding gives the boxes back."""
    for case in visible_encode_cases():
        compare_encode_targets(encode_targets, case)
    passed("encode_targets", "right cells and anchors on 5 images; decoding gives the boxes back.")


# ---------------------------------------------------------------------------- YOLO decoding
def random_predictions(seed: int, count: int) -> Iterator[tuple[np.ndarray, int]]:
    """Network outputs (S, S, B, 5 + C) as the head gives them (probabilities, offsets in
    0..1, sizes as fractions), with image sizes 32..128."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        S, B, C = int(rng.integers(2, 9)), int(rng.integers(1, 4)), int(rng.integers(1, 6))
        pred = np.empty((S, S, B, 5 + C))
        pred[..., :3] = rng.uniform(0, 1, (S, S, B, 3))
        pred[..., 3:5] = rng.uniform(0.02, 0.8, (S, S, B, 2))
        logits = rng.normal(0, 2, (S, S, B, C))
        pred[..., 5:] = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        yield pred, int(rng.choice([32, 48, 64, 96, 128]))


def compare_decode_predictions(decode_predictions: Callable, predictions, image_size) -> None:
    """Compare ``decode_predictions(predictions, image_size)`` with a slot-by-slot decoding."""
    name = "decode_predictions"
    S, _, B, width = predictions.shape
    case = f"predictions of shape {predictions.shape}, image_size={image_size}"
    result = call_learner(decode_predictions, predictions.copy(), image_size, name=name, case=case)
    boxes, scores, classes = (
        as_array(name, _to_numpy(v), what=w)
        for v, w in zip(
            expect_tuple(name, result, ("boxes", "scores", "classes")),
            ("boxes", "scores", "classes"),
            strict=True,
        )
    )
    want_boxes, want_scores, want_classes = ref.decode_slots(predictions, image_size)
    n = S * S * B
    expect_shape(
        name,
        boxes,
        (n, 4),
        what="boxes",
        hint=f"One box per slot: grid_size * grid_size * anchors = {n} rows, in (row, col, anchor) order (a reshape(-1, 4)).",
    )
    expect_shape(name, scores, (n,), what="scores")
    expect_shape(name, classes, (n,), what="classes")
    hint = ""
    cell = image_size / S
    want_centres = (want_boxes[:, :2] + want_boxes[:, 2:]) / 2
    want_sizes = want_boxes[:, 2:] - want_boxes[:, :2]
    # Slot k of predictions.reshape(-1, 5 + C) is row k // (S B), column (k // B) % S: with
    # them swapped, each centre moves by (col - row) cells down and (row - col) cells right.
    slot = np.arange(n)
    row, col = slot // (S * B), (slot // B) % S
    swapped_centres = want_centres + np.stack([col - row, row - col], axis=1) * cell
    if np.allclose(boxes, want_boxes[:, [1, 0, 3, 2]], atol=1e-4):
        hint = " Boxes are (y1, x1, y2, x2): y first."
    elif S > 1 and np.allclose(
        boxes,
        np.concatenate(
            [swapped_centres - want_sizes / 2, swapped_centres + want_sizes / 2], axis=1
        ),
        atol=1e-4,
    ):
        hint = (
            " Rows and columns are swapped: the row (first axis of predictions) moves "
            "y_centre = (row + b_y) * cell, the column x_centre = (col + b_x) * cell; "
            "np.meshgrid gives (row, col) grids with indexing='ij'."
        )
    elif np.allclose((boxes[:, :2] + boxes[:, 2:]) / 2, want_centres, atol=1e-4) and np.allclose(
        boxes[:, 2:] - boxes[:, :2], want_sizes / S, atol=1e-4
    ):
        hint = (
            " The centres are right but the boxes are grid_size times too small: b_h and b_w "
            "are fractions of the whole image, so h = b_h * image_size, not b_h * cell."
        )
    elif np.allclose(
        boxes[:, 2:] - boxes[:, :2], (want_boxes[:, 2:] - want_boxes[:, :2]), atol=1e-4
    ):
        hint = f" The sizes are right but not the centres: y_centre = (row + b_y) * cell, x_centre = (col + b_x) * cell, with cell = {cell:g} px here."
    try:
        expect_close(
            name,
            boxes,
            want_boxes,
            what="boxes",
            reference="decoding slot by slot",
            case=case,
            atol=1e-4,
        )
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}{hint}") from None
    if np.allclose(scores, predictions[..., 0].reshape(-1), atol=1e-6) and not np.allclose(
        scores, want_scores
    ):
        raise CheckFailed(
            f"{name}: the scores are p_c alone; a score is p_c times the probability of the most likely class ({case})."
        )
    expect_close(
        name, scores, want_scores, what="scores", reference="p_c * max class probability", case=case
    )
    expect_close(
        name,
        classes,
        want_classes,
        what="classes",
        reference="argmax of the class probabilities",
        case=case,
    )


def check_decode_predictions(decode_predictions: Callable) -> None:
    """The visible check: decoding an encoded target gives its box back; random outputs."""
    target = ref.yolo_slots([[10.0, 38.0, 30.0, 60.0]], [1], 4, [[0.5, 0.25], [0.25, 0.5]], 64, 3)
    result = call_learner(
        decode_predictions, target, 64, name="decode_predictions", case="the worked example"
    )
    boxes, scores, classes = (
        np.asarray(_to_numpy(v))
        for v in expect_tuple("decode_predictions", result, ("boxes", "scores", "classes"))
    )
    best = int(np.argmax(scores)) if np.size(scores) else -1
    if best < 0 or not np.allclose(boxes[best], [10, 38, 30, 60], atol=1e-4) or classes[best] != 1:
        compare_decode_predictions(decode_predictions, target, 64)  # says what differs
    for predictions, image_size in random_predictions(_VISIBLE_SEED, 3):
        compare_decode_predictions(decode_predictions, predictions, image_size)
    passed(
        "decode_predictions",
        "the worked example decodes to (10, 38, 30, 60), class 1; 3 random outputs match.",
    )


# ---------------------------------------------------------------------------- filter and NMS
@dataclass(frozen=True)
class DetectionCase:
    """Candidate boxes of one image: boxes (N, 4), scores (N,), classes (N,), a threshold."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    threshold: float

    def describe(self) -> str:
        return f"{len(self.boxes)} boxes of {len(np.unique(self.classes))} classes, threshold {self.threshold}"

    def args(self) -> tuple:
        return self.boxes.copy(), self.scores.copy(), self.classes.copy(), self.threshold


def random_detection_cases(
    seed: int, count: int, thresholds=(0.3, 0.5, 0.7)
) -> Iterator[DetectionCase]:
    """Clusters of overlapping boxes of 1..4 classes (0..40 boxes), random scores."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n_centres = int(rng.integers(1, 6))
        centres = rng.uniform(10, 90, (n_centres, 2))
        n = int(rng.integers(0, 41))
        which = rng.integers(0, n_centres, n)
        c = centres[which] + rng.normal(0, 4, (n, 2))
        hw = rng.uniform(8, 30, (n, 2))
        boxes = ref.centre_size_to_corners(np.concatenate([c, hw], axis=1)).astype(np.float32)
        classes = rng.integers(0, int(rng.integers(1, 5)), n)
        yield DetectionCase(
            boxes, rng.uniform(0, 1, n).astype(np.float32), classes, float(rng.choice(thresholds))
        )


def compare_filter_boxes(filter_boxes: Callable, case: DetectionCase) -> None:
    """Compare ``filter_boxes(boxes, scores, classes, score_threshold)`` with a boolean mask."""
    name = "filter_boxes"
    result = call_learner(filter_boxes, *case.args(), name=name, case=case.describe())
    got = [
        as_array(name, _to_numpy(v), what=w)
        for v, w in zip(
            expect_tuple(name, result, ("boxes", "scores", "classes")),
            ("boxes", "scores", "classes"),
            strict=True,
        )
    ]
    keep = case.scores >= case.threshold
    strict = case.scores > case.threshold
    for g, given, what in zip(
        got, (case.boxes, case.scores, case.classes), ("boxes", "scores", "classes"), strict=True
    ):
        want = given[keep]
        # What the two usual wrong masks keep, from the same arrays.
        causes = [
            ("Keep scores equal to the threshold too (>=).", lambda given=given: given[strict]),
            (
                "Keep the boxes whose score is at least the threshold, not the others.",
                lambda given=given: given[~keep],
            ),
        ]
        if g.shape != want.shape:
            expect_shape(name, g, want.shape, what=what, hint=likely_cause(g, causes))
        expect_close(
            name,
            g,
            want,
            what=what,
            reference="scores >= score_threshold",
            case=case.describe(),
            causes=causes,
        )


def check_filter_boxes(filter_boxes: Callable) -> None:
    """The visible check: a score equal to the threshold is kept; random candidates."""
    tie = DetectionCase(
        np.array([[0, 0, 4, 4], [1, 1, 5, 5], [2, 2, 6, 6]], np.float32),
        np.array([0.6, 0.5, 0.2], np.float32),
        np.array([0, 1, 0]),
        0.5,
    )
    compare_filter_boxes(filter_boxes, tie)
    for case in random_detection_cases(_VISIBLE_SEED, 3):
        compare_filter_boxes(filter_boxes, case)
    passed("filter_boxes", "keeps exactly the scores >= threshold, on 4 sets of boxes.")


def compare_non_max_suppression(non_max_suppression: Callable, case: DetectionCase) -> None:
    """Compare ``non_max_suppression(boxes, scores, classes, iou_threshold)`` with
    ``tf.image.non_max_suppression`` run class by class."""
    name = "non_max_suppression"
    got = as_array(
        name,
        _to_numpy(call_learner(non_max_suppression, *case.args(), name=name, case=case.describe())),
        what="the indices kept",
    )
    got = got.reshape(-1)
    expected = ref.nms_per_class(case.boxes, case.scores, case.classes, case.threshold)
    if np.array_equal(got, expected):
        return
    message = f"{name}: on {case.describe()} you keep {len(got)} boxes {got.astype(int).tolist()[:12]}; tf.image.non_max_suppression per class keeps {len(expected)} {expected.tolist()[:12]}."
    agnostic = ref.nms_per_class(
        case.boxes, case.scores, np.zeros_like(case.classes), case.threshold
    )
    if set(got.astype(int)) == set(expected.tolist()):
        hint = "The same boxes, in another order: return them in order of decreasing score."
    elif len(np.unique(case.classes)) > 1 and set(got.astype(int)) == set(agnostic.tolist()):
        hint = "Run the suppression separately for each class: a box only suppresses boxes of its own class."
    elif set(got.astype(int)) == set(_nms_in_index_order(case).tolist()):
        hint = (
            "You visit the boxes in the order they come, not by score: within a class, keep "
            "the box with the highest score first, drop the boxes that overlap it, and repeat "
            "with the best box left."
        )
    elif len(got) > len(expected):
        hint = "Too many kept: after keeping the best box, drop every remaining box of its class whose IoU with it is above iou_threshold."
    else:
        hint = "Too few kept: a box is dropped only when its IoU with a box you kept is *above* iou_threshold (strictly), and only boxes of the same class compete."
    raise CheckFailed(f"{message} {hint}")


def _nms_in_index_order(case: DetectionCase) -> np.ndarray:
    """The boxes that greedy suppression keeps when it visits the boxes in index order rather
    than by score: tf.image.non_max_suppression per class, given scores that fall with the
    index."""
    by_index = -np.arange(len(case.scores), dtype=np.float32)
    return ref.nms_per_class(case.boxes, by_index, case.classes, case.threshold)


def check_non_max_suppression(non_max_suppression: Callable) -> None:
    """The visible check: the worked example, then random clusters of boxes against TensorFlow."""
    worked = DetectionCase(
        np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [20, 20, 30, 30]], np.float32),
        np.array([0.9, 0.8, 0.7, 0.6], np.float32),
        np.array([0, 0, 1, 0]),
        0.5,
    )
    compare_non_max_suppression(non_max_suppression, worked)
    for case in random_detection_cases(_VISIBLE_SEED, 4):
        compare_non_max_suppression(non_max_suppression, case)
    passed(
        "non_max_suppression",
        "the worked example ([0, 2, 3]) and 4 random sets match tf.image.non_max_suppression per class.",
    )


# ------------------------------------------------------------------------------ YOLO loss
def random_yolo_loss_cases(seed: int, count: int) -> Iterator[LossCase]:
    """Batches of 1..3 images, grids 2..5, 1..3 anchors, 1..4 classes, some objects each."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, S, B, C = (int(rng.integers(lo, hi)) for lo, hi in ((1, 4), (2, 6), (1, 4), (1, 5)))
        y_true = np.zeros((m, S, S, B, 5 + C), np.float32)
        obj = rng.random((m, S, S, B)) < 0.2
        obj[0, 0, 0, 0], obj[-1, -1, -1, -1] = True, False  # at least one full and one empty slot
        y_true[..., 0] = obj
        y_true[..., 1:3] = rng.uniform(0, 1, (m, S, S, B, 2)) * obj[..., None]
        y_true[..., 3:5] = rng.uniform(0.05, 0.7, (m, S, S, B, 2)) * obj[..., None]
        labels = rng.integers(0, C, (m, S, S, B))
        y_true[..., 5:] = np.eye(C)[labels] * obj[..., None]
        y_pred = np.empty_like(y_true)
        y_pred[..., :3] = rng.uniform(0.01, 0.99, (m, S, S, B, 3))
        y_pred[..., 3:5] = rng.uniform(0.02, 0.8, (m, S, S, B, 2))
        logits = rng.normal(0, 1, (m, S, S, B, C))
        y_pred[..., 5:] = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        yield LossCase(y_true, y_pred.astype(np.float32))


def perfect_prediction(y_true: np.ndarray) -> np.ndarray:
    """The prediction a perfect network would make for ``y_true`` (the same numbers, with the
    sizes of empty slots set to a positive value, since the head never outputs 0)."""
    y_pred = y_true.copy()
    empty = y_true[..., 0] == 0
    y_pred[..., 3:5][empty] = 0.3
    return y_pred


def yolo_error_kinds(y_true: np.ndarray) -> dict[str, np.ndarray]:
    """One prediction per kind of error, each starting from the perfect one: a shifted centre,
    a wrong size, an object missed, a false object, a wrong class."""
    perfect = perfect_prediction(y_true)
    obj = np.argwhere(y_true[..., 0] == 1)[0]
    empty = np.argwhere(y_true[..., 0] == 0)[0]
    kinds = {}
    kinds_of_error = ["centre", "size", "missed object", "false object", "class"]
    if y_true.shape[-1] == 6:  # one class: it cannot be wrong
        kinds_of_error.pop()
    for kind in kinds_of_error:
        y = perfect.copy()
        slot = tuple(obj) if kind != "false object" else tuple(empty)
        if kind == "centre":
            y[slot][1] = (y[slot][1] + 0.3) % 1
        elif kind == "size":
            y[slot][3] *= 1.5
        elif kind == "missed object":
            y[slot][0] = 0.4
        elif kind == "false object":
            y[slot][0] = 0.6
        else:
            y[slot][5:] = np.roll(y[slot][5:], 1) * 0.7 + 0.3 / len(y[slot][5:])
        kinds[kind] = y
    return kinds


def compare_yolo_loss(yolo_loss: Callable, case: LossCase, **weights) -> None:
    """Compare ``yolo_loss(y_true, y_pred, ...)`` with the slot-by-slot reference."""
    name = "yolo_loss"
    got = _scalar(
        name,
        call_learner(
            yolo_loss,
            case.y_true.copy(),
            case.y_pred.copy(),
            name=name,
            case=case.describe(),
            **weights,
        ),
        what="the loss",
    )
    expected = ref.yolo_loss(case.y_true, case.y_pred, **weights)
    if np.isclose(got, expected, rtol=1e-4, atol=1e-5):
        return
    m = case.y_true.shape[0]
    hint = "Check each term against the formula: which slots it sums over, and its weight."
    slots = int(np.prod(case.y_true.shape[:-1]))
    cause = likely_cause(got, _yolo_loss_causes(case, weights), rtol=1e-4, atol=1e-5)
    if cause:
        hint = cause
    elif np.isclose(got, expected * m / slots, rtol=1e-4):
        hint = "Divide the sum over all slots by the batch size m, not by the number of slots (a tf.reduce_mean over every slot)."
    elif np.isclose(got, expected * m, rtol=1e-4) and m > 1:
        hint = "Divide the sum over all slots by the batch size m."
    raise CheckFailed(
        f"{name}: on {case.describe()}{' with ' + str(weights) if weights else ''} you return {got:.6g}; the slot-by-slot loss is {expected:.6g}. {hint}"
    )


def _squared_sizes(y: np.ndarray) -> np.ndarray:
    """``y`` with b_h, b_w squared: the reference's sqrt(b_h^2) is then b_h itself."""
    y = y.astype(np.float64)
    y[..., 3:5] = y[..., 3:5] ** 2
    return y


def _yolo_loss_causes(case: LossCase, weights: dict) -> list:
    """The common wrong yolo_loss values on ``case``, as (sentence, wrong) pairs for
    likely_cause; each wrong value is the slot-by-slot reference on changed inputs or weights."""
    given = {"lambda_coord": 5.0, "lambda_noobj": 0.5, "lambda_class": 1.0, **weights}
    y_true, y_pred = case.y_true, case.y_pred
    causes = [
        (
            "Your size term compares b_h and b_w themselves; the loss compares their square "
            "roots, (sqrt(b_h) - sqrt(b_h_hat))^2, so that the same error costs more on a small "
            "box than on a large one (Redmon et al. 2016, section 2.2).",
            lambda: ref.yolo_loss(_squared_sizes(y_true), _squared_sizes(y_pred), **given),
        )
    ]
    if weights and any(given[k] != v for k, v in (("lambda_coord", 5.0), ("lambda_noobj", 0.5), ("lambda_class", 1.0))):  # fmt: skip
        causes.append((
            "That is the loss with the default weights (5, 0.5, 1): use the arguments "
            "lambda_coord, lambda_noobj and lambda_class, not fixed numbers.",
            lambda: ref.yolo_loss(y_true, y_pred),
        ))  # fmt: skip
    for weight, term in (("lambda_coord", "box (centre and size)"), ("lambda_noobj", "no-object"),
                         ("lambda_class", "class")):  # fmt: skip
        if given[weight] != 1.0:
            causes.append((
                f"The {term} term is not weighted: multiply it by {weight}.",
                lambda weight=weight: ref.yolo_loss(y_true, y_pred, **{**given, weight: 1.0}),
            ))  # fmt: skip
    return causes


def compare_yolo_loss_behaviour(yolo_loss: Callable, y_true: np.ndarray) -> None:
    """Zero for a perfect prediction; larger than zero for each kind of error."""
    name = "yolo_loss"
    perfect = _scalar(
        name,
        call_learner(
            yolo_loss, y_true, perfect_prediction(y_true), name=name, case="a perfect prediction"
        ),
    )
    if abs(perfect) > 1e-5:
        raise CheckFailed(
            f"{name}: a perfect prediction should cost 0, yours costs {perfect:.6g}. Check that the objectness terms use -log(p_c) where there is an object and -log(1 - p_c) where there is none, and that the class term only counts slots with an object."
        )
    for kind, y_pred in yolo_error_kinds(y_true).items():
        loss = _scalar(
            name,
            call_learner(
                yolo_loss, y_true, y_pred, name=name, case=f"a prediction with a wrong {kind}"
            ),
        )
        if not loss > 1e-4:
            raise CheckFailed(
                f"{name}: a prediction with one error ({kind}) costs {loss:.6g}; it should cost more than a perfect one (0). Is that term missing?"
            )


def check_yolo_loss(yolo_loss: Callable) -> None:
    """The visible check: zero when perfect, each error costs, random batches, trainable."""
    cases = list(random_yolo_loss_cases(_VISIBLE_SEED, 3))
    compare_yolo_loss_behaviour(yolo_loss, cases[0].y_true)
    for case in cases:
        compare_yolo_loss(yolo_loss, case)
    compare_yolo_loss(yolo_loss, cases[1], lambda_coord=2.0, lambda_noobj=1.0, lambda_class=3.0)
    _differentiable("yolo_loss", yolo_loss, cases[0])
    passed(
        "yolo_loss",
        "0 for a perfect prediction, > 0 for each of 5 kinds of error; 4 random batches match; TensorFlow can differentiate it.",
    )


# ------------------------------------------------------------------------------------ mAP
@dataclass(frozen=True)
class MapCase:
    """Detections and ground truth of a few images, as ``mean_average_precision`` takes them."""

    detections: list
    ground_truths: list
    num_classes: int

    def describe(self) -> str:
        n_det = sum(len(d[1]) for d in self.detections)
        n_gt = sum(len(g[1]) for g in self.ground_truths)
        return f"{len(self.detections)} images, {n_gt} true boxes, {n_det} detections, {self.num_classes} classes"


def random_map_cases(seed: int, count: int) -> Iterator[MapCase]:
    """1..6 images with 0..5 true boxes of 1..4 classes; detections are jittered true boxes (some
    with the wrong class), duplicates and random boxes, with random scores."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        C = int(rng.integers(1, 5))
        detections, truths = [], []
        for _ in range(int(rng.integers(1, 7))):
            g = int(rng.integers(0, 6))
            yx = rng.uniform(0, 50, (g, 2))
            g_boxes = np.concatenate([yx, yx + rng.uniform(4, 20, (g, 2))], axis=1)
            g_classes = rng.integers(0, C, g)
            truths.append((g_boxes, g_classes))
            picks = rng.integers(0, max(g, 1), int(rng.integers(0, 2 * g + 1))) if g else []
            d_boxes = [g_boxes[i] + rng.normal(0, 2.5, 4) for i in picks]
            d_classes = [g_classes[i] if rng.random() < 0.8 else rng.integers(C) for i in picks]
            for _ in range(int(rng.integers(0, 4))):
                yx1 = rng.uniform(0, 50, 2)
                d_boxes.append(np.r_[yx1, yx1 + rng.uniform(4, 20, 2)])
                d_classes.append(rng.integers(C))
            d_boxes = np.array(d_boxes, float).reshape(-1, 4)
            d_boxes[:, 2:] = np.maximum(d_boxes[:, 2:], d_boxes[:, :2] + 1)
            detections.append(
                (d_boxes, rng.uniform(0, 1, len(d_boxes)), np.array(d_classes, np.int64))
            )
        if sum(len(t[1]) for t in truths) == 0:
            truths[0] = (np.array([[5.0, 5.0, 15.0, 15.0]]), np.array([0]))
        yield MapCase(detections, truths, C)


def compare_mean_average_precision(mean_average_precision: Callable, case: MapCase) -> None:
    """Compare ``mean_average_precision(detections, ground_truths, num_classes)`` with
    pycocotools' AP at IoU = 0.5 (agreement to 1e-3)."""
    name = "mean_average_precision"
    got = _scalar(
        name,
        call_learner(
            mean_average_precision,
            case.detections,
            case.ground_truths,
            case.num_classes,
            name=name,
            case=case.describe(),
        ),
        what="mAP",
    )
    expected = ref.coco_map(case.detections, case.ground_truths, case.num_classes)
    if abs(got - expected) <= 1e-3:
        return
    hint = (
        "Check, in order: detections of a class sorted by decreasing score over all images; a "
        "detection is a true positive when its IoU with a not-yet-matched true box of its class "
        "and image is >= 0.5 (the best such box); precision made non-increasing from the right; "
        "AP = mean of the precision at the 101 recalls np.linspace(0, 1, 101) (0 past the last "
        "recall reached); mAP = mean AP over the classes that have true boxes."
    )
    with_truth = {int(c) for _, classes in case.ground_truths for c in np.asarray(classes)}
    if len(with_truth) < case.num_classes and np.isclose(
        got, expected * len(with_truth) / case.num_classes, atol=1e-3
    ):
        hint = (
            f"You average over all {case.num_classes} classes; only {len(with_truth)} have true "
            "boxes here. A class with no true box has no AP to count: the mean is over the "
            "classes that have at least one."
        )
    raise CheckFailed(
        f"{name}: on {case.describe()} you return {got:.6g}; pycocotools gives {expected:.6g}. {hint}"
    )


def check_mean_average_precision(mean_average_precision: Callable) -> None:
    """The visible check: the worked example (0.5), perfect detections (1.0), random cases."""
    truth = [(np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([0]))]
    worked = [
        (
            np.array([[20.0, 20.0, 30.0, 30.0], [1.0, 1.0, 10.0, 10.0]]),
            np.array([0.9, 0.8]),
            np.array([0, 0]),
        )
    ]
    compare_mean_average_precision(mean_average_precision, MapCase(worked, truth, 1))
    first = next(random_map_cases(_VISIBLE_SEED, 1))
    found = [(boxes, np.ones(len(classes)), classes) for boxes, classes in first.ground_truths]
    perfect = MapCase(found, first.ground_truths, first.num_classes)
    compare_mean_average_precision(mean_average_precision, perfect)
    for case in random_map_cases(_VISIBLE_SEED + 1, 3):
        compare_mean_average_precision(mean_average_precision, case)
    passed(
        "mean_average_precision",
        "the worked example (0.5), perfect detections (1.0) and 3 random cases agree with pycocotools.",
    )
