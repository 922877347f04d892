"""Data sets for the course, all offline: generated deterministically or bundled with packages.

Nothing here downloads. Generated data sets are cached on disk after the first build (see
:mod:`helpers.datasets.cache`).

Conventions, the same in every chapter:

- **images**: channels last, ``(N, H, W, C)``; float32 in ``[0, 1]`` unless a function says
  otherwise (the generators also offer ``dtype="uint8"``, the same pixels times 255).
- **labels**: int64 class indices, ``names[label]`` gives the class name.
- **boxes**: float32 ``(N, 4)`` in the course's one box convention, stated in
  :mod:`helpers.boxes` (with the tight box of a mask, :func:`tight_boxes`, re-exported here).
- **class maps** (segmentation): uint8 ``(N, H, W)``, 0 for background and ``label + 1`` for
  an object; **instance maps**: 0 for background and ``k + 1`` for the k-th object.

Data sets:

- :func:`shape_classification`, :func:`shape_scenes`, :func:`shape_segmentation`: synthetic
  shapes (circle, square, triangle, star, cross), one generator with three views.
- :func:`face_identities`: synthetic face identities with a fixed train / val / test split by
  identity (what raw pixels alone achieve on it is measured in
  :mod:`helpers.references.face_verification`).
- :func:`load_bundled` and friends: real data shipped with scikit-learn, scikit-image and
  matplotlib (handwritten digits, face / non-face crops, photos).
- :func:`load_image_folder`: a learner's own images, one sub-folder per class.

Each module has a gallery function that draws its data set.
"""

from helpers.boxes import tight_boxes
from helpers.datasets.bundled import (
    BUNDLED_NAMES,
    PHOTO_NAMES,
    bundled_gallery,
    load_bundled,
    load_digits,
    load_lfw_subset,
    load_photo,
)
from helpers.datasets.cache import cache_dir, cache_size, clear_cache
from helpers.datasets.faces import (
    SPLIT_IDENTITIES,
    FaceSet,
    face_identities,
    faces_gallery,
    identity_traits,
    render_faces,
    verification_pairs,
)
from helpers.datasets.folder import folder_gallery, load_image_folder
from helpers.datasets.shapes import (
    CLASS_NAMES,
    SEG_CLASS_NAMES,
    ShapeScenes,
    shape_classification,
    shape_masks,
    shape_scenes,
    shape_segmentation,
    shapes_gallery,
)

__all__ = [
    "BUNDLED_NAMES",
    "CLASS_NAMES",
    "PHOTO_NAMES",
    "SEG_CLASS_NAMES",
    "SPLIT_IDENTITIES",
    "FaceSet",
    "ShapeScenes",
    "bundled_gallery",
    "cache_dir",
    "cache_size",
    "clear_cache",
    "face_identities",
    "faces_gallery",
    "folder_gallery",
    "identity_traits",
    "load_bundled",
    "load_digits",
    "load_image_folder",
    "load_lfw_subset",
    "load_photo",
    "render_faces",
    "shape_classification",
    "shape_masks",
    "shape_scenes",
    "shape_segmentation",
    "shapes_gallery",
    "tight_boxes",
    "verification_pairs",
]
