"""Pre-train the weights a chapter loads from data/ (`make pretrain`): reproducible and offline.

Every chapter that ships weights has one function here, listed in :data:`PRETRAINERS`; each
builds its network and training from the chapter's own instructor notebook
(:func:`chapter_namespace`), so that no solution is written outside the notebook, and writes the
file and its checksum with :func:`helpers.weights.save_weights`.

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
and the same checksum (:func:`helpers.weights.save_weights`).

    python -m helpers.grading.pretrain                 # what `make pretrain` runs: every chapter
    python -m helpers.grading.pretrain --chapter 03_resnets --images 128 --epochs 1 --out /tmp/trial.npz
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from helpers.grading.solutions import _python_only, load_solutions, source_notebook
from helpers.weights import save_weights

RESNETS = "03_resnets"
RESNETS_CELLS = ("standardise", "small-resnet")  # run after the solutions, in this order


def chapter_namespace(chapter: str = RESNETS, given_cells: tuple[str, ...] = RESNETS_CELLS) -> dict:
    """The chapter's imports, solutions and given cells, run as the notebook runs them.

    Everything chapter-specific comes from here, the chapter's own notebook (and the chapter
    modules its "imports" cell imports): this shared module imports no chapter module.

    Args:
        chapter: the chapter's name.
        given_cells: ids of the given (non-solution) cells to run after the solutions, in order.

    Returns:
        The namespace dict (``small_resnet``, ``train_small_resnet``, ``standardise``,
        ``PRETRAIN_IMAGES``, ``PRETRAIN_EPOCHS``, ``references``, ...).
    """
    namespace = load_solutions(chapter)
    cells = {cell.get("id"): cell for cell in source_notebook(chapter).cells}
    for cell_id in given_cells:
        source = _python_only(cells[cell_id].source)
        exec(compile(source, f"{chapter}:{cell_id}", "exec"), namespace)
    return namespace


def pretrain_resnets(out: Path | None = None, images: int | None = None, epochs: int | None = None,
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
        {"out", "images", "epochs", "sha256", "seconds", "test_accuracy", "train_loss",
        "summary"}: ``summary`` is the line ``make pretrain`` prints.
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
    digest = save_weights(model, out)
    summary = (
        f"{RESNETS} small ResNet: {images:,} images x {epochs} epochs in {seconds:.0f} s; final "
        f"training loss {history['loss'][-1]:.3f}, test accuracy {accuracy:.1%} on "
        f"{test_images:,} test images\nwrote {out} (sha256 {digest}) and {out.name}.sha256"
    )
    return {"out": out, "images": images, "epochs": epochs, "sha256": digest, "seconds": seconds,
            "test_images": test_images, "test_accuracy": float(accuracy),
            "train_loss": history["loss"][-1], "summary": summary}  # fmt: skip


# Every chapter that ships weights: {chapter: function(out=None, images=None, epochs=None) -> dict
# with a "summary"}. `make pretrain` runs them all, in this order.
PRETRAINERS = {RESNETS: pretrain_resnets}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chapter", choices=sorted(PRETRAINERS), default=None, help="default: every chapter")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None, help="default: the chapter's file in data/ (only with --chapter)")  # fmt: skip
    parser.add_argument("--images", type=int, default=None, help="default: the notebook's")
    parser.add_argument("--epochs", type=int, default=None, help="default: the notebook's")
    args = parser.parse_args()
    if args.chapter is None and (args.out or args.images or args.epochs):
        parser.error("--out, --images and --epochs need --chapter")
    for chapter in [args.chapter] if args.chapter else list(PRETRAINERS):
        result = PRETRAINERS[chapter](args.out, images=args.images, epochs=args.epochs)
        print(result["summary"], flush=True)


if __name__ == "__main__":
    main()
