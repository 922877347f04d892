"""The chapter 07 reference: the ROC threshold (on sklearn's roc_curve) against a brute-force
sweep and cases worked by hand, and the raw-pixel baseline on a small subset."""

import math

import numpy as np
import pytest

from helpers.datasets import cache
from helpers.references import face_verification as reference


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))


def brute_force_best(distances, same):
    """Try every candidate threshold in turn and count the pairs each one gets right.

    The candidates are -inf (no pair called "same") and every distance that occurs; any other
    threshold calls the same pairs "same" as one of these. A later candidate must do strictly
    better to win, so among equal accuracies the smallest threshold is kept.
    """
    candidates = [-math.inf] + sorted(set(distances.tolist()))
    best_threshold, best_correct = None, -1
    for threshold in candidates:
        correct = 0
        for distance, is_same in zip(distances, same, strict=True):
            called_same = distance <= threshold
            if called_same == is_same:
                correct += 1
        if correct > best_correct:
            best_threshold, best_correct = threshold, correct
    return best_threshold, best_correct / len(distances)


def random_pairs(kind, seed):
    """Distances ``(P,)`` and ground truth ``(P,)`` for one random case of a kind."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 80))
    same = rng.random(n) < 0.5
    same[:2] = [True, False]  # both classes, always
    if kind == "ties":  # whole numbers 0..4: most distances are shared by several pairs
        distances = rng.integers(0, 5, n).astype(np.float64)
    elif kind == "unbalanced":  # one same pair in ten
        same = rng.random(n) < 0.1
        same[:2] = [True, False]
        distances = rng.normal(size=n) + np.where(same, -1.0, 0.0)
    else:  # float32 like real pair distances, same pairs a little closer
        distances = (rng.random(n) + np.where(same, 0.0, 0.3)).astype(np.float32)
    return distances, same


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", ["continuous", "ties", "unbalanced"])
def test_best_threshold_matches_a_brute_force_sweep(kind, seed):
    distances, same = random_pairs(kind, seed)
    threshold, accuracy = reference.best_threshold(distances, same)
    assert (threshold, accuracy) == brute_force_best(distances, same)
    # The accuracy is the one the threshold gets, counted directly.
    assert accuracy == np.mean((distances <= threshold) == same)


def test_best_threshold_hand_case():
    # Called "same" when d <= 2: pairs with d = 1 and 2 (both same) and d = 3, 4 (both
    # different) are all right, 4 of 4.
    threshold, accuracy = reference.best_threshold(
        np.array([4.0, 1.0, 3.0, 2.0]), np.array([False, True, False, True])
    )
    assert threshold == 2.0 and accuracy == 1.0


def test_tied_distances_are_called_together():
    # Two pairs at distance 1, one same and one different: no threshold separates them.
    # d <= -inf: right on the 2 different pairs, 2 of 4 = 0.5.
    # d <= 1: pairs 1 and 2 called same (1 right), pair 3 (same, d = 2) wrong, pair 4 right: 0.5.
    # d <= 2: pairs 1, 2, 3 called same (2 right), pair 4 right: 3 of 4 = 0.75.
    # d <= 3: all called same, 2 right: 0.5.
    # (A sweep that splits the tie would claim 0.75 at d <= 1, which no threshold gets.)
    distances = np.array([1.0, 1.0, 2.0, 3.0])
    same = np.array([True, False, True, False])
    assert reference.best_threshold(distances, same) == (2.0, 0.75)


def test_calling_every_pair_different_can_be_best():
    # d <= -inf: pair 1 (different) right, 1 of 2. d <= 1: both wrong, 0. d <= 2: pair 2 right,
    # 1 of 2. The first threshold that reaches 0.5, -inf, is kept.
    assert reference.best_threshold(np.array([1.0, 2.0]), np.array([False, True])) == (
        -math.inf,
        0.5,
    )


def test_one_kind_of_pair_only_is_refused():
    with pytest.raises(ValueError, match="both kinds of pairs; got 3 same and 0 different"):
        reference.best_threshold(np.array([1.0, 2.0, 3.0]), np.array([True, True, True]))
    with pytest.raises(ValueError, match="1-D of the same length"):
        reference.best_threshold(np.array([1.0, 2.0]), np.array([True]))


def test_raw_pixels_verify_poorly():
    result = reference.raw_pixel_baseline(renderings_per_identity=4, n_pairs=400, n_identities=30)
    assert 0.45 < result["verification_accuracy"] < 0.75
    assert result["nn_identification_accuracy"] < 0.35
    assert result["chance_identification"] == pytest.approx(1 / 30)
