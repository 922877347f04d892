"""Learner-facing checks: compare a learner's function with a reference and say what differs.

- :mod:`helpers.checks.common`: :class:`~helpers.checks.common.CheckFailed` and the few
  functions every chapter's checks build on (calling the learner's code, shapes, values).
- One module per chapter, named by the chapter's slug: :mod:`~helpers.checks.convolution`
  (01), :mod:`~helpers.checks.keras_classics` (02), :mod:`~helpers.checks.object_detection` (05).
  Each has ``check_*`` (the visible check), ``compare_*`` (one case) and ``random_*_cases``
  (the hidden tests' cases).

A chapter module imports :mod:`helpers.checks.common` and its own chapter's references only.
"""
