"""The chapter 05 checks: they accept the instructor's solutions, and for the usual bugs they
fail with the message a learner needs. The references themselves (a pixel count,
tf.image.non_max_suppression, pycocotools, slot-by-slot loops) are checked on cases worked by
hand, and the figures and the playground build headless."""

from __future__ import annotations

import numpy as np
import pytest
from solution_harness import assert_cause_named, mutant

from helpers.checks import object_detection as checks
from helpers.checks.common import CheckFailed
from helpers.grading.solutions import solution_cells
from helpers.references import object_detection as ref

CHAPTER = "05_object_detection"
GRADED = [
    "localisation_target",
    "localisation_loss",
    "order_landmarks",
    "iou",
    "encode_targets",
    "decode_predictions",
    "filter_boxes",
    "non_max_suppression",
    "yolo_loss",
    "mean_average_precision",
]


def test_the_chapter_grades_the_functions_the_issue_names():
    assert list(solution_cells(CHAPTER)) == GRADED


@pytest.mark.parametrize("name", GRADED)
def test_visible_checks_accept_the_solutions(solved, name, capsys):
    getattr(checks, f"check_{name}")(solved[name])
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    for case in checks.random_localisation_cases(seed=1, count=12):
        checks.compare_localisation_target(solved["localisation_target"], case)
    for case in checks.random_localisation_loss_cases(seed=1, count=8):
        checks.compare_localisation_loss(solved["localisation_loss"], case)
    for case in checks.random_landmark_cases(seed=1, count=12):
        checks.compare_order_landmarks(solved["order_landmarks"], case)
    for box1, box2 in checks.random_iou_cases(seed=1, count=100):
        checks.compare_iou(solved["iou"], box1, box2)
    for case in checks.random_encode_cases(seed=1, count=20):
        checks.compare_encode_targets(solved["encode_targets"], case)
        truth = ref.yolo_slots(
            case.boxes, case.labels, case.grid_size, case.anchors, case.image_size, case.num_classes
        )
        checks.compare_decode_predictions(solved["decode_predictions"], truth, case.image_size)
    for predictions, image_size in checks.random_predictions(seed=1, count=8):
        checks.compare_decode_predictions(solved["decode_predictions"], predictions, image_size)
    for case in checks.random_detection_cases(seed=1, count=15):
        checks.compare_filter_boxes(solved["filter_boxes"], case)
        checks.compare_non_max_suppression(solved["non_max_suppression"], case)
    for case in checks.random_yolo_loss_cases(seed=1, count=6):
        checks.compare_yolo_loss(solved["yolo_loss"], case)
        checks.compare_yolo_loss_behaviour(solved["yolo_loss"], case.y_true)
    for case in checks.random_map_cases(seed=1, count=12):
        checks.compare_mean_average_precision(solved["mean_average_precision"], case)


def test_random_cases_cover_what_the_hidden_tests_promise():
    pairs = list(checks.random_iou_cases(seed=503, count=200))
    overlaps = [ref.iou_pixel_count(a, b) for a, b in pairs]
    assert sum(o == 0 for o in overlaps) > 20 and sum(0 < o < 1 for o in overlaps) > 60

    def inside(a, b):
        return a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]

    assert sum(inside(a, b) or inside(b, a) for a, b in pairs) > 20
    assert any(a[3] == b[1] or b[3] == a[1] for a, b in pairs)  # shared edges

    encodes = list(checks.random_encode_cases(seed=504, count=40))
    assert {c.grid_size for c in encodes} >= {2, 4, 8} and {len(c.anchors) for c in encodes} == {
        1,
        2,
        3,
    }
    assert any(len(c.boxes) == 0 for c in encodes) and any(len(c.boxes) >= 4 for c in encodes)
    nms = list(checks.random_detection_cases(seed=507, count=30))
    assert {c.threshold for c in nms} == {0.3, 0.5, 0.7}
    assert sum(len(np.unique(c.classes)) > 1 for c in nms) > 10
    maps = list(checks.random_map_cases(seed=509, count=25))
    assert any(len(g[1]) == 0 for case in maps for g in case.ground_truths)  # images with no object
    assert any(case.num_classes > 1 for case in maps)
    landmarks = list(checks.random_landmark_cases(seed=510, count=24))
    assert {len(c.points) for c in landmarks} == set(range(3, 9))
    assert sum(c.angles.max() > 2 * np.pi - 0.25 for c in landmarks) >= 8  # just left of up
    assert sum(c.angles.min() == 0 for c in landmarks) >= 6  # straight up
    # Given shuffled: the order the points come in is not already the answer.
    assert sum(not np.array_equal(c.points, c.expected) for c in landmarks) > 20
    losses = list(checks.random_yolo_loss_cases(seed=508, count=12))
    assert all(c.y_true[..., 0].any() and not c.y_true[..., 0].all() for c in losses)


def test_cases_are_reproducible():
    first, second = (list(checks.random_map_cases(seed=7, count=3)) for _ in range(2))
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a.detections[0][0], b.detections[0][0])


def test_unwritten_function_says_to_write_it():
    def iou(box1, box2):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="iou is not written yet"):
        checks.check_iou(iou)


# ----------------------------------------------------------------------- planted bugs
def test_swapped_centre_coordinates_are_named():
    broken = mutant(
        CHAPTER, "localisation_target", ("[centre_x, centre_y,", "[centre_y, centre_x,")
    )
    with pytest.raises(CheckFailed, match="b_x is horizontal"):
        checks.check_localisation_target(broken["localisation_target"])


def test_pixels_instead_of_fractions_are_named():
    broken = mutant(CHAPTER, "localisation_target", ("x2 - x1]) / image_size", "x2 - x1])"))
    with pytest.raises(CheckFailed, match="Divide by image_size"):
        checks.check_localisation_target(broken["localisation_target"])


def test_localisation_loss_without_the_p_c_mask_is_named():
    broken = mutant(
        CHAPTER,
        "localisation_loss",
        ("(1.0 - p_c) * squared[:, 0]", "(1.0 - p_c) * tf.reduce_sum(squared, axis=1)"),
    )
    with pytest.raises(CheckFailed, match="When p_c = 0 only p_c's error counts"):
        checks.check_localisation_loss(broken["localisation_loss"])


def test_localisation_loss_in_numpy_cannot_train():
    broken = mutant(
        CHAPTER,
        "localisation_loss",
        ("loss = tf.reduce_mean(per_example)", "loss = np.mean(per_example.numpy())"),
    )
    with pytest.raises(CheckFailed, match="not a TensorFlow tensor, so Keras cannot train"):
        checks.check_localisation_loss(broken["localisation_loss"])


def test_landmark_angles_without_the_modulo_are_named():
    broken = mutant(
        CHAPTER, "order_landmarks", ("np.arctan2(dx, -dy) % (2 * np.pi)", "np.arctan2(dx, -dy)")
    )
    with pytest.raises(CheckFailed, match=r"just left of straight up .* modulo 2 pi"):
        checks.check_order_landmarks(broken["order_landmarks"])


@pytest.mark.parametrize(
    ("angle", "message"),
    [
        ("np.arctan2(-dx, -dy)", "counter-clockwise on the screen"),
        ("np.arctan2(dy, dx)", "starts from the right, as an angle measured from the x axis"),
        ("np.arctan2(-dy, dx)", "starts from the right and goes counter-clockwise"),
        ("np.arctan2(-dx, dy)", "starts from straight down. Rows"),
        ("np.arctan2(dx, dy)", "starts from straight down and goes counter-clockwise"),
    ],
)
def test_landmark_orders_from_another_direction_are_named(angle, message):
    broken = mutant(CHAPTER, "order_landmarks", ("np.arctan2(dx, -dy)", angle))
    with pytest.raises(CheckFailed, match=message):
        checks.check_order_landmarks(broken["order_landmarks"])


def test_landmark_order_returned_instead_of_the_points_is_named():
    broken = mutant(
        CHAPTER,
        "order_landmarks",
        ("ordered = points[np.argsort(angle)]", "ordered = np.argsort(angle)"),
    )
    with pytest.raises(CheckFailed, match=r"Return the points themselves, reordered"):
        checks.check_order_landmarks(broken["order_landmarks"])


def test_iou_without_clipping_is_named():
    broken = mutant(
        CHAPTER,
        "iou",
        (
            "max(0.0, inter_y2 - inter_y1) * max(0.0, inter_x2 - inter_x1)",
            "(inter_y2 - inter_y1) * (inter_x2 - inter_x1)",
        ),
    )
    with pytest.raises(CheckFailed, match="do not overlap, so the IoU is 0. Clip"):
        checks.check_iou(broken["iou"])


def test_iou_with_the_plus_one_convention_is_named():
    def iou(a, b):
        ih = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + 1)
        iw = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + 1)
        area = lambda q: (q[2] - q[0] + 1) * (q[3] - q[1] + 1)  # noqa: E731
        return ih * iw / (area(a) + area(b) - ih * iw)

    with pytest.raises(CheckFailed, match=r"exclusive: height = y2 - y1, with no \+ 1"):
        checks.check_iou(iou)


def test_iou_of_corners_rounded_to_pixels_fails_on_the_fractional_case():
    # Right on every integer case; the fractional case worked by hand (7/17) catches it.
    def iou(a, b):
        return ref.iou_pixel_count(np.round(a), np.round(b))

    with pytest.raises(CheckFailed, match=r"the case worked by hand gives 0.411765"):
        checks.check_iou(iou)


def test_rows_from_x_are_named():
    broken = mutant(
        CHAPTER,
        "encode_targets",
        (
            "row, col = int(centre_y // cell), int(centre_x // cell)",
            "row, col = int(centre_x // cell), int(centre_y // cell)",
        ),
    )
    with pytest.raises(CheckFailed, match="Rows come from y"):
        checks.check_encode_targets(broken["encode_targets"])


def test_wrong_anchor_choice_is_named():
    broken = mutant(
        CHAPTER,
        "encode_targets",
        ("a = int(np.argmax(shape_iou))", "a = int(np.argmin(shape_iou))"),
    )
    with pytest.raises(CheckFailed, match="cells are right but not the anchors"):
        checks.check_encode_targets(broken["encode_targets"])


def test_offsets_relative_to_the_image_are_named():
    broken = mutant(
        CHAPTER,
        "encode_targets",
        ("centre_x / cell - col, centre_y / cell - row", "centre_x / cell, centre_y / cell"),
    )
    with pytest.raises(CheckFailed, match="offsets inside the cell"):
        checks.check_encode_targets(broken["encode_targets"])


def test_decoded_boxes_in_x_y_order_are_named():
    broken = mutant(
        CHAPTER,
        "decode_predictions",
        (
            "corners = [centre_y - h / 2, centre_x - w / 2, centre_y + h / 2, centre_x + w / 2]",
            "corners = [centre_x - w / 2, centre_y - h / 2, centre_x + w / 2, centre_y + h / 2]",
        ),
    )
    with pytest.raises(CheckFailed, match=r"Boxes are \(y1, x1, y2, x2\): y first"):
        checks.check_decode_predictions(broken["decode_predictions"])


def test_scores_without_class_probability_are_named():
    broken = mutant(
        CHAPTER,
        "decode_predictions",
        (
            "scores = class_scores.max(axis=-1).reshape(-1)",
            "scores = predictions[..., 0].reshape(-1)",
        ),
    )
    with pytest.raises(CheckFailed, match="the scores are p_c alone"):
        checks.check_decode_predictions(broken["decode_predictions"])


def test_strict_score_threshold_is_named():
    broken = mutant(
        CHAPTER,
        "filter_boxes",
        ("keep = scores >= score_threshold", "keep = scores > score_threshold"),
    )
    with pytest.raises(CheckFailed, match=r"Keep scores equal to the threshold too \(>=\)"):
        checks.check_filter_boxes(broken["filter_boxes"])


def test_class_agnostic_nms_is_named():
    broken = mutant(
        CHAPTER,
        "non_max_suppression",
        ("for c in np.unique(classes):", "for c in [None]:"),
        ("remaining = np.flatnonzero(classes == c)", "remaining = np.arange(len(classes))"),
    )
    with pytest.raises(CheckFailed, match="separately for each class"):
        checks.check_non_max_suppression(broken["non_max_suppression"])


def test_unsorted_nms_output_is_named():
    broken = mutant(
        CHAPTER,
        "non_max_suppression",
        ('keep = keep[np.argsort(-scores[keep], kind="stable")]', "keep = np.sort(keep)"),
    )
    with pytest.raises(CheckFailed, match="in order of decreasing score"):
        checks.check_non_max_suppression(broken["non_max_suppression"])


def test_missing_no_object_term_is_named():
    broken = mutant(
        CHAPTER, "yolo_loss", ("per_slot += (1.0 - obj) * lambda_noobj * no_object_term", "pass")
    )
    with pytest.raises(
        CheckFailed, match=r"one error \(false object\) costs 0.*Is that term missing"
    ):
        checks.check_yolo_loss(broken["yolo_loss"])


def test_yolo_loss_averaged_over_slots_is_named():
    broken = mutant(
        CHAPTER,
        "yolo_loss",
        (
            "tf.reduce_sum(per_slot) / tf.cast(tf.shape(y_true)[0], tf.float32)",
            "tf.reduce_mean(per_slot)",
        ),
    )
    with pytest.raises(CheckFailed, match="Divide the sum over all slots by the batch size m"):
        checks.check_yolo_loss(broken["yolo_loss"])


def test_map_without_the_precision_envelope_differs_from_pycocotools():
    broken = mutant(
        CHAPTER,
        "mean_average_precision",
        ("precision = np.maximum.accumulate(precision[::-1])[::-1]", "pass"),
    )
    with pytest.raises(CheckFailed, match="pycocotools gives .* precision made non-increasing"):
        for case in checks.random_map_cases(seed=509, count=25):
            checks.compare_mean_average_precision(broken["mean_average_precision"], case)


def test_map_with_eleven_recall_levels_differs_from_pycocotools():
    broken = mutant(
        CHAPTER,
        "mean_average_precision",
        (
            "ranks = np.searchsorted(recall, recall_levels,",
            "ranks = np.searchsorted(recall, np.linspace(0, 1, 11),",
        ),
    )
    with pytest.raises(CheckFailed, match="mean_average_precision: on .* pycocotools gives"):
        for case in checks.random_map_cases(seed=509, count=25):
            checks.compare_mean_average_precision(broken["mean_average_precision"], case)


# --------------------------------------------------------- the references, worked by hand
def test_the_iou_cases_worked_by_hand_agree_with_a_pixel_count():
    # IoU does not change when both boxes are scaled by the same factor: times 4, every corner
    # of the fractional case is an integer, so counting pixels checks the hand arithmetic too.
    for box1, box2, expected in checks.IOU_CASES_BY_HAND:
        counted = ref.iou_pixel_count(np.multiply(box1, 4), np.multiply(box2, 4))
        assert counted == pytest.approx(expected)


def test_landmark_cases_are_built_clockwise_from_straight_up():
    # The construction worked by hand: at distance 8 from (10, 10), angle 0 is straight up
    # (10, 10 - 8), pi / 2 to the right (10 + 8, 10), pi down, 3 pi / 2 to the left.
    quarters = checks.landmark_case((10, 10), np.arange(4) * np.pi / 2, np.full(4, 8.0))
    np.testing.assert_allclose(quarters.points, [[10, 2], [18, 10], [10, 18], [2, 10]], atol=1e-12)
    # The visible check's case: its angles are those of its points. (9, 2) is 8 above and 1 to
    # the left of the centre, at distance sqrt(65), angle 2 pi - arctan(1 / 8).
    by_hand = checks.LANDMARKS_BY_HAND
    radii = np.hypot(*(by_hand.points - by_hand.centre).T)
    rebuilt = checks.landmark_case(by_hand.centre, by_hand.angles, radii)
    np.testing.assert_allclose(rebuilt.points, by_hand.points, atol=1e-12)
    assert by_hand.expected[-1].tolist() == [9.0, 2.0] and radii[3] == pytest.approx(65**0.5)


def test_pixel_count_iou_on_worked_cases():
    assert ref.iou_pixel_count((2, 1, 4, 3), (1, 2, 3, 4)) == pytest.approx(1 / 7)
    assert ref.iou_pixel_count((0, 0, 4, 2), (0, 2, 4, 5)) == 0.0  # shared edge x = 2
    assert ref.iou_pixel_count((0, 0, 10, 10), (2, 3, 6, 8)) == pytest.approx(20 / 100)
    with pytest.raises(ValueError, match="integer corners"):
        ref.iou_pixel_count((0, 0, 1.5, 2), (0, 0, 1, 1))


def test_tensorflow_nms_on_the_worked_example():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [20, 20, 30, 30]], float)
    scores, classes = np.array([0.9, 0.8, 0.7, 0.6]), np.array([0, 0, 1, 0])
    assert ref.nms_per_class(boxes, scores, classes, 0.5).tolist() == [0, 2, 3]
    # IoU(0, 1) = 81 / 119 = 0.68: kept above that threshold.
    assert ref.nms_per_class(boxes, scores, classes, 0.7).tolist() == [0, 1, 2, 3]
    # TensorFlow drops a box only when the IoU is strictly greater: IoU exactly 0.5 stays.
    half = np.array([[0, 0, 10, 10], [0, 0, 10, 5]], float)
    assert ref.nms_per_class(half, np.array([0.9, 0.8]), np.array([0, 0]), 0.5).tolist() == [0, 1]


def test_pycocotools_map_on_worked_cases():
    truth = [(np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([0]))]
    fp_then_tp = [
        (
            np.array([[20, 20, 30, 30], [1, 1, 10, 10]], float),
            np.array([0.9, 0.8]),
            np.array([0, 0]),
        )
    ]
    assert ref.coco_map(fp_then_tp, truth, 1) == pytest.approx(0.5)
    tp_then_fp = [(fp_then_tp[0][0], np.array([0.7, 0.8]), np.array([0, 0]))]
    assert ref.coco_map(tp_then_fp, truth, 1) == pytest.approx(1.0)
    # A class with no true box does not count, even if it has detections.
    extra = [
        (
            np.array([[1, 1, 10, 10], [40, 40, 50, 50]], float),
            np.array([0.8, 0.9]),
            np.array([0, 1]),
        )
    ]
    assert ref.coco_map(extra, truth, 2) == pytest.approx(1.0)
    # IoU exactly 0.5 matches (>=): (0, 0, 10, 5) against (0, 0, 10, 10).
    half = [(np.array([[0.0, 0.0, 10.0, 5.0]]), np.array([0.9]), np.array([0]))]
    assert ref.coco_map(half, truth, 1) == pytest.approx(1.0)
    assert ref.coco_map([(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))], truth, 1) == 0.0


def test_duplicates_below_every_true_detection_leave_ap_unchanged():
    """The answer to question 5, with pycocotools: ten objects, each found once; then each also
    found a second time (a box of IoU 0.93 with the first)."""
    truth = [(np.array([[10.0, 10.0, 40.0, 40.0]]), np.array([0])) for _ in range(10)]
    found, duplicate = np.array([10.0, 10.0, 40.0, 40.0]), np.array([11.0, 11.0, 40.0, 40.0])
    scores = 0.9 - 0.01 * np.arange(10)

    def detections(duplicate_scores):
        return [
            (np.stack([found, duplicate]), np.array([s, d]), np.array([0, 0]))
            for s, d in zip(scores, duplicate_scores, strict=True)
        ]

    once = [(found[None], np.array([s]), np.array([0])) for s in scores]
    assert ref.coco_map(once, truth, 1) == 1.0
    # Every duplicate below every true detection: recall reaches 1 at precision 1 first.
    assert ref.coco_map(detections(np.full(10, 0.1)), truth, 1) == 1.0
    # Each duplicate right after its original: the k-th true positive comes at rank 2k - 1,
    # with precision k / (2k - 1), a decreasing sequence, so it is also the envelope. Recall
    # levels 0 .. 0.10 (11 of them) read k = 1, each next tenth (10 levels) the next k.
    interleaved = ref.coco_map(detections(scores - 0.005), truth, 1)
    by_hand = (11 * 1 + 10 * sum(k / (2 * k - 1) for k in range(2, 11))) / 101
    assert interleaved == pytest.approx(by_hand, abs=0.01) and interleaved < 0.62


def test_coco_falls_back_to_the_next_best_free_truth_box():
    """The mAP text's example: VOC would count the second detection false (its best truth box
    is taken) and get AP 0.5; COCO matches it to the other truth box."""
    truth = [(np.array([[0.0, 0.0, 20.0, 20.0], [0.0, 4.0, 20.0, 24.0]]), np.array([0, 0]))]
    first, second = [0.0, 4.0, 20.0, 24.0], [0.0, 3.0, 20.0, 23.0]
    # IoU of the second detection: with truth 2, 19 x 20 / (400 + 400 - 380) = 19 / 21 = 0.905;
    # with truth 1, 17 x 20 / (400 + 400 - 340) = 17 / 23 = 0.739.
    assert ref.iou_pixel_count(second, truth[0][0][1]) == pytest.approx(19 / 21)
    assert ref.iou_pixel_count(second, truth[0][0][0]) == pytest.approx(17 / 23)
    detections = [(np.array([first, second]), np.array([0.9, 0.8]), np.array([0, 0]))]
    assert ref.coco_map(detections, truth, 1) == pytest.approx(1.0)


def test_anchor_clusters_find_the_shapes_of_two_groups_with_1_minus_iou():
    rng = np.random.default_rng(0)
    tall = np.array([0.4, 0.1]) * rng.uniform(0.95, 1.05, (30, 2))
    wide = np.array([0.1, 0.4]) * rng.uniform(0.95, 1.05, (50, 2))
    anchors, assignment, mean_iou = ref.anchor_clusters(np.concatenate([tall, wide]), 2)
    assert sorted(np.bincount(assignment).tolist()) == [30, 50]
    by_height = anchors[np.argsort(anchors[:, 0])]
    np.testing.assert_allclose(by_height, [[0.1, 0.4], [0.4, 0.1]], rtol=0.05)
    assert 0.9 < mean_iou <= 1 and mean_iou == pytest.approx(
        ref.mean_best_iou(np.concatenate([tall, wide]), anchors)
    )
    # The distance is 1 - IoU, not Euclidean: a box (0.1, 0.1) and a centroid (0.2, 0.2) have
    # IoU 0.01 / 0.04 = 0.25, and one of (0.4, 0.4) with (0.5, 0.5) has 0.16 / 0.25 = 0.64,
    # although both pairs are the same Euclidean distance apart.
    assert ref.mean_best_iou([[0.1, 0.1]], [[0.2, 0.2]]) == pytest.approx(0.25)
    assert ref.mean_best_iou([[0.4, 0.4]], [[0.5, 0.5]]) == pytest.approx(0.64)
    with pytest.raises(ValueError, match="need 1 <= k"):
        ref.anchor_clusters([[0.1, 0.1]], 2)


@pytest.mark.parametrize("C", [5, 1000])
def test_squared_error_gradient_on_uniform_probabilities_is_2_over_c_of_the_log_loss(C):
    """The localiser text's derivation: with every class probability 1/C, the gradient of the
    squared error with respect to the softmax's inputs is 2/C times the log-loss's."""
    import tensorflow as tf

    z = tf.Variable(tf.zeros((1, C), tf.float64))  # equal scores: every probability is 1/C
    target = tf.one_hot([2], C, dtype=tf.float64)
    gradients = []
    for loss in (
        lambda p: tf.reduce_sum(tf.square(p - target)),
        lambda p: -tf.reduce_sum(target * tf.math.log(p)),
    ):
        with tf.GradientTape() as tape:
            value = loss(tf.nn.softmax(z))
        gradients.append(tape.gradient(value, z).numpy())
    squared, log_loss = gradients
    np.testing.assert_allclose(log_loss, (1 / C - target.numpy()))
    np.testing.assert_allclose(squared, 2 / C * log_loss)


def test_coco_dicts_use_x_y_width_height():
    dataset, results = ref.coco_dicts(
        [(np.array([[1.0, 2.0, 5.0, 9.0]]), np.array([0.5]), np.array([2]))],
        [(np.array([[1.0, 2.0, 5.0, 9.0]]), np.array([2]))],
        3,
    )
    assert dataset["annotations"][0]["bbox"] == [2.0, 1.0, 7.0, 4.0]
    assert (
        dataset["annotations"][0]["area"] == 28.0 and dataset["annotations"][0]["category_id"] == 3
    )
    assert results[0]["bbox"] == [2.0, 1.0, 7.0, 4.0] and len(dataset["categories"]) == 3


def test_centre_and_size_on_the_worked_example():
    # The text's box (10, 38, 30, 60): centre ((10 + 30) / 2, (38 + 60) / 2) = (20, 49),
    # height 30 - 10 = 20, width 60 - 38 = 22.
    assert ref.corners_to_centre_size([10, 38, 30, 60]).tolist() == [20, 49, 20, 22]
    assert ref.centre_size_to_corners([20, 49, 20, 22]).tolist() == [10, 38, 30, 60]
    rng = np.random.default_rng(0)
    given = np.sort(rng.uniform(0, 64, (3, 5, 2, 2)), axis=2).swapaxes(2, 3).reshape(3, 5, 4)
    round_trip = ref.centre_size_to_corners(ref.corners_to_centre_size(given))
    np.testing.assert_allclose(round_trip, given)


def test_yolo_slots_on_the_worked_example():
    target = ref.yolo_slots([[10.0, 38.0, 30.0, 60.0]], [1], 4, [[0.5, 0.25], [0.25, 0.5]], 64, 3)
    assert target.shape == (4, 4, 2, 8) and target[..., 0].sum() == 1
    assert target[1, 3, 1].tolist() == pytest.approx([1, 0.0625, 0.25, 0.3125, 0.34375, 0, 1, 0])
    boxes, labels, slots = ref.slot_boxes(target, 64)
    assert boxes.tolist() == [[10.0, 38.0, 30.0, 60.0]] and labels.tolist() == [1]
    assert slots.tolist() == [[1, 3, 1]]
    decoded, scores, classes = ref.decode_slots(target, 64)
    assert decoded[np.argmax(scores)].tolist() == [10.0, 38.0, 30.0, 60.0] and scores.max() == 1


def test_reference_losses_on_worked_cases():
    y_true = np.array([[1, 0.5, 0.5, 0.2, 0.4, 0, 1], [0, 0, 0, 0, 0, 0, 0]])
    y_pred = np.array([[0.9, 0.5, 0.7, 0.2, 0.4, 0.1, 0.9], [0.3, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5]])
    assert ref.localisation_loss(y_true, y_pred) == pytest.approx(0.08)
    # One slot with an object, predicted with p_c = 0.5 and class probability 0.5, box exact;
    # one empty slot with p_c = 0.5: -log 0.5 * (1 + 3 + 0.5 * 1), batch of 1.
    truth = np.zeros((1, 2, 1, 1, 7))
    truth[0, 0, 0, 0] = [1, 0.5, 0.5, 0.25, 0.25, 1, 0]
    guess = truth.copy()
    guess[0, 0, 0, 0, [0, 5, 6]] = 0.5
    guess[0, 1, 0, 0, [0, 3, 4]] = [0.5, 0.3, 0.3]
    expected = -np.log(0.5) * (1 + 3 + 0.5)
    assert ref.yolo_loss(truth, guess, lambda_class=3.0) == pytest.approx(expected)


# ------------------------------------------------------------------ figures and playground


# ------------------------------------------------------- the common wrong answers, by function
# Each entry plants a bug learners write in the instructor's solution; the check that sees it
# must name the cause (helpers.checks.common.likely_cause and the checks' own hints). The
# functions whose usual bugs are tested above (order_landmarks, the swapped coordinates, ...)
# are not repeated here.
def visible(name):
    """The visible check of graded function ``name``, called on the broken function."""
    return lambda broken: getattr(checks, f"check_{name}")(broken)


def on_hidden_map_cases(broken):
    """mean_average_precision on the hidden test's cases: some have a class with no true box."""
    for case in checks.random_map_cases(seed=509, count=25):
        checks.compare_mean_average_precision(broken, case)


COMMON_BUGS = {
    "localisation_target, width and height swapped": (
        "localisation_target",
        [("[centre_x, centre_y, y2 - y1, x2 - x1]", "[centre_x, centre_y, x2 - x1, y2 - y1]")],
        visible("localisation_target"),
        r"The order is b_h \(height, y2 - y1\) then b_w",
    ),
    "localisation_target, corner instead of centre": (
        "localisation_target",
        [("centre_x, centre_y = (x1 + x2) / 2, (y1 + y2) / 2", "centre_x, centre_y = x1, y1")],
        visible("localisation_target"),
        r"b_x, b_y is the centre of the box",
    ),
    "localisation_target, no p_c": (
        "localisation_target",
        [("        y[0] = 1.0\n", "")],
        visible("localisation_target"),
        r"There is an object, so p_c = 1",
    ),
    "localisation_target, class one position early": (
        "localisation_target",
        [("y[5 + int(labels[0])] = 1.0", "y[4 + int(labels[0])] = 1.0")],
        visible("localisation_target"),
        r"The class is one position early: class 2 is at index 5 \+ 2",
    ),
    "localisation_loss, summed over the batch": (
        "localisation_loss",
        [("loss = tf.reduce_mean(per_example)", "loss = tf.reduce_sum(per_example)")],
        visible("localisation_loss"),
        r"you return 0\.16; expected 0\.08\. Average over the batch",
    ),
    "localisation_loss, mean over every number": (
        "localisation_loss",
        [("loss = tf.reduce_mean(per_example)",
          "mask = tf.concat([tf.ones_like(p_c[:, None]), tf.repeat(p_c[:, None], y_true.shape[1] - 1, axis=1)], axis=1)\n"
          "    loss = tf.reduce_mean(mask * squared)")],
        visible("localisation_loss"),
        r"expected 0\.08\. That is the mean over every number of the batch",
    ),
    "iou, union counts the overlap twice": (
        "iou",
        [("area1 + area2 - intersection", "area1 + area2")],
        visible("iou"),
        r"returns 0\.125; the case worked by hand gives 0\.142857\. You divide by area1 \+ area2",
    ),
    "encode_targets, sizes in cells for the anchors": (
        "encode_targets",
        [("h, w = (y2 - y1) / image_size, (x2 - x1) / image_size", "h, w = (y2 - y1) / cell, (x2 - x1) / cell")],
        visible("encode_targets"),
        r"cells are right but not the anchors.* fractions of the image",
    ),
    "decode_predictions, rows and columns swapped": (
        "decode_predictions",
        [('indexing="ij"', 'indexing="xy"')],
        visible("decode_predictions"),
        r"Rows and columns are swapped",
    ),
    "decode_predictions, sizes times the cell": (
        "decode_predictions",
        [("h, w = predictions[..., 3] * image_size, predictions[..., 4] * image_size",
          "h, w = predictions[..., 3] * cell, predictions[..., 4] * cell")],
        visible("decode_predictions"),
        r"grid_size times too small: b_h and b_w are fractions of the whole image",
    ),
    "filter_boxes, the others kept": (
        "filter_boxes",
        [("keep = scores >= score_threshold", "keep = scores < score_threshold")],
        visible("filter_boxes"),
        r"Keep the boxes whose score is at least the threshold, not the others",
    ),
    "non_max_suppression, boxes in index order": (
        "non_max_suppression",
        [('        remaining = remaining[np.argsort(-scores[remaining], kind="stable")]\n', "")],
        visible("non_max_suppression"),
        r"You visit the boxes in the order they come, not by score",
    ),
    "yolo_loss, sizes without square roots": (
        "yolo_loss",
        [("tf.square(tf.sqrt(y_true[..., 3:5]) - tf.sqrt(y_pred[..., 3:5]))",
          "tf.square(y_true[..., 3:5] - y_pred[..., 3:5])")],
        visible("yolo_loss"),
        r"Your size term compares b_h and b_w themselves; the loss compares their square roots",
    ),
    "yolo_loss, fixed weights": (
        "yolo_loss",
        [("obj * (lambda_coord * (centre + size)", "obj * (5.0 * (centre + size)"),
         ("lambda_class * class_term", "1.0 * class_term"),
         ("(1.0 - obj) * lambda_noobj * no_object_term", "(1.0 - obj) * 0.5 * no_object_term")],
        visible("yolo_loss"),
        r"with \{'lambda_coord': 2\.0, .* That is the loss with the default weights",
    ),
    "yolo_loss, no-object term not weighted": (
        "yolo_loss",
        [("(1.0 - obj) * lambda_noobj * no_object_term", "(1.0 - obj) * no_object_term")],
        visible("yolo_loss"),
        r"The no-object term is not weighted: multiply it by lambda_noobj",
    ),
    "mean_average_precision, classes without true boxes averaged in": (
        "mean_average_precision",
        [("        if n_true == 0:\n            continue\n",
          "        if n_true == 0:\n            average_precisions.append(0.0)\n            continue\n")],
        on_hidden_map_cases,
        r"You average over all \d classes; only \d have true boxes here",
    ),
    "mean_average_precision, classes without true boxes not skipped": (
        "mean_average_precision",
        [("        if n_true == 0:\n            continue\n", "")],
        on_hidden_map_cases,
        r"You average over all \d classes; only \d have true boxes here",
    ),
}  # fmt: skip


# A class without true boxes, not skipped, divides 0 by 0: numpy's warning is the bug's own.
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
@pytest.mark.parametrize("bug", COMMON_BUGS)
def test_common_wrong_answers_get_their_cause(bug):
    assert_cause_named(CHAPTER, *COMMON_BUGS[bug])
