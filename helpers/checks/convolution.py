"""Checks for chapter 01: convolution and pooling from scratch.

Each graded function has a ``check_*`` that the notebook calls right after the exercise
(a few fixed cases, a one-line success message) and a ``compare_*`` that checks one case
against TensorFlow; hidden tests call ``compare_*`` on many random cases from
:func:`random_conv_cases` / :func:`random_pool_cases`.

Shapes, channels last: A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C),
b (n_C,). Caches as the chapter defines them: a convolution's cache is the tuple
(A_prev, W, b, stride, pad); a pooling layer's cache is (A_prev, f, stride, mode).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
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
from helpers.references import convolution as references

POOL_MODES = ("max", "average")


@dataclass(frozen=True)
class ConvCase:
    """One convolution layer's inputs.

    Attributes:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input.
        W: (f, f, n_C_prev, n_C) filters.
        b: (n_C,) biases.
        stride, pad: the layer's hyperparameters.
        dZ: (m, n_H, n_W, n_C) an upstream gradient, for backward checks.
    """

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray
    stride: int
    pad: int
    dZ: np.ndarray

    def describe(self) -> str:
        return (
            f"A_prev of shape {self.A_prev.shape}, W of shape {self.W.shape}, "
            f"stride={self.stride}, pad={self.pad}"
        )

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        m, n_H_prev, n_W_prev, _ = self.A_prev.shape
        f, n_C = self.W.shape[0], self.W.shape[3]
        size = lambda n: (n + 2 * self.pad - f) // self.stride + 1  # noqa: E731
        return (m, size(n_H_prev), size(n_W_prev), n_C)


@dataclass(frozen=True)
class PoolCase:
    """One pooling layer's inputs: A_prev (m, n_H_prev, n_W_prev, n_C), window f, stride,
    mode ("max" or "average"), and an upstream gradient dA (m, n_H, n_W, n_C)."""

    A_prev: np.ndarray
    f: int
    stride: int
    mode: str
    dA: np.ndarray

    def describe(self) -> str:
        return f"A_prev of shape {self.A_prev.shape}, f={self.f}, stride={self.stride}, mode={self.mode!r}"

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        m, n_H_prev, n_W_prev, n_C = self.A_prev.shape
        size = lambda n: (n - self.f) // self.stride + 1  # noqa: E731
        return (m, size(n_H_prev), size(n_W_prev), n_C)


def make_conv_case(
    rng: np.random.Generator,
    *,
    m: int,
    n_H_prev: int,
    n_W_prev: int,
    n_C_prev: int,
    n_C: int,
    f: int,
    stride: int,
    pad: int,
) -> ConvCase:
    """A convolution case with standard-normal inputs, filters, biases and upstream gradient."""
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal(n_C)
    case = ConvCase(A_prev, W, b, stride, pad, dZ=np.empty(0))
    return ConvCase(A_prev, W, b, stride, pad, dZ=rng.standard_normal(case.output_shape))


def make_pool_case(
    rng: np.random.Generator, *, m: int, n_H_prev: int, n_W_prev: int, n_C: int, f: int,
    stride: int, mode: str,
) -> PoolCase:  # fmt: skip
    """A pooling case with standard-normal input and upstream gradient."""
    A_prev = rng.standard_normal((m, n_H_prev, n_W_prev, n_C))
    case = PoolCase(A_prev, f, stride, mode, dA=np.empty(0))
    return PoolCase(A_prev, f, stride, mode, dA=rng.standard_normal(case.output_shape))


def random_conv_cases(
    seed: int,
    count: int,
    *,
    sizes: Sequence[int] = (1, 2, 3, 4, 5),
    strides: Sequence[int] = (1, 2, 3),
    pads: Sequence[int] = (0, 1, 2, 3),
) -> Iterator[ConvCase]:
    """Random convolution cases: batch 1..3, non-square inputs, 1..4 channels in, 1..5 out.

    Args:
        seed: seed of the random generator, so a failing case can be rerun.
        count: how many cases.
        sizes, strides, pads: the filter sizes f, strides and paddings to draw from.
    """
    rng = np.random.default_rng(seed)
    for _ in range(count):
        f, stride, pad = (int(rng.choice(v)) for v in (sizes, strides, pads))
        low = max(1, f - 2 * pad)
        yield make_conv_case(
            rng,
            m=int(rng.integers(1, 4)),
            n_H_prev=int(rng.integers(low, low + 7)),
            n_W_prev=int(rng.integers(low, low + 7)),
            n_C_prev=int(rng.integers(1, 5)),
            n_C=int(rng.integers(1, 6)),
            f=f,
            stride=stride,
            pad=pad,
        )


def random_pool_cases(
    seed: int,
    count: int,
    *,
    sizes: Sequence[int] = (1, 2, 3, 4),
    strides: Sequence[int] = (1, 2, 3),
    modes: Sequence[str] = POOL_MODES,
) -> Iterator[PoolCase]:
    """Random pooling cases: batch 1..3, non-square inputs, 1..4 channels, both modes."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        f, stride = int(rng.choice(sizes)), int(rng.choice(strides))
        yield make_pool_case(
            rng,
            m=int(rng.integers(1, 4)),
            n_H_prev=int(rng.integers(f, f + 7)),
            n_W_prev=int(rng.integers(f, f + 7)),
            n_C=int(rng.integers(1, 5)),
            f=f,
            stride=stride,
            mode=str(rng.choice(list(modes))),
        )


def conv_shape_hint(got: tuple[int, ...], case: ConvCase) -> str:
    """Guess why a convolution output has the wrong shape, from the shapes common bugs give."""
    m, n_H_prev, n_W_prev, n_C_prev = case.A_prev.shape
    f, n_C, s, p = case.W.shape[0], case.W.shape[3], case.stride, case.pad
    expected = case.output_shape
    candidates = [
        ((m, n_H_prev + 2 * p - f + 1, n_W_prev + 2 * p - f + 1, n_C),
         "Did you apply the stride? Move the window by `stride`: vert_start = h * stride."),
        ((m, (n_H_prev - f) // s + 1, (n_W_prev - f) // s + 1, n_C),
         "Did you pad the input first (zero_pad(A_prev, pad))?"),
        ((m, (n_H_prev + 2 * p - f) // s, (n_W_prev + 2 * p - f) // s, n_C),
         "Missing the + 1 in floor((n + 2p - f) / s) + 1?"),
        ((m, math.ceil((n_H_prev + 2 * p - f) / s) + 1, math.ceil((n_W_prev + 2 * p - f) / s) + 1,
          n_C),
         "Round down, not up: use integer division //, as in floor((n + 2p - f) / s) + 1."),
        ((m, expected[1], expected[2], n_C_prev),
         "The number of output channels is the number of filters, W.shape[3], not n_C_prev."),
        ((m, expected[2], expected[1], n_C),
         "Height and width are swapped: the output is (m, n_H, n_W, n_C)."),
    ]  # fmt: skip
    for shape, hint in candidates:
        if tuple(shape) == tuple(got) and tuple(shape) != tuple(expected):
            return hint
    return "Output size per axis is floor((n + 2p - f) / stride) + 1."


def pool_shape_hint(got: tuple[int, ...], case: PoolCase) -> str:
    """Guess why a pooling output has the wrong shape."""
    m, n_H_prev, n_W_prev, n_C = case.A_prev.shape
    f, s = case.f, case.stride
    if tuple(got) == (m, n_H_prev - f + 1, n_W_prev - f + 1, n_C) and s != 1:
        return "Did you apply the stride? vert_start = h * stride."
    if tuple(got) == (m, (n_H_prev - f) // s, (n_W_prev - f) // s, n_C):
        return "Missing the + 1 in floor((n - f) / s) + 1?"
    return "Pooling keeps the number of channels; each size is floor((n - f) / stride) + 1."


def validate_conv_inputs(A_prev, W, b, stride: int, pad: int) -> None:
    """Raise a clear ValueError when a convolution's inputs cannot go together.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input batch.
        W: (f, f, n_C_prev, n_C) filters.
        b: (n_C,) biases.
        stride: a positive int; pad: a non-negative int.
    """
    A_prev, W, b = np.asarray(A_prev), np.asarray(W), np.asarray(b)
    if A_prev.ndim != 4:
        raise ValueError(
            f"A_prev should be a batch of shape (m, n_H_prev, n_W_prev, n_C_prev); it has shape "
            f"{A_prev.shape}. For one image, add the batch axis: A_prev[np.newaxis]."
        )
    if W.ndim != 4 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W should have shape (f, f, n_C_prev, n_C); it has shape {W.shape}.")
    if W.shape[2] != A_prev.shape[3]:
        raise ValueError(
            f"W expects {W.shape[2]} input channels (W.shape[2]) but A_prev has {A_prev.shape[3]} "
            "(A_prev.shape[3]): a filter spans every channel of its input."
        )
    if b.shape != (W.shape[3],):
        raise ValueError(
            f"b should have shape ({W.shape[3]},), one bias per filter; it has {b.shape}."
        )
    if int(stride) != stride or stride < 1 or int(pad) != pad or pad < 0:
        raise ValueError(
            f"stride must be an int >= 1 and pad an int >= 0; got stride={stride!r}, pad={pad!r}."
        )
    f = W.shape[0]
    if f > min(A_prev.shape[1:3]) + 2 * pad:
        raise ValueError(
            f"The {f}x{f} filter is larger than the padded input ({A_prev.shape[1] + 2 * pad}x"
            f"{A_prev.shape[2] + 2 * pad}): use a smaller f or more padding."
        )


def validate_pool_inputs(A_prev, f: int, stride: int, mode: str) -> None:
    """Raise a clear ValueError when a pooling layer's inputs cannot go together.

    Args:
        A_prev: (m, n_H_prev, n_W_prev, n_C) input batch.
        f: window size; stride: step; mode: "max" or "average".
    """
    A_prev = np.asarray(A_prev)
    if A_prev.ndim != 4:
        raise ValueError(
            f"A_prev should be a batch of shape (m, n_H_prev, n_W_prev, n_C); it has shape "
            f"{A_prev.shape}. For one image, add the batch axis: A_prev[np.newaxis]."
        )
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be 'max' or 'average'; got {mode!r}.")
    if int(f) != f or f < 1 or int(stride) != stride or stride < 1:
        raise ValueError(f"f and stride must be ints >= 1; got f={f!r}, stride={stride!r}.")
    if f > min(A_prev.shape[1:3]):
        raise ValueError(f"The {f}x{f} window is larger than the input {A_prev.shape[1:3]}.")


def _unchanged(name: str, label: str, before: np.ndarray, after: np.ndarray) -> None:
    if not np.array_equal(before, after):
        raise CheckFailed(
            f"{name} changed its input {label} in place. Work on a copy (or on new arrays) so "
            "that the caller's data stay as they were."
        )


# ----------------------------------------------------------------------------- comparisons
def compare_zero_pad(zero_pad: Callable, X: np.ndarray, pad: int) -> None:
    """Compare ``zero_pad(X, pad)`` with ``numpy.pad`` for X (m, n_H, n_W, n_C)."""
    name, case = "zero_pad", f"X of shape {X.shape}, pad={pad}"
    X_given = X.copy()
    got = as_array(name, call_learner(zero_pad, X_given, pad, name=name, case=case), what="X_pad")
    expected = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    m, n_H, n_W, n_C = X.shape
    hint = None
    if got.shape == (m + 2 * pad, n_H + 2 * pad, n_W, n_C):
        hint = "Pad only height and width (axes 1 and 2), not the batch axis."
    elif got.ndim == 4 and got.shape[3] == n_C + 2 * pad:
        hint = "Pad only height and width (axes 1 and 2), not the channels."
    elif got.shape == (m, n_H + pad, n_W + pad, n_C):
        hint = "Pad both sides: `pad` rows above and `pad` below, same for columns."
    elif got.shape == (m, n_H + 2 * pad, n_W, n_C):
        hint = "Only the height is padded: pad the width (axis 2) by `pad` on both sides too."
    elif got.shape == (m, n_H, n_W + 2 * pad, n_C):
        hint = "Only the width is padded: pad the height (axis 1) by `pad` on both sides too."
    expect_shape(name, got, expected.shape, what="X_pad", hint=hint)
    _unchanged(name, "X", X, X_given)

    def in_the_corner():
        corner = np.zeros_like(expected)
        corner[:, :n_H, :n_W, :] = X
        return corner

    causes = [
        ("The border holds copies of the edge values: padding adds zeros (np.pad's default "
         "mode 'constant', value 0), not repeated edges.",
         lambda: np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")),
        ("X sits in the top-left corner: put it in the middle, at rows pad to pad + n_H and "
         "columns pad to pad + n_W.", in_the_corner),
    ]  # fmt: skip
    expect_close(name, got, expected, what="X_pad", reference="np.pad", case=case, causes=causes)


def compare_conv_single_step(conv_single_step: Callable, a_slice: np.ndarray, W: np.ndarray,
                             b: float) -> None:  # fmt: skip
    """Compare one window's output with ``tf.nn.conv2d`` on that window alone.

    Args:
        a_slice: (f, f, n_C_prev) one window of the input.
        W: (f, f, n_C_prev) one filter.
        b: that filter's bias (a float).
    """
    name, case = "conv_single_step", f"a_slice of shape {a_slice.shape}, b={b:.3g}"
    got = _one_number(name, call_learner(conv_single_step, a_slice, W, b, name=name, case=case))
    expected = references.conv2d(a_slice[None], W[..., None], np.array([b]), stride=1, pad=0)
    expected = expected.reshape(())
    causes = single_step_causes(expected, b, a_slice.size)
    expect_close(name, got, expected, what="Z", reference="tf.nn.conv2d", case=case, causes=causes)


def single_step_causes(expected: np.ndarray, b: float, size: int) -> list:
    """The common wrong values of conv_single_step, from the right one (see likely_cause).

    Args:
        expected: the right output, a 0-d array.
        b: the bias.
        size: the number of products in the window, f * f * n_C_prev.
    """
    return [
        ("That is the sum without the bias: add b, once, after the sum.", lambda: expected - b),
        (f"The bias is added to each of the {size} products (np.sum(a_slice * W + b)): add it "
         "once, after the sum.", lambda: expected + (size - 1) * b),
    ]  # fmt: skip


def _one_number(name: str, value) -> np.ndarray:
    got = as_array(name, value, what="Z")
    if got.size != 1:
        raise CheckFailed(
            f"{name} should return one number, but it returned an array of shape {got.shape}. "
            "Sum over every element of a_slice * W (np.sum without an axis), then add b."
        )
    return got.reshape(())


def compare_conv_forward(conv_forward: Callable, case: ConvCase, name: str = "conv_forward"):
    """Compare ``conv_forward(A_prev, W, b, stride=, pad=)`` with ``tf.nn.conv2d`` on one case;
    also checks that the cache is (A_prev, W, b, stride, pad)."""
    inputs = (case.A_prev.copy(), case.W.copy(), case.b.copy())
    result = call_learner(conv_forward, *inputs, stride=case.stride, pad=case.pad, name=name,
                          case=case.describe())  # fmt: skip
    Z, cache = expect_tuple(name, result, ("Z", "cache"))
    Z = as_array(name, Z, what="Z")
    expect_shape(name, Z, case.output_shape, what="Z", hint=conv_shape_hint(Z.shape, case))
    expected = references.conv2d(case.A_prev, case.W, case.b, case.stride, case.pad)
    expect_close(name, Z, expected, what="Z", reference="tf.nn.conv2d", case=case.describe(),
                 causes=conv_forward_causes(case))  # fmt: skip
    for label, before, after in zip(
        ("A_prev", "W", "b"), (case.A_prev, case.W, case.b), inputs, strict=True
    ):
        _unchanged(name, label, before, after)
    _expect_conv_cache(name, cache, case)


def conv_forward_causes(case: ConvCase) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """The common wrong values of a convolution with the right shape, each computed with
    tf.nn.conv2d on changed inputs (see ``common.likely_cause``).

    Args:
        case: the layer the learner's conv_forward was called on.
    """
    A_prev, W, b, stride, pad = case.A_prev, case.W, case.b, case.stride, case.pad
    _, n_H, n_W, _ = case.output_shape

    def unmoved():
        if stride == 1:  # windows that move by 1 are right when the stride is 1
            raise ValueError("no stride to forget")
        return references.conv2d(A_prev, W, b, 1, pad)[:, :n_H, :n_W, :]

    return [
        (f"These are the values of windows that move by 1, not by the stride ({stride}): "
         "start window (h, w) at vert_start = h * stride, horiz_start = w * stride.", unmoved),
        ("These are the values without the bias: add b[c] to each output of filter c.",
         lambda: references.conv2d(A_prev, W, np.zeros_like(b), stride, pad)),
        ("These are the values of a convolution with each filter flipped (np.flip, "
         "rot90 twice): a CNN's 'convolution' is a cross-correlation, which multiplies the "
         "window by W as it is.",
         lambda: references.conv2d(A_prev, W[::-1, ::-1], b, stride, pad)),
    ]  # fmt: skip


def _expect_conv_cache(name: str, cache, case: ConvCase) -> None:
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise CheckFailed(
            f"{name}: the cache should be the tuple (A_prev, W, b, stride, pad), which "
            f"conv_backward unpacks; got {type(cache).__name__} "
            f"{'of length ' + str(len(cache)) if isinstance(cache, tuple) else ''}."
        )
    if cache[3] != case.stride or cache[4] != case.pad or np.shape(cache[0]) != case.A_prev.shape:
        raise CheckFailed(
            f"{name}: the cache should be (A_prev, W, b, stride, pad) with the unpadded A_prev "
            f"of shape {case.A_prev.shape}; got A_prev of shape {np.shape(cache[0])}, "
            f"stride={cache[3]!r}, pad={cache[4]!r}."
        )


def compare_pool_forward(pool_forward: Callable, case: PoolCase) -> None:
    """Compare ``pool_forward(A_prev, f=, stride=, mode=)`` with tf.nn.max_pool2d/avg_pool2d."""
    name, reference = "pool_forward", f"tf.nn.{'max' if case.mode == 'max' else 'avg'}_pool2d"
    A_prev = case.A_prev.copy()
    result = call_learner(pool_forward, A_prev, f=case.f, stride=case.stride, mode=case.mode,
                          name=name, case=case.describe())  # fmt: skip
    A, cache = expect_tuple(name, result, ("A", "cache"))
    A = as_array(name, A, what="A")
    expect_shape(name, A, case.output_shape, what="A", hint=pool_shape_hint(A.shape, case))
    expected = references.pool2d(case.A_prev, case.f, case.stride, case.mode)
    _, n_H, n_W, _ = case.output_shape
    other = "average" if case.mode == "max" else "max"

    def unmoved():
        if case.stride == 1:
            raise ValueError("no stride to forget")
        return references.pool2d(case.A_prev, case.f, 1, case.mode)[:, :n_H, :n_W, :]

    causes = [
        (f"These are the values of windows that move by 1, not by the stride ({case.stride}): "
         "start window (h, w) at vert_start = h * stride, horiz_start = w * stride.", unmoved),
        (f"These are the values of {other} pooling, but mode is {case.mode!r}: choose the "
         "operation from mode.", lambda: references.pool2d(case.A_prev, case.f, case.stride, other)),
    ]  # fmt: skip
    expect_close(name, A, expected, what="A", reference=reference, case=case.describe(),
                 causes=causes)  # fmt: skip
    _unchanged(name, "A_prev", case.A_prev, A_prev)
    if not isinstance(cache, tuple) or len(cache) != 4:
        raise CheckFailed(f"{name}: the cache should be the tuple (A_prev, f, stride, mode).")


# How to strip the padding from the gradient: it keeps the batch and channel axes, and unlike
# `pad:-pad` (the empty slice 0:0 when pad == 0) it works for every pad.
STRIP_PADDING = "dA_prev_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]"


def strip_padding_hint(got: tuple[int, ...], case: ConvCase) -> str:
    """The hint for a dA_prev of the wrong shape: how to strip the padding.

    Args:
        got: the shape of the learner's dA_prev.
        case: the layer; dA_prev should have the shape of its A_prev, (m, n_H_prev, n_W_prev,
            n_C_prev).
    """
    if case.pad == 0 and len(got) == 4 and 0 in got[1:3]:
        return (
            "With pad = 0 the slice pad:-pad is 0:0, which is empty. Strip the padding with "
            f"{STRIP_PADDING}: it works for every pad, 0 included."
        )
    return (
        "dA_prev has the shape of the unpadded A_prev, batch axis included: strip the padding "
        f"with {STRIP_PADDING}."
    )


def compare_conv_backward(conv_backward: Callable, case: ConvCase) -> None:
    """Compare ``conv_backward(dZ, cache)`` with ``tf.GradientTape`` through tf.nn.conv2d."""
    name, describe = "conv_backward", case.describe()
    cache = (case.A_prev.copy(), case.W.copy(), case.b.copy(), case.stride, case.pad)
    result = call_learner(conv_backward, case.dZ.copy(), cache, name=name, case=describe)
    grads = expect_tuple(name, result, ("dA_prev", "dW", "db"))
    expected = references.conv2d_gradients(case.dZ, case.A_prev, case.W, case.b, case.stride,
                                           case.pad)  # fmt: skip
    hints = {
        "dW": "dW has W's shape (f, f, n_C_prev, n_C).",
        "db": "db has b's shape (n_C,): sum dZ over the batch, height and width axes.",
    }
    m, n_H, n_W, _ = case.dZ.shape
    causes = {
        "dA_prev": [
            ("These are the values with each filter flipped: the gradient adds W[:, :, :, c] "
             "* dZ[i, h, w, c] to the window as it is (the flip appears only when the sum is "
             "written as a convolution).",
             lambda: references.conv2d_gradients(case.dZ, case.A_prev, case.W[::-1, ::-1],
                                                 case.b, case.stride, case.pad)[0]),
        ],
        "dW": [
            ("These are the values with each window flipped: dW[:, :, :, c] adds the window "
             "a_slice itself, times dZ[i, h, w, c].",
             lambda: references.conv2d_gradients(case.dZ, case.A_prev, case.W, case.b,
                                                 case.stride, case.pad)[1][::-1, ::-1]),
            (f"dW is {m} times too small: it is averaged over the batch. The loss's gradient "
             "sums over the batch (dZ already holds any 1/m), so add every example's part.",
             lambda: expected[1] / m),
        ],
        "db": [
            (f"db is averaged, not summed: sum dZ over the batch, height and width axes (the "
             f"average divides by m * n_H * n_W = {m * n_H * n_W}).",
             lambda: expected[2] / (m * n_H * n_W)),
            ("db sums dZ over height and width only: sum over the batch axis too.",
             lambda: case.dZ.sum(axis=(1, 2))),
        ],
    }  # fmt: skip
    for label, got, want in zip(("dA_prev", "dW", "db"), grads, expected, strict=True):
        got = as_array(name, got, what=label)
        hint = strip_padding_hint(got.shape, case) if label == "dA_prev" else hints[label]
        expect_shape(name, got, want.shape, what=label, hint=hint)
        expect_close(name, got, want, what=label, reference="tf.GradientTape", case=describe,
                     causes=causes[label])  # fmt: skip


def compare_pool_backward(pool_backward: Callable, case: PoolCase) -> None:
    """Compare ``pool_backward(dA, cache)`` with ``tf.GradientTape`` through pooling.

    On a window whose maximum is tied, TensorFlow gives the gradient to the first maximum in
    row-major order and a mask ``window == window.max()`` to every tied one, so the two differ
    there; the cases of the checks come from continuous random numbers and have no ties
    (tests/test_checks_convolution.py makes sure), so both ways pass.
    """
    name, describe = "pool_backward", case.describe()
    cache = (case.A_prev.copy(), case.f, case.stride, case.mode)
    result = call_learner(pool_backward, case.dA.copy(), cache, name=name, case=describe)
    got = as_array(name, result, what="dA_prev")
    expected = references.pool2d_gradient(case.dA, case.A_prev, case.f, case.stride, case.mode)
    expect_shape(name, got, expected.shape, what="dA_prev",
                 hint="dA_prev has the shape of the pooling layer's input A_prev.")  # fmt: skip
    hint = {
        "max": "For max pooling the whole gradient of a window goes to its largest input.",
        "average": "For average pooling each input of a window gets dA / (f * f); windows "
        "that overlap (stride < f) add up.",
    }[case.mode]
    try:
        expect_close(name, got, expected, what="dA_prev", reference="tf.GradientTape",
                     case=describe)  # fmt: skip
    except CheckFailed as failure:
        raise CheckFailed(f"{failure} {hint}") from None


# ------------------------------------------------------------------------- visible checks
_VISIBLE_SEED = 1


def check_zero_pad(zero_pad: Callable) -> None:
    """The visible check for ``zero_pad``: three shapes and paddings against ``np.pad``."""
    rng = np.random.default_rng(_VISIBLE_SEED)
    for shape, pad in [((1, 2, 2, 1), 1), ((4, 3, 5, 2), 2), ((2, 3, 3, 3), 0)]:
        compare_zero_pad(zero_pad, rng.standard_normal(shape), pad)
    passed("zero_pad", "matches np.pad for pad = 0, 1, 2 on batches of 1 to 4 images.")


def check_conv_single_step(conv_single_step: Callable) -> None:
    """The visible check for ``conv_single_step``: the worked example, then random windows."""
    a_slice = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1)
    W = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1)
    got = call_learner(conv_single_step, a_slice, W, 0.5, name="conv_single_step")
    got = _one_number("conv_single_step", got)
    if not np.isclose(got, -2.5):
        cause = likely_cause(got, single_step_causes(np.float64(-2.5), 0.5, a_slice.size))
        raise CheckFailed(
            f"conv_single_step on the worked example gives {float(got):.6g}; by hand it is "
            "1*1 + 2*0 + 3*0 + 4*(-1) + 0.5 = -2.5." + (f" {cause}" if cause else "")
        )
    rng = np.random.default_rng(_VISIBLE_SEED)
    for f, n_C_prev in [(3, 3), (1, 4), (5, 2)]:
        W = rng.standard_normal((f, f, n_C_prev))
        compare_conv_single_step(conv_single_step, rng.standard_normal((f, f, n_C_prev)), W,
                                 float(rng.standard_normal()))  # fmt: skip
    passed("conv_single_step", "the worked example (-2.5) and 3 random windows match.")


def visible_conv_cases() -> list[ConvCase]:
    """Three small cases: plain, stride 2 with padding on a non-square input, f = 1."""
    rng = np.random.default_rng(_VISIBLE_SEED)
    shapes = [
        dict(m=2, n_H_prev=5, n_W_prev=5, n_C_prev=3, n_C=4, f=3, stride=1, pad=0),
        dict(m=3, n_H_prev=7, n_W_prev=6, n_C_prev=2, n_C=5, f=3, stride=2, pad=1),
        dict(m=1, n_H_prev=4, n_W_prev=3, n_C_prev=4, n_C=2, f=1, stride=1, pad=2),
    ]
    return [make_conv_case(rng, **shape) for shape in shapes]


def visible_pool_cases() -> list[PoolCase]:
    """Four small cases: both modes, non-overlapping and overlapping windows."""
    rng = np.random.default_rng(_VISIBLE_SEED)
    shapes = [
        dict(m=2, n_H_prev=4, n_W_prev=4, n_C=3, f=2, stride=2, mode="max"),
        dict(m=2, n_H_prev=4, n_W_prev=4, n_C=3, f=2, stride=2, mode="average"),
        dict(m=3, n_H_prev=7, n_W_prev=5, n_C=2, f=3, stride=1, mode="max"),
        dict(m=3, n_H_prev=7, n_W_prev=5, n_C=2, f=3, stride=1, mode="average"),
    ]
    return [make_pool_case(rng, **shape) for shape in shapes]


def check_conv_forward(conv_forward: Callable, name: str = "conv_forward") -> None:
    """The visible check for ``conv_forward`` (or a faster version of it, given ``name``)."""
    for case in visible_conv_cases():
        compare_conv_forward(conv_forward, case, name=name)
    passed(name, "matches tf.nn.conv2d with stride 1 and 2, pad 0 to 2, f = 1 and 3.")


def check_pool_forward(pool_forward: Callable) -> None:
    """The visible check for ``pool_forward``, both modes."""
    for case in visible_pool_cases():
        compare_pool_forward(pool_forward, case)
    passed("pool_forward", "max and average match tf.nn.max_pool2d / avg_pool2d.")


def check_conv_backward(conv_backward: Callable) -> None:
    """The visible check for ``conv_backward``."""
    for case in visible_conv_cases():
        compare_conv_backward(conv_backward, case)
    passed("conv_backward", "dA_prev, dW and db match tf.GradientTape on 3 layers.")


def check_pool_backward(pool_backward: Callable) -> None:
    """The visible check for ``pool_backward``, both modes."""
    for case in visible_pool_cases():
        compare_pool_backward(pool_backward, case)
    passed("pool_backward", "max and average match tf.GradientTape, overlapping windows too.")
