"""Checks for chapter 08: the costs of neural style transfer, and the step that optimises pixels.

Every cost is compared with two things that share no code with the learner's:

1. **a case worked by hand** in the notebook's text (the Gram matrix, the costs and the total of
   a 2 x 2 x 2 feature map, written out below with their arithmetic);
2. **the paper's formula read literally**: Gatys, Ecker & Bethge (2015), equations 1 to 5, as
   ``numpy.einsum`` over the paper's indices, in float64
   (:mod:`helpers.references.style_transfer`), on random feature maps of every shape (the
   hidden tests); and the derivatives TensorFlow computes through the learner's code against
   the paper's equations 2 and 6, which shows the cost is differentiable.

When a cost is off by a constant factor the message names the normalisation that gives that
factor (the ones you will often see in other implementations).

``train_step`` is checked on a small random case without VGG: after one step of plain gradient
descent (SGD) the image must equal ``clip(x - lr * grad, 0, 1)``, with the gradient estimated by
centred differences (:mod:`helpers.gradients`), the returned costs must be those before the
step, and twenty Adam steps must lower the cost.

Every ``check_*`` and ``compare_*`` returns None: nbgrader reads the value of a test cell's
last line as partial credit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from helpers.checks.common import CheckFailed, call_learner, expect_close, expect_shape, passed
from helpers.checks.common import exercise_summary as exercise_summary  # the summary cell
from helpers.gradients import numerical_gradient
from helpers.references.style_transfer import (
    paper_content_cost,
    paper_content_gradient,
    paper_gram,
    paper_layer_style_cost,
    paper_layer_style_gradient,
    paper_style_cost,
)

RTOL = 1e-4  # the learner works in float32; the paper's formulas are evaluated in float64

# ----------------------------------------------------------------- the case worked by hand
# One 2 x 2 feature map with 2 channels (N = 2 filters, M = 4 positions), read position by
# position (row by row): channel 0 is 1, 2, 0, 1 and channel 1 is 0, 1, 3, 1.
HAND_FEATURES = np.array([[[[1, 0], [2, 1]], [[0, 3], [1, 1]]]], dtype=np.float32)
# G_00 = 1 + 4 + 0 + 1 = 6, G_01 = 1*0 + 2*1 + 0*3 + 1*1 = 3, G_11 = 0 + 1 + 9 + 1 = 11.
HAND_GRAM = np.array([[6, 3], [3, 11]], dtype=np.float64)
# Content cost against P = 0: 1/2 (sum of squares) = 1/2 (6 + 11) = 8.5.
HAND_CONTENT = np.zeros_like(HAND_FEATURES)
HAND_CONTENT_COST = 8.5
# Style: A = [[4, 3], [3, 9]], so G - A = [[2, 0], [0, 2]], sum of squares 8;
# E = 8 / (4 N^2 M^2) = 8 / (4 * 4 * 16) = 1 / 32.
HAND_STYLE_GRAM = np.array([[4, 3], [3, 9]], dtype=np.float32)
HAND_LAYER_STYLE_COST = 1 / 32
# A second layer: 1 x 2 positions, 1 channel, features 1 and 2: G = 1 + 4 = 5, A = 3,
# E = (5 - 3)^2 / (4 * 1 * 2^2) = 4 / 16 = 1/4.
HAND_FEATURES_2 = np.array([[[[1], [2]]]], dtype=np.float32)
HAND_STYLE_GRAM_2 = np.array([[3]], dtype=np.float32)
# With w = (1/4, 3/4): L_style = 1/4 * 1/32 + 3/4 * 1/4 = 1/128 + 24/128 = 25/128 = 0.1953125.
HAND_WEIGHTS = (0.25, 0.75)
HAND_STYLE_COST = 25 / 128
# alpha = 10, beta = 40: 10 * 8.5 + 40 * 25/128 = 85 + 7.8125 = 92.8125.
HAND_ALPHA, HAND_BETA, HAND_TOTAL = 10.0, 40.0, 92.8125


# --------------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class FeatureCase:
    """Random post-ReLU feature maps of one layer: shape ``(1, n_H, n_W, n_C)``, from ``seed``."""

    shape: tuple[int, int, int, int]
    seed: int

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(generated features, content features, style Gram matrix), float32.

        The features are ReLU outputs (about a third are 0); the style Gram matrix is the Gram
        matrix of a third random map of the same number of channels and another size, so it is
        symmetric and positive semi-definite, as a real one.
        """
        rng = np.random.default_rng(self.seed)
        generated = np.maximum(rng.normal(0.3, 1.0, self.shape), 0).astype(np.float32)
        content = np.maximum(rng.normal(0.3, 1.0, self.shape), 0).astype(np.float32)
        n_C = self.shape[-1]
        style = np.maximum(rng.normal(0.3, 1.0, (1, int(rng.integers(1, 8)), 3, n_C)), 0)
        return generated, content, paper_gram(style).astype(np.float32)

    def describe(self) -> str:
        return f"features of shape {self.shape}"


def random_feature_cases(seed: int, count: int) -> Iterator[FeatureCase]:
    """Feature maps of shape (1, n_H, n_W, n_C): n_H and n_W in 1..9 (often different), n_C
    in 1..12."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        shape = (1, int(rng.integers(1, 10)), int(rng.integers(1, 10)), int(rng.integers(1, 13)))
        yield FeatureCase(shape=shape, seed=int(rng.integers(1 << 30)))


@dataclass(frozen=True)
class StyleCase:
    """Several layers at once: ``shapes`` of the generated features, ``weights`` w_l, seed."""

    shapes: tuple[tuple[int, int, int, int], ...]
    weights: tuple[float, ...]
    seed: int

    def arrays(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(style Gram matrices, generated features), one of each per layer, float32."""
        grams, features = [], []
        for index, shape in enumerate(self.shapes):
            generated, _, gram = FeatureCase(shape, self.seed + index).arrays()
            grams.append(gram)
            features.append(generated)
        return grams, features

    def describe(self) -> str:
        return (
            f"{len(self.shapes)} layers of shapes {list(self.shapes)}, weights {list(self.weights)}"
        )


def random_style_cases(seed: int, count: int) -> Iterator[StyleCase]:
    """1 to 5 layers, each (1, n_H, n_W, n_C) as in random_feature_cases, weights in 0..1
    (not summing to 1, so that a mean in place of the weighted sum shows)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        layers = int(rng.integers(1, 6))
        shapes = tuple(
            (1, int(rng.integers(1, 10)), int(rng.integers(1, 10)), int(rng.integers(1, 13)))
            for _ in range(layers)
        )
        weights = tuple(round(float(w), 3) for w in rng.uniform(0.05, 1.0, layers))
        yield StyleCase(shapes=shapes, weights=weights, seed=int(rng.integers(1 << 30)))


# ---------------------------------------------------------------------------- helpers
def _tf():
    import tensorflow as tf

    return tf


def _scalar(name: str, value, case: str) -> float:
    """A learner's cost as a float; fail unless it is one number."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(
            f"{name} should return one number (a scalar tensor); on {case} it returned "
            f"{type(value).__name__}. Did you forget a `return`?"
        ) from None
    if array.size != 1:
        raise CheckFailed(
            f"{name} should return one number; on {case} it returned an array of shape "
            f"{array.shape}. Sum over every axis (tf.reduce_sum with no axis)."
        )
    if array.shape != ():
        raise CheckFailed(
            f"{name} should return a scalar (shape ()); on {case} it returned shape "
            f"{array.shape}. Leave out keepdims, or index the single value."
        )
    return float(array)


def _factor_hint(got: float, expected: float, factors: dict[str, float]) -> str:
    """Name the normalisations whose factor explains got / expected, if any."""
    if expected == 0 or not np.isfinite(got):
        return ""
    ratio = got / expected
    named = [label for label, factor in factors.items() if np.isclose(ratio, factor, rtol=1e-3)]
    if not named:
        return f" Yours is {ratio:.4g} times the paper's value."
    return f" Yours is {ratio:.4g} times the paper's value: {' or '.join(named)}."


def _expect_value(name: str, got: float, expected: float, case: str, factors: dict) -> None:
    if not np.isclose(got, expected, rtol=RTOL, atol=1e-6):
        raise CheckFailed(
            f"{name} on {case}: expected {expected:.7g} (Gatys et al. 2015's formula), got "
            f"{got:.7g}.{_factor_hint(got, expected, factors)}"
        )


def _gradient(fn: Callable, args: list, wrt: int):
    """Value of fn(*args) and its gradient with respect to args[wrt], through TensorFlow."""
    tf = _tf()
    tensors = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]
    with tf.GradientTape() as tape:
        tape.watch(tensors[wrt])
        value = fn(*tensors)
    if not tf.is_tensor(value):  # a numpy result: TensorFlow recorded nothing to differentiate
        return value, None
    return value, tape.gradient(value, tensors[wrt])


def _expect_gradient(name: str, grad, expected: np.ndarray, case: str, equation: str) -> None:
    if grad is None:
        raise CheckFailed(
            f"{name}: TensorFlow cannot differentiate your cost with respect to the generated "
            f"features ({case}). Use TensorFlow operations only (tf.reduce_sum, tf.square, "
            "tf.matmul, tf.reshape): a numpy call or .numpy() cuts the gradient, and style "
            "transfer optimises the pixels through this gradient."
        )
    expect_close(
        name,
        np.asarray(grad),
        expected,
        what="the derivative with respect to the generated features",
        reference=f"the paper's {equation}",
        case=case,
        rtol=RTOL,
        atol=1e-6,
    )


# ------------------------------------------------------------------------- gram_matrix
def _gram_factors(shape) -> dict[str, float]:
    n_C, M = shape[-1], shape[1] * shape[2]
    return {
        f"divided by M = n_H * n_W = {M}, the number of positions": 1 / M,
        f"divided by N * M = {n_C * M}": 1 / (n_C * M),
    }


def _compare_gram(gram_matrix: Callable, features: np.ndarray, what: str, reference: str) -> None:
    tf = _tf()
    got = call_learner(gram_matrix, tf.constant(features), name="gram_matrix", case=what)
    got = np.asarray(got, dtype=np.float64)
    n_C, M = features.shape[-1], features.shape[1] * features.shape[2]
    hint = None
    if got.shape == (M, M) and M != n_C:
        hint = (
            "That is one row and column per position (F F^T with F of shape (M, N)); the Gram "
            "matrix compares channels: F^T F, one row and column per channel."
        )
    expect_shape("gram_matrix", got, (n_C, n_C), what=f"the Gram matrix of {what}", hint=hint)
    expected = paper_gram(features)
    named = [
        label
        for label, f in _gram_factors(features.shape).items()
        if not np.allclose(got, expected, rtol=RTOL, atol=1e-5)
        and np.allclose(got, f * expected, rtol=RTOL, atol=1e-6)
    ]
    if named:
        raise CheckFailed(
            f"gram_matrix on {what}: your matrix is the paper's {' or '.join(named)}. Gatys et "
            "al. (2015, eq. 3) do not normalise the Gram matrix: G_ij = sum_k F_ik F_jk. The "
            "normalisation comes once, in E_l."
        )
    # Reshaping (1, n_H, n_W, n_C) straight to (n_C, n_H n_W) keeps the memory order, so each
    # "channel row" holds values of every channel: a matrix of the right shape, wrongly filled.
    scrambled = features.astype(np.float64).reshape(n_C, M)
    causes = [(
        "The features were reshaped straight to (n_C, n_H * n_W): a reshape keeps the memory "
        "order, in which the channel varies fastest, so each row mixes all the channels. "
        "Reshape to (n_H * n_W, n_C), one row per position, then G = X^T X (or transpose "
        "before reshaping).",
        lambda: scrambled @ scrambled.T,
    )]  # fmt: skip
    expect_close("gram_matrix", got, expected, what="the Gram matrix", reference=reference,
                 case=what, causes=causes)  # fmt: skip


def compare_gram_matrix(gram_matrix: Callable, case: FeatureCase) -> None:
    """The learner's Gram matrix against eq. 3 as an einsum, on one case."""
    features, _, _ = case.arrays()
    _compare_gram(gram_matrix, features, case.describe(), "eq. 3 (einsum)")


def check_gram_matrix(gram_matrix: Callable) -> None:
    """Visible check: the case worked by hand, then a non-square one."""
    _compare_gram(gram_matrix, HAND_FEATURES, "the worked example", "the hand computation [[6, 3], [3, 11]]")  # fmt: skip
    compare_gram_matrix(gram_matrix, FeatureCase(shape=(1, 3, 5, 4), seed=8))
    passed("gram_matrix", "the worked example [[6, 3], [3, 11]] and a 3 x 5 x 4 map match eq. 3.")


# ------------------------------------------------------- content_cost, layer_style_cost
def _content_factors(shape, expected: float) -> dict[str, float]:
    """The usual wrong versions of eq. 1, as {what the learner did: wrong / right}.

    Args:
        shape: the features' shape (1, n_H, n_W, n_C).
        expected: the right cost 1/2 S, S the sum of squares (for the norm, sqrt(S)).
    """
    n = int(np.prod(shape))
    half_norm = 0.5 * np.sqrt(2 * expected) / expected if expected > 0 else np.nan
    return {
        "the 1/2 is missing": 2.0,
        f"you divided by 4 n_H n_W n_C = {4 * n} instead of multiplying by 1/2 (a common "
        "variant, not the paper's)": 1 / (2 * n),
        f"you took the mean of the squares (divided by n_H n_W n_C = {n}) without the 1/2": 2 / n,
        f"you took 1/2 of the mean (divided by n_H n_W n_C = {n})": 1 / n,
        "you took 1/2 of the Euclidean norm of F - P (tf.norm), not of its square: sum the "
        "squares (tf.reduce_sum(tf.square(...)))": half_norm,
    }


def _style_factors(shape, expected: float) -> dict[str, float]:
    """The usual wrong normalisations of eq. 4, as {what the learner did: wrong / right}.

    Args:
        shape: the generated features' shape (1, n_H, n_W, n_C): N = n_C, M = n_H n_W.
        expected: the right E_l (unused: every wrong version here is a constant factor).
    """
    N, M = shape[-1], shape[1] * shape[2]
    return {
        "the 4 is missing": 4.0,
        f"you divided by 4 N M = {4 * N * M} instead of 4 N^2 M^2": N * M,
        f"you divided by 4 N^2 M = {4 * N * N * M} (M is not squared)": M,
        f"you divided by 4 N M^2 = {4 * N * M * M} (N is not squared)": N,
        f"you took the mean over the N^2 = {N * N} entries": 4 * M * M,
        f"the Gram matrices were also divided by M = {M}, so M is divided out twice": 1 / M**2,
        f"the Gram matrices were also divided by N M = {N * M}": 1 / (N * M) ** 2,
    }


# The two costs of one layer's features F: against the content features P (eqs. 1 and 2) and
# against the style Gram matrix A (eqs. 4 and 6). Each: (cost, its derivative with respect to
# F, the derivative's equation, the usual wrong normalisations).
_LAYER_COSTS = {
    "content_cost": (paper_content_cost, paper_content_gradient, "eq. 2 (F - P)", _content_factors),
    "layer_style_cost": (paper_layer_style_cost, paper_layer_style_gradient, "eq. 6", _style_factors),
}  # fmt: skip


def _compare_layer_cost(name: str, fn: Callable, target: np.ndarray, generated: np.ndarray,
                        what: str) -> None:  # fmt: skip
    """The learner's ``name`` (a key of _LAYER_COSTS) and its derivative against the paper's.

    Args:
        name: "content_cost" or "layer_style_cost".
        fn: the learner's function, called as fn(target, generated).
        target: P (1, n_H, n_W, n_C) for the content cost, A (n_C, n_C) for the style cost.
        generated: F (1, n_H, n_W, n_C), the generated image's features.
        what: the case, for messages.
    """
    cost, derivative, equation, factors = _LAYER_COSTS[name]
    value, grad = _gradient(
        lambda T, F: call_learner(fn, T, F, name=name, case=what), [target, generated], wrt=1
    )
    got = _scalar(name, value, what)
    expected = cost(target, generated)
    _expect_value(name, got, expected, what, factors(generated.shape, expected))
    _expect_gradient(name, grad, derivative(target, generated), what, equation)


def _check_layer_cost(name: str, fn: Callable, target: np.ndarray, expected: float, what: str,
                      compare: Callable, case: FeatureCase) -> None:  # fmt: skip
    """The case worked by hand (the features HAND_FEATURES against ``target``, cost
    ``expected``, described as ``what``), then ``compare(fn, case)`` on a random case."""
    tf = _tf()
    value = call_learner(fn, tf.constant(target), tf.constant(HAND_FEATURES), name=name, case=what)
    got = _scalar(name, value, what)
    factors = _LAYER_COSTS[name][3](HAND_FEATURES.shape, expected)
    _expect_value(name, got, expected, what, factors)
    compare(fn, case)


def compare_content_cost(content_cost: Callable, case: FeatureCase) -> None:
    """The learner's content cost and its derivative against eqs. 1 and 2, on one case."""
    generated, content, _ = case.arrays()
    _compare_layer_cost("content_cost", content_cost, content, generated, case.describe())


def check_content_cost(content_cost: Callable) -> None:
    """Visible check: the case worked by hand, then a random 4 x 3 x 5 case with its gradient."""
    _check_layer_cost("content_cost", content_cost, HAND_CONTENT, HAND_CONTENT_COST,
                      "the worked example (P = 0)", compare_content_cost, FeatureCase((1, 4, 3, 5), seed=11))  # fmt: skip
    passed("content_cost", "the worked example gives 8.5, and a 4 x 3 x 5 map matches eq. 1 and its derivative eq. 2.")  # fmt: skip


def compare_layer_style_cost(layer_style_cost: Callable, case: FeatureCase) -> None:
    """The learner's E_l and its derivative against eqs. 4 and 6, on one case."""
    generated, _, gram = case.arrays()
    _compare_layer_cost("layer_style_cost", layer_style_cost, gram, generated, case.describe())


def check_layer_style_cost(layer_style_cost: Callable) -> None:
    """Visible check: the case worked by hand, then a random 5 x 2 x 3 case with its gradient."""
    _check_layer_cost("layer_style_cost", layer_style_cost, HAND_STYLE_GRAM, HAND_LAYER_STYLE_COST,
                      "the worked example (A = [[4, 3], [3, 9]])", compare_layer_style_cost,
                      FeatureCase((1, 5, 2, 3), seed=12))  # fmt: skip
    passed("layer_style_cost", "the worked example gives 1/32, and a 5 x 2 x 3 map matches eq. 4 and its derivative eq. 6.")  # fmt: skip


# -------------------------------------------------------------------------- style_cost
def _compare_style(style_cost: Callable, grams: list, features: list, weights, what: str) -> None:
    tf = _tf()
    value = call_learner(
        style_cost,
        [tf.constant(a) for a in grams],
        [tf.constant(f) for f in features],
        list(weights),
        name="style_cost",
        case=what,
    )
    got = _scalar("style_cost", value, what)
    expected = paper_style_cost(grams, features, weights)
    if np.isclose(got, expected, rtol=RTOL, atol=1e-6):
        return
    costs = [paper_layer_style_cost(a, f) for a, f in zip(grams, features, strict=True)]
    variants = {
        "the sum of the E_l without their weights w_l": sum(costs),
        "the mean of the E_l without their weights": float(np.mean(costs)),
        "the weighted sum divided by the number of layers": expected / len(costs),
        "the weighted sum divided by the sum of the weights": expected / sum(weights),
        "the first layer's weighted cost only (a `return` inside the loop?)": weights[0] * costs[0],
    }
    named = [label for label, v in variants.items() if np.isclose(got, v, rtol=RTOL, atol=1e-7)]
    cause = f" You computed {' or '.join(named)}." if named else ""
    raise CheckFailed(
        f"style_cost on {what}: expected sum_l w_l E_l = {expected:.7g} (eq. 5), got {got:.7g}."
        f"{cause} Each layer's E_l (layer_style_cost) is multiplied by its own weight, then the "
        "products are added; if layer_style_cost passed its check, look at how you combine them."
    )


def compare_style_cost(style_cost: Callable, case: StyleCase) -> None:
    """The learner's weighted sum over layers against eq. 5 (each E_l from eq. 4), on one case."""
    grams, features = case.arrays()
    _compare_style(style_cost, grams, features, case.weights, case.describe())


def check_style_cost(style_cost: Callable) -> None:
    """Visible check: the two-layer case worked by hand (25/128), then a random three-layer case."""
    _compare_style(
        style_cost,
        [HAND_STYLE_GRAM, HAND_STYLE_GRAM_2],
        [HAND_FEATURES, HAND_FEATURES_2],
        HAND_WEIGHTS,
        "the worked example (two layers, w = (1/4, 3/4), expected 1/4 * 1/32 + 3/4 * 1/4 = 25/128)",
    )
    compare_style_cost(
        style_cost,
        StyleCase(shapes=((1, 6, 4, 3), (1, 3, 2, 5), (1, 1, 2, 8)), weights=(0.2, 0.5, 0.9), seed=4),
    )  # fmt: skip
    passed("style_cost", "the worked example gives 25/128, and three layers match eq. 5.")


# -------------------------------------------------------------------------- total_cost
def compare_total_cost(total_cost: Callable, J_content, J_style, alpha, beta) -> None:
    """The learner's total against alpha * J_content + beta * J_style (eq. 7)."""
    tf = _tf()
    what = f"J_content={J_content}, J_style={J_style}, alpha={alpha}, beta={beta}"
    value = call_learner(total_cost, tf.constant(np.float32(J_content)),
                         tf.constant(np.float32(J_style)), alpha, beta,
                         name="total_cost", case=what)  # fmt: skip
    got = _scalar("total_cost", value, what)
    expected = alpha * J_content + beta * J_style
    if np.isclose(got, expected, rtol=RTOL):
        return
    variants = {
        " That is alpha * J_style + beta * J_content: alpha weighs the content, beta the style.":
            alpha * J_style + beta * J_content,
        " That is alpha * J_content + J_style: beta, the weight of the style, is missing.":
            alpha * J_content + J_style,
        " That is J_content + beta * J_style: alpha, the weight of the content, is missing.":
            J_content + beta * J_style,
        " That is the weighted sum divided by alpha + beta: eq. 7 is a plain weighted sum.":
            expected / (alpha + beta),
    }  # fmt: skip
    cause = next((text for text, v in variants.items() if np.isclose(got, v, rtol=RTOL)), "")
    raise CheckFailed(f"total_cost on {what}: expected alpha * J_content + beta * J_style = {expected:.7g}, got {got:.7g}.{cause}")  # fmt: skip


def random_total_cases(seed: int, count: int) -> Iterator[tuple[float, float, float, float]]:
    """(J_content, J_style, alpha, beta): costs over six orders of magnitude, alpha != beta."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        J_content, J_style = (float(10 ** rng.uniform(-3, 3)) for _ in range(2))
        alpha, beta = float(10 ** rng.uniform(-4, 1)), float(10 ** rng.uniform(-1, 3))
        yield J_content, J_style, alpha, beta


def check_total_cost(total_cost: Callable) -> None:
    """Visible check: the worked example (alpha = 10, beta = 40) and one more."""
    compare_total_cost(total_cost, HAND_CONTENT_COST, HAND_STYLE_COST, HAND_ALPHA, HAND_BETA)
    compare_total_cost(total_cost, 2.0, 3.0, 1e-3, 1.0)
    passed("total_cost", "10 * 8.5 + 40 * 25/128 = 92.8125, and alpha weighs the content.")


# -------------------------------------------------------------------------- train_step
@dataclass(frozen=True)
class StepCase:
    """A small random style-transfer problem without VGG: a two-layer random ReLU network
    gives the content features (its second layer) and the style features (both layers).

    image_shape is (1, H, W, 3); lr the learning rate; seed the network, targets and start.
    """

    image_shape: tuple[int, int, int, int]
    lr: float
    seed: int

    def describe(self) -> str:
        return f"a random {self.image_shape[1]} x {self.image_shape[2]} image and a small random network, learning rate {self.lr}"  # fmt: skip

    def problem(self):
        """(start image float64 in [0, 1], compute_costs(image) -> (J, J_content, J_style)).

        compute_costs is written with TensorFlow ops and the paper's costs, in float64.
        """
        start, _ = _step_problem(tuple(self.image_shape), self.seed)
        return start.copy(), StepCosts(self.image_shape, self.seed)


class StepCosts:
    """compute_costs(image) -> (J, J_content, J_style) of the StepCase of this shape and seed.

    An object rather than a closure, so that the grader can give it to a learner's train_step
    in the sandbox: it crosses as its two attributes (helpers.grading.wire.CHECK_OBJECTS).
    """

    def __init__(self, image_shape, seed: int):
        self.image_shape = tuple(int(n) for n in image_shape)
        self.seed = int(seed)

    def __call__(self, image):
        _, compute_costs = _step_problem(self.image_shape, self.seed)
        return compute_costs(image)


@functools.lru_cache(maxsize=16)
def _step_problem(image_shape: tuple, seed: int):
    """(start image, compute_costs) of a StepCase, built once per shape and seed."""
    tf = _tf()
    rng = np.random.default_rng(seed)
    w1 = tf.constant(rng.normal(0, 0.5, (3, 3, 3, 4)))
    w2 = tf.constant(rng.normal(0, 0.5, (3, 3, 4, 5)))

    def features(image):
        a1 = tf.nn.relu(tf.nn.conv2d(image, w1, 1, "SAME"))
        return a1, tf.nn.relu(tf.nn.conv2d(a1, w2, 2, "SAME"))

    def gram(a):
        flat = tf.reshape(a, (-1, a.shape[-1]))
        return tf.matmul(flat, flat, transpose_a=True)

    content = tf.constant(rng.random(image_shape))
    style = tf.constant(rng.random(image_shape))
    P = features(content)[1]
    A = [gram(a) for a in features(style)]

    def compute_costs(image):
        image = tf.convert_to_tensor(image, dtype=tf.float64)
        a1, a2 = features(image)
        J_content = 0.5 * tf.reduce_sum(tf.square(a2 - P))
        J_style = 0.0
        for a, target in zip((a1, a2), A, strict=True):
            N, M = a.shape[-1], a.shape[1] * a.shape[2]
            J_style += tf.reduce_sum(tf.square(gram(a) - target)) / (4.0 * N**2 * M**2)
        return 1e-2 * J_content + 1e2 * J_style, J_content, J_style

    start = np.clip(0.5 + 0.3 * rng.normal(size=image_shape), 0, 1)
    start.flags.writeable = False
    return start, compute_costs


def random_step_cases(seed: int, count: int) -> Iterator[StepCase]:
    """Images of 3..7 x 3..7 pixels (often not square), learning rates 0.05 to 1 (large enough
    that some pixels leave [0, 1] and must be clipped)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        shape = (1, int(rng.integers(3, 8)), int(rng.integers(3, 8)), 3)
        lr = round(float(10 ** rng.uniform(np.log10(0.05), 0)), 3)
        yield StepCase(image_shape=shape, lr=lr, seed=int(rng.integers(1 << 30)))


def _step_returns(value, case: str) -> tuple[float, float, float]:
    if not isinstance(value, tuple | list) or len(value) != 3:
        found = f"a {type(value).__name__}" + (f" of {len(value)}" if isinstance(value, tuple | list) else "")  # fmt: skip
        raise CheckFailed(f"train_step should return (J, J_content, J_style), the three costs compute_costs gave; got {found} on {case}.")  # fmt: skip
    return tuple(_scalar("train_step", v, case) for v in value)


def compare_train_step(train_step: Callable, case: StepCase) -> None:
    """One SGD step against clip(x - lr * numerical gradient, 0, 1), on one case."""
    tf = _tf()
    import keras

    what = case.describe()
    start, compute_costs = case.problem()
    generated = tf.Variable(start.copy())
    optimizer = keras.optimizers.SGD(learning_rate=case.lr)
    value = _call_train_step(train_step, generated, compute_costs, optimizer, what)
    costs = _step_returns(value, what)
    before = [float(c) for c in compute_costs(start)]
    if not np.allclose(costs, before, rtol=1e-6):
        after = [float(c) for c in compute_costs(generated.numpy())]
        cause = (
            " Those are the costs after the step: return the ones computed inside the tape."
            if np.allclose(costs, after, rtol=1e-6)
            else ""
        )
        raise CheckFailed(f"train_step on {what}: it returned the costs {costs}; compute_costs gives {before} for the image before the step.{cause}")  # fmt: skip

    def numerical(k: int) -> np.ndarray:
        """Centred differences of compute_costs(x)[k] (0: J, 1: J_content, 2: J_style)."""
        x = start.copy()
        picked, numeric = numerical_gradient(
            lambda: float(compute_costs(x)[k]), x, epsilon=1e-6, count=x.size, seed=0
        )
        grad = np.empty(x.size)
        grad[picked] = numeric
        return grad.reshape(start.shape)

    grad = numerical(0)
    expected = np.clip(start - case.lr * grad, 0.0, 1.0)
    got = generated.numpy()
    if np.allclose(got, start):
        raise CheckFailed(f"train_step on {what}: the image did not change. Apply the gradient to the image with optimizer.apply_gradients([(grad, generated)]).")  # fmt: skip
    unclipped = start - case.lr * grad
    if np.allclose(got, np.clip(start + case.lr * grad, 0, 1), atol=1e-6):
        raise CheckFailed(f"train_step on {what}: the image moved up the gradient, which raises the cost. Apply the gradient itself with the optimizer (it subtracts lr * gradient); do not negate it.")  # fmt: skip
    if np.allclose(got, unclipped, atol=1e-6) and not np.allclose(got, expected, atol=1e-6):
        raise CheckFailed(f"train_step on {what}: the step is right but some pixels are now outside [0, 1] (from {got.min():.3f} to {got.max():.3f}). Clip the image after the step: generated.assign(tf.clip_by_value(generated, 0.0, 1.0)).")  # fmt: skip
    expect_close(
        "train_step",
        got,
        expected,
        what="the image after one SGD step",
        reference="clip(x - lr * gradient, 0, 1) with a numerical gradient",
        case=what,
        rtol=1e-4,
        atol=1e-6,
        causes=[
            (
                f"That step follows the gradient of {cost} alone; take the gradient of the total "
                "cost J, the first of the three costs compute_costs returns.",
                lambda k=k: np.clip(start - case.lr * numerical(k), 0.0, 1.0),
            )
            for k, cost in ((1, "J_content"), (2, "J_style"))
        ],  # fmt: skip
    )


def _call_train_step(train_step: Callable, generated, compute_costs: Callable, optimizer,
                     what: str):  # fmt: skip
    """train_step(generated, compute_costs, optimizer) through call_learner; the error Keras
    raises for a gradient of None gets a note that names the usual cause."""
    try:
        return call_learner(train_step, generated, compute_costs, optimizer, name="train_step",
                            case=what)  # fmt: skip
    except ValueError as error:
        if "No gradients provided" in str(error):
            error.add_note(
                "train_step: tape.gradient(J, generated) gave None, so the optimizer had no "
                "gradient to apply. The tape records only what runs inside its `with "
                "tf.GradientTape() as tape:` block: call compute_costs(generated) inside it, "
                "and take tape.gradient(J, generated) after it."
            )
        raise


def compare_train_step_lowers_cost(train_step: Callable, case: StepCase, steps: int = 20) -> None:
    """Twenty Adam steps from the case's start image must lower the cost by a tenth or more."""
    tf = _tf()
    import keras

    what = case.describe()
    start, compute_costs = case.problem()
    generated = tf.Variable(start.copy())
    optimizer = keras.optimizers.Adam(learning_rate=0.05)
    first = float(compute_costs(start)[0])
    for _ in range(steps):
        _call_train_step(train_step, generated, compute_costs, optimizer, what)
    last = float(compute_costs(generated.numpy())[0])
    if not last < 0.9 * first:
        raise CheckFailed(f"train_step on {what}: after {steps} Adam steps (learning rate 0.05) the cost went from {first:.5g} to {last:.5g}; it should fall by at least 10 %.")  # fmt: skip


def check_train_step(train_step: Callable) -> None:
    """Visible check: one SGD step on a 4 x 5 case, then twenty Adam steps lower the cost."""
    case = StepCase(image_shape=(1, 4, 5, 3), lr=0.5, seed=5)
    compare_train_step(train_step, case)
    compare_train_step_lowers_cost(train_step, case)
    passed("train_step", "one SGD step equals clip(x - lr * gradient, 0, 1) (numerical gradient), the costs returned are those before the step, and 20 Adam steps lower the cost.")  # fmt: skip
