"""Checks for chapter 06: semantic segmentation.

- ``conv_transpose_forward`` (numpy) is compared with ``keras.layers.Conv2DTranspose`` holding the
  same weights (:func:`helpers.references.segmentation.conv_transpose_reference`), after two cases
  worked by hand in the chapter's text.
- ``conv_block`` and ``upsampling_block`` are checked in two steps: **structure** (every layer
  under its name, of the right kind and configuration, reading the right layer) and **numbers**
  (random weights and batch-norm statistics put into the learner's layers, copied into the
  TensorFlow-ops reference, every output compared in inference mode).
- ``unet`` is checked for its wiring by name, its parameter count (the sum of the counts the text
  works out per block), its numbers against the chained references, and for **real skip
  connections**: with every transposed convolution set to zero, nothing reaches the expanding
  path from below, so the output can depend on the image only through the concatenations.
- ``mean_iou`` is compared with ``keras.metrics.MeanIoU`` after a case worked by hand.

Each graded function has a ``check_*`` (the visible part), ``compare_*`` for one case and
``random_*_cases`` for the hidden tests. When the answer is wrong in one of the usual ways (a
forgotten bias, a flipped kernel, a "same" crop on the wrong side, overlaps overwritten, the batch
norm after the ReLU, the skip taken after the pooling, the wrong widths, recall or Dice for IoU,
np.mean over NaN, ...) the message names that cause; ``COMMON_BUGS`` in
``tests/test_checks_segmentation.py`` plants each one. Every ``check_*`` and ``compare_*`` returns None: nbgrader
reads the value of a test cell's last line as partial credit.
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
from helpers.checks.models import inbound_layers, layer_kind
from helpers.references import segmentation as references
from helpers.references.common import load_keras

PADDINGS = ("valid", "same")


# ------------------------------------------------------------------- transposed convolution
@dataclass(frozen=True)
class TransposeCase:
    """One transposed convolution: A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev,
    n_C), b (n_C,), stride, padding ("valid" or "same")."""

    A_prev: np.ndarray
    W: np.ndarray
    b: np.ndarray
    stride: int
    padding: str

    def describe(self) -> str:
        return (f"A_prev of shape {self.A_prev.shape}, W of shape {self.W.shape}, "
                f"stride={self.stride}, padding={self.padding!r}")  # fmt: skip

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        m, n_H_prev, n_W_prev, _ = self.A_prev.shape
        f, s, n_C = self.W.shape[0], self.stride, self.W.shape[3]
        if self.padding == "same":
            return (m, n_H_prev * s, n_W_prev * s, n_C)
        return (m, (n_H_prev - 1) * s + max(f, s), (n_W_prev - 1) * s + max(f, s), n_C)


def random_conv_transpose_cases(seed: int, count: int) -> Iterator[TransposeCase]:
    """Random cases: m 1..3, non-square inputs 1..5, 1..4 channels in and out, f 1..5, stride
    1..3 (so that the stride is sometimes larger than the kernel), "valid" and "same"."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        m, n_H, n_W = int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
        n_C_prev, n_C, f = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
        yield TransposeCase(
            A_prev=rng.standard_normal((m, n_H, n_W, n_C_prev)),
            W=rng.standard_normal((f, f, n_C_prev, n_C)),
            b=rng.standard_normal(n_C),
            stride=int(rng.integers(1, 4)),
            padding=PADDINGS[index % 2],
        )


def conv_transpose_shape_hint(got: tuple[int, ...], case: TransposeCase) -> str:
    """Guess why a transposed convolution's output has the wrong shape."""
    m, n_H_prev, n_W_prev, n_C_prev = case.A_prev.shape
    f, s, n_C = case.W.shape[0], case.stride, case.W.shape[3]
    full = lambda n: (n - 1) * s + f  # noqa: E731
    candidates = [
        ((m, full(n_H_prev), full(n_W_prev), n_C),
         'With padding="same" the output is n * stride: crop the full (n - 1) * stride + f '
         "output, (f - stride) // 2 rows and columns at the start, the rest at the end; when the "
         "stride is larger than f, add zero rows and columns at the end instead."
         if case.padding == "same" else
         "When the stride is larger than the kernel, Keras' \"valid\" output is "
         "(n - 1) * stride + max(f, stride): the last pixel still owns `stride` output rows, and "
         "the ones its kernel does not reach hold only the bias."),
        ((m, (n_H_prev - f) // s + 1, (n_W_prev - f) // s + 1, n_C),
         "That is a convolution's output size. A transposed convolution goes the other way: "
         "(n - 1) * stride + f before any cropping."),
        ((m, n_H_prev * f, n_W_prev * f, n_C),
         "Each input pixel moves `stride` output pixels from the previous one, not f."),
        ((m, case.output_shape[1], case.output_shape[2], n_C_prev),
         "The number of output channels is W.shape[3]; W is (f, f, n_C_prev, n_C)."),
    ]  # fmt: skip
    for shape, hint in candidates:
        if tuple(shape) == tuple(got) and tuple(shape) != tuple(case.output_shape):
            return hint
    return ('Output size per axis: n * stride for "same"; (n - 1) * stride + max(f, stride) '
            'for "valid".')  # fmt: skip


def _conv_transpose_result(fn: Callable, case: TransposeCase) -> np.ndarray:
    name = "conv_transpose_forward"
    result = call_learner(fn, case.A_prev.copy(), case.W.copy(), case.b.copy(), stride=case.stride,
                          padding=case.padding, name=name, case=case.describe())  # fmt: skip
    Z = as_array(name, result, what="Z")
    expect_shape(name, Z, case.output_shape, what="Z",
                 hint=conv_transpose_shape_hint(Z.shape, case))  # fmt: skip
    return Z


def conv_transpose_causes(case: TransposeCase) -> list[tuple[str, Callable]]:
    """The usual wrong answers of ``conv_transpose_forward`` on ``case``, each computed with the
    Keras reference: (sentence naming the cause, what that bug gives)."""
    A, W, b, s, padding = case.A_prev, case.W, case.b, case.stride, case.padding
    reference = references.conv_transpose_reference
    f = W.shape[0]

    def not_strided():  # every copy one pixel from the previous one, in a "valid"-sized output
        if padding != "valid":
            raise ValueError("only the valid size is simple to place")
        packed = reference(A, W, 0 * b, 1, "valid")  # (n - 1) + f per axis
        Z = np.zeros(case.output_shape)
        Z[:, : packed.shape[1], : packed.shape[2], :] = packed
        return Z + b

    def cropped_from(start):  # the full output cropped for "same" from another start
        if padding != "same" or f <= s:
            raise ValueError("no crop to get wrong")
        full = reference(A, W, 0 * b, s, "valid")
        n_H, n_W = case.output_shape[1:3]
        return full[:, start : start + n_H, start : start + n_W, :] + b

    crop = ('The "same" output is cropped at the wrong place: Keras crops (f - stride) // 2 rows '
            "and columns at the start (rounded down) and the rest at the end.")  # fmt: skip
    return [
        ("These are the values without the bias: add b to every output pixel (after the crop "
         'for "same").', lambda: reference(A, W, 0 * b, s, padding)),
        ("These are the values with the kernel turned by 180 degrees: input pixel (h, w) adds "
         "W[i, j] itself at (h * stride + i, w * stride + j). (A flip belongs to the other way of "
         "writing it, a convolution of the input spread out with zeros.)",
         lambda: reference(A, W[::-1, ::-1], b, s, padding)),
        ("The copies are 1 pixel apart instead of `stride`: input pixel (h, w) writes its copy "
         "starting at (h * stride, w * stride).", not_strided),
        (crop, lambda: cropped_from(0)),
        (crop, lambda: cropped_from((f - s + 1) // 2)),
    ]  # fmt: skip


def compare_conv_transpose_forward(fn: Callable, case: TransposeCase) -> None:
    """One case against ``keras.layers.Conv2DTranspose`` with the same weights."""
    Z = _conv_transpose_result(fn, case)
    expected = references.conv_transpose_reference(case.A_prev, case.W, case.b, case.stride,
                                                   case.padding)  # fmt: skip
    expect_close("conv_transpose_forward", Z, expected, what="Z", case=case.describe(),
                 reference="keras.layers.Conv2DTranspose", rtol=1e-4, atol=1e-4,
                 causes=conv_transpose_causes(case))  # fmt: skip


def hand_cases() -> list[tuple[TransposeCase, np.ndarray]]:
    """The chapter's two cases worked by hand: A = [[1, 2], [3, 4]], a 2 x 2 kernel of ones,
    no bias, stride 1 (overlaps summed) and stride 2 (each pixel copied into a 2 x 2 block)."""
    A = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    W, b = np.ones((2, 2, 1, 1)), np.zeros(1)
    stride_1 = np.array([[1, 3, 2], [4, 10, 6], [3, 7, 4]], dtype=float)
    stride_2 = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], dtype=float)
    return [
        (TransposeCase(A, W, b, 1, "valid"), stride_1.reshape(1, 3, 3, 1)),
        (TransposeCase(A, W, b, 2, "valid"), stride_2.reshape(1, 4, 4, 1)),
    ]


# The first hand case (stride 1) with each copy *replacing* what the earlier ones wrote instead
# of adding to it: pixel (h, w) = (0, 0) writes 1s on rows 0-1 x columns 0-1, (0, 1) writes 2s on
# rows 0-1 x columns 1-2, (1, 0) 3s on rows 1-2 x columns 0-1, and (1, 1) 4s on rows 1-2 x
# columns 1-2; what is left is the last copy to reach each pixel.
OVERWRITTEN_STRIDE_1 = np.array([[1, 2, 2], [3, 4, 4], [3, 4, 4]], dtype=float).reshape(1, 3, 3, 1)
OVERWRITTEN = ("Where copies overlap, the last one replaced the others (the centre pixel holds 4, "
               "not 1 + 2 + 3 + 4 = 10): add each copy into the output (+=), do not assign it.")  # fmt: skip


def check_conv_transpose_forward(fn: Callable) -> None:
    """The two hand cases, then Conv2DTranspose on a few fixed shapes, both paddings."""
    for case, expected in hand_cases():
        Z = _conv_transpose_result(fn, case)
        causes = conv_transpose_causes(case)
        if case.stride == 1:
            causes.append((OVERWRITTEN, lambda: OVERWRITTEN_STRIDE_1))
        expect_close("conv_transpose_forward", Z, expected, what="Z", case=case.describe(),
                     reference="the case worked by hand in the text", causes=causes)  # fmt: skip
    rng = np.random.default_rng(6)
    shapes = [  # (m, n_H, n_W, n_C_prev, n_C, f, stride, padding)
        (2, 3, 4, 3, 2, 3, 2, "valid"), (1, 4, 3, 2, 3, 3, 2, "same"),
        (2, 2, 3, 1, 2, 1, 3, "valid"), (1, 3, 3, 2, 2, 4, 2, "same"),
    ]  # fmt: skip
    for m, n_H, n_W, n_C_prev, n_C, f, s, padding in shapes:
        case = TransposeCase(rng.standard_normal((m, n_H, n_W, n_C_prev)),
                             rng.standard_normal((f, f, n_C_prev, n_C)), rng.standard_normal(n_C),
                             s, padding)  # fmt: skip
        compare_conv_transpose_forward(fn, case)
    passed("conv_transpose_forward", "the two cases worked by hand, and keras.layers."
           "Conv2DTranspose on 4 shapes (strides 2 and 3, f from 1 to 4, both paddings)")  # fmt: skip


# --------------------------------------------------------------------------- mean IoU
@dataclass(frozen=True)
class IoUCase:
    """Two class maps of the same shape and the number of classes."""

    y_true: np.ndarray
    y_pred: np.ndarray
    num_classes: int

    def describe(self) -> str:
        return f"class maps of shape {self.y_true.shape}, num_classes={self.num_classes}"


def random_iou_cases(seed: int, count: int) -> Iterator[IoUCase]:
    """Class maps (m, H, W) with 2..6 classes: predictions that are the truth with a random part
    of the pixels changed; in every other case the last class appears in neither map, and
    sometimes a class appears only in the prediction."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        C = int(rng.integers(2, 7))
        used = C - 1 if index % 2 == 0 and C > 2 else C  # the last class absent from both
        shape = (int(rng.integers(1, 4)), int(rng.integers(2, 9)), int(rng.integers(2, 9)))
        y_true = rng.integers(0, max(used - 1, 1) if index % 4 == 0 else used, shape)
        y_pred = np.where(rng.random(shape) < rng.uniform(0.1, 0.6), rng.integers(0, used, shape),
                          y_true)  # fmt: skip
        yield IoUCase(y_true.astype(np.int64), y_pred.astype(np.int64), C)


def compare_mean_iou(fn: Callable, case: IoUCase) -> None:
    """One case against ``keras.metrics.MeanIoU``: the mean and every class's IoU."""
    name = "mean_iou"
    result = call_learner(fn, case.y_true.copy(), case.y_pred.copy(), case.num_classes,
                          name=name, case=case.describe())  # fmt: skip
    mean, per_class = expect_tuple(name, result, ("mean", "per_class"))
    per_class = as_array(name, per_class, what="per_class")
    expect_shape(name, per_class, (case.num_classes,), what="per_class",
                 hint="One IoU per class, num_classes of them (NaN for a class in neither map).")  # fmt: skip
    expected_mean, expected = references.mean_iou_reference(case.y_true, case.y_pred,
                                                            case.num_classes)  # fmt: skip
    absent = np.isnan(expected)
    if not np.array_equal(np.isnan(per_class), absent):
        raise CheckFailed(
            f"{name} on {case.describe()}: classes {np.flatnonzero(absent).tolist()} appear in "
            f"neither map and should have IoU NaN (0 / 0), the others a number; your NaNs are at "
            f"{np.flatnonzero(np.isnan(per_class)).tolist()}. A class predicted but absent from "
            "the truth has IoU 0, not NaN."
        )
    got, want = np.where(absent, 0.0, per_class), np.where(absent, 0.0, expected)
    if not np.allclose(got, want, atol=1e-6):
        cause = likely_cause(got, iou_causes(case.y_true, case.y_pred, case.num_classes), atol=1e-6)
        hint = f" ({cause})" if cause else ""
        expect_close(name, got, want, what="per_class", reference="keras.metrics.MeanIoU",
                     case=case.describe() + hint)  # fmt: skip
    mean = as_array(name, mean, what="mean")
    if mean.shape != () or not np.isclose(float(mean), expected_mean, atol=1e-6):
        raise CheckFailed(f"{name} on {case.describe()}: the mean should be {expected_mean:.6f} "
                          f"(keras.metrics.MeanIoU); you have {np.ravel(mean)[0]:.6f}. "
                          f"{_mean_hint(np.ravel(mean)[0], expected)}")  # fmt: skip


def _mean_hint(mean: float, expected_per_class: np.ndarray) -> str:
    """Why a mean IoU is wrong when the per-class IoUs are right."""
    if np.isnan(mean):
        return ("np.mean of per_class is NaN as soon as one class is in neither map: leave those "
                "classes out of the mean (np.nanmean).")  # fmt: skip
    if np.isclose(mean, float(np.nan_to_num(expected_per_class).mean()), atol=1e-6):
        return ("It looks like the classes in neither map were counted as 0; leave them out of the "
                "mean (np.nanmean).")  # fmt: skip
    return "The mean is over the classes present in either map."


def iou_causes(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> list:
    """The usual wrong per-class measures in place of the IoU, as (sentence, values) pairs, 0
    for a class in neither map (the check compares with NaN replaced by 0)."""
    inter = np.array([np.sum((y_true == c) & (y_pred == c)) for c in range(num_classes)], float)
    truth = np.array([np.sum(y_true == c) for c in range(num_classes)], float)
    predicted = np.array([np.sum(y_pred == c) for c in range(num_classes)], float)

    def ratio(top, bottom):
        return np.divide(top, bottom, out=np.zeros(num_classes), where=bottom > 0)

    return [
        ("you divided by the class's pixels in the truth, its recall; IoU divides by the union "
         "of truth and prediction", lambda: ratio(inter, truth)),
        ("you divided by the class's pixels in the prediction, its precision; IoU divides by "
         "the union of truth and prediction", lambda: ratio(inter, predicted)),
        ("that is the Dice coefficient, 2 |T and P| / (|T| + |P|); IoU is |T and P| / |T or P|, "
         "the intersection over the union", lambda: ratio(2 * inter, truth + predicted)),
    ]  # fmt: skip


def check_mean_iou(fn: Callable) -> None:
    """The case worked by hand in the text, then keras.metrics.MeanIoU on a few random maps."""
    name = "mean_iou"
    y_true, y_pred = np.array([[0, 0, 1, 1]]), np.array([[0, 1, 1, 1]])
    result = call_learner(fn, y_true, y_pred, 3, name=name, case="the case worked by hand")
    mean, per_class = expect_tuple(name, result, ("mean", "per_class"))
    per_class = as_array(name, per_class, what="per_class")
    expect_shape(name, per_class, (3,), what="per_class", hint="One IoU per class.")
    if not (np.allclose(per_class[:2], [1 / 2, 2 / 3]) and np.isnan(per_class[2])):
        cause = likely_cause(np.nan_to_num(per_class), iou_causes(y_true, y_pred, 3), atol=1e-6)
        raise CheckFailed(f"{name}, on the case worked by hand: per_class should be [0.5, 0.667, "
                          f"nan]; you have {np.round(per_class, 3).tolist()}."
                          + (f" It looks like {cause}." if cause else ""))  # fmt: skip
    if not np.isclose(float(np.ravel(as_array(name, mean, what="mean"))[0]), 7 / 12):
        raise CheckFailed(f"{name}, on the case worked by hand: the mean should be (1/2 + 2/3) / 2 "
                          f"= 0.5833 (class 2 is in neither map, so it is left out); you have "
                          f"{float(np.ravel(mean)[0]):.4f}."
                          + (" np.mean of per_class is NaN when a class is NaN: use np.nanmean."
                             if np.isnan(float(np.ravel(mean)[0])) else ""))  # fmt: skip
    for case in random_iou_cases(seed=60, count=6):
        compare_mean_iou(fn, case)
    passed(name, "the case worked by hand and keras.metrics.MeanIoU on 6 random pairs of maps")


# ------------------------------------------------------------------------ the U-Net blocks
def _conv_roles(name: str, first_input: str) -> dict:
    """{layer name: (kind, reads)} of the two conv / batch norm / ReLU steps of a block."""
    return {
        f"{name}_conv1": ("Conv2D", [first_input]),
        f"{name}_bn1": ("BatchNormalization", [f"{name}_conv1"]),
        f"{name}_relu1": ("ReLU", [f"{name}_bn1"]),
        f"{name}_conv2": ("Conv2D", [f"{name}_relu1"]),
        f"{name}_bn2": ("BatchNormalization", [f"{name}_conv2"]),
        f"{name}_relu2": ("ReLU", [f"{name}_bn2"]),
    }


def _expect_layers(fname: str, model, roles: dict, filters: int, describe: str) -> None:
    """Fail with the first layer of ``roles`` that is missing, of the wrong kind or
    configuration, or that reads the wrong layers; and with any layer not in ``roles``."""
    present = {layer.name: layer for layer in model.layers if type(layer).__name__ != "InputLayer"}
    for lname, (kind, reads) in roles.items():
        if lname not in present:
            raise CheckFailed(f"{fname} on {describe}: no layer named {lname!r}. Name every layer "
                              f"as the text says; your layers are {sorted(present)}.")  # fmt: skip
        layer = present[lname]
        if layer_kind(layer) != kind:
            raise CheckFailed(f"{fname} on {describe}: {lname!r} should be a {kind}; it is a "
                              f"{layer_kind(layer)}.")  # fmt: skip
        got_reads = inbound_layers(layer)
        if got_reads != reads:
            raise CheckFailed(f"{fname} on {describe}: {lname!r} should read {reads}; it reads "
                              f"{got_reads}.{_order_hint(kind, got_reads)}")  # fmt: skip
        config = layer.get_config()
        wanted = {
            "Conv2D": dict(filters=filters, kernel_size=(3, 3), strides=(1, 1), padding="same",
                           activation="linear", use_bias=True),
            "Conv2DTranspose": dict(filters=filters, kernel_size=(2, 2), strides=(2, 2),
                                    padding="same", activation="linear", use_bias=True),
            "MaxPooling2D": dict(pool_size=(2, 2), strides=(2, 2), padding="valid"),
            "Concatenate": dict(axis=-1),
        }.get(kind, {})  # fmt: skip
        for key, value in wanted.items():
            if config.get(key) != value:
                raise CheckFailed(f"{fname} on {describe}: {lname!r} should have {key}={value!r}; "
                                  f"it has {config.get(key)!r}.")  # fmt: skip
    extra = sorted(set(present) - set(roles))
    if extra:
        hint = (" With pool=False (the bottom of the U) there is no pooling: next_layer is skip "
                "itself." if any(e.endswith("_pool") for e in extra) else "")  # fmt: skip
        raise CheckFailed(f"{fname} on {describe}: layers the block should not have: {extra}.{hint}")  # fmt: skip


def _order_hint(kind: str, got_reads: list) -> str:
    """A sentence when a batch norm reads a ReLU: the two were swapped."""
    if kind == "BatchNormalization" and any("relu" in r for r in got_reads):
        return (" The batch norm comes before the ReLU: convolution, batch norm, ReLU (Ioffe and "
                "Szegedy 2015 normalise the input of the nonlinearity).")  # fmt: skip
    return ""


def _randomise(model, rng: np.random.Generator) -> dict:
    """Put random weights (and positive batch-norm variances) into every layer; return them as
    {layer name: references.layer_weights(...)}."""
    out = {}
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if type(layer).__name__ == "BatchNormalization":
            n = weights[0].shape
            new = [rng.uniform(0.5, 1.5, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n),
                   rng.uniform(0.5, 1.5, n)]  # fmt: skip
        else:
            kernel, bias = weights
            fan_in = int(np.prod(kernel.shape)) / kernel.shape[-1]
            new = [rng.normal(0, 1 / np.sqrt(fan_in), kernel.shape), rng.normal(0, 0.3, bias.shape)]
        layer.set_weights([w.astype(np.float32) for w in new])
        out[layer.name] = references.layer_weights(model, layer.name)
    return out


@dataclass(frozen=True)
class BlockCase:
    """A block to build: input_shape (n_H, n_W, n_C_prev), n_filters, name, pool (contracting
    blocks) or skip_channels (expanding blocks: 0 for no skip), seed of weights and inputs."""

    input_shape: tuple[int, int, int]
    n_filters: int
    name: str
    pool: bool = True
    skip_channels: int = 0
    seed: int = 0

    def describe(self, kind: str) -> str:
        text = f"X of shape (m, {', '.join(map(str, self.input_shape))}), n_filters={self.n_filters}, name={self.name!r}"  # fmt: skip
        if kind == "conv_block":
            return text + ("" if self.pool else ", pool=False")
        n_H, n_W = 2 * self.input_shape[0], 2 * self.input_shape[1]
        skip = f"skip of shape (m, {n_H}, {n_W}, {self.skip_channels})" if self.skip_channels else "skip=None"  # fmt: skip
        return f"{text}, {skip}"


def random_conv_block_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Contracting blocks: non-square even inputs 2..12, 1..6 channels, 1..8 filters, one in
    three without pooling (the bottom of the U)."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        yield BlockCase(
            input_shape=(2 * int(rng.integers(1, 7)), 2 * int(rng.integers(1, 7)), int(rng.integers(1, 7))),
            n_filters=int(rng.integers(1, 9)), name=f"down{index + 1}", pool=index % 3 != 2,
            seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


def random_upsampling_cases(seed: int, count: int) -> Iterator[BlockCase]:
    """Expanding blocks: non-square inputs 1..6, 1..8 channels, 1..8 filters, skips of 1..8
    channels, one in three without a skip."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        yield BlockCase(
            input_shape=(int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 9))),
            n_filters=int(rng.integers(1, 9)), name=f"up{index + 1}",
            skip_channels=0 if index % 3 == 2 else int(rng.integers(1, 9)),
            seed=int(rng.integers(1 << 30)),
        )  # fmt: skip


def _model_of(fname: str, output, inputs):
    """A keras.Model from the learner's output tensor(s), or a clear failure."""
    k = load_keras()
    outputs = output if isinstance(output, tuple | list) else [output]
    for tensor in outputs:
        if not isinstance(tensor, k.KerasTensor):
            raise CheckFailed(f"{fname} should return tensors (what the last layer returned); got "
                              f"{type(tensor).__name__}. Did you forget a `return`?")  # fmt: skip
    try:
        return k.Model(inputs, list(outputs) if len(outputs) > 1 else outputs[0])
    except ValueError as error:
        raise CheckFailed(f"{fname}: the tensors you returned are not computed from the inputs "
                          f"you were given ({error}).") from None  # fmt: skip


UP_CONCAT_HINT = (
    "The likely cause: the concatenation needs the up-sampled tensor and the skip at the same "
    'height and width; Conv2DTranspose(n_filters, 2, strides=2, padding="same") doubles them, '
    "and it is its output, not X, that is concatenated with the skip."
)
UNET_CONCAT_HINT = (
    "The likely cause: up{i} concatenates with the skip of down{i}, the tensor of the same height "
    "and width (the second value conv_block returns, before the pooling), and the bottom block "
    "does not pool (pool=False)."
)


class _concatenate_hint:
    """Add a note naming the likely cause to a Keras error about a concatenation's shapes raised
    inside the learner's code (the learner's frames are kept: the error is theirs)."""

    def __init__(self, note: str):
        self.note = note

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, ValueError) and "Concatenate" in str(error):
            error.add_note(self.note)
        return False


def compare_conv_block(fn: Callable, case: BlockCase) -> None:
    """One contracting block: its layers by name, then its numbers against TensorFlow ops."""
    k, fname = load_keras(), "conv_block"
    describe = case.describe(fname)
    inputs = k.Input(shape=case.input_shape)
    result = call_learner(fn, inputs, case.n_filters, case.name, pool=case.pool, name=fname,
                          case=describe)  # fmt: skip
    nxt, skip = expect_tuple(fname, result, ("next_layer", "skip"))
    model = _model_of(fname, (nxt, skip), inputs)
    input_name = inputs._keras_history.operation.name
    roles = _conv_roles(case.name, input_name)
    if case.pool:
        roles[f"{case.name}_pool"] = ("MaxPooling2D", [f"{case.name}_relu2"])
    _expect_layers(fname, model, roles, case.n_filters, describe)
    skip_from = skip._keras_history.operation.name
    if skip_from == f"{case.name}_pool" and nxt._keras_history.operation.name == f"{case.name}_relu2":  # fmt: skip
        raise CheckFailed(f"{fname} on {describe}: the first value returned should be the pooled "
                          f"tensor ({case.name}_pool) and the second the skip ({case.name}_relu2); "
                          "yours are the other way round: return next_layer, skip.")  # fmt: skip
    if skip_from != f"{case.name}_relu2":
        raise CheckFailed(f"{fname} on {describe}: skip should be the output of the second ReLU "
                          f"({case.name}_relu2), before any pooling; it comes from {skip_from!r}.")  # fmt: skip
    rng = np.random.default_rng(case.seed)
    weights = _randomise(model, rng)
    x = rng.standard_normal((2, *case.input_shape)).astype(np.float32)
    got_next, got_skip = (np.asarray(t) for t in model(x, training=False))
    want_next, want_skip = references.conv_block_reference(x, weights, case.name, pool=case.pool)
    for what, got, want in (("skip", got_skip, want_skip), ("next_layer", got_next, want_next)):
        expect_shape(fname, got, want.shape, what=what)
        expect_close(fname, got, want, what=what, case=describe, rtol=1e-4, atol=1e-4,
                     reference="the TensorFlow-ops block (inference mode)")  # fmt: skip
    del model


def compare_upsampling_block(fn: Callable, case: BlockCase) -> None:
    """One expanding block: its layers by name, then its numbers against TensorFlow ops."""
    k, fname = load_keras(), "upsampling_block"
    describe = case.describe(fname)
    n_H, n_W, _ = case.input_shape
    x_in = k.Input(shape=case.input_shape)
    skip_in = k.Input(shape=(2 * n_H, 2 * n_W, case.skip_channels)) if case.skip_channels else None
    with _concatenate_hint(UP_CONCAT_HINT):
        output = call_learner(fn, x_in, skip_in, case.n_filters, case.name, name=fname, case=describe)  # fmt: skip
    model = _model_of(fname, output, [x_in, skip_in] if skip_in is not None else x_in)
    x_name = x_in._keras_history.operation.name
    roles = {f"{case.name}_up": ("Conv2DTranspose", [x_name])}
    first = f"{case.name}_up"
    if skip_in is not None:
        skip_name = skip_in._keras_history.operation.name
        roles[f"{case.name}_concat"] = ("Concatenate", [f"{case.name}_up", skip_name])
        first = f"{case.name}_concat"
    roles.update(_conv_roles(case.name, first))
    _expect_layers(fname, model, roles, case.n_filters, describe)
    rng = np.random.default_rng(case.seed)
    weights = _randomise(model, rng)
    x = rng.standard_normal((2, *case.input_shape)).astype(np.float32)
    skip = (rng.standard_normal((2, 2 * n_H, 2 * n_W, case.skip_channels)).astype(np.float32)
            if case.skip_channels else None)  # fmt: skip
    got = np.asarray(model([x, skip] if skip is not None else x, training=False))
    want = references.upsampling_block_reference(x, skip, weights, case.name)
    expect_shape(fname, got, want.shape)
    expect_close(fname, got, want, case=describe, rtol=1e-4, atol=1e-4,
                 reference="the TensorFlow-ops block (inference mode)")  # fmt: skip
    del model


def check_conv_block(fn: Callable) -> None:
    """Three fixed contracting blocks (with and without pooling)."""
    cases = [BlockCase((8, 6, 3), 4, "down1", seed=1), BlockCase((4, 4, 5), 2, "down2", seed=2),
             BlockCase((4, 2, 2), 3, "bottom", pool=False, seed=3)]  # fmt: skip
    for case in cases:
        compare_conv_block(fn, case)
    passed("conv_block", "every layer by name and kind, and the outputs of 3 blocks against "
           "TensorFlow ops with random weights")  # fmt: skip


def check_upsampling_block(fn: Callable) -> None:
    """Three fixed expanding blocks (with a skip, and one without)."""
    cases = [BlockCase((3, 4, 4), 2, "up1", skip_channels=2, seed=4),
             BlockCase((2, 2, 3), 3, "up2", skip_channels=5, seed=5),
             BlockCase((2, 3, 2), 2, "up3", skip_channels=0, seed=6)]  # fmt: skip
    for case in cases:
        compare_upsampling_block(fn, case)
    passed("upsampling_block", "every layer by name and kind, and the outputs of 3 blocks "
           "against TensorFlow ops with random weights")  # fmt: skip


# ------------------------------------------------------------------------------ the U-Net
def unet_parameters(widths, n_C_in: int, num_classes: int, skips: bool = True) -> int:
    """The U-Net's parameter count, block by block, as the text works it out.

    A 3 x 3 convolution from c to F channels has 9 c F + F parameters, a batch norm 4 F (gamma,
    beta and the two moving statistics), the 2 x 2 transposed convolution 4 c F + F, the last
    1 x 1 convolution F_1 K + K.
    """
    conv = lambda c, F: 9 * c * F + F + 4 * F  # noqa: E731  (a conv and its batch norm)
    total, c = 0, n_C_in
    for F in widths:  # contracting path and the bottom
        total += conv(c, F) + conv(F, F)
        c = F
    for F in reversed(widths[:-1]):  # expanding path
        total += 4 * c * F + F + conv(2 * F if skips else F, F) + conv(F, F)
        c = F
    return total + widths[0] * num_classes + num_classes


def _width_index(level: str, widths) -> int:
    """Which entry of widths a block uses: down{i} and up{i} widths[i - 1], bottom the last."""
    return (
        len(widths) - 1
        if level == "bottom"
        else int(level.removeprefix("down").removeprefix("up")) - 1
    )


def _unet_roles(widths, input_name: str, skips: bool) -> dict:
    """{layer name: (kind, reads, filters)} of the whole U-Net."""
    roles, previous = {}, input_name
    levels = len(widths) - 1
    for i in range(1, levels + 1):
        for lname, (kind, reads) in _conv_roles(f"down{i}", previous).items():
            roles[lname] = (kind, reads, widths[i - 1])
        roles[f"down{i}_pool"] = ("MaxPooling2D", [f"down{i}_relu2"], None)
        previous = f"down{i}_pool"
    for lname, (kind, reads) in _conv_roles("bottom", previous).items():
        roles[lname] = (kind, reads, widths[-1])
    previous = "bottom_relu2"
    for i in range(levels, 0, -1):
        roles[f"up{i}_up"] = ("Conv2DTranspose", [previous], widths[i - 1])
        first = f"up{i}_up"
        if skips:
            roles[f"up{i}_concat"] = ("Concatenate", [f"up{i}_up", f"down{i}_relu2"], None)
            first = f"up{i}_concat"
        for lname, (kind, reads) in _conv_roles(f"up{i}", first).items():
            roles[lname] = (kind, reads, widths[i - 1])
        previous = f"up{i}_relu2"
    roles["logits"] = ("Conv2D", [previous], None)
    return roles


def _build_unet(fn: Callable, input_shape, num_classes, widths, skips):
    k, fname = load_keras(), "unet"
    describe = f"input_shape={input_shape}, num_classes={num_classes}, widths={widths}, skips={skips}"  # fmt: skip
    with _concatenate_hint(UNET_CONCAT_HINT):
        model = call_learner(fn, input_shape, num_classes, widths=widths, skips=skips, name=fname,
                             case=describe)  # fmt: skip
    if not isinstance(model, k.Model):
        raise CheckFailed(f"{fname} should return a keras.Model; got {type(model).__name__}.")
    return model, describe


def compare_unet(fn: Callable, input_shape=(16, 16, 3), num_classes=6, widths=(4, 8, 16),
                 skips=True, seed=0) -> None:  # fmt: skip
    """The whole U-Net: wiring by name, parameter count, numbers and real skip connections."""
    fname = "unet"
    model, describe = _build_unet(fn, tuple(input_shape), num_classes, tuple(widths), skips)
    expected_out = (None, *input_shape[:2], num_classes)
    if tuple(model.output.shape) != expected_out:
        raise CheckFailed(f"{fname} on {describe}: the output should have shape {expected_out} "
                          f"(one logit per class for every pixel); it has {tuple(model.output.shape)}.")  # fmt: skip
    input_name = model.inputs[0]._keras_history.operation.name
    present = {layer.name: layer for layer in model.layers}
    for lname, (kind, reads, filters) in _unet_roles(widths, input_name, skips).items():
        if lname not in present:
            raise CheckFailed(f"{fname} on {describe}: no layer named {lname!r}. Use the block "
                              "names of the text: down1, down2, ..., bottom, ..., up2, up1, logits.")  # fmt: skip
        got_reads = inbound_layers(present[lname])
        if got_reads != reads or layer_kind(present[lname]) != kind:
            hint = (" With skips=False pass None as the skip: no concatenation."
                    if not skips and any(r.endswith("_concat") for r in got_reads) else "")  # fmt: skip
            raise CheckFailed(f"{fname} on {describe}: {lname!r} should be a {kind} reading {reads}; "
                              f"it is a {layer_kind(present[lname])} reading {got_reads}.{hint}")  # fmt: skip
        got_filters = present[lname].get_config().get("filters", filters)  # a batch norm: none
        if filters is not None and got_filters != filters:
            level = lname.split("_")[0]
            raise CheckFailed(f"{fname} on {describe}: {lname!r} should have {filters} filters, the "
                              f"width of its level ({level}: widths[{_width_index(level, widths)}]); "
                              f"it has {got_filters}. Block up{{i}} has the filters of down{{i}}.")  # fmt: skip
    logits = present["logits"].get_config()
    if logits["kernel_size"] != (1, 1) or logits["activation"] != "linear" or logits["filters"] != num_classes:  # fmt: skip
        raise CheckFailed(f"{fname} on {describe}: 'logits' should be a 1 x 1 Conv2D with "
                          f"{num_classes} filters and no activation (the loss applies the softmax).")  # fmt: skip
    expected_params = unet_parameters(widths, input_shape[2], num_classes, skips)
    if model.count_params() != expected_params:
        raise CheckFailed(f"{fname} on {describe}: {model.count_params():,} parameters; the "
                          f"blocks of the text give {expected_params:,}.")  # fmt: skip
    rng = np.random.default_rng(seed)
    weights = _randomise(model, rng)
    x = rng.standard_normal((2, *input_shape)).astype(np.float32)
    want, skip_tensors = x, {}
    for i in range(1, len(widths)):
        want, skip_tensors[i] = references.conv_block_reference(want, weights, f"down{i}")
    want, _ = references.conv_block_reference(want, weights, "bottom", pool=False)
    for i in range(len(widths) - 1, 0, -1):
        want = references.upsampling_block_reference(want, skip_tensors[i] if skips else None,
                                                     weights, f"up{i}")  # fmt: skip
    want = np.einsum("mhwc,ck->mhwk", want, weights["logits"]["kernel"][0, 0]) + weights["logits"]["bias"]  # fmt: skip
    got = np.asarray(model(x, training=False))
    expect_close(fname, got, want, case=describe, rtol=1e-3, atol=1e-3,
                 reference="the chained TensorFlow-ops blocks (inference mode)")  # fmt: skip
    _expect_real_skips(model, describe, x, skips)
    del model


def _expect_real_skips(model, describe: str, x: np.ndarray, skips: bool) -> None:
    """With every transposed convolution's kernel and bias at zero, the expanding path receives
    nothing from below: the output depends on the image only through the concatenations."""
    for layer in model.layers:
        if type(layer).__name__ == "Conv2DTranspose":
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    out = np.asarray(model(x, training=False))
    spread = float(np.abs(out[0] - out[1]).max())
    if skips and spread < 1e-6:
        raise CheckFailed(f"unet on {describe}: with the transposed convolutions set to zero, the "
                          "output no longer depends on the image, so no information reaches the "
                          "expanding path through a skip connection. Concatenate each up-sampled "
                          "tensor with the skip tensor of its level.")  # fmt: skip
    if not skips and spread > 1e-6:
        raise CheckFailed(f"unet on {describe}: with skips=False the output should depend on the "
                          "image only through the transposed convolutions, but it still changes "
                          "with them set to zero: a skip connection is left in.")  # fmt: skip


def check_unet(fn: Callable) -> None:
    """The chapter's widths on a small image, with and without skips."""
    compare_unet(fn, (16, 16, 3), 6, (4, 8, 16), skips=True, seed=1)
    compare_unet(fn, (16, 16, 3), 6, (4, 8, 16), skips=False, seed=2)
    passed("unet", "wiring by name, parameter count, outputs against the chained TensorFlow-ops "
           "blocks, and skip connections that carry the image (with and without skips)")  # fmt: skip


def random_unet_cases(seed: int, count: int) -> Iterator[dict]:
    """Keyword arguments of :func:`compare_unet`: 2 to 4 widths of 2..6 filters (one filter could die under random weights), non-square inputs a multiple of
    2 ** (levels), 1..4 input channels, 2..7 classes, with and without skips."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        levels = int(rng.integers(1, 4))
        step = 2**levels
        yield dict(
            input_shape=(step * int(rng.integers(1, 4)), step * int(rng.integers(1, 4)), int(rng.integers(1, 5))),
            num_classes=int(rng.integers(2, 8)),
            widths=tuple(int(w) for w in rng.integers(2, 7, levels + 1)),
            skips=index % 3 != 2, seed=int(rng.integers(1 << 30)),
        )  # fmt: skip
