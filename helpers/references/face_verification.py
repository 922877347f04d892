"""References for chapter 07 (face verification): the threshold a ROC gives, the raw-pixel
baseline, the losses from their papers, and the pre-trained encoder.

- :func:`best_threshold`: the distance threshold that verifies a set of pairs with the highest
  accuracy. Chapter 07's learner writes this (``choose_threshold``, from a ROC); its hidden tests
  compare with this reference, which is why it lives here and not in the data layer, where a
  learner could import the answer. The independent part is
  ``sklearn.metrics.roc_curve``: it gives the ROC's points and thresholds, and the accuracy at
  each point follows from its rates and the class counts. Nothing here sorts or sweeps by hand.
- :func:`raw_pixel_baseline`: how hard the synthetic face data set is. The Euclidean distance
  between raw pixel vectors, thresholded, verifies unseen identities barely better than chance
  (README quotes the figure); a trained encoder must beat it by far.
- The losses written from their papers in numpy (:func:`triplet_loss_reference`, FaceNet's
  Eq. 3; :func:`cosine_triplet_loss_reference`; :func:`contrastive_loss_reference`, Hadsell et
  al. 2006, Eq. 4) and the ROC's points from ``sklearn.metrics.roc_curve``
  (:func:`roc_points_reference`): what chapter 07's checks compare the learner's functions with.
- :data:`PRETRAINED` and :func:`load_pretrained`: the encoder weights ``make pretrain`` writes.

Conventions: a pair is called "same" when its distance is ``<= threshold``; ``same`` arrays are
the ground truth, True where both images show one identity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import roc_curve

from helpers.datasets.faces import face_identities, verification_pairs
from helpers.weights import load_weights


def best_threshold(distances: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """The distance threshold that classifies pairs best (``same`` when distance <= threshold).

    A ROC point says, for one threshold, which fraction of the same-identity pairs is accepted
    (``tpr``) and which fraction of the different-identity pairs is accepted too (``fpr``). With
    ``P`` same and ``N`` different pairs, that threshold gets ``tpr * P + (1 - fpr) * N`` pairs
    right. Among thresholds with equal accuracy the smallest distance is returned.

    Args:
        distances: float ``(P,)`` pair distances.
        same: bool ``(P,)`` ground truth; both classes must occur.

    Returns:
        ``(threshold, accuracy)`` on these pairs; ``threshold`` is ``-inf`` when calling every
        pair "different" is best.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if distances.ndim != 1 or distances.shape != same.shape:
        raise ValueError(
            f"distances and same must be 1-D of the same length, got shapes {distances.shape} "
            f"and {same.shape}"
        )
    n_same, n_different = int(same.sum()), int((~same).sum())
    if n_same == 0 or n_different == 0:
        raise ValueError(
            f"a ROC needs both kinds of pairs; got {n_same} same and {n_different} different"
        )
    # roc_curve calls a pair positive when its score is >= a threshold; the score is minus the
    # distance, so that is distance <= minus the threshold. Its first threshold is +inf (no
    # pair accepted). Intermediate points are kept so that every distinct distance is a
    # candidate, as the learner's sweep has them.
    fpr, tpr, score_thresholds = roc_curve(
        same.astype(np.int64), -distances, pos_label=1, drop_intermediate=False
    )
    # Rates times counts are whole numbers of pairs; rounding removes the float noise of the
    # division, so that equal accuracies compare equal and the first (smallest) threshold wins.
    correct = np.rint(tpr * n_same + (1 - fpr) * n_different)
    best = int(np.argmax(correct))
    return float(-score_thresholds[best]), float(correct[best] / len(same))


def _pair_distances(images: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Euclidean distances between raw pixel vectors.

    Args:
        images: ``(N, size, size, 3)`` float images.
        first, second: int ``(P,)`` image indices of each pair.

    Returns:
        float32 ``(P,)``.
    """
    flat = images.reshape(len(images), -1).astype(np.float32)
    return np.linalg.norm(flat[first] - flat[second], axis=1)


def raw_pixel_baseline(
    renderings_per_identity: int = 10,
    n_pairs: int = 4000,
    size: int = 64,
    seed: int = 0,
    n_identities: int | None = None,
) -> dict[str, float]:
    """How well raw pixels alone verify and recognise faces: the bar a trained encoder must beat.

    Verification: the Euclidean distance between raw pixel vectors, thresholded; the threshold
    is chosen on validation pairs (:func:`best_threshold`) and the accuracy measured on test
    pairs (identities never used to choose anything). Recognition: one-shot nearest neighbour,
    the first rendering of each test identity as the only reference, every other rendering as a
    query.

    Args:
        renderings_per_identity: renderings per identity in both splits.
        n_pairs: pairs per split (half same, half different).
        size: image size.
        seed: the data set's seed.
        n_identities: only the first ``n_identities`` of each split (for quick checks).

    Returns:
        dict with ``verification_accuracy`` (test, chance 0.5), ``threshold`` (chosen on
        validation), ``val_accuracy``, ``nn_identification_accuracy`` (test, one-shot) and
        ``chance_identification`` (1 / number of test identities).
    """
    val, test = (
        face_identities(split, renderings_per_identity, size, seed, n_identities, dtype="uint8")
        for split in ("val", "test")
    )
    val_images, test_images = (x.images.astype(np.float32) / 255 for x in (val, test))
    a, b, same = verification_pairs(val.identities, n_pairs, seed)
    threshold, val_acc = best_threshold(_pair_distances(val_images, a, b), same)
    a, b, same = verification_pairs(test.identities, n_pairs, seed + 1)
    test_acc = float(np.mean((_pair_distances(test_images, a, b) <= threshold) == same))
    flat = test_images.reshape(len(test), -1)
    is_ref = test.renderings == 0
    refs, queries = flat[is_ref], flat[~is_ref]
    # Squared distances of every query to every reference, without a (Q, R, D) array.
    d2 = (queries**2).sum(1)[:, None] - 2 * queries @ refs.T + (refs**2).sum(1)[None, :]
    predicted = test.identities[is_ref][np.argmin(d2, axis=1)]
    nn_acc = float(np.mean(predicted == test.identities[~is_ref]))
    return dict(
        verification_accuracy=test_acc,
        threshold=threshold,
        val_accuracy=val_acc,
        nn_identification_accuracy=nn_acc,
        chance_identification=1 / len(np.unique(test.identities)),
    )


# ------------------------------------------------------------------ the losses, from the papers
# Written in numpy, float64, vectorised over the batch, each from its paper's formula, so that
# the chapter's checks compare a learner's TensorFlow loss with a second, independent
# computation (and with cases worked by hand in the notebook).


def triplet_loss_reference(anchor, positive, negative, alpha: float = 0.2) -> float:
    """FaceNet's triplet loss (Schroff et al. 2015, Eq. 3), averaged over the triplets.

    ``[ ||a - p||^2 - ||a - n||^2 + alpha ]_+`` for each triplet, squared Euclidean distances.
    The paper sums over the triplets; the chapter takes the mean, which only rescales the
    gradient (by one over the batch size) and keeps the loss comparable between batch sizes.

    Args:
        anchor, positive, negative: ``(m, d)`` embeddings; row ``i`` of each is triplet ``i``.
        alpha: the margin.

    Returns:
        The mean loss over the ``m`` triplets.
    """
    a, p, n = (np.asarray(x, dtype=np.float64) for x in (anchor, positive, negative))
    d_ap = np.sum((a - p) ** 2, axis=1)
    d_an = np.sum((a - n) ** 2, axis=1)
    return float(np.mean(np.maximum(d_ap - d_an + alpha, 0.0)))


def cosine_triplet_loss_reference(anchor, positive, negative, alpha: float = 0.2) -> float:
    """The triplet loss with cosine similarity in place of distance, averaged over the triplets.

    A similarity grows as faces get closer, so the signs swap: the positive must be *more*
    similar to the anchor than the negative, by the margin:
    ``[ cos(a, n) - cos(a, p) + alpha ]_+``.

    Args:
        anchor, positive, negative: ``(m, d)`` embeddings, not necessarily of unit length.
        alpha: the margin.

    Returns:
        The mean loss over the ``m`` triplets.
    """
    a, p, n = (np.asarray(x, dtype=np.float64) for x in (anchor, positive, negative))
    unit = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in (a, p, n)]
    cos_ap = np.sum(unit[0] * unit[1], axis=1)
    cos_an = np.sum(unit[0] * unit[2], axis=1)
    return float(np.mean(np.maximum(cos_an - cos_ap + alpha, 0.0)))


def contrastive_loss_reference(first, second, same, margin: float = 1.0) -> float:
    """The contrastive loss (Hadsell, Chopra and LeCun 2006, Eq. 4), averaged over the pairs.

    With ``D`` the Euclidean distance (not squared) between the two embeddings of a pair:
    ``1/2 D^2`` for a pair of the same identity, ``1/2 max(0, margin - D)^2`` for a pair of two
    identities. (The paper writes ``Y = 0`` for similar pairs; here ``same`` is True for them.)

    Args:
        first, second: ``(m, d)`` embeddings of the two images of each pair.
        same: ``(m,)`` bool or 0/1, True where the pair shows one identity.
        margin: distance beyond which a pair of two identities costs nothing.

    Returns:
        The mean loss over the ``m`` pairs.
    """
    x1, x2 = (np.asarray(x, dtype=np.float64) for x in (first, second))
    y = np.asarray(same, dtype=np.float64)
    d = np.sqrt(np.sum((x1 - x2) ** 2, axis=1))
    return float(np.mean(y * 0.5 * d**2 + (1 - y) * 0.5 * np.maximum(margin - d, 0.0) ** 2))


def roc_points_reference(distances: np.ndarray, same: np.ndarray):
    """The ROC of a distance threshold, from ``sklearn.metrics.roc_curve``.

    Args:
        distances: float ``(P,)`` pair distances.
        same: bool ``(P,)``, True for pairs of one identity (both kinds must occur).

    Returns:
        ``(fpr, tpr, thresholds)``, each ``(T,)``: ``thresholds`` are ``-inf`` then every distinct
        distance, increasing; a pair is called "same" when its distance is ``<= threshold``.
    """
    distances = np.asarray(distances, dtype=np.float64)
    # roc_curve thresholds a score (larger = more "same"): the score is minus the distance.
    fpr, tpr, score_thresholds = roc_curve(
        np.asarray(same, dtype=np.int64), -distances, pos_label=1, drop_intermediate=False
    )
    return fpr, tpr, -score_thresholds


# -------------------------------------------------------------------- the pre-trained encoder
PRETRAINED = Path(__file__).resolve().parents[2] / "data" / "face_verification_encoder.npz"


def load_pretrained(encoder, path: Path = PRETRAINED) -> None:
    """Load the shipped encoder weights (``make pretrain``) into ``encoder``, after checking the
    file's checksum and that every weight of the network has its name and shape in the file.

    Args:
        encoder: the chapter's encoder, built by the learner's ``build_encoder()``.
        path: the .npz file (default: the one shipped in data/).

    Raises:
        FileNotFoundError, ValueError: as :func:`helpers.weights.load_weights`.
    """
    load_weights(encoder, path, network="the chapter's build_encoder()")
