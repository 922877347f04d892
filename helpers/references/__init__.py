"""Independent references that the checks compare a learner's function with.

One module per chapter, named by the chapter's slug: :mod:`~helpers.references.convolution`
(01: TensorFlow's conv and pool ops and their gradients), :mod:`~helpers.references.keras_classics`
(02: the published layer tables built as Keras models), :mod:`~helpers.references.object_detection`
(05: pixel-count IoU, TensorFlow's NMS, pycocotools' mAP, the YOLO target and loss by
definition), :mod:`~helpers.references.face_verification` (07, ahead of its chapter: the
verification threshold from scikit-learn's ROC, and what raw pixels achieve on the faces). A reference is computed another way than the exercise asks (a library op, a
count, a published table): never a copy of a solution.
"""
