"""A learner's own images: one sub-folder per class, e.g. ``my_data/cat/*.jpg``,
``my_data/dog/*.png``.

Class names are the sub-folder names in alphabetical order (label 0 is the first). Hidden
files and folders (names starting with ``.``, such as ``.ipynb_checkpoints``) are skipped;
every other file must be an image Pillow can read. Images are returned in the course's
convention: RGB, float32 in [0, 1], ``(N, H, W, 3)``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError


def _visible(paths):
    return sorted(p for p in paths if not p.name.startswith("."))


def load_image_folder(
    path: str | Path, size: int | tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Load a folder of images with one sub-folder per class.

    Args:
        path: the folder holding one sub-folder per class.
        size: None requires every image to have the same size; an int or ``(height, width)``
            resizes every image to ``(size, size)`` or ``(height, width)`` (Lanczos).

    Returns:
        images: float32 ``(N, H, W, 3)``, RGB in [0, 1], ordered by class then file name.
        labels: int64 ``(N,)``, indices into ``class_names``.
        class_names: the sub-folder names, sorted.

    Raises:
        FileNotFoundError: the folder does not exist.
        ValueError: no class sub-folder, an empty class, a file that is not a readable image,
            or images of different sizes while ``size`` is None.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"No folder {root} (absolute path: {root.resolve()}).")
    if not root.is_dir():
        raise ValueError(f"{root} is a file; expected a folder with one sub-folder per class.")
    classes = [p for p in _visible(root.iterdir()) if p.is_dir()]
    if not classes:
        loose = [p.name for p in _visible(root.iterdir()) if p.is_file()][:3]
        hint = f" It holds files ({', '.join(loose)}, ...) but no sub-folder." if loose else ""
        raise ValueError(
            f"{root} has no class sub-folder.{hint} Put each class's images in its own "
            f"sub-folder, e.g. {root / 'cat'} and {root / 'dog'}."
        )
    if isinstance(size, int):
        size = (size, size)
    images, labels, shapes, paths = [], [], [], []
    for label, folder in enumerate(classes):
        files = [p for p in _visible(folder.rglob("*")) if p.is_file()]
        files = [p for p in files if not any(part.startswith(".") for part in p.parts)]
        if not files:
            raise ValueError(f"The class folder {folder} is empty: every class needs images.")
        for file in files:
            try:
                with Image.open(file) as im:
                    im = im.convert("RGB")
                    if size is not None:
                        im = im.resize((size[1], size[0]), Image.Resampling.LANCZOS)
                    array = np.asarray(im)
            except (UnidentifiedImageError, OSError, ValueError) as err:
                raise ValueError(
                    f"Cannot read {file} as an image ({type(err).__name__}: {err}). Remove it "
                    f"or replace it with a JPEG or PNG."
                ) from err
            images.append(array)
            labels.append(label)
            shapes.append(array.shape[:2])
            paths.append(file)
    counts = Counter(shapes)
    if len(counts) > 1:
        (common, n_common), *_ = counts.most_common()
        odd = next(i for i, s in enumerate(shapes) if s != common)
        odd_file = paths[odd]
        raise ValueError(
            f"Images have {len(counts)} different sizes (height, width): "
            f"{dict(counts.most_common(4))}; e.g. {odd_file} is {shapes[odd]} while "
            f"{n_common} images are {common}. Pass size=(height, width) to resize them all."
        )
    x = np.stack(images).astype(np.float32) / np.float32(255)
    return x, np.array(labels, dtype=np.int64), [c.name for c in classes]


def folder_gallery(path: str | Path, size: int = 64, per_class: int = 6):
    """A figure with a row of examples per class.

    Args:
        path: the folder, as for :func:`load_image_folder`.
        size: thumbnails are resized to ``(size, size)``.
        per_class: columns.

    Returns:
        A matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    images, labels, names = load_image_folder(path, size)
    fig, axes = plt.subplots(len(names), per_class, figsize=(1.6 * per_class, 1.7 * len(names)))
    axes = np.atleast_2d(axes)
    for row, name in enumerate(names):
        idx = np.flatnonzero(labels == row)[:per_class]
        for col, ax in enumerate(axes[row]):
            ax.axis("off")
            if col < len(idx):
                ax.imshow(images[idx[col]])
        axes[row, 0].set_title(name, fontsize=9, loc="left")
    fig.tight_layout()
    return fig
