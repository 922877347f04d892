"""The chapter 07 checks: they accept the instructor's solutions, and for the usual bugs they
fail with a message that names the cause. The references are checked too: the numpy losses
against cases worked by hand and TensorFlow's own losses, the loop miner against the batch the
notebook mines by hand, the ROC against a count by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from solution_harness import mutant

from helpers.checks import face_verification as checks
from helpers.checks.common import CheckFailed
from helpers.references import face_verification as references

CHAPTER = "07_face_verification"
GRADED = ["roc_curve_points", "choose_threshold", "triplet_loss", "cosine_triplet_loss",
          "contrastive_loss", "mine_triplets", "build_encoder", "verify", "who_is_it"]  # fmt: skip


# ------------------------------------------------------------- the solutions pass
@pytest.mark.parametrize("name", GRADED)
def test_visible_checks_accept_the_solutions(solved, name, capsys):
    assert getattr(checks, f"check_{name}")(solved[name]) is None
    assert capsys.readouterr().out.startswith(f"\N{CHECK MARK} {name}")


def test_hidden_cases_pass_with_the_solutions(solved):
    """The hidden tests' own seeds and counts, as in the notebook."""
    for case in checks.random_distance_cases(seed=2015, count=30):
        assert checks.compare_roc_curve_points(solved["roc_curve_points"], case) is None
    for case in checks.random_distance_cases(seed=2016, count=30):
        assert checks.compare_choose_threshold(solved["choose_threshold"], case) is None
    for case in checks.random_triplet_cases(seed=2017, count=20):
        assert checks.compare_triplet_loss(solved["triplet_loss"], case) is None
    for case in checks.random_triplet_cases(seed=2018, count=10, unit=True):
        assert checks.compare_triplet_loss(solved["triplet_loss"], case) is None
    for case in checks.random_triplet_cases(seed=2019, count=20):
        assert checks.compare_cosine_triplet_loss(solved["cosine_triplet_loss"], case) is None
    for case in checks.random_pair_cases(seed=2020, count=20):
        assert checks.compare_contrastive_loss(solved["contrastive_loss"], case) is None
    for case in checks.random_mining_cases(seed=2021, count=40):
        assert checks.compare_mine_triplets(solved["mine_triplets"], case) is None
    assert checks.compare_build_encoder(solved["build_encoder"], (48, 40, 3), 16) is None
    for case in checks.random_database_cases(seed=2022, count=10):
        assert checks.compare_verify(solved["verify"], case) is None
        assert checks.compare_who_is_it(solved["who_is_it"], case) is None


def test_random_cases_cover_what_the_hidden_tests_promise():
    distances = list(checks.random_distance_cases(seed=2015, count=30))
    assert any(len(np.unique(c.distances)) < len(c.distances) for c in distances)  # ties
    assert any(c.same.mean() < 0.2 for c in distances)  # unbalanced
    assert all(c.same.any() and (~c.same).any() for c in distances)
    triplets = list(checks.random_triplet_cases(seed=2017, count=20))
    losses = [references.triplet_loss_reference(c.anchor, c.positive, c.negative, c.alpha) for c in triplets]  # fmt: skip
    assert any(v == 0 for v in losses) and any(v > 0 for v in losses)
    assert {c.alpha for c in triplets} >= {0.0, 0.2, 1.0}
    mining = list(checks.random_mining_cases(seed=2021, count=40))
    assert {c.strategy for c in mining} == {"hardest", "semi-hard"}
    assert any(len(np.unique(c.labels)) == 1 for c in mining)  # no negative at all
    singles = [c for c in mining if min(np.unique(c.labels, return_counts=True)[1]) == 1]
    assert singles  # anchors without a positive
    semi = [c for c in mining if c.strategy == "semi-hard"]
    # both branches of the semi-hard rule occur: a farther negative exists, and none does
    fallback = 0
    for c in semi:
        x = c.embeddings.astype(np.float64)
        for a, p, n in checks.mined_by_loops(c.embeddings, c.labels, "semi-hard"):
            fallback += np.sum((x[a] - x[n]) ** 2) <= np.sum((x[a] - x[p]) ** 2)
    assert fallback > 0
    databases = list(checks.random_database_cases(seed=2023, count=10))
    answers = set()
    for case in databases:
        n = len(case.names)
        for q in range(n, len(case.table)):
            d = np.sum((case.table[:n] - case.table[q]) ** 2, axis=1)
            answers.add("unknown" if d.min() > case.threshold else "known")
    assert answers == {"unknown", "known"}


def test_cases_are_reproducible():
    first, second = (list(checks.random_distance_cases(seed=7, count=3)) for _ in range(2))
    assert all(np.array_equal(a.distances, b.distances) for a, b in zip(first, second, strict=True))


# ------------------------------------------------------------- the references themselves
def test_hand_cases_agree_with_the_reference_formulas():
    """The numbers the notebook works out by hand, from the papers' formulas in numpy."""
    h = checks.HAND_TRIPLET
    assert references.triplet_loss_reference(h["anchor"], h["positive"], h["negative"], 0.2) == pytest.approx(0.6)  # fmt: skip
    h = checks.HAND_COSINE
    assert references.cosine_triplet_loss_reference(h["anchor"], h["positive"], h["negative"], 0.2) == pytest.approx(0.6)  # fmt: skip
    h = checks.HAND_CONTRASTIVE
    assert references.contrastive_loss_reference(h["first"], h["second"], h["same"], 2.0) == pytest.approx(13.625 / 3)  # fmt: skip


def test_cosine_and_distance_losses_agree_on_unit_vectors():
    """||u - v||^2 = 2 - 2 cos(u, v) on unit vectors: the distance loss with margin alpha is twice
    the cosine loss with margin alpha / 2 (the identity the notebook states)."""
    for case in checks.random_triplet_cases(seed=3, count=10, unit=True):
        distance = references.triplet_loss_reference(case.anchor, case.positive, case.negative, 0.4)
        cosine = references.cosine_triplet_loss_reference(case.anchor, case.positive, case.negative, 0.2)  # fmt: skip
        assert distance == pytest.approx(2 * cosine, rel=1e-5, abs=1e-6)


def test_mining_by_loops_gives_the_triplets_worked_by_hand():
    """The notebook's table: five faces on a line, two identities."""
    h = checks.HAND_BATCH
    x, labels = np.array(h["embeddings"]), np.array(h["labels"])
    assert checks.mined_by_loops(x, labels, "hardest") == [(0, 1, 3), (1, 0, 4), (2, 1, 3), (3, 4, 2), (4, 3, 1)]  # fmt: skip
    assert checks.mined_by_loops(x, labels, "semi-hard") == [
        (0, 1, 4), (0, 2, 3), (1, 0, 3), (1, 2, 3), (2, 0, 4), (2, 1, 4), (3, 4, 0), (4, 3, 2)
    ]  # fmt: skip


def test_roc_reference_on_the_hand_case():
    """Distances 0.5 (different), 0.2 (same), 0.9 (different), 0.5 (same): the table of the
    notebook, thresholds -inf, 0.2, 0.5, 0.9."""
    c = checks.HAND_DISTANCES
    fpr, tpr, thresholds = references.roc_points_reference(c.distances, c.same)
    assert thresholds.tolist() == [-math.inf, 0.2, 0.5, 0.9]
    assert tpr.tolist() == [0, 0.5, 1, 1] and fpr.tolist() == [0, 0, 0.5, 1]
    assert references.best_threshold(c.distances, c.same) == (0.2, 0.75)


def test_known_encoder_asks_for_a_batch():
    encoder = checks.KnownEncoder(np.eye(3))
    assert encoder.predict(np.full((1, 4, 4, 3), 2.0)).tolist() == [[0, 0, 1]]
    with pytest.raises(CheckFailed, match="image\\[np.newaxis\\]"):
        encoder.predict(np.full((4, 4, 3), 2.0))


# ------------------------------------------------------------- planted bugs are caught
# choose_threshold keeping the threshold of the largest tpr - fpr instead of the best accuracy.
CHOOSE_BY_YOUDEN = (
    "best = int(np.argmax(right))",
    "accepted = distances[None, :] <= thresholds[:, None]\n"
    "    best = int(np.argmax(accepted[:, same].mean(axis=1) - accepted[:, ~same].mean(axis=1)))",
)
# The common wrong answers of every graded function, each planted in the solutions; the
# visible check must name the cause (the hints of helpers/checks/face_verification.py).
BUGS = [
    ("triplet_loss", ("tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "tf.reduce_sum(tf.maximum(d_ap - d_an + alpha, 0.0))"), "sum over the two triplets"),
    ("triplet_loss", ("tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "tf.reduce_mean(d_ap - d_an + alpha)"), "Without the hinge"),
    ("triplet_loss", ("d_ap - d_an + alpha", "d_an - d_ap + alpha"), "swapped"),
    ("triplet_loss", ("tf.reduce_sum(tf.square(anchor - positive), axis=-1)", "tf.norm(anchor - positive, axis=-1)"), "plain distances"),
    ("triplet_loss", ("loss = tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "loss = tf.maximum(d_ap - d_an + alpha, 0.0)"), "one loss per triplet"),
    ("triplet_loss", ("tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "tf.maximum(tf.reduce_mean(d_ap - d_an + alpha), 0.0)"), r"should be 0\.6; yours is 0\. The triplets were mixed before the hinge"),
    ("triplet_loss", ("tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "tf.maximum(tf.reduce_sum(d_ap - d_an + alpha), 0.0)"), "mixed before the hinge"),
    ("triplet_loss", ("tf.square(anchor - positive), axis=-1)", "tf.square(anchor - positive))"), ("tf.square(anchor - negative), axis=-1)", "tf.square(anchor - negative))"), r"tf\.reduce_sum without axis=-1"),
    ("triplet_loss", ("d_ap - d_an + alpha", "d_ap - d_an - alpha"), r"yours is 0\.4\. The margin is subtracted"),
    ("triplet_loss", ("loss = tf.reduce_mean(tf.maximum(d_ap - d_an + alpha, 0.0))", "loss = float(np.mean(np.maximum(np.asarray(d_ap - d_an) + alpha, 0.0)))"), "cannot differentiate"),
    ("cosine_triplet_loss", ("cos_an - cos_ap + alpha", "cos_ap - cos_an + alpha"), "sign is the wrong way"),
    ("cosine_triplet_loss", ("cos_an - cos_ap + alpha", "cos_an - cos_ap - alpha"), "margin is subtracted"),
    ("cosine_triplet_loss", ("tf.reduce_mean(tf.maximum(cos_an - cos_ap + alpha, 0.0))", "tf.maximum(tf.reduce_mean(cos_an - cos_ap + alpha), 0.0)"), r"applied once, to the batch's mean"),
    ("cosine_triplet_loss", ("(anchor, axis=-1)", "(anchor)"), ("(positive, axis=-1)", "(positive)"), ("(negative, axis=-1)", "(negative)"), r"one norm for the whole batch \(tf\.math\.l2_normalize without axis=-1\)"),
    ("cosine_triplet_loss", ("a = tf.math.l2_normalize(anchor, axis=-1)\n    p = tf.math.l2_normalize(positive, axis=-1)\n    n = tf.math.l2_normalize(negative, axis=-1)", "a, p, n = anchor, positive, negative"), "not of unit length"),
    ("contrastive_loss", ("same * 0.5 * tf.square(D) + (1.0 - same)", "(1.0 - same) * 0.5 * tf.square(D) + same"), "swapped"),
    ("contrastive_loss", ("tf.maximum(margin - D, 0.0)", "tf.maximum(margin - tf.square(D), 0.0)"), "squared distance"),
    ("contrastive_loss", ("tf.square(tf.maximum(margin - D, 0.0))", "tf.maximum(margin - D, 0.0)"), r"max\(0, margin - D\) is not squared"),
    ("contrastive_loss", ("same * 0.5 * tf.square(D)", "same * 0.5 * D"), r"pays D / 2; .* D\^2 / 2"),
    ("contrastive_loss", ("same * 0.5 * tf.square(D) + (1.0 - same) * 0.5 *", "same * tf.square(D) + (1.0 - same) *"), "factor 1/2"),
    ("mine_triplets", ("positive = same & ~np.eye(len(labels), dtype=bool)", "positive = same"), "expected"),
    ("mine_triplets", ("np.argmin(np.where(negative, D, np.inf), axis=1)", "np.argmax(np.where(negative, D, -np.inf), axis=1)"), "the hardest negative the closest image"),
    ("mine_triplets", ("usable = positive.any(axis=1) & negative.any(axis=1)", "usable = positive.any(axis=1)"), "left out"),
    ("mine_triplets", ("rows > D[anchors, positives][:, None]", "rows < D[anchors, positives][:, None]"), "semi-hard negative is the closest negative that is farther"),
    ("mine_triplets", ("negatives = np.where(farther.any(axis=1), closest_farther, farthest)", "negatives = closest_farther"), "farthest negative when there is none"),
    ("roc_curve_points", ("thresholds = np.r_[-np.inf, np.unique(distances)]", "thresholds = np.unique(distances)"), "-inf first"),
    ("roc_curve_points", ("thresholds = np.r_[-np.inf, np.unique(distances)]\n    accepted", "thresholds = np.r_[-np.inf, np.sort(distances)]\n    accepted"), "tied distances share one threshold"),
    ("roc_curve_points", ("accepted = distances[None, :] <= thresholds[:, None]", "accepted = distances[None, :] < thresholds[:, None]"), r"tpr differs .*you have \[0\.0, 0\.0, 0\.5, 1\.0\], it gives \[0\.0, 0\.5, 1\.0, 1\.0\]\. A pair counts as accepted when its distance is <= the threshold; yours uses <"),
    ("roc_curve_points", ("return fpr, tpr, thresholds", "return tpr, fpr, thresholds"), r"tpr differs .*The tpr and fpr are swapped"),
    ("roc_curve_points", ("tpr = accepted[:, same].mean(axis=1)", "tpr = accepted[:, same].sum(axis=1) / len(same)"), r"tpr differs .*divided by the number of all pairs \(4\)"),
    ("choose_threshold", ("best = int(np.argmax(right))", "best = len(right) - 1 - int(np.argmax(right[::-1]))"), "the smallest one"),
    ("choose_threshold", ("thresholds = np.r_[-np.inf, np.unique(distances)]", "thresholds = np.r_[-np.inf, np.unique(distances)[::2]]"), "Try every distinct"),
    ("choose_threshold", ("float(right[best] / len(same))", "float(right[best])"), r"you report accuracy 3\.0000 .*That is the number of pairs right"),
    ("choose_threshold", ("right = ((distances[None, :] <= thresholds", "right = ((distances[None, :] < thresholds"), r"the smallest one, 0\.2 .*if you accept a pair when its distance is < the threshold, use <="),
    ("choose_threshold", CHOOSE_BY_YOUDEN, r"maximised tpr - fpr \(Youden's J\)|maximises tpr - fpr \(Youden's J"),
    ("build_encoder", ('outputs = layers.UnitNormalization(axis=-1, name="l2_normalise")(x)', 'outputs = layers.Activation("linear", name="l2_normalise")(x)'), "length 1"),
    ("build_encoder", ("(16, 32, 64, 128)", "(16, 32, 64, 64)"), "layer 'conv4' outputs shape"),
    ("build_encoder", ('name=f"bn{k}"', 'name=f"batchnorm{k}"'), "no layer named 'bn1'"),
    ("build_encoder", ("if k < 4:", "if k < 5:"), "'pool4' is not in the table"),
    ("build_encoder", ('x = layers.BatchNormalization(name=f"bn{k}")(x)\n        x = layers.ReLU(name=f"relu{k}")(x)', 'x = layers.ReLU(name=f"relu{k}")(x)\n        x = layers.BatchNormalization(name=f"bn{k}")(x)'), "layer 'bn1' takes its input from 'relu1'; in the table it follows 'conv1'"),
    ("build_encoder", ('layers.Dense(embedding_size, name="embedding")', 'layers.Dense(embedding_size, activation="relu", name="embedding")'), "layer 'embedding' has activation='relu'; in the table it has none"),
    ("build_encoder", ('padding="same", name=f"conv{k}"', 'padding="same", use_bias=False, name=f"conv{k}"'), r"'conv1' has 432 parameters; expected 448 .* The 16 biases are missing"),
    ("verify", ("distance = float(np.sum((embedding - database[identity]) ** 2))", "distance = float(np.linalg.norm(embedding - database[identity]))"), "plain distance"),
    ("verify", ("same = distance <= threshold", "same = distance >= threshold"), "<= the threshold"),
    ("verify", ("encoder.predict(image[np.newaxis], verbose=0))[0]\n    distance = float(np.sum((embedding - database[identity])", "encoder.predict(image, verbose=0))[0]\n    distance = float(np.sum((embedding - database[identity])"), "Add a batch axis"),
    ("who_is_it", ('    if distance > threshold:\n        name = "unknown"\n', ""), "even the closest person is farther"),
    ("who_is_it", ("if d < distance:", "if d > distance or name is None:"), "closest person"),
]  # fmt: skip


@pytest.mark.parametrize("bug", BUGS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BUGS)])
def test_visible_checks_reject_planted_bugs(bug):
    """Each entry: (function, one or more (old, new) replacements that plant the bug, what the
    message must say: the likely cause, not only that something differs)."""
    name, *replacements, message = bug
    broken = mutant(CHAPTER, name, *replacements)
    with pytest.raises(CheckFailed, match=message):
        getattr(checks, f"check_{name}")(broken[name])


def test_a_threshold_that_maximises_youdens_j_is_named():
    """Same pairs at 0.2 and 0.6, different ones at 0.4, 0.5, 0.7, 0.8, 0.9. Accuracy: 0.2 gets
    6 of 7 right (one same pair accepted, every different pair rejected), 0.6 gets 5 of 7.
    tpr - fpr: 1/2 - 0 at 0.2, 1 - 2/5 = 0.6 at 0.6, the largest: J picks 0.6."""
    broken = mutant(CHAPTER, "choose_threshold", CHOOSE_BY_YOUDEN)
    case = checks.DistanceCase(np.array([0.2, 0.6, 0.4, 0.5, 0.7, 0.8, 0.9]), np.arange(7) < 2)
    with pytest.raises(CheckFailed, match=r"threshold 0\.6 gets 0\.7143 .* but 0\.2 gets 0\.8571 .*That threshold maximises tpr - fpr"):  # fmt: skip
        checks.compare_choose_threshold(broken["choose_threshold"], case)


def test_unwritten_function_says_so():
    broken = mutant(CHAPTER, "triplet_loss", ("    ### BEGIN SOLUTION\n", "    raise NotImplementedError()\n    ### BEGIN SOLUTION\n"))  # fmt: skip
    with pytest.raises(CheckFailed, match="not written yet"):
        checks.check_triplet_loss(broken["triplet_loss"])


# ------------------------------------------------------------ the shipped trained weights
def test_pretrained_weights_match_their_checksum_and_the_architecture(solved):
    """data/face_verification_encoder.npz is what its checksum says, and holds exactly the
    weights (names and shapes) of the chapter's build_encoder, built from the solutions."""
    from helpers import weights

    path = references.PRETRAINED
    assert path.stat().st_size <= 10 * 2**20
    recorded = weights.checksum_path(path).read_text().split()
    assert recorded == [weights.file_sha256(path), path.name]
    encoder = solved["build_encoder"]()
    with np.load(path) as stored:
        shapes = {key: stored[key].shape for key in stored.files}
    assert shapes == {weight.path: tuple(weight.shape) for weight in encoder.weights}
    references.load_pretrained(encoder)
    with np.load(path) as stored:
        assert np.array_equal(encoder.get_layer("embedding").kernel.numpy(), stored["embedding/kernel"])  # fmt: skip


@pytest.mark.slow
def test_pretraining_repeats_exactly(tmp_path):
    """Seeds and deterministic ops: two runs write the same bytes (a tiny run, same code path)."""
    from helpers.grading.pretrain import PRETRAINERS

    pretrain = PRETRAINERS[CHAPTER]
    first = pretrain(tmp_path / "a.npz", images=4, epochs=2)
    second = pretrain(tmp_path / "b.npz", images=4, epochs=2)
    assert first["sha256"] == second["sha256"]
    assert first["summary"].startswith(f"{CHAPTER} encoder: 2 steps on 4 renderings")
