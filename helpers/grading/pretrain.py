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


FACES = "07_face_verification"
FACES_CELLS = ("face-data", "encoder-training")  # run after the solutions, in this order


def pretrain_face_verification(out: Path | None = None, images: int | None = None,
                               epochs: int | None = None, seed: int = 0) -> dict:  # fmt: skip
    """Train chapter 07's face encoder with its own triplet training, and save its weights.

    The network (``build_encoder``), the loss (``triplet_loss``), the mining (``mine_triplets``)
    and the training loop (``train_encoder``) are the notebook's; so are the data and the size
    of the run (``PRETRAIN_RENDERINGS`` renderings of each of the 500 training identities,
    ``PRETRAIN_STEPS`` steps). Only training identities are used: verification is measured on
    identities no run has seen.

    Args:
        out: the .npz file to write (its ``.sha256`` beside it); default: the file the chapter
            loads (``references.PRETRAINED``).
        images: renderings per training identity; default: the notebook's
            ``PRETRAIN_RENDERINGS``.
        epochs: training steps (one mined batch each); default: the notebook's
            ``PRETRAIN_STEPS``.
        seed: seeds Keras' initial weights and the batches.

    Returns:
        {"out", "steps", "sha256", "seconds", "val_accuracy", "summary"}.
    """
    import keras
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    chapter = chapter_namespace(FACES, FACES_CELLS)
    out = Path(out or chapter["references"].PRETRAINED)
    renderings = images or chapter["PRETRAIN_RENDERINGS"]
    steps = epochs or chapter["PRETRAIN_STEPS"]
    train = chapter["load_faces"]("train", renderings)
    keras.utils.set_random_seed(seed)
    encoder = chapter["build_encoder"]()
    start = time.perf_counter()
    losses = chapter["train_encoder"](encoder, train, steps, seed=seed, verbose=True)
    seconds = time.perf_counter() - start
    val_accuracy = chapter["validation_accuracy"](encoder)
    digest = save_weights(encoder, out)
    summary = (
        f"{FACES} encoder: {steps} steps on {renderings} renderings of each training identity "
        f"in {seconds:.0f} s; mean loss of the last 50 steps {float(sum(losses[-50:])) / len(losses[-50:]):.3f}, "
        f"verification accuracy {val_accuracy:.1%} on validation pairs\n"
        f"wrote {out} (sha256 {digest}) and {out.name}.sha256"
    )
    return {"out": out, "steps": steps, "sha256": digest, "seconds": seconds,
            "val_accuracy": val_accuracy, "summary": summary}  # fmt: skip


SEGMENTATION = "06_segmentation"
SEGMENTATION_CELLS = ("scenes", "training")  # SCENES and the test scenes; the training recipe


def pretrain_segmentation(out: Path | None = None, images: int | None = None,
                          epochs: int | None = None, seed: int = 0) -> dict:  # fmt: skip
    """Train chapter 06's U-Net and its twin without skips from scratch; save both, and checksums.

    The networks (``unet()``, ``unet(skips=False)``), the data (``SCENES``, the test scenes) and
    the recipe (``train_unet`` with its ``dihedral`` augmentation, ``PRETRAIN_SCENES``,
    ``PRETRAIN_EPOCHS``) all come from the chapter's notebook (:func:`chapter_namespace`); both
    networks get the same scenes, the same seed, the same augmentation and the same schedule, so
    that the chapter's ablation compares like with like.

    Args:
        out: the U-Net's .npz file (the twin's is written beside it, ``<stem>_no_skips.npz``);
            default: the files the chapter loads (``references.PRETRAINED``).
        images: how many training scenes (split "train", seed 0); default ``PRETRAIN_SCENES``.
        epochs: passes over them, each with a new dihedral augmentation; default
            ``PRETRAIN_EPOCHS``.
        seed: seeds Keras' initial weights, the order of the batches and the augmentation.

    Returns:
        {"out", "images", "epochs", "sha256", "seconds", "cpu_seconds", "test_miou",
        "per_class", "summary"}; all but "images" and "epochs" are dicts keyed by skips (True:
        the U-Net). "cpu_seconds" is this process's CPU time for the training.
    """
    import resource

    import keras
    import tensorflow as tf

    from helpers.datasets import shape_scenes

    tf.config.experimental.enable_op_determinism()
    chapter = chapter_namespace(SEGMENTATION, SEGMENTATION_CELLS)
    files = chapter["references"].PRETRAINED
    outs = {True: Path(out or files[True])}
    outs[False] = outs[True].with_name(outs[True].stem + "_no_skips.npz") if out else files[False]
    images = images or chapter["PRETRAIN_SCENES"]
    epochs = epochs or chapter["PRETRAIN_EPOCHS"]
    scenes = shape_scenes(images, split="train", seed=0, **chapter["SCENES"])
    X_test, Y_test = chapter["X_test"], chapter["Y_test"]
    digests, seconds, cpu, mious, per_class, lines = {}, {}, {}, {}, {}, []
    for skips in (True, False):
        keras.utils.set_random_seed(seed)
        model = chapter["unet"](skips=skips)
        start, used = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        history = chapter["train_unet"](model, scenes.images, scenes.class_maps, epochs,
                                        augment=True, seed=seed, verbose=1)  # fmt: skip
        seconds[skips] = time.perf_counter() - start
        now = resource.getrusage(resource.RUSAGE_SELF)
        cpu[skips] = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
        predicted = chapter["predict_maps"](model, X_test)
        mious[skips], per_class[skips] = chapter["mean_iou"](Y_test, predicted, chapter["NUM_CLASSES"])  # fmt: skip
        digests[skips] = save_weights(model, outs[skips])
        lines.append(
            f"{SEGMENTATION} {model.name}: {images:,} scenes x {epochs} epochs (dihedral "
            f"augmentation) in {seconds[skips]:.0f} s ({cpu[skips]:.0f} s of CPU); final training "
            f"loss {history['loss'][-1]:.3f}, test mean IoU {mious[skips]:.3f} on "
            f"{len(X_test):,} test scenes (per class "
            f"{', '.join(f'{v:.3f}' for v in per_class[skips])})\nwrote {outs[skips]} (sha256 "
            f"{digests[skips]}) and {outs[skips].name}.sha256"
        )
        print(lines[-1], flush=True)
        del model
    return {"out": outs, "images": images, "epochs": epochs, "sha256": digests,
            "seconds": seconds, "cpu_seconds": cpu, "test_miou": mious, "per_class": per_class,
            "summary": "\n".join(lines)}  # fmt: skip


EFFICIENT = "04_efficient_nets"
EFFICIENT_CELLS = ("small-mobilenet",)  # run after the solutions


def pretrain_efficient_nets(out: Path | None = None, images: int | None = None,
                            epochs: int | None = None, seed: int = 0) -> dict:  # fmt: skip
    """Train chapter 04's small MobileNetV2 to recognise the 500 training face identities, and
    save its base (everything but the classifier) for the chapter's transfer experiment.

    The network (``small_mobilenet``, built from the notebook's ``inverted_residual_block``),
    the training loop (``train``, with the ``mirror`` augmentation) and the size of the run
    (``PRETRAIN_RENDERINGS`` renderings of each identity at 32 x 32, ``PRETRAIN_EPOCHS`` epochs
    at ``PRETRAIN_LR``) are the notebook's. Only training identities (0..499) are used: the
    chapter's target people come from the test split, which no run has seen.

    Args:
        out: the .npz file to write (its ``.sha256`` beside it); default: the file the chapter
            loads (``references.PRETRAINED``).
        images: renderings per training identity; default: the notebook's
            ``PRETRAIN_RENDERINGS``.
        epochs: passes over them; default: the notebook's ``PRETRAIN_EPOCHS``.
        seed: seeds Keras' initial weights, the mirroring and the order of the batches.

    Returns:
        {"out", "images", "epochs", "sha256", "seconds", "train_accuracy", "train_loss",
        "summary"}.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    from helpers.datasets import face_identities

    tf.config.experimental.enable_op_determinism()
    chapter = chapter_namespace(EFFICIENT, EFFICIENT_CELLS)
    out = Path(out or chapter["references"].PRETRAINED)
    renderings = images or chapter["PRETRAIN_RENDERINGS"]
    epochs = epochs or chapter["PRETRAIN_EPOCHS"]
    faces = face_identities("train", renderings_per_identity=renderings, size=32)
    X, y = faces.images, faces.identities  # identities 0..499: the class index itself
    keras.utils.set_random_seed(seed)
    model = chapter["small_mobilenet"](int(np.max(y)) + 1)
    start = time.perf_counter()
    losses = chapter["train"](model, X, y, epochs, chapter["PRETRAIN_LR"], batch_size=64,
                              augment=chapter["mirror"], seed=seed, verbose=True)  # fmt: skip
    seconds = time.perf_counter() - start
    train_accuracy = float(np.mean(model.predict(X, verbose=0).argmax(axis=1) == y))
    digest = save_weights(chapter["base_of"](model), out)
    summary = (
        f"{EFFICIENT} small MobileNetV2: {len(y):,} images of {int(np.max(y)) + 1} identities x "
        f"{epochs} epochs in {seconds:.0f} s; final training loss {losses[-1]:.3f}, training "
        f"accuracy {train_accuracy:.1%}\nwrote {out} (sha256 {digest}) and {out.name}.sha256"
    )
    return {"out": out, "images": renderings, "epochs": epochs, "sha256": digest,
            "seconds": seconds, "train_accuracy": train_accuracy, "train_loss": losses[-1],
            "summary": summary}  # fmt: skip


# Every chapter that ships weights: {chapter: function(out=None, images=None, epochs=None) -> dict
# with a "summary"}. `make pretrain` runs them all, in this order.
PRETRAINERS = {RESNETS: pretrain_resnets, EFFICIENT: pretrain_efficient_nets, FACES: pretrain_face_verification,
               SEGMENTATION: pretrain_segmentation}  # fmt: skip


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
