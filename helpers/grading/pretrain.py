"""Pre-train the weights a chapter loads from data/ (`make pretrain`): reproducible and offline.

Chapter 03 (residual networks) trains its small ResNet on the shape images for longer than the
chapter's time budget allows, and loads the result. The network and the training are the
chapter's own: this module builds them from the instructor notebook, by running its "imports"
cell and its solutions (:func:`helpers.grading.solutions.load_solutions`) and then its given cells
"standardise" (the input scaling) and "small-resnet" (``small_resnet``, ``train_small_resnet``
and the size of the run, ``PRETRAIN_IMAGES`` and ``PRETRAIN_EPOCHS``). Nothing of the
architecture or the recipe is written here, so the weights always fit what the chapter builds,
and no solution is written outside the notebook.

Seeds fix the images, the initial weights, the augmentation and the order of the batches, and
TensorFlow's deterministic ops make a run repeat exactly: the same command writes the same bytes
and the same checksum (:func:`helpers.references.resnets.save_weights`).

    python -m helpers.grading.pretrain                 # what `make pretrain` runs
    python -m helpers.grading.pretrain --images 128 --epochs 1 --out /tmp/trial.npz  # a trial
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from helpers.grading.solutions import _python_only, load_solutions, source_notebook

CHAPTER = "03_resnets"
GIVEN_CELLS = ("standardise", "small-resnet")  # run after the solutions, in this order


def chapter_namespace(chapter: str = CHAPTER) -> dict:
    """The chapter's imports, solutions and given cells, run as the notebook runs them.

    Everything chapter-specific comes from here, the chapter's own notebook (and the chapter
    modules its "imports" cell imports): this shared module imports no chapter module.

    Args:
        chapter: the chapter's name.

    Returns:
        The namespace dict (``small_resnet``, ``train_small_resnet``, ``standardise``,
        ``PRETRAIN_IMAGES``, ``PRETRAIN_EPOCHS``, ``references``, ...).
    """
    namespace = load_solutions(chapter)
    cells = {cell.get("id"): cell for cell in source_notebook(chapter).cells}
    for cell_id in GIVEN_CELLS:
        source = _python_only(cells[cell_id].source)
        exec(compile(source, f"{chapter}:{cell_id}", "exec"), namespace)
    return namespace


def pretrain(out: Path | None = None, images: int | None = None, epochs: int | None = None,
             seed: int = 0, test_images: int = 1000) -> dict:  # fmt: skip
    """Train the chapter's small ResNet from scratch and save its weights and checksum.

    Args:
        out: the .npz file to write (its ``.sha256`` is written beside it); default: the file
            the chapter loads (``references.PRETRAINED``).
        images: how many training images of ``shape_classification`` (split "train", seed 0);
            default: the notebook's ``PRETRAIN_IMAGES``.
        epochs: passes over them, each with a fresh dihedral augmentation; default: the
            notebook's ``PRETRAIN_EPOCHS``.
        seed: seeds Keras' initial weights and the augmentation.
        test_images: how many test images (split "test", seed 0) the accuracy is measured on.

    Returns:
        {"out", "images", "epochs", "sha256", "seconds", "test_accuracy", "train_loss"}.
    """
    import keras
    import tensorflow as tf

    from helpers.datasets import shape_classification

    tf.config.experimental.enable_op_determinism()
    chapter = chapter_namespace()
    out = Path(out or chapter["references"].PRETRAINED)
    images = images or chapter["PRETRAIN_IMAGES"]
    epochs = epochs or chapter["PRETRAIN_EPOCHS"]
    X, y = shape_classification(images, size=32, split="train", seed=0)
    X_test, y_test = shape_classification(test_images, size=32, split="test", seed=0)
    X, X_test = chapter["standardise"](X), chapter["standardise"](X_test)
    keras.utils.set_random_seed(seed)
    model = chapter["small_resnet"]()
    start = time.perf_counter()
    history = chapter["train_small_resnet"](model, X, y, epochs, seed=seed, verbose=1)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(X_test, y_test, verbose=0)
    digest = chapter["references"].save_weights(model, out)
    return {"out": out, "images": images, "epochs": epochs, "sha256": digest, "seconds": seconds,
            "test_images": test_images, "test_accuracy": float(accuracy),
            "train_loss": history["loss"][-1]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=None, help="default: data/resnets_small_shapes.npz")  # fmt: skip
    parser.add_argument("--images", type=int, default=None, help="default: the notebook's")
    parser.add_argument("--epochs", type=int, default=None, help="default: the notebook's")
    args = parser.parse_args()
    result = pretrain(args.out, images=args.images, epochs=args.epochs)
    print(
        f"{CHAPTER} small ResNet: {result['images']:,} images x {result['epochs']} epochs in "
        f"{result['seconds']:.0f} s; final training loss {result['train_loss']:.3f}, test accuracy "
        f"{result['test_accuracy']:.1%} on {result['test_images']:,} test images\nwrote {result['out']} (sha256 "
        f"{result['sha256']}) and {result['out'].name}.sha256"
    )


if __name__ == "__main__":
    main()
