"""Independent references for chapter 05 (object detection), which the checks compare with.

Each one computes the same quantity as a graded exercise by another route, never by the
learner's algorithm: IoU by counting pixels, non-max suppression by
``tf.image.non_max_suppression`` (one call per class), mAP by pycocotools, the YOLO losses by
explicit loops over every grid slot, and the YOLO box encoding by a plain per-slot loop.
TensorFlow and pycocotools are imported on first use. The conversion between a box's corners
and its centre and size, which the localisation and YOLO references share, is here once
(:func:`corners_to_centre_size`, :func:`centre_size_to_corners`); it is not in
:mod:`helpers.boxes` because the learner writes it in ``localisation_target`` and the YOLO
exercises.

It also holds YOLOv2's anchor clustering (:func:`anchor_clusters`, k-means on box shapes with
the distance 1 - IoU), which the notebook runs to choose its detector's anchors: not an
exercise, and not used by the checks.

Boxes are in the course convention (:mod:`helpers.boxes`). A YOLO slot vector is
``[p_c, b_x, b_y, b_h, b_w, c_1 .. c_C]``: ``b_x, b_y`` the box centre's offset inside its grid
cell (0..1, x horizontal), ``b_h, b_w`` the box size as a fraction of the image.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from helpers.boxes import area, to_coco_xywh


def corners_to_centre_size(boxes) -> np.ndarray:
    """The centre and size of boxes, from their corners.

    Args:
        boxes: (..., 4) boxes in the course convention (a single box is shape (4,)).

    Returns:
        float64 (..., 4): ``(y_c, x_c, h, w) = ((y1 + y2) / 2, (x1 + x2) / 2, y2 - y1, x2 - x1)``
        in pixels.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    y1, x1, y2, x2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    return np.stack([(y1 + y2) / 2, (x1 + x2) / 2, y2 - y1, x2 - x1], axis=-1)


def centre_size_to_corners(centre_size) -> np.ndarray:
    """The corners of boxes, from their centre and size (the inverse of
    :func:`corners_to_centre_size`).

    Args:
        centre_size: (..., 4) ``(y_c, x_c, h, w)`` in pixels (a single box is shape (4,)).

    Returns:
        float64 (..., 4) boxes in the course convention:
        ``(y_c - h / 2, x_c - w / 2, y_c + h / 2, x_c + w / 2)``.
    """
    centre_size = np.asarray(centre_size, dtype=np.float64)
    y_c, x_c = centre_size[..., 0], centre_size[..., 1]
    h, w = centre_size[..., 2], centre_size[..., 3]
    return np.stack([y_c - h / 2, x_c - w / 2, y_c + h / 2, x_c + w / 2], axis=-1)


def iou_pixel_count(box1, box2) -> float:
    """IoU of two boxes with integer corners, by counting the pixels each one covers.

    Args:
        box1, box2: (4,) boxes in the course convention, with integer corners >= 0 and
            ``y2 > y1``, ``x2 > x1``.

    Returns:
        (pixels in both) / (pixels in either), a float in [0, 1].
    """
    box1, box2 = np.asarray(box1), np.asarray(box2)
    for box in (box1, box2):
        if not np.array_equal(box, np.round(box)) or box.min() < 0:
            raise ValueError(f"iou_pixel_count needs integer corners >= 0; got {box}")
    size = int(max(box1.max(), box2.max()))
    masks = np.zeros((2, size, size), dtype=bool)
    for mask, (y1, x1, y2, x2) in zip(masks, (box1.astype(int), box2.astype(int)), strict=True):
        mask[y1:y2, x1:x2] = True
    return float((masks[0] & masks[1]).sum() / (masks[0] | masks[1]).sum())


def nms_per_class(boxes, scores, classes, iou_threshold: float) -> np.ndarray:
    """Non-max suppression class by class with ``tf.image.non_max_suppression``.

    Args:
        boxes: (N, 4) boxes in the course convention.
        scores: (N,) floats; classes: (N,) ints.
        iou_threshold: a box is dropped when its IoU with a kept box of its class is larger.

    Returns:
        int64 (K,): the indices kept, in order of decreasing score.
    """
    import tensorflow as tf

    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores, classes = np.asarray(scores, np.float32), np.asarray(classes)
    kept = []
    for c in np.unique(classes):
        idx = np.flatnonzero(classes == c)
        selected = tf.image.non_max_suppression(
            boxes[idx], scores[idx], max_output_size=len(idx), iou_threshold=iou_threshold
        )
        kept.extend(idx[selected.numpy()])
    kept = np.asarray(kept, dtype=np.int64)
    return kept[np.argsort(-scores[kept], kind="stable")]


def coco_dicts(detections, ground_truths, num_classes: int):
    """The COCO ground-truth dataset and detection results for the course's detections.

    Boxes become COCO's ``[x, y, width, height]`` (:func:`helpers.boxes.to_coco_xywh`); image i
    has id i + 1 and class c category id c + 1.

    Args:
        detections: one ``(boxes (K, 4), scores (K,), classes (K,))`` per image.
        ground_truths: one ``(boxes (G, 4), classes (G,))`` per image, same order.
        num_classes: C; categories 0..C-1.

    Returns:
        (dataset, results): the dict ``pycocotools.coco.COCO`` reads, and the list of
        detection dicts ``COCO.loadRes`` reads.
    """
    images, annotations, results = [], [], []
    for i, ((d_boxes, d_scores, d_classes), (g_boxes, g_classes)) in enumerate(
        zip(detections, ground_truths, strict=True)
    ):
        images.append({"id": i + 1, "width": 10_000, "height": 10_000})
        for xywh, box_area, c in zip(to_coco_xywh(g_boxes), area(g_boxes), g_classes, strict=True):
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": int(c) + 1,
                    "bbox": xywh.tolist(),
                    "area": float(box_area),
                    "iscrowd": 0,
                }
            )
        for xywh, s, c in zip(to_coco_xywh(d_boxes), d_scores, d_classes, strict=True):
            results.append(
                {
                    "image_id": i + 1,
                    "category_id": int(c) + 1,
                    "bbox": xywh.tolist(),
                    "score": float(s),
                }
            )
    categories = [{"id": c + 1, "name": str(c)} for c in range(num_classes)]
    dataset = {"images": images, "annotations": annotations, "categories": categories}
    return dataset, results


def coco_map(detections, ground_truths, num_classes: int, iou_threshold: float = 0.5) -> float:
    """mAP at one IoU threshold, computed by pycocotools' ``COCOeval`` (``iouType="bbox"``).

    ``params.iouThrs = [iou_threshold]`` and ``maxDets = [100]``: COCO's "AP at IoU=0.50"
    (101-point interpolated precision, area range "all"), averaged over the classes that have
    at least one ground-truth box.

    Args:
        detections, ground_truths, num_classes: as in :func:`coco_dicts`.
        iou_threshold: a detection matches a ground-truth box when their IoU is at least this.

    Returns:
        The mean AP, a float in [0, 1] (nan when no image has a ground-truth box).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    dataset, results = coco_dicts(detections, ground_truths, num_classes)
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        truth = COCO()
        truth.dataset = dataset
        truth.createIndex()
        found = truth.loadRes(results) if results else COCO()
        if not results:
            found.dataset = {"images": dataset["images"], "annotations": [], "categories": []}
            found.createIndex()
        evaluation = COCOeval(truth, found, "bbox")
        evaluation.params.iouThrs = np.array([iou_threshold])
        evaluation.params.maxDets = [100]
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, :, 0, -1]  # (recall thresholds, classes)
    precision = precision[precision > -1]
    return float(precision.mean()) if precision.size else float("nan")


def localisation_loss(y_true, y_pred) -> float:
    """The localisation loss, one example at a time: every squared error when p_c = 1,
    only p_c's when p_c = 0; the mean over the batch.

    Args:
        y_true, y_pred: (m, 5 + C) arrays ``[p_c, b_x, b_y, b_h, b_w, c_1 .. c_C]``.
    """
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    total = 0.0
    for truth, guess in zip(y_true, y_pred, strict=True):
        if truth[0] == 1:
            total += sum((g - t) ** 2 for t, g in zip(truth, guess, strict=True))
        else:
            total += (guess[0] - truth[0]) ** 2
    return total / len(y_true)


def yolo_loss(y_true, y_pred, lambda_coord=5.0, lambda_noobj=0.5, lambda_class=1.0) -> float:
    """The chapter's YOLO loss, slot by slot (see the notebook for the formula).

    Args:
        y_true, y_pred: (m, S, S, B, 5 + C); y_pred's p_c and classes are probabilities.
        lambda_coord, lambda_noobj, lambda_class: the weights of the terms.

    Returns:
        The sum over slots divided by m.
    """
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    eps = 1e-7
    total = 0.0
    m = y_true.shape[0]
    for truth, guess in zip(
        y_true.reshape(-1, y_true.shape[-1]), y_pred.reshape(-1, y_true.shape[-1]), strict=True
    ):
        p = guess[0]
        if truth[0] == 1:
            coord = (truth[1] - guess[1]) ** 2 + (truth[2] - guess[2]) ** 2
            coord += (np.sqrt(truth[3]) - np.sqrt(guess[3])) ** 2
            coord += (np.sqrt(truth[4]) - np.sqrt(guess[4])) ** 2
            label = int(np.argmax(truth[5:]))
            total += lambda_coord * coord - np.log(max(p, eps))
            total -= lambda_class * np.log(max(guess[5 + label], eps))
        else:
            total -= lambda_noobj * np.log(max(1.0 - p, eps))
    return total / m


def yolo_slots(boxes, labels, grid_size: int, anchors, image_size: float, num_classes: int):
    """The YOLO target of one image, built slot by slot from the definitions.

    For every grid cell (row r, column c) and anchor a, the slot holds an object when that
    object's centre lies in the cell (``r * cell <= y_c < (r + 1) * cell``, same for x) and a is
    the anchor whose shape (centred on the box) has the largest IoU with the box's shape.

    Args:
        boxes: (K, 4) boxes in the course convention, in distinct slots; labels: (K,) ints.
        grid_size: S; anchors: (B, 2) ``(h, w)`` as fractions of the image.
        image_size: the image's side in pixels; num_classes: C.

    Returns:
        (S, S, B, 5 + C) float64.
    """
    anchors = np.asarray(anchors, np.float64)
    S, B = grid_size, len(anchors)
    cell = image_size / S
    target = np.zeros((S, S, B, 5 + num_classes))
    for box, label in zip(np.asarray(boxes, np.float64).reshape(-1, 4), labels, strict=True):
        y_c, x_c, h, w = corners_to_centre_size(box)
        h, w = h / image_size, w / image_size
        shape_iou = [
            min(h, ah) * min(w, aw) / (h * w + ah * aw - min(h, ah) * min(w, aw))
            for ah, aw in anchors
        ]
        for r in range(S):
            for c in range(S):
                if r * cell <= y_c < (r + 1) * cell and c * cell <= x_c < (c + 1) * cell:
                    a = int(np.argmax(shape_iou))
                    target[r, c, a, :5] = [1, x_c / cell - c, y_c / cell - r, h, w]
                    target[r, c, a, 5 + int(label)] = 1
    return target


def slot_boxes(target, image_size: float):
    """Read the boxes back out of a YOLO target, slot by slot.

    Args:
        target: (S, S, B, 5 + C); a slot holds an object when its p_c is 1.
        image_size: the image's side in pixels.

    Returns:
        boxes (K, 4) in the course convention, labels (K,), slots (K, 3)
        ``(row, col, anchor)``, in row, column, anchor order.
    """
    target = np.asarray(target, np.float64)
    S, B = target.shape[0], target.shape[2]
    cell = image_size / S
    boxes, labels, slots = [], [], []
    for r in range(S):
        for c in range(S):
            for a in range(B):
                p_c, b_x, b_y, b_h, b_w = target[r, c, a, :5]
                if p_c != 1:
                    continue
                y_c, x_c = (r + b_y) * cell, (c + b_x) * cell
                boxes.append(centre_size_to_corners([y_c, x_c, b_h * image_size, b_w * image_size]))
                labels.append(int(np.argmax(target[r, c, a, 5:])))
                slots.append((r, c, a))
    return (
        np.asarray(boxes, np.float64).reshape(-1, 4),
        np.asarray(labels, np.int64),
        np.asarray(slots, np.int64).reshape(-1, 3),
    )


def decode_slots(predictions, image_size: float):
    """Every slot of a YOLO output as a box, a score and a class, one slot at a time.

    Args:
        predictions: (S, S, B, 5 + C), p_c and classes as probabilities.
        image_size: the image's side in pixels.

    Returns:
        boxes (S*S*B, 4) in the course convention, scores (S*S*B,) = p_c times the largest
        class probability, classes (S*S*B,) its index; slots in row, column, anchor order.
    """
    predictions = np.asarray(predictions, np.float64)
    S, _, B, _ = predictions.shape
    cell = image_size / S
    boxes, scores, classes = [], [], []
    for r in range(S):
        for c in range(S):
            for a in range(B):
                p_c, b_x, b_y, b_h, b_w = predictions[r, c, a, :5]
                y_c, x_c = (r + b_y) * cell, (c + b_x) * cell
                boxes.append(centre_size_to_corners([y_c, x_c, b_h * image_size, b_w * image_size]))
                probabilities = p_c * predictions[r, c, a, 5:]
                classes.append(int(np.argmax(probabilities)))
                scores.append(float(probabilities.max()))
    return np.asarray(boxes), np.asarray(scores), np.asarray(classes, np.int64)


def _shape_iou(shapes, centroids) -> np.ndarray:
    """IoU of box shapes with centroid shapes, each pair centred on the same point.

    Args:
        shapes: (N, 2) ``(h, w)``; centroids: (K, 2) ``(h, w)``, same unit.

    Returns:
        float64 (N, K).
    """
    shapes, centroids = np.asarray(shapes, np.float64), np.asarray(centroids, np.float64)
    h, w = shapes[:, None, 0], shapes[:, None, 1]
    overlap = np.minimum(h, centroids[None, :, 0]) * np.minimum(w, centroids[None, :, 1])
    return overlap / (h * w + centroids[None, :, 0] * centroids[None, :, 1] - overlap)


def anchor_clusters(shapes, k: int, seed: int = 0, iterations: int = 100):
    """Anchor shapes chosen as YOLOv2 chooses them ("dimension clusters", Redmon & Farhadi 2017,
    section 2): k-means on the boxes' shapes with the distance ``d = 1 - IoU``, the IoU of a
    box and a centroid placed on the same centre.

    With a Euclidean distance, large boxes would pull the centroids more than small ones; with
    1 - IoU a centroid is judged by how well it overlaps the boxes it stands for, whatever
    their size. Each step gives every box to the centroid of largest IoU, then moves each
    centroid to the mean shape of its boxes, until nothing changes.

    Args:
        shapes: (N, 2) box shapes ``(h, w)`` (any unit: fractions of the image, pixels).
        k: the number of anchors, 1 <= k <= N.
        seed: the seed of the first centroids (k distinct shapes drawn at random).
        iterations: the most steps.

    Returns:
        (anchors, assignment, mean_iou): anchors (k, 2) ``(h, w)`` by increasing area; the
        index of each box's anchor (N,); and the mean over the boxes of their best IoU with
        an anchor, the number YOLOv2 compares ("Avg IOU", its Table 1).
    """
    shapes = np.asarray(shapes, np.float64).reshape(-1, 2)
    if not 1 <= k <= len(shapes):
        raise ValueError(f"need 1 <= k <= {len(shapes)} boxes, got k = {k}")
    rng = np.random.default_rng(seed)
    centroids = shapes[rng.choice(len(shapes), size=k, replace=False)]
    assignment = np.full(len(shapes), -1)
    for _ in range(iterations):
        new = np.argmax(_shape_iou(shapes, centroids), axis=1)
        if np.array_equal(new, assignment):
            break
        assignment = new
        for j in range(k):
            if np.any(assignment == j):  # a centroid that lost every box stays where it is
                centroids[j] = shapes[assignment == j].mean(axis=0)
    order = np.argsort(centroids[:, 0] * centroids[:, 1], kind="stable")
    centroids, assignment = centroids[order], np.argsort(order)[assignment]
    mean_iou = float(_shape_iou(shapes, centroids).max(axis=1).mean())
    return centroids, assignment, mean_iou


def mean_best_iou(shapes, anchors) -> float:
    """The mean over boxes of their best shape IoU with any anchor (the measure
    :func:`anchor_clusters` reports), for comparing anchors chosen another way.

    Args:
        shapes: (N, 2) ``(h, w)``; anchors: (K, 2) ``(h, w)``, same unit.
    """
    return float(_shape_iou(shapes, anchors).max(axis=1).mean())
