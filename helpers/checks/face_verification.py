"""Checks for chapter 07: face verification and recognition.

Each graded function has a ``check_*`` (the visible part: the cases worked by hand in the
notebook, then a few random ones), ``compare_*`` for one case and ``random_*_cases`` for the
hidden tests. The references are independent of the solutions:

- the three losses: numpy formulas written from the papers
  (:mod:`helpers.references.face_verification`: FaceNet's Eq. 3, its cosine form, Hadsell et
  al.'s Eq. 4) and the cases worked by hand in the notebook; the gradient TensorFlow takes
  through the learner's loss against a centred difference of the reference;
- mining: a plain loop over the anchors of the batch (:func:`mined_by_loops`), one triplet
  at a time, against the learner's vectorised version;
- the ROC: ``sklearn.metrics.roc_curve``; the threshold: the reference sweep on roc_curve
  (:func:`helpers.references.face_verification.best_threshold`);
- ``verify`` and ``who_is_it``: a database and an "encoder" whose embeddings the check knows,
  so the distance and the answer follow by hand.

When a result is what one of the usual bugs gives (the hinge applied to the batch's mean, plain
distances, the margin subtracted, tpr and fpr swapped, ``<`` for ``<=``, a batch norm after its
ReLU, ...), the message names that bug: the losses' hint tables give the value each bug gives on
the case worked by hand, with the arithmetic; the other checks compute the bug's result in numpy.

Every ``check_*`` and ``compare_*`` returns None: nbgrader reads the value of a test cell's
last line as partial credit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from helpers.checks.common import (
    CheckFailed,
    call_learner,
    expect_close,
    expect_shape,
    expect_tuple,
    passed,
)
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.gradients import numerical_gradient, relative_error
from helpers.references.face_verification import (
    best_threshold,
    contrastive_loss_reference,
    cosine_triplet_loss_reference,
    roc_points_reference,
    triplet_loss_reference,
)

TOLERANCE = 1e-5  # float32 sums of a few dozen squares agree far closer than this

# The cases the notebook works out by hand (section 2 and 3), with the arithmetic written there.
# Triplet loss, alpha = 0.2: triplet 1 has d_ap = 1, d_an = 4: 1 - 4 + 0.2 < 0, loss 0;
# triplet 2 has d_ap = 2, d_an = 1: 2 - 1 + 0.2 = 1.2. Mean: 0.6.
HAND_TRIPLET = dict(
    anchor=[[0.0, 0.0], [1.0, 0.0]],
    positive=[[1.0, 0.0], [0.0, 1.0]],
    negative=[[0.0, 2.0], [1.0, 1.0]],
    alpha=0.2,
    expected=0.6,
)
# Cosine: triplet 1: cos(a, p) = 1/sqrt(2), cos(a, n) = 0: 0 - 0.707 + 0.2 < 0, loss 0;
# triplet 2: cos(a, p) = 0, cos(a, n) = 1: 1 - 0 + 0.2 = 1.2. Mean: 0.6.
HAND_COSINE = dict(
    anchor=[[1.0, 0.0], [1.0, 0.0]],
    positive=[[1.0, 1.0], [0.0, 2.0]],
    negative=[[0.0, 1.0], [3.0, 0.0]],
    alpha=0.2,
    expected=0.6,
)
# Contrastive, margin 2: pair 1 (same) D = 5: 25 / 2 = 12.5; pair 2 (different) D = 0.5:
# (2 - 0.5)^2 / 2 = 1.125; pair 3 (different) D = 3 > 2: 0. Mean: 13.625 / 3.
HAND_CONTRASTIVE = dict(
    first=[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
    second=[[3.0, 4.0], [0.3, 0.4], [0.0, 3.0]],
    same=[True, False, False],
    margin=2.0,
    expected=13.625 / 3,
)


# ----------------------------------------------------------------------------------- helpers
def _scalar(name: str, value, what: str = "the loss", per_item: str = "triplet") -> float:
    """The learner's loss as a float, or a message saying what came back instead."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{name} should return {what} as one number (a scalar tensor), but it returned a "
            f"{type(value).__name__}. Did you forget a `return`?"
        ) from None
    if array.shape != ():
        hint = (
            f" It looks like one loss per {per_item}: take the mean over the batch "
            "(tf.reduce_mean)."
            if array.ndim == 1
            else ""
        )
        raise CheckFailed(
            f"{name} should return one number; it returned shape {array.shape}.{hint}"
        )
    if not np.isfinite(array):
        raise CheckFailed(f"{name} returned {float(array)}. Look for a division by zero.")
    return float(array)


def _float32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _gradient_flows(name: str, fn: Callable, args: list, kwargs: dict, reference: Callable) -> None:
    """TensorFlow's gradient of the learner's loss with respect to the first argument must
    match a centred difference of the reference: the encoder is trained through this loss."""
    import tensorflow as tf

    x = tf.Variable(_float32(args[0]))
    with tf.GradientTape() as tape:
        value = call_learner(
            fn, x, *[tf.constant(_float32(a)) for a in args[1:]], name=name, **kwargs
        )
    gradient = tape.gradient(value, x) if tf.is_tensor(value) else None
    if gradient is None:
        raise CheckFailed(
            f"{name}: TensorFlow cannot differentiate your loss, so no encoder could be trained "
            "with it. Write it with TensorFlow operations (tf.reduce_sum, tf.maximum, "
            "tf.reduce_mean, ...) on the tensors you are given, not with numpy or float()."
        )
    point = np.asarray(args[0], dtype=np.float64).copy()
    rest = [np.asarray(a, dtype=np.float64) for a in args[1:]]
    _, numeric = numerical_gradient(
        lambda: reference(point, *rest, **kwargs), point, count=point.size
    )
    picked, _ = numerical_gradient(lambda: 0.0, point.copy(), count=point.size)
    analytic = np.asarray(gradient, dtype=np.float64).ravel()[picked]
    error = relative_error(analytic, numeric)
    if error > 1e-3:
        raise CheckFailed(
            f"{name}: the gradient TensorFlow takes through your loss differs from the slope of "
            f"the loss (relative error {error:.1e}). A value computed outside TensorFlow "
            "(numpy, or a Python `if` on a tensor) breaks the gradient."
        )


# ----------------------------------------------------------------------------------- losses
@dataclass(frozen=True)
class TripletCase:
    """Embeddings ``anchor``, ``positive``, ``negative`` ``(m, d)`` and a margin ``alpha``."""

    anchor: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    alpha: float

    def describe(self) -> str:
        m, d = self.anchor.shape
        return f"{m} triplets of {d}-dimensional embeddings, alpha={self.alpha}"


def random_triplet_cases(seed: int, count: int, unit: bool = False) -> Iterator[TripletCase]:
    """Batches of 1..12 triplets, 2..16 dimensions, alpha in {0, 0.2, 0.5, 1}; the negative
    lies at a random distance so that some triplets are past the margin (loss 0) and some not.
    ``unit=False`` gives embeddings of any length (for the cosine loss, which normalises)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, d = int(rng.integers(1, 13)), int(rng.integers(2, 17))
        anchor = rng.normal(size=(m, d))
        positive = anchor + rng.normal(scale=0.6, size=(m, d))
        negative = anchor + rng.normal(scale=rng.uniform(0.2, 1.5), size=(m, d))
        arrays = [anchor, positive, negative]
        if unit:
            arrays = [x / np.linalg.norm(x, axis=1, keepdims=True) for x in arrays]
        else:
            arrays = [x * rng.uniform(0.5, 3.0, size=(m, 1)) for x in arrays]
        yield TripletCase(
            *(_float32(x) for x in arrays), alpha=float(rng.choice([0, 0.2, 0.5, 1.0]))
        )


# The two triplet losses differ only in their formula: (numpy reference, its name in messages).
_TRIPLET_FORMULAS = {
    "triplet_loss": (triplet_loss_reference, "FaceNet's Eq. 3, averaged over the triplets"),
    "cosine_triplet_loss": (cosine_triplet_loss_reference, "mean of [cos(a, n) - cos(a, p) + alpha]_+"),
}  # fmt: skip


def _compare_triplet_form(name: str, fn: Callable, case: TripletCase) -> None:
    """The learner's ``name`` (a key of _TRIPLET_FORMULAS) against its numpy formula."""
    reference, formula = _TRIPLET_FORMULAS[name]
    got = _scalar(name, call_learner(fn, case.anchor, case.positive, case.negative,
                  alpha=case.alpha, name=name, case=case.describe()))  # fmt: skip
    expected = reference(case.anchor, case.positive, case.negative, case.alpha)
    expect_close(name, got, expected, what="the loss", case=case.describe(), reference=formula,
                 rtol=1e-4, atol=1e-5)  # fmt: skip


def compare_triplet_loss(triplet_loss: Callable, case: TripletCase) -> None:
    """The learner's loss against FaceNet's Eq. 3 (averaged), written in numpy."""
    _compare_triplet_form("triplet_loss", triplet_loss, case)


def compare_cosine_triplet_loss(cosine_triplet_loss: Callable, case: TripletCase) -> None:
    """The learner's loss against [cos(a, n) - cos(a, p) + alpha]_+, averaged, in numpy."""
    _compare_triplet_form("cosine_triplet_loss", cosine_triplet_loss, case)


def _hand(name: str, fn: Callable, args: list, kwargs: dict, expected: float, hints: dict,
          per_item: str = "triplet") -> None:  # fmt: skip
    """The learner's loss on a case worked by hand; ``hints`` maps what a common bug gives on
    that case (worked out beside it) to the sentence that names the bug.

    Args:
        name: the function's name in messages.
        fn: the learner's function.
        args: its positional arguments, arrays ``(m, d)`` (and ``same`` ``(m,)``).
        kwargs: the margin, by name.
        expected: the loss worked out by hand.
        hints: {value a bug gives: sentence}.
        per_item: "triplet" or "pair", for the message about one loss per item.
    """
    got = _scalar(name, call_learner(fn, *args, name=name, **kwargs), per_item=per_item)
    if math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-6):
        return
    cause = next(
        (text for value, text in hints.items()
         if math.isclose(got, value, rel_tol=1e-4, abs_tol=1e-6)), ""
    )  # fmt: skip
    raise CheckFailed(
        f"{name}: on the case worked by hand in the notebook, the loss should be {expected:.6g}; "
        f"yours is {got:.6g}.{' ' + cause if cause else ''}"
    )


def _check_triplet_form(name: str, fn: Callable, hand: dict, hints: dict, seed: int) -> None:
    """The hand case, 4 random batches (``seed``) and the gradient through the loss
    (``seed + 1``), for either triplet loss (``name``, a key of _TRIPLET_FORMULAS)."""
    arrays = [_float32(hand[key]) for key in ("anchor", "positive", "negative")]
    _hand(name, fn, arrays, {"alpha": hand["alpha"]}, hand["expected"], hints)
    for case in random_triplet_cases(seed=seed, count=4):
        _compare_triplet_form(name, fn, case)
    case = next(random_triplet_cases(seed=seed + 1, count=1))
    _gradient_flows(name, fn, [case.anchor, case.positive, case.negative], {"alpha": 1.0},
                    _TRIPLET_FORMULAS[name][0])  # fmt: skip


# What the common bugs give on the hand cases (d_ap, d_an: the squared distances of each triplet).
TRIPLET_HINTS = {
    # the sum: 0 + 1.2
    1.2: "That is the sum over the two triplets; take the mean.",
    # no hinge: ((1 - 4 + 0.2) + (2 - 1 + 0.2)) / 2 = (-2.8 + 1.2) / 2
    -0.8: "Without the hinge max(..., 0) a triplet past the margin gives a negative loss.",
    # plain distances 1, 2 and sqrt(2), 1: (0 + (sqrt(2) - 1 + 0.2)) / 2
    (math.sqrt(2) - 1 + 0.2) / 2: "That uses plain distances; FaceNet's loss uses squared ones.",
    # swapped: ((4 - 1 + 0.2) + 0) / 2
    (4 - 1 + 0.2) / 2: "The positive and negative distances are swapped: the loss must grow with "
    "||a - p||^2 and shrink with ||a - n||^2.",
    # margin subtracted: (0 + (2 - 1 - 0.2)) / 2
    0.4: "The margin is subtracted: FaceNet's loss is ||a - p||^2 - ||a - n||^2 + alpha, so the "
    "negative must be farther than the positive by at least alpha before the loss is 0.",
    # hinge on the mean: max((-2.8 + 1.2) / 2, 0); on the sum: max(-1.6, 0); no axis:
    # d_ap = 1 + 2 = 3, d_an = 4 + 1 = 5 for the whole batch: max(3 - 5 + 0.2, 0)
    0.0: "The triplets were mixed before the hinge: max(..., 0) applied once to the batch's mean "
    "or sum, or the squares summed over the whole batch (tf.reduce_sum without axis=-1), lets a "
    "triplet past the margin cancel another's loss. Compute one value per triplet (axis=-1), "
    "apply the hinge to each, then average.",
}
COSINE_HINTS = {
    # sign the other way: ((1/sqrt(2) - 0 + 0.2) + max(0 - 1 + 0.2, 0)) / 2
    (1 / math.sqrt(2) + 0.2) / 2: "The sign is the wrong way round: a similarity grows as faces "
    "get closer, so the loss is cos(a, n) - cos(a, p) + alpha.",
    # dot products: a.p = 1, 0; a.n = 0, 3: (0 + (3 - 0 + 0.2)) / 2
    1.6: "Those are dot products of vectors that are not of unit length: divide by both norms.",
    # the sum: 0 + 1.2
    1.2: "That is the sum over the two triplets; take the mean.",
    # margin subtracted: (0 + (1 - 0 - 0.2)) / 2
    0.4: "The margin is subtracted: the loss is cos(a, n) - cos(a, p) + alpha, so the positive "
    "must be more similar than the negative by at least alpha before the loss is 0.",
    # hinge on the mean: max(((0 - 1/sqrt(2) + 0.2) + (1 - 0 + 0.2)) / 2, 0)
    (0.2 - 1 / math.sqrt(2) + 1.2) / 2: "The hinge max(..., 0) was applied once, to the batch's "
    "mean: a triplet past the margin then cancels another's loss. Apply it to each triplet, then "
    "average.",
    # one norm for the whole tensor: |anchor| = sqrt(2), |positive| = sqrt(6),
    # |negative| = sqrt(10); cos_ap = 1/sqrt(12), 0; cos_an = 0, 3/sqrt(20): (0 + (3/sqrt(20) + 0.2)) / 2
    (3 / math.sqrt(20) + 0.2) / 2: "Each tensor was divided by one norm for the whole batch "
    "(tf.math.l2_normalize without axis=-1): divide each embedding by its own length.",
}  # fmt: skip


def check_triplet_loss(triplet_loss: Callable) -> None:
    """The hand case, a few random batches, and the gradient TensorFlow takes through it."""
    _check_triplet_form("triplet_loss", triplet_loss, HAND_TRIPLET, TRIPLET_HINTS, seed=7)
    passed("triplet_loss", "the case worked by hand (0.6), 4 random batches against FaceNet's Eq. 3 "
           "averaged, and TensorFlow's gradient through it.")  # fmt: skip


def check_cosine_triplet_loss(cosine_triplet_loss: Callable) -> None:
    """The hand case, random batches of embeddings of any length, and the gradient."""
    _check_triplet_form("cosine_triplet_loss", cosine_triplet_loss, HAND_COSINE, COSINE_HINTS,
                        seed=9)  # fmt: skip
    passed("cosine_triplet_loss", "the case worked by hand (0.6), 4 random batches of embeddings of "
           "any length, and TensorFlow's gradient through it.")  # fmt: skip


@dataclass(frozen=True)
class PairCase:
    """Embeddings ``first``, ``second`` ``(m, d)``, ``same`` ``(m,)`` bool and a ``margin``."""

    first: np.ndarray
    second: np.ndarray
    same: np.ndarray
    margin: float

    def describe(self) -> str:
        m, d = self.first.shape
        return f"{m} pairs ({int(self.same.sum())} same) of {d}-dimensional embeddings, margin={self.margin}"


def random_pair_cases(seed: int, count: int) -> Iterator[PairCase]:
    """1..12 pairs, 2..16 dimensions, margin in {0.5, 1, 2}; distances spread on both sides of
    the margin, so that some different pairs cost nothing and some do."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        m, d = int(rng.integers(1, 13)), int(rng.integers(2, 17))
        margin = float(rng.choice([0.5, 1.0, 2.0]))
        first = rng.normal(size=(m, d))
        step = rng.normal(size=(m, d))
        step *= rng.uniform(0, 2 * margin, (m, 1)) / np.linalg.norm(step, axis=1, keepdims=True)
        yield PairCase(_float32(first), _float32(first + step), rng.random(m) < 0.5, margin)


def compare_contrastive_loss(contrastive_loss: Callable, case: PairCase) -> None:
    """The learner's loss against Hadsell et al.'s Eq. 4 (averaged), in numpy."""
    got = _scalar("contrastive_loss", call_learner(contrastive_loss, case.first, case.second,
                  case.same, margin=case.margin, case=case.describe()), per_item="pair")  # fmt: skip
    expected = contrastive_loss_reference(case.first, case.second, case.same, case.margin)
    expect_close("contrastive_loss", got, expected, what="the loss", case=case.describe(),
                 reference="Hadsell et al.'s Eq. 4, averaged over the pairs", rtol=1e-4, atol=1e-5)  # fmt: skip


# What the common bugs give on the hand case: D = 5 (same), 0.5 and 3 (different), margin 2.
CONTRASTIVE_HINTS = {
    # swapped: (max(0, 2 - 5)^2 + 0.5^2 + 3^2) / 2 / 3 = (0 + 0.25 + 9) / 6
    4.625 / 3: "Same and different are swapped: a pair of one identity pays D^2 / 2, a pair of "
    "two identities pays max(0, margin - D)^2 / 2.",
    # margin against D^2: (12.5 + (2 - 0.25)^2 / 2 + 0) / 3
    (12.5 + 0.5 * (2 - 0.25) ** 2) / 3: "The margin is compared with the squared distance; "
    "Hadsell et al. use max(0, margin - D) with D the plain distance.",
    # without the 1/2: (25 + 2.25 + 0) / 3
    2 * 13.625 / 3: "The factor 1/2 of Hadsell et al.'s Eq. 4 is missing.",
    # the sum: 12.5 + 1.125 + 0
    13.625: "That is the sum over the three pairs; take the mean.",
    # hinge not squared: (12.5 + (2 - 0.5) / 2 + 0) / 3
    (12.5 + 0.75) / 3: "max(0, margin - D) is not squared: a pair of two identities pays "
    "max(0, margin - D)^2 / 2, so its cost and its gradient fade out smoothly at the margin.",
    # distance not squared for the same pair: (5 / 2 + 1.125 + 0) / 3
    (2.5 + 1.125) / 3: "A pair of one identity pays D / 2; Hadsell et al.'s Eq. 4 has D^2 / 2, "
    "the squared distance.",
}


def check_contrastive_loss(contrastive_loss: Callable) -> None:
    """The hand case (same given as bools), random pairs, and the gradient."""
    h = HAND_CONTRASTIVE
    args = [_float32(h["first"]), _float32(h["second"]), np.array(h["same"])]
    _hand("contrastive_loss", contrastive_loss, args, {"margin": h["margin"]}, h["expected"],
          CONTRASTIVE_HINTS, per_item="pair")  # fmt: skip
    for case in random_pair_cases(seed=11, count=4):
        compare_contrastive_loss(contrastive_loss, case)
    case = next(random_pair_cases(seed=12, count=1))
    _gradient_flows("contrastive_loss", contrastive_loss, [case.first, case.second, case.same],
                    {"margin": case.margin},
                    lambda a, b, s, margin: contrastive_loss_reference(a, b, s, margin))  # fmt: skip
    passed("contrastive_loss", "the case worked by hand (13.625 / 3), 4 random batches against "
           "Hadsell et al.'s Eq. 4 averaged, and TensorFlow's gradient through it.")  # fmt: skip


# ----------------------------------------------------------------------------------- mining
def mined_by_loops(embeddings: np.ndarray, labels: np.ndarray, strategy: str) -> list[tuple]:
    """The triplets the chapter's rules give, one anchor at a time, with plain loops.

    Squared Euclidean distances. An anchor needs another image of its identity and an image of
    another identity. "hardest": one triplet per anchor, its farthest positive and its closest
    negative. "semi-hard": one triplet per (anchor, positive) pair, with the closest negative
    that is farther from the anchor than that positive, or, when there is none, the farthest
    negative. Ties go to the smallest index.

    Returns:
        The sorted list of ``(anchor, positive, negative)`` index triples.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    m = len(x)
    triples = []
    for a in range(m):
        distance = [float(np.sum((x[a] - x[j]) ** 2)) for j in range(m)]
        positives = [j for j in range(m) if j != a and labels[j] == labels[a]]
        negatives = [j for j in range(m) if labels[j] != labels[a]]
        if not positives or not negatives:
            continue
        if strategy == "hardest":
            p = max(positives, key=lambda j: (distance[j], -j))
            n = min(negatives, key=lambda j: (distance[j], j))
            triples.append((a, p, n))
            continue
        for p in positives:
            farther = [j for j in negatives if distance[j] > distance[p]]
            if farther:
                n = min(farther, key=lambda j: (distance[j], j))
            else:
                n = max(negatives, key=lambda j: (distance[j], -j))
            triples.append((a, p, n))
    return sorted(triples)


# A batch the notebook draws and mines by hand: five faces on a line (1-D embeddings), two
# identities. Squared distances from face 0 (identity 0 at 0.0): face 1 (id 0, at 0.9) 0.81,
# face 2 (id 0, at 0.3) 0.09, face 3 (id 1, at 0.5) 0.25, face 4 (id 1, at 1.2) 1.44.
HAND_BATCH = dict(embeddings=[[0.0], [0.9], [0.3], [0.5], [1.2]], labels=[0, 0, 0, 1, 1])


@dataclass(frozen=True)
class MiningCase:
    """A batch: ``embeddings`` ``(m, d)``, ``labels`` ``(m,)`` and the ``strategy``."""

    embeddings: np.ndarray
    labels: np.ndarray
    strategy: str

    def describe(self) -> str:
        m, d = self.embeddings.shape
        return (f"a batch of {m} embeddings of size {d}, {len(np.unique(self.labels))} identities, "
                f"strategy={self.strategy!r}")  # fmt: skip


def random_mining_cases(seed: int, count: int) -> Iterator[MiningCase]:
    """Batches of 2..24 unit embeddings of size 2..8, 1..6 identities with 1..5 images each
    (some anchors without a positive, sometimes a single identity), both strategies."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        n_ids = int(rng.integers(1, 7))
        labels = np.repeat(rng.choice(100, n_ids, replace=False), rng.integers(1, 6, n_ids))
        labels = labels[rng.permutation(len(labels))]
        if len(labels) < 2:
            labels = np.r_[labels, labels[0] + 1]
        x = rng.normal(size=(len(labels), int(rng.integers(2, 9))))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        yield MiningCase(_float32(x), labels.astype(np.int64), ("hardest", "semi-hard")[index % 2])


def _triples(name: str, result, m: int, case: str) -> list[tuple]:
    arrays = [
        np.asarray(r) for r in expect_tuple(name, result, ("anchors", "positives", "negatives"))
    ]
    for what, array in zip(("anchors", "positives", "negatives"), arrays, strict=True):
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise CheckFailed(f"{name}: {what} should be a 1-D array of integer indices; got shape "
                              f"{array.shape}, dtype {array.dtype} ({case}).")  # fmt: skip
        expect_shape(name, array, arrays[0].shape, what=what,
                     hint="The three arrays list one triplet per position, so they have one length.")  # fmt: skip
        if array.size and (array.min() < 0 or array.max() >= m):
            raise CheckFailed(f"{name}: {what} holds an index outside 0..{m - 1} ({case}).")
    return sorted(zip(*(a.tolist() for a in arrays), strict=True))


def compare_mine_triplets(mine_triplets: Callable, case: MiningCase) -> None:
    """The learner's triplets (as a set, in any order) against :func:`mined_by_loops`."""
    result = call_learner(mine_triplets, case.embeddings, case.labels, strategy=case.strategy,
                          case=case.describe())  # fmt: skip
    got = _triples("mine_triplets", result, len(case.labels), case.describe())
    expected = mined_by_loops(case.embeddings, case.labels, case.strategy)
    if got == expected:
        return
    if len(got) != len(expected):
        per = "anchor" if case.strategy == "hardest" else "(anchor, positive) pair"
        raise CheckFailed(
            f"mine_triplets: {len(got)} triplets on {case.describe()}; expected {len(expected)}, "
            f"one per {per} that has a positive and a negative in the batch. Check that an "
            "anchor is never its own positive and that anchors without a positive or without "
            "a negative are left out."
        )
    wrong = next(g for g, e in zip(got, expected, strict=True) if g != e)
    right = next(e for g, e in zip(got, expected, strict=True) if g != e)
    raise CheckFailed(
        f"mine_triplets: on {case.describe()}, the triplet {right} (anchor, positive, negative) "
        f"was expected, and you have {wrong} instead. Distances are squared Euclidean; "
        + ("the hardest positive is the farthest image of the anchor's identity, the hardest "
           "negative the closest image of another identity."
           if case.strategy == "hardest" else
           "a semi-hard negative is the closest negative that is farther from the anchor than "
           "the positive (the farthest negative when there is none).")
    )  # fmt: skip


def check_mine_triplets(mine_triplets: Callable) -> None:
    """The batch mined by hand in the notebook, then random batches, both strategies."""
    h = HAND_BATCH
    for strategy in ("hardest", "semi-hard"):
        compare_mine_triplets(mine_triplets, MiningCase(_float32(h["embeddings"]),
                              np.array(h["labels"]), strategy))  # fmt: skip
    for case in random_mining_cases(seed=13, count=6):
        compare_mine_triplets(mine_triplets, case)
    passed("mine_triplets", "the batch mined by hand and 6 random batches, hardest and semi-hard, "
           "agree with a plain loop over the anchors.")  # fmt: skip


# ------------------------------------------------------------------------- ROC and threshold
@dataclass(frozen=True)
class DistanceCase:
    """Pair ``distances`` ``(P,)`` and ground truth ``same`` ``(P,)``."""

    distances: np.ndarray
    same: np.ndarray

    def describe(self) -> str:
        return f"{len(self.same)} pairs ({int(self.same.sum())} same)"


# Worked in the notebook: distances 0.2 (same), 0.5 (different), 0.5 (same), 0.9 (different).
# Thresholds -inf, 0.2, 0.5, 0.9: TPR 0, 1/2, 1, 1; FPR 0, 0, 1/2, 1; correct 2, 3, 3, 2 of 4.
HAND_DISTANCES = DistanceCase(np.array([0.5, 0.2, 0.9, 0.5]), np.array([False, True, False, True]))


def random_distance_cases(seed: int, count: int) -> Iterator[DistanceCase]:
    """2..200 pairs, both kinds; every third case with many tied distances (whole numbers 0..5),
    every third with one same pair in ten."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        n = int(rng.integers(2, 201))
        same = rng.random(n) < (0.1 if index % 3 == 2 else 0.5)
        same[:2] = [True, False]
        same = same[rng.permutation(n)]
        if index % 3 == 1:
            distances = rng.integers(0, 6, n).astype(np.float64)
        else:
            distances = rng.random(n) + np.where(same, 0.0, 0.4)
        yield DistanceCase(distances, same)


def compare_roc_curve_points(roc_curve_points: Callable, case: DistanceCase) -> None:
    """The learner's (fpr, tpr, thresholds) against sklearn.metrics.roc_curve."""
    result = call_learner(
        roc_curve_points, case.distances.copy(), case.same.copy(), case=case.describe()
    )
    result = expect_tuple("roc_curve_points", result, ("fpr", "tpr", "thresholds"))
    fpr, tpr, thresholds = (np.asarray(r, dtype=np.float64) for r in result)
    ref_fpr, ref_tpr, ref_thresholds = roc_points_reference(case.distances, case.same)
    hint = (f"There is one threshold per distinct distance ({len(np.unique(case.distances))} here), "
            "plus -inf first (no pair accepted); tied distances share one threshold.")  # fmt: skip
    for what, got, ref in (("thresholds", thresholds, ref_thresholds), ("fpr", fpr, ref_fpr),
                           ("tpr", tpr, ref_tpr)):  # fmt: skip
        expect_shape("roc_curve_points", got, ref.shape, what=what, hint=hint)
    if not (np.isneginf(thresholds[0]) and np.array_equal(thresholds[1:], ref_thresholds[1:])):
        raise CheckFailed(
            "roc_curve_points: thresholds should be -inf followed by the distinct distances in "
            f"increasing order; yours start {thresholds[:4].tolist()} ({case.describe()})."
        )
    cause = _roc_cause(case, fpr, tpr, ref_thresholds)
    for what, got, ref in (("tpr", tpr, ref_tpr), ("fpr", fpr, ref_fpr)):
        if cause and not np.allclose(got, ref, rtol=1e-9, atol=1e-12):
            raise CheckFailed(
                f"roc_curve_points: {what} differs from sklearn.metrics.roc_curve on "
                f"{case.describe()}: you have {np.round(got[:6], 4).tolist()}, it gives "
                f"{np.round(ref[:6], 4).tolist()}{' ...' if len(ref) > 6 else ''}. {cause}"
            )
        expect_close("roc_curve_points", got, ref, what=what, case=case.describe(),
                     reference="sklearn.metrics.roc_curve", rtol=1e-9, atol=1e-12)  # fmt: skip


def _roc_cause(case: DistanceCase, fpr: np.ndarray, tpr: np.ndarray, thresholds: np.ndarray):
    """The common bug whose (fpr, tpr) the learner's equal, each computed in numpy on the
    reference's thresholds; or None. Both arrays are compared: on the notebook's four pairs the
    swapped and the strict (<) versions give the same tpr, but not the same fpr.

    Args:
        case: the pairs.
        fpr, tpr: the learner's, (T,) each, T the reference's length.
        thresholds: (T,), -inf then the distinct distances.
    """
    d, same = case.distances, case.same

    def rates(accepted: np.ndarray, divide_by_all: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(fpr, tpr) of the acceptances ``accepted`` (T, P)."""
        different = accepted[:, ~same].sum(axis=1) / (len(d) if divide_by_all else (~same).sum())
        genuine = accepted[:, same].sum(axis=1) / (len(d) if divide_by_all else same.sum())
        return different, genuine

    def equal(got: np.ndarray, wrong: np.ndarray) -> bool:
        return np.allclose(got, wrong, rtol=1e-9, atol=1e-12)

    right_fpr, right_tpr = rates(d[None, :] <= thresholds[:, None])
    strict_fpr, strict_tpr = rates(d[None, :] < thresholds[:, None])
    all_fpr, all_tpr = rates(d[None, :] <= thresholds[:, None], divide_by_all=True)
    if equal(fpr, right_tpr) and equal(tpr, right_fpr):
        return ("The tpr and fpr are swapped: tpr is the fraction of the *same* pairs accepted, "
                "fpr of the different pairs; return (fpr, tpr, thresholds) in that order.")  # fmt: skip
    if equal(fpr, strict_fpr) and equal(tpr, strict_tpr):
        return ("A pair counts as accepted when its distance is <= the threshold; yours uses <, "
                "so a pair exactly at the threshold is rejected.")  # fmt: skip
    if (equal(fpr, all_fpr) or equal(fpr, right_fpr)) and (
        equal(tpr, all_tpr) or equal(tpr, right_tpr)
    ):
        return (f"You divided by the number of all pairs ({len(d)}); the tpr is a fraction of the "
                f"same pairs only ({int(same.sum())}), the fpr of the different pairs only "
                f"({int((~same).sum())}).")  # fmt: skip
    return None


def check_roc_curve_points(roc_curve_points: Callable) -> None:
    """The four pairs worked by hand, then random cases with and without ties."""
    compare_roc_curve_points(roc_curve_points, HAND_DISTANCES)
    for case in random_distance_cases(seed=14, count=6):
        compare_roc_curve_points(roc_curve_points, case)
    passed("roc_curve_points", "the four pairs worked by hand and 6 random sets of pairs (with "
           "ties) agree with sklearn.metrics.roc_curve.")  # fmt: skip


def compare_choose_threshold(choose_threshold: Callable, case: DistanceCase) -> None:
    """The learner's (threshold, accuracy) against the reference sweep on sklearn's ROC."""
    result = call_learner(
        choose_threshold, case.distances.copy(), case.same.copy(), case=case.describe()
    )
    result = expect_tuple("choose_threshold", result, ("threshold", "accuracy"))
    threshold, accuracy = (float(np.asarray(r)) for r in result)
    best, best_accuracy = best_threshold(case.distances, case.same)
    measured = float(np.mean((case.distances <= threshold) == case.same))
    # A learner who accepts a pair when its distance is < the threshold reports, and maximises,
    # the accuracy of that rule: the threshold then lands on the next distance up.
    strict = float(np.mean((case.distances < threshold) == case.same))
    strict_hint = (
        " You seem to accept a pair when its distance is < the threshold; the chapter's rule "
        "is <=, so the threshold is the largest distance still accepted."
    )
    if not math.isclose(accuracy, measured, abs_tol=1e-9):
        if math.isclose(accuracy, measured * len(case.same), abs_tol=1e-9):
            cause = (f" That is the number of pairs right; the accuracy is that number divided "
                     f"by the number of pairs ({len(case.same)}).")  # fmt: skip
        elif math.isclose(accuracy, strict, abs_tol=1e-9):
            cause = strict_hint
        else:
            cause = (" Accuracy counts the same pairs accepted and the different pairs "
                     "rejected.")  # fmt: skip
        raise CheckFailed(
            f"choose_threshold: you report accuracy {accuracy:.4f} at threshold {threshold:.4g}, "
            f"but calling 'same' every pair with distance <= {threshold:.4g} gets {measured:.4f} "
            f"right ({case.describe()}).{cause}"
        )
    if measured < best_accuracy - 1e-12:
        fpr, tpr, thresholds = roc_points_reference(case.distances, case.same)
        youden = float(thresholds[int(np.argmax(tpr - fpr))])
        try_all = " Try every distinct distance as a threshold (and -inf), and keep the best."
        maximised_j = (
            " That threshold maximises tpr - fpr (Youden's J, which picks the best mean of the "
            "accuracies on the same and on the different pairs); the chapter asks for the "
            "accuracy over all pairs, which differs when one kind of pair is more common."
        )
        if threshold != youden:
            cause = try_all
        elif np.isfinite(youden):
            cause = maximised_j
        else:  # tpr - fpr <= 0 at every threshold: J keeps -inf, and so does a missed threshold
            cause = (f"{try_all} Or you maximised tpr - fpr (Youden's J), which is never above "
                     "0 here and so keeps -inf: the chapter asks for the accuracy over all pairs.")  # fmt: skip
        raise CheckFailed(
            f"choose_threshold: threshold {threshold:.4g} gets {measured:.4f} of the pairs right, "
            f"but {best:.4g} gets {best_accuracy:.4f} ({case.describe()}).{cause}"
        )
    if threshold != best:
        # Accepting with < gives the same answer as keeping the last of equals: both may apply.
        cause = (
            " Keep the first of the best thresholds (np.argmax returns the first); and if you "
            "accept a pair when its distance is < the threshold, use <=: the threshold is the "
            "largest distance still accepted."
            if math.isclose(strict, best_accuracy, abs_tol=1e-9)
            else ""
        )
        raise CheckFailed(
            f"choose_threshold: thresholds {threshold:.4g} and {best:.4g} are equally accurate "
            f"({best_accuracy:.4f}); the chapter asks for the smallest one, {best:.4g} "
            f"({case.describe()}).{cause}"
        )


def check_choose_threshold(choose_threshold: Callable) -> None:
    """The four pairs worked by hand (0.2, 3 of 4), then random cases with and without ties."""
    compare_choose_threshold(choose_threshold, HAND_DISTANCES)
    for case in random_distance_cases(seed=15, count=6):
        compare_choose_threshold(choose_threshold, case)
    passed("choose_threshold", "the four pairs worked by hand (threshold 0.2, 3 of 4) and 6 random "
           "sets of pairs: the most accurate threshold, the smallest of equals.")  # fmt: skip


# ------------------------------------------------------------------------ verify, who_is_it
class KnownEncoder:
    """A stand-in encoder whose embeddings the check chooses: "image" ``k`` (an array
    ``(H, W, 3)`` whose pixels all equal ``k``) has the embedding ``table[k]``. It answers a
    batch ``(n, H, W, 3)`` as a Keras model's ``predict`` and ``__call__`` do."""

    def __init__(self, table: np.ndarray):
        self.table = np.asarray(table, dtype=np.float32)
        self.calls = 0

    def _embed(self, images) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim != 4:
            raise CheckFailed(
                f"The encoder takes a batch of images (n, H, W, 3); it was given shape "
                f"{images.shape}. Add a batch axis to one image: image[np.newaxis] or "
                "np.expand_dims(image, 0)."
            )
        self.calls += 1
        return self.table[images[:, 0, 0, 0].astype(int)]

    def predict(self, images, verbose=0, **kwargs):
        return self._embed(images)

    def __call__(self, images, training=False):
        return self._embed(images)


def _image(k: int) -> np.ndarray:
    return np.full((4, 4, 3), k, dtype=np.float32)


@dataclass(frozen=True)
class DatabaseCase:
    """A database of ``names`` with embeddings ``table[:n]``, queries ``table[n:]``, a threshold."""

    table: np.ndarray
    names: tuple
    threshold: float

    def describe(self) -> str:
        return f"a database of {len(self.names)} people, threshold {self.threshold:.3g}"


def random_database_cases(seed: int, count: int) -> Iterator[DatabaseCase]:
    """1..8 people with unit embeddings of size 2..8, 6 queries, some near a person and some
    far from everyone, thresholds between 0.1 and 1.5."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n, d = int(rng.integers(1, 9)), int(rng.integers(2, 9))
        people = rng.normal(size=(n, d))
        queries = people[rng.integers(0, n, 6)] + rng.normal(
            scale=rng.uniform(0.05, 1.0), size=(6, d)
        )
        table = np.r_[people, queries]
        table /= np.linalg.norm(table, axis=1, keepdims=True)
        names = tuple(f"person_{int(k)}" for k in rng.choice(1000, n, replace=False))
        yield DatabaseCase(_float32(table), names, float(rng.uniform(0.1, 1.5)))


def _database(case: DatabaseCase) -> dict:
    return {name: case.table[k].copy() for k, name in enumerate(case.names)}


def compare_verify(verify: Callable, case: DatabaseCase) -> None:
    """For each query and each person: the squared distance and the decision, by hand."""
    encoder = KnownEncoder(case.table)
    n = len(case.names)
    for q in range(n, len(case.table)):
        for k, name in enumerate(case.names):
            result = call_learner(verify, _image(q), name, _database(case), encoder,
                                  case.threshold, case=case.describe())  # fmt: skip
            result = expect_tuple("verify", result, ("distance", "same"))
            distance = float(np.asarray(result[0]))
            expected = float(np.sum((case.table[q].astype(np.float64) - case.table[k]) ** 2))
            if not math.isclose(distance, expected, rel_tol=1e-5, abs_tol=1e-6):
                hint = (" That is the plain distance; the chapter uses the squared one, as "
                        "FaceNet does." if math.isclose(distance, math.sqrt(expected), rel_tol=1e-5) else "")  # fmt: skip
                raise CheckFailed(
                    f"verify: the distance between the image and {name!r} should be "
                    f"{expected:.6g} (squared Euclidean between the encoding of the image and "
                    f"the database's entry); yours is {distance:.6g}.{hint}"
                )
            if bool(result[1]) != (expected <= case.threshold):
                raise CheckFailed(
                    f"verify: at distance {expected:.4g} and threshold {case.threshold:.4g} the "
                    f"answer should be {expected <= case.threshold}; yours is {bool(result[1])}. "
                    "A pair is the same person when its distance is <= the threshold."
                )


def compare_who_is_it(who_is_it: Callable, case: DatabaseCase) -> None:
    """For each query: the closest person and its squared distance, or "unknown"."""
    encoder = KnownEncoder(case.table)
    n = len(case.names)
    people = case.table[:n].astype(np.float64)
    for q in range(n, len(case.table)):
        result = call_learner(who_is_it, _image(q), _database(case), encoder, case.threshold,
                              case=case.describe())  # fmt: skip
        result = expect_tuple("who_is_it", result, ("distance", "name"))
        distances = np.sum((people - case.table[q]) ** 2, axis=1)
        best = int(np.argmin(distances))
        expected = case.names[best] if distances[best] <= case.threshold else "unknown"
        distance, name = float(np.asarray(result[0])), result[1]
        if not math.isclose(distance, distances[best], rel_tol=1e-5, abs_tol=1e-6):
            raise CheckFailed(
                f"who_is_it: the distance to the closest person ({case.names[best]!r}) should be "
                f"{distances[best]:.6g} (squared Euclidean); yours is {distance:.6g}. Return the "
                "smallest distance over the whole database, whatever the answer."
            )
        if name != expected:
            why = ("the closest person is within the threshold" if expected != "unknown" else
                   f"even the closest person is farther than the threshold {case.threshold:.4g}")  # fmt: skip
            raise CheckFailed(
                f"who_is_it: the answer should be {expected!r} ({why}: distance "
                f"{distances[best]:.4g}); yours is {name!r} ({case.describe()})."
            )


# Worked in the notebook: three people on the unit circle, at 0, 90 and 180 degrees, and a
# query at 30 degrees. Squared distances 2 - 2 cos(angle): to "ana" 2 - 2 cos 30 = 0.268,
# to "ben" 2 - 2 cos 60 = 1, to "cai" 2 - 2 cos 150 = 3.732.
_ANGLES = np.deg2rad([0, 90, 180, 30])
HAND_DATABASE = DatabaseCase(
    _float32(np.c_[np.cos(_ANGLES), np.sin(_ANGLES)]), ("ana", "ben", "cai"), 0.5
)


def check_verify(verify: Callable) -> None:
    """The database worked by hand (threshold 0.5 and 1.5), then random databases."""
    compare_verify(verify, HAND_DATABASE)
    compare_verify(verify, DatabaseCase(HAND_DATABASE.table, HAND_DATABASE.names, 1.5))
    for case in random_database_cases(seed=16, count=3):
        compare_verify(verify, case)
    passed("verify", "the database worked by hand and 3 random ones: squared distances and "
           "decisions, every person against every query.")  # fmt: skip


def check_who_is_it(who_is_it: Callable) -> None:
    """The database worked by hand (threshold 0.5 gives "ana", 0.2 "unknown"), random ones."""
    compare_who_is_it(who_is_it, HAND_DATABASE)
    compare_who_is_it(who_is_it, DatabaseCase(HAND_DATABASE.table, HAND_DATABASE.names, 0.2))
    for case in random_database_cases(seed=17, count=3):
        compare_who_is_it(who_is_it, case)
    passed("who_is_it", "the database worked by hand (\"ana\" at 0.268; \"unknown\" below that "
           "threshold) and 3 random ones.")  # fmt: skip


# ----------------------------------------------------------------------------------- encoder
ENCODER_WIDTHS = (16, 32, 64, 128)  # filters of conv1..conv4, as the notebook's table


def encoder_layers(input_shape=(32, 32, 3), embedding_size: int = 64) -> list[tuple]:
    """The encoder of the notebook's table: ``(name, kind, output shape, parameters)`` per layer.

    Four 3 x 3 convolutions (padding "same", with bias), each followed by batch norm and a ReLU;
    a 2 x 2 max pooling after the first three; global average pooling; a dense layer to the
    embedding; and the L2 normalisation. Parameters: a convolution has ``9 * C_in * C_out``
    weights and ``C_out`` biases, a batch norm 4 per channel (scale, offset, moving mean and
    variance), the dense layer ``128 * d + d``.
    """
    h, w, c = input_shape
    layers = []
    for k, width in enumerate(ENCODER_WIDTHS, start=1):
        layers.append((f"conv{k}", "Conv2D", (h, w, width), 9 * c * width + width))
        layers.append((f"bn{k}", "BatchNormalization", (h, w, width), 4 * width))
        layers.append((f"relu{k}", "ReLU", (h, w, width), 0))
        if k < len(ENCODER_WIDTHS):
            h, w = h // 2, w // 2
            layers.append((f"pool{k}", "MaxPooling2D", (h, w, width), 0))
        c = width
    layers.append(("avg_pool", "GlobalAveragePooling2D", (c,), 0))
    layers.append(("embedding", "Dense", (embedding_size,), c * embedding_size + embedding_size))
    layers.append(("l2_normalise", "L2 normalisation", (embedding_size,), 0))
    return layers


def _kind(layer) -> str:
    kind = type(layer).__name__
    if kind == "Activation" and layer.get_config().get("activation") == "relu":
        return "ReLU"
    return kind


def _input_layer_name(layer) -> str | None:
    """The name of the layer whose output ``layer`` takes, or None when it cannot be told
    (a layer called more than once, or one Keras does not record)."""
    try:
        history = getattr(layer.input, "_keras_history", None)
    except (AttributeError, ValueError):
        return None
    return getattr(history[0], "name", None) if history else None


def compare_build_encoder(build_encoder: Callable, input_shape=(32, 32, 3), embedding_size: int = 64,
                          seed: int = 0) -> None:  # fmt: skip
    """Every layer of the table by name, kind, output shape and parameters; unit-length outputs
    equal to the dense layer's output divided by its norm; a gradient reaches the first layer."""
    import keras
    import tensorflow as tf

    case = f"input_shape={input_shape}, embedding_size={embedding_size}"
    model = call_learner(build_encoder, input_shape=input_shape, embedding_size=embedding_size,
                         name="build_encoder", case=case)  # fmt: skip
    if not isinstance(model, keras.Model):
        raise CheckFailed(f"build_encoder should return a keras.Model; got {type(model).__name__}.")
    found = {layer.name: layer for layer in model.layers}
    table = encoder_layers(input_shape, embedding_size)
    for name, kind, shape, params in table:
        if name not in found:
            raise CheckFailed(
                f"build_encoder: no layer named {name!r} ({case}); every layer of the table "
                f"needs its name (name={name!r}), so that the pre-trained weights find it. "
                f"Your layers: {', '.join(found)}."
            )
        layer = found[name]
        got_shape = tuple(layer.output.shape[1:])
        if kind != "L2 normalisation" and _kind(layer) != kind:
            raise CheckFailed(f"build_encoder: layer {name!r} is a {_kind(layer)}; the table "
                              f"asks for a {kind}.")  # fmt: skip
        if got_shape != shape:
            raise CheckFailed(
                f"build_encoder: layer {name!r} outputs shape {got_shape}; expected {shape} "
                f'({case}). Convolutions use padding="same"; each pooling halves the size.'
            )
        if layer.count_params() != params:
            hint = (f" The {shape[-1]} biases are missing (use_bias=False): the table keeps them "
                    "(redundant before a batch norm, but the pre-trained weights have them)."
                    if kind in ("Conv2D", "Dense") and layer.count_params() == params - shape[-1]
                    else "")  # fmt: skip
            raise CheckFailed(f"build_encoder: layer {name!r} has {layer.count_params():,} "
                              f"parameters; expected {params:,} ({case}).{hint}")  # fmt: skip
        if kind in ("Conv2D", "Dense") and layer.get_config().get("activation") != "linear":
            raise CheckFailed(
                f"build_encoder: layer {name!r} has activation={layer.get_config()['activation']!r}; "
                "in the table it has none. Each convolution's ReLU comes after its batch norm, "
                "as a layer of its own; the embedding is linear (a ReLU there would keep every "
                "coordinate >= 0, and the embeddings would crowd into one corner of the sphere)."
            )
    extra = [n for n, layer in found.items()
             if n not in {row[0] for row in table} and type(layer).__name__ != "InputLayer"]  # fmt: skip
    if extra:
        raise CheckFailed(
            f"build_encoder: layer {extra[0]!r} is not in the table ({case}). The encoder has "
            f"exactly the table's layers: {', '.join(row[0] for row in table)}."
        )
    for (before, *_), (name, *_) in pairwise(table):
        source = _input_layer_name(found[name])
        if source is not None and source != before:
            raise CheckFailed(
                f"build_encoder: layer {name!r} takes its input from {source!r}; in the table it "
                f"follows {before!r}. Each block is convolution, batch norm, ReLU (then the "
                "pooling), in that order: the batch norm normalises the convolution's output "
                "before the nonlinearity (Ioffe & Szegedy 2015)."
            )
    if model.layers[-1].name != "l2_normalise":
        raise CheckFailed("build_encoder: the last layer should be 'l2_normalise', the "
                          f"normalisation; yours is {model.layers[-1].name!r}.")  # fmt: skip
    rng = np.random.default_rng(seed)
    images = rng.random((5, *input_shape)).astype("float32")
    probe = keras.Model(model.inputs[0], [found["embedding"].output, model.outputs[0]])
    before, after = (np.asarray(v, dtype=np.float64) for v in probe(images, training=False))
    expect_shape("build_encoder", after, (5, embedding_size), what="the output for 5 images")
    norms = np.linalg.norm(after, axis=1)
    if not np.allclose(norms, 1, atol=1e-4):
        raise CheckFailed(
            f"build_encoder: the embeddings should have length 1 (L2-normalised); their lengths "
            f"are {np.round(norms, 4).tolist()}. Divide each row by its Euclidean norm "
            "(layers.UnitNormalization(axis=-1), or tf.math.l2_normalize(x, axis=-1))."
        )
    expect_close("build_encoder", after, before / np.linalg.norm(before, axis=1, keepdims=True),
                 what="the output of 'l2_normalise'", reference="the output of 'embedding' "
                 "divided by its norm", case=case, rtol=1e-4, atol=1e-5)  # fmt: skip
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(probe(images, training=True)[1][:, 0])
    gradient = tape.gradient(loss, found["conv1"].kernel)
    if gradient is None or not np.any(np.asarray(gradient)):
        raise CheckFailed("build_encoder: no gradient reaches 'conv1': the layers must be "
                          "connected from the input to the output.")  # fmt: skip


def check_build_encoder(build_encoder: Callable) -> None:
    """The table's encoder for 32 x 32 x 3 faces and 64-dimensional embeddings."""
    compare_build_encoder(build_encoder)
    total = sum(p for *_, p in encoder_layers())
    passed("build_encoder", f"every layer of the table by name, kind, shape and parameters "
           f"({total:,} in all); unit-length embeddings; a gradient reaches conv1.")  # fmt: skip
