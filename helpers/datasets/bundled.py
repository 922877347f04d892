"""Real data bundled with installed packages: loaders by name, nothing downloaded.

Conventions (the same for every loader in ``helpers.datasets``):

- images are ``float32`` in ``[0, 1]``, channels last;
- photos are RGB ``(H, W, 3)``; the grayscale ones (camera, brick, grass, gravel, coins) are
  repeated over the three channels so every photo has the same layout;
- resizing uses anti-aliasing (PIL's Lanczos filter on the 8-bit original) and never happens
  unless asked for with ``size``.

Names: ``digits`` (scikit-learn, 1,797 real 8x8 handwritten digits), ``lfw_subset``
(scikit-image, 200 real 25x25 grayscale crops: 100 faces then 100 non-faces) and the photos in
:data:`PHOTO_NAMES`.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

SKIMAGE_PHOTOS = (
    "astronaut",
    "camera",
    "chelsea",
    "coffee",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "brick",
    "grass",
    "gravel",
    "coins",
)
SKLEARN_PHOTOS = ("china", "flower")
MATPLOTLIB_PHOTOS = ("grace_hopper",)
PHOTO_NAMES = SKIMAGE_PHOTOS + SKLEARN_PHOTOS + MATPLOTLIB_PHOTOS
ARRAY_DATASETS = ("digits", "lfw_subset")
BUNDLED_NAMES = ARRAY_DATASETS + PHOTO_NAMES


def _unknown(name: str, valid: tuple[str, ...]) -> ValueError:
    return ValueError(f"Unknown data set {name!r}. Valid names: {', '.join(valid)}.")


@cache
def _photo_uint8(name: str) -> np.ndarray:
    """The original 8-bit photo, RGB ``(H, W, 3)``; cached, so treat it as read-only."""
    if name in SKIMAGE_PHOTOS:
        import skimage.data

        image = getattr(skimage.data, name)()
    elif name in SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    elif name in MATPLOTLIB_PHOTOS:
        from matplotlib import cbook

        with cbook.get_sample_data(f"{name}.jpg") as f:
            image = np.asarray(Image.open(f).convert("RGB"))
    else:
        raise _unknown(name, PHOTO_NAMES)
    image = np.asarray(image, dtype=np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image.setflags(write=False)
    return image


def _resize_uint8(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Resize an 8-bit ``(H, W)`` or ``(H, W, 3)`` image; an int is the new shorter side."""
    h, w = image.shape[:2]
    if isinstance(size, int):
        scale = size / min(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
    new_h, new_w = size
    resized = Image.fromarray(image).resize((new_w, new_h), Image.Resampling.LANCZOS)
    return np.asarray(resized)


def load_photo(name: str, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """One of the bundled natural photos.

    Args:
        name: one of :data:`PHOTO_NAMES`, e.g. ``"astronaut"``, ``"china"``, ``"grace_hopper"``.
        size: None keeps the original size; an int resizes so that the shorter side has that
            many pixels (aspect kept); ``(height, width)`` resizes to exactly that.

    Returns:
        float32 array ``(H, W, 3)``, RGB, values in ``[0, 1]``.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).
    """
    if name not in PHOTO_NAMES:
        raise _unknown(name, PHOTO_NAMES)
    image = _photo_uint8(name)
    if size is not None:
        image = _resize_uint8(image, size)
    return image.astype(np.float32) / 255.0


def load_digits(size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real handwritten digits.

    Args:
        size: None keeps the original 8x8; an int resizes each digit to ``(size, size)``
            (Lanczos), e.g. 32 for LeNet-5.

    Returns:
        images: float32 ``(1797, H, W, 1)`` in ``[0, 1]`` (the original 0..16 divided by 16).
        labels: int64 ``(1797,)``, the digit 0..9.
    """
    from sklearn.datasets import load_digits as sk_load_digits

    digits = sk_load_digits()
    images = digits.images.astype(np.float32) / 16.0
    if size is not None:
        as_uint8 = np.round(images * 255).astype(np.uint8)
        images = np.stack([_resize_uint8(im, (size, size)) for im in as_uint8])
        images = images.astype(np.float32) / 255.0
    return images[..., None], digits.target.astype(np.int64)


def load_lfw_subset(size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """scikit-image's 200 real grayscale crops: 100 faces (Labeled Faces in the Wild), then
    100 non-face patches.

    Args:
        size: None keeps the original 25x25; an int resizes to ``(size, size)`` (Lanczos).

    Returns:
        images: float32 ``(200, H, W, 1)`` in ``[0, 1]``.
        labels: int64 ``(200,)``, 1 for a face, 0 for a non-face.
    """
    import skimage.data

    images = skimage.data.lfw_subset().astype(np.float32)
    if size is not None:
        as_uint8 = np.round(images * 255).astype(np.uint8)
        images = np.stack([_resize_uint8(im, (size, size)) for im in as_uint8])
        images = images.astype(np.float32) / 255.0
    labels = np.r_[np.ones(100, np.int64), np.zeros(100, np.int64)]
    return images[..., None], labels


def load_bundled(name: str, size: int | tuple[int, int] | None = None):
    """Any bundled data set by name.

    Args:
        name: one of :data:`BUNDLED_NAMES`.
        size: passed to the loader (see :func:`load_digits`, :func:`load_lfw_subset`,
            :func:`load_photo`).

    Returns:
        ``(images, labels)`` for ``"digits"`` and ``"lfw_subset"``; a float32 ``(H, W, 3)``
        photo for the others.

    Raises:
        ValueError: for an unknown name (the message lists the valid ones).
    """
    if name == "digits":
        return load_digits(size)
    if name == "lfw_subset":
        return load_lfw_subset(size)
    if name in PHOTO_NAMES:
        return load_photo(name, size)
    raise _unknown(name, BUNDLED_NAMES)


def bundled_gallery(size: int = 96):
    """A figure of every bundled data set: all photos, 16 digits, 8 faces and 8 non-faces.

    Args:
        size: shorter side, in pixels, of the photo thumbnails.

    Returns:
        A matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    digits, digit_labels = load_digits()
    lfw, lfw_labels = load_lfw_subset()
    n_cols = 8
    n_photo_rows = -(-len(PHOTO_NAMES) // n_cols)
    fig, axes = plt.subplots(n_photo_rows + 3, n_cols, figsize=(2 * n_cols, 2 * (n_photo_rows + 3)))
    for ax in axes.ravel():
        ax.axis("off")
    for k, name in enumerate(PHOTO_NAMES):
        ax = axes[k // n_cols, k % n_cols]
        ax.imshow(load_photo(name, size))
        ax.set_title(name, fontsize=8)
    for k in range(n_cols):
        for row, (images, labels, fmt) in enumerate(
            [
                (digits[k : k + 1], digit_labels[k : k + 1], "digit {}"),
                (lfw[k : k + 1], lfw_labels[k : k + 1], "face={}"),
                (lfw[100 + k : 101 + k], lfw_labels[100 + k : 101 + k], "face={}"),
            ]
        ):
            ax = axes[n_photo_rows + row, k]
            ax.imshow(images[0, :, :, 0], cmap="gray", vmin=0, vmax=1)
            ax.set_title(fmt.format(labels[0]), fontsize=8)
    fig.suptitle("Bundled real data: photos, sklearn digits, skimage lfw_subset")
    fig.tight_layout()
    return fig
