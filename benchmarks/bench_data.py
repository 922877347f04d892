"""Measured figures of the data and weights layer (issue 3): run `python benchmarks/bench_data.py`.

Prints: generation speed of 10,000 64x64 classification images (median of 3 runs, no cache)
against the 10 s limit, the on-disk cache size of the default data sets, the raw-pixel face
verification baseline (helpers.references.face_verification), and which VGG weights load
offline and how long loading takes. The cache is built in a temporary folder unless --cache-dir
is given, so the figures are those of a first build.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# The data layer's promise (issue 3): 10,000 64x64 shape images in at most this long.
SHAPES_LIMIT_SECONDS = 10


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cache-dir", help="cache folder to fill (default: a temporary one)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ["CNN_COURSE_CACHE"] = args.cache_dir or tmp.name

    from helpers.datasets import cache, faces, shapes
    from helpers.references import face_verification

    print(f"CPU cores: {os.cpu_count()}")
    shapes.shape_classification(16, 64, cache=False)  # load the photos for the backgrounds once
    runs, cpu = [], []
    for _ in range(3):
        start_cpu = time.process_time()
        runs.append(timed(shapes.shape_classification, 10_000, 64, cache=False)[1])
        cpu.append(time.process_time() - start_cpu)
    # The speed bound is measured here, not asserted in a test: a busy machine would fail it.
    median = statistics.median(runs)
    verdict = "within" if median <= SHAPES_LIMIT_SECONDS else "OVER"
    print(
        f"shapes: 10,000 64x64 classification images in {median:.2f} s wall "
        f"(median of 3: {', '.join(f'{t:.2f}' for t in runs)}; {verdict} the "
        f"{SHAPES_LIMIT_SECONDS} s limit), "
        f"{statistics.median(cpu):.2f} s of CPU time over both threads"
    )
    _, t = timed(shapes.shape_scenes, 2_000, 64, cache=False)
    print(f"shapes: 2,000 64x64 detection/segmentation scenes in {t:.2f} s")

    sizes = {}
    for label, build in [
        ("shapes classification 10,000 x 64x64", lambda: shapes.shape_classification(10_000)),
        ("shapes scenes 2,000 x 64x64", lambda: shapes.shape_scenes(2_000)),
        ("faces train 500 ids x 10", lambda: faces.face_identities("train")),
        ("faces val 100 ids x 10", lambda: faces.face_identities("val")),
        ("faces test 100 ids x 10", lambda: faces.face_identities("test")),
    ]:
        before = cache.cache_size()
        _, t_build = timed(build)
        _, t_read = timed(build)
        sizes[label] = cache.cache_size() - before
        print(
            f"cache: {label}: {sizes[label] / 1e6:.1f} MB, "
            f"first call {t_build:.2f} s, read back {t_read:.2f} s"
        )
    print(f"cache: total {cache.cache_size() / 1e6:.1f} MB in {cache.cache_dir()}")

    result, t = timed(face_verification.raw_pixel_baseline)
    print(
        "faces: raw-pixel baseline on test identities never used for the threshold: "
        f"verification accuracy {result['verification_accuracy']:.3f} (chance 0.5; threshold "
        f"chosen on val, val accuracy {result['val_accuracy']:.3f}); one-shot nearest-neighbour "
        f"identification {result['nn_identification_accuracy']:.3f} "
        f"(chance {result['chance_identification']:.3f}); {t:.1f} s"
    )

    _, t_import = timed(__import__, "keras")
    print(f"weights: importing keras/TensorFlow took {t_import:.1f} s (not counted below)")
    from helpers import weights

    for arch in weights.ARCHS:
        path = weights.imagenet_weights_path(arch)
        print(f"weights: ImageNet {arch}: {path if path else 'not in the Keras cache'}")
    for arch, source in [("vgg19", "auto"), ("vgg16", "hed")]:
        times = []
        for _ in range(3):
            vgg = weights.load_vgg(arch, source=source)
            times.append(vgg.load_seconds)
        print(
            f"weights: load_vgg({arch!r}, source={source!r}) -> {vgg.arch} from {vgg.source}; "
            f"load time median of 3: {statistics.median(times):.2f} s (first {times[0]:.2f} s)"
        )
    tmp.cleanup()


if __name__ == "__main__":
    main()
